import { test, expect, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import {
  SIM_URL,
  approve,
  askForApproval,
  jobFinished,
  makeUsers,
  sendRequestForm,
  signedInPage,
  simGet,
  simHeaders,
  simInfo,
  simUser,
  type SimInfo,
  type SimPerson,
} from './helpers';

// Every action the pages offer that the other specs do not walk, each checked against the
// simulator's state afterwards. Direct changes happen at once; risky ones are asked for by
// an operator and carried out only when a second person (an admin) approves.

/** An operator and an approver, each in a browser context of their own. */
async function twoPeople(browser: Browser, info: SimInfo): Promise<[Page, Page]> {
  const [approverPerson, operatorPerson]: SimPerson[] = info.admins;
  return [await signedInPage(browser, operatorPerson), await signedInPage(browser, approverPerson)];
}

async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

async function user(request: APIRequestContext, info: SimInfo, id: string) {
  const response = await simUser(request, info, id);
  expect(response.ok()).toBeTruthy();
  return response.json();
}

test("a user's page: every change, direct or through approval, reaches Airtable", async ({ browser, request }) => {
  test.setTimeout(180_000);
  const info = await simInfo(request);
  const [operator, approver] = await twoPeople(browser, info);
  const prefix = `act${Date.now()}`;
  const [person, leaver] = await makeUsers(request, info, prefix, 2);
  const domain = person.email.split('@')[1];

  await open(operator, `/users/${person.id}`);
  await expect(operator.getByTestId('user-email')).toHaveText(person.email);

  // Direct: name and email address.
  await operator.getByLabel('First name').fill('Renamed');
  await operator.getByLabel('Last name').fill('Person');
  await operator.getByRole('button', { name: 'Save name' }).click();
  await expect(operator.getByTestId('renamed')).toBeVisible();
  await expect(operator.getByTestId('user-name')).toHaveText('Renamed Person');
  expect((await user(request, info, person.id)).name).toBe('Renamed Person');

  const moved = `${prefix}.moved@${domain}`;
  await operator.getByLabel('New email address').fill(moved);
  await operator.getByRole('button', { name: 'Change email' }).click();
  await expect(operator.getByTestId('email-changed')).toBeVisible();
  await expect(operator.getByTestId('user-email')).toHaveText(moved);
  expect((await user(request, info, person.id)).email).toBe(moved);

  // Through approval: granting admin access (as powerful as anything the console guards).
  const grant = await askForApproval(operator.locator('main'), 'Grant admin access', 'Joins the IT team (e2e).');
  expect((await user(request, info, person.id)).isAdmin).toBe(false);
  await approve(approver, grant);
  expect((await user(request, info, person.id)).isAdmin).toBe(true);

  // Through approval: revoking it again, then deactivating.
  await open(operator, `/users/${person.id}`);
  const revoke = await askForApproval(operator.locator('main'), 'Revoke admin access', 'Granted for a day only (e2e).');
  expect((await user(request, info, person.id)).isAdmin).toBe(true);
  await approve(approver, revoke);
  expect((await user(request, info, person.id)).isAdmin).toBe(false);

  await open(operator, `/users/${person.id}`);
  const deactivate = await askForApproval(operator.locator('main'), 'Deactivate', 'On leave for a year (e2e).');
  expect((await user(request, info, person.id)).state).toBe('provisioned');
  await approve(approver, deactivate);
  expect((await user(request, info, person.id)).state).toBe('deactivated');

  // Direct: reactivating, and releasing the user from the enterprise's management.
  await open(operator, `/users/${person.id}`);
  await expect(operator.getByTestId('user-state')).toHaveText('deactivated');
  await operator.getByRole('button', { name: 'Reactivate' }).click();
  await jobFinished(operator, 1);
  expect((await user(request, info, person.id)).state).toBe('provisioned');
  await open(operator, `/users/${person.id}`);
  await operator.getByRole('button', { name: 'Release as an unmanaged user' }).click();
  await jobFinished(operator, 1);
  expect((await user(request, info, person.id)).isManaged).toBe(false);
  await open(operator, `/users/${person.id}`);
  await operator.getByRole('button', { name: 'Claim as a managed user' }).click();
  await jobFinished(operator, 1);
  expect((await user(request, info, person.id)).isManaged).toBe(true);

  // Removing someone from the enterprise: the request shows Airtable's dry run (the base
  // they would lose), and only the approval removes them from it.
  const bases = await simGet(request, info, '/v0/meta/bases');
  const base = bases.bases[bases.bases.length - 1];
  const added = await request.post(`${SIM_URL}/v0/meta/bases/${base.id}/collaborators`, {
    headers: simHeaders(info),
    data: { collaborators: [{ user: { id: leaver.id }, permissionLevel: 'read' }] },
  });
  expect(added.ok(), await added.text()).toBeTruthy();
  await open(operator, `/users/${leaver.id}`);
  await expect(operator.getByTestId('collaboration-row').filter({ hasText: base.id })).toBeVisible();
  const remove = await askForApproval(operator.locator('main'), `Remove ${leaver.email} from the enterprise…`, 'Contractor, contract ended (e2e).');
  await operator.goto(remove);
  await expect(operator.getByTestId('approval-preview')).toContainText('Bases unshared');
  await expect(operator.getByTestId('approval-preview')).toContainText(base.id);
  const collaboratorsOf = async () => {
    const found = await simGet(request, info, `/v0/meta/bases/${base.id}?include=collaborators`);
    return found.individualCollaborators.baseCollaborators.map((c: { userId: string }) => c.userId);
  };
  expect(await collaboratorsOf()).toContain(leaver.id);
  await approve(approver, remove);
  expect(await collaboratorsOf()).not.toContain(leaver.id);
});

interface BaseFacts {
  id: string;
  name: string;
  // The simulator's JSON, as Airtable answers.
  base: any;
  shares: any[];
  blocks: any[];
}

/** The bases from the end of the list (the other specs use the first ones), read in full. */
async function readBases(request: APIRequestContext, info: SimInfo, n: number): Promise<BaseFacts[]> {
  const list = await simGet(request, info, '/v0/meta/bases');
  const out: BaseFacts[] = [];
  for (const b of list.bases.slice(-n).reverse()) {
    const base = await simGet(request, info, `/v0/meta/bases/${b.id}?include=collaborators&include=inviteLinks&include=interfaces`);
    const shares = (await simGet(request, info, `/v0/meta/bases/${b.id}/shares`)).shares;
    // Airtable answers a bare array here.
    const blocks = await simGet(request, info, `/v0/meta/bases/${b.id}/blockInstallations`);
    out.push({ id: b.id, name: b.name, base, shares, blocks });
  }
  return out;
}

test("a base's page: shares, extensions, invite links, interface and base collaborators", async ({ browser, request }) => {
  test.setTimeout(180_000);
  const info = await simInfo(request);
  const [operator, approver] = await twoPeople(browser, info);
  const bases = await readBases(request, info, 25);

  // Shares: turning one off, turning it on again (its link exposes the data) and deleting it all need approval.
  const withShare = bases.find((b) => b.shares.some((s) => s.state === 'enabled'));
  expect(withShare, 'a base with an enabled share').toBeTruthy();
  const share = withShare!.shares.find((s) => s.state === 'enabled').shareId;
  const shareState = async () => {
    const now = (await simGet(request, info, `/v0/meta/bases/${withShare!.id}/shares`)).shares;
    return now.find((s: { shareId: string }) => s.shareId === share)?.state ?? 'gone';
  };
  await open(operator, `/bases/${withShare!.id}`);
  let row = operator.getByTestId('share-row').filter({ hasText: share });
  await approve(approver, await askForApproval(row, 'Disable…', 'Shared with a vendor by mistake (e2e).'));
  expect(await shareState()).toBe('disabled');
  await open(operator, `/bases/${withShare!.id}`);
  row = operator.getByTestId('share-row').filter({ hasText: share });
  await expect(row.getByTestId('share-state')).toHaveText('disabled');
  await approve(approver, await askForApproval(row, 'Enable…', 'The vendor contract was renewed (e2e).'));
  expect(await shareState()).toBe('enabled');
  await open(operator, `/bases/${withShare!.id}`);
  row = operator.getByTestId('share-row').filter({ hasText: share });
  await expect(row.getByTestId('share-state')).toHaveText('enabled');
  await approve(approver, await askForApproval(row, 'Delete…', 'No longer needed (e2e).'));
  expect(await shareState()).toBe('gone');

  // Extensions: the same three steps.
  const withBlock = bases.find((b) => b.blocks.some((x) => x.state === 'enabled'));
  expect(withBlock, 'a base with an enabled extension').toBeTruthy();
  const block = withBlock!.blocks.find((x) => x.state === 'enabled').id;
  const blockState = async () => {
    const now = await simGet(request, info, `/v0/meta/bases/${withBlock!.id}/blockInstallations`);
    return now.find((x: { id: string }) => x.id === block)?.state ?? 'gone';
  };
  await open(operator, `/bases/${withBlock!.id}`);
  row = operator.getByTestId('extension-row').filter({ hasText: block });
  await approve(approver, await askForApproval(row, 'Turn off…', 'Sends records to an unknown site (e2e).'));
  expect(await blockState()).toBe('disabled');
  await open(operator, `/bases/${withBlock!.id}`);
  row = operator.getByTestId('extension-row').filter({ hasText: block });
  await row.getByRole('button', { name: 'Enable' }).click();
  await expect(row.getByTestId('extension-state')).toHaveText('enabled');
  expect(await blockState()).toBe('enabled');
  await approve(approver, await askForApproval(row, 'Delete…', 'Replaced by a script (e2e).'));
  expect(await blockState()).toBe('gone');

  // A base's own invite link.
  const withInvite = bases.find((b) => (b.base.inviteLinks?.baseInviteLinks ?? []).length > 0);
  expect(withInvite, 'a base with an invite link').toBeTruthy();
  const invite = withInvite!.base.inviteLinks.baseInviteLinks[0].id;
  const baseInvites = async () =>
    (await simGet(request, info, `/v0/meta/bases/${withInvite!.id}?include=inviteLinks`)).inviteLinks.baseInviteLinks.map(
      (i: { id: string }) => i.id,
    );
  await open(operator, `/bases/${withInvite!.id}`);
  row = operator.getByTestId('invite-row').filter({ hasText: invite });
  await approve(approver, await askForApproval(row, 'Delete invite link…', 'Posted in a public channel (e2e).'));
  expect(await baseInvites()).not.toContain(invite);

  // An interface's collaborator and invite link.
  const interfaces = bases.flatMap((b) =>
    Object.values(b.base.interfaces ?? {}).map((i: any) => ({ base: b.id, ...i })),
  );
  const shared = interfaces.find((i) => i.individualCollaborators.length > 0);
  expect(shared, 'an interface shared with a person').toBeTruthy();
  const member = shared!.individualCollaborators[0];
  const interfaceOf = (base: string, id: string) =>
    simGet(request, info, `/v0/meta/bases/${base}/interfaces/${id}?include=collaborators&include=inviteLinks`);
  await open(operator, `/bases/${shared!.base}`);
  let item = operator.getByTestId('interface-row').filter({ hasText: shared!.id }).locator('li').filter({ hasText: member.email });
  await approve(approver, await askForApproval(item, 'Remove…', 'Moved to another team (e2e).'));
  const after = await interfaceOf(shared!.base, shared!.id);
  expect(after.individualCollaborators.interfaceCollaborators.map((c: { userId: string }) => c.userId)).not.toContain(
    member.userId,
  );

  const invited = interfaces.find((i) => i.inviteLinks.length > 0);
  expect(invited, 'an interface with an invite link').toBeTruthy();
  const link = invited!.inviteLinks[0].id;
  await open(operator, `/bases/${invited!.base}`);
  item = operator.getByTestId('interface-row').filter({ hasText: invited!.id }).locator('li').filter({ hasText: link });
  await approve(approver, await askForApproval(item, 'Delete invite link…', 'Expired campaign (e2e).'));
  const afterLink = await interfaceOf(invited!.base, invited!.id);
  expect(afterLink.inviteLinks.map((i: { id: string }) => i.id)).not.toContain(link);

  // A collaborator on the base itself: the permission changes at once.
  const withPeople = bases.find((b) =>
    b.base.individualCollaborators.baseCollaborators.some((c: { permissionLevel: string }) => c.permissionLevel !== 'owner'),
  );
  expect(withPeople, 'a base with a non-owner collaborator of its own').toBeTruthy();
  const collaborator = withPeople!.base.individualCollaborators.baseCollaborators.find(
    (c: { permissionLevel: string }) => c.permissionLevel !== 'owner',
  );
  const next = collaborator.permissionLevel === 'read' ? 'comment' : 'read';
  await open(operator, `/bases/${withPeople!.id}`);
  row = operator.getByTestId('collaborator-row').filter({ hasText: collaborator.userId });
  await row.locator('select[name=permission]').selectOption(next);
  await row.getByRole('button', { name: 'Change' }).click();
  await expect(row.getByTestId('collaborator-permission')).toHaveText(next);
  const people = (await simGet(request, info, `/v0/meta/bases/${withPeople!.id}?include=collaborators`)).individualCollaborators
    .baseCollaborators;
  expect(people.find((c: { userId: string }) => c.userId === collaborator.userId).permissionLevel).toBe(next);

  // ...and removing them from the base needs approval.
  await approve(approver, await askForApproval(row, 'Remove…', 'Left the project (e2e).'));
  const left = (await simGet(request, info, `/v0/meta/bases/${withPeople!.id}?include=collaborators`)).individualCollaborators
    .baseCollaborators;
  expect(left.map((c: { userId: string }) => c.userId)).not.toContain(collaborator.userId);
});

test('workspaces and groups: restrictions, collaborators, invite links, deleting a base and a workspace, moving a group', async ({ browser, request }) => {
  test.setTimeout(180_000);
  const info = await simInfo(request);
  const [operator, approver] = await twoPeople(browser, info);
  const newcomer = info.non_admins[1];

  // A workspace of this test's own, with a collaborator and a base.
  const name = `E2E actions ${Date.now()}`;
  await open(operator, '/workspaces');
  await operator.getByLabel('Name', { exact: true }).fill(name);
  await operator.getByRole('button', { name: 'Create' }).click();
  await operator.getByTestId('workspace-created').getByRole('link').click();
  await expect(operator.getByTestId('workspace-name')).toHaveText(name);
  await expect(operator.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const workspace = (await operator.getByTestId('workspace-id').textContent())?.trim() ?? '';
  expect(workspace).toMatch(/^wsp/);
  const simWorkspace = () => simGet(request, info, `/v0/meta/workspaces/${workspace}?include=collaborators&include=inviteLinks`);

  // Restrictions, directly.
  await operator.getByLabel('Who may create invites').selectOption('onlyOwners');
  await operator.getByLabel('Who may create shares').selectOption('onlyOwners');
  await operator.getByRole('button', { name: 'Save restrictions' }).click();
  await expect(operator.getByTestId('invite-restriction')).toHaveText('onlyOwners');
  await expect(operator.getByTestId('share-restriction')).toHaveText('onlyOwners');
  const restricted = await simWorkspace();
  expect(restricted.workspaceRestrictions.inviteCreationRestriction).toBe('onlyOwners');
  expect(restricted.workspaceRestrictions.shareCreationRestriction).toBe('onlyOwners');

  // A collaborator added, then their permission changed, directly.
  await operator.getByLabel('User or group ID (usr… or ugp…)').fill(newcomer.id);
  await operator.getByLabel('Permission', { exact: true }).selectOption('read');
  await operator.getByRole('button', { name: 'Add', exact: true }).click();
  const row = operator.getByTestId('collaborator-row').filter({ hasText: newcomer.email });
  await expect(row.getByTestId('collaborator-permission')).toHaveText('read');
  await row.locator('select[name=permission]').selectOption('edit');
  await row.getByRole('button', { name: 'Change' }).click();
  await expect(row.getByTestId('collaborator-permission')).toHaveText('edit');
  const withPeople = await simWorkspace();
  expect(
    withPeople.individualCollaborators.workspaceCollaborators.find((c: { userId: string }) => c.userId === newcomer.id)
      .permissionLevel,
  ).toBe('edit');

  // Removing a collaborator goes through approval.
  await open(operator, `/workspaces/${workspace}`);
  const removal = await askForApproval(row, 'Remove…', 'Only needed for a day (e2e).');
  await approve(approver, removal);
  const withoutThem = await simWorkspace();
  expect(withoutThem.individualCollaborators.workspaceCollaborators.map((c: { userId: string }) => c.userId)).not.toContain(
    newcomer.id,
  );

  // A base made here, then deleted through approval with its name typed.
  await operator.getByText('Make a base here…').click();
  await operator.getByLabel('Name of the base').fill('E2E doomed base');
  await operator.getByLabel('Name of its first table').fill('Things');
  await operator.getByRole('button', { name: 'Make base' }).click();
  await expect(operator.getByTestId('base-created')).toBeVisible();
  const baseId = (await operator.getByTestId('base-created').getByRole('link').textContent())?.trim() ?? '';
  expect(baseId).toMatch(/^app/);
  await open(operator, `/bases/${baseId}`);
  // The confirmation names what goes with it.
  const baseSummary = operator.locator('details.risky summary').filter({ hasText: 'Delete base E2E doomed base' });
  await expect(baseSummary).toHaveText(/^Delete base E2E doomed base \(\d+ collaborators, 0 shares, 0 interfaces\)…$/);
  const deleteBase = (await baseSummary.textContent()) ?? '';
  await approve(approver, await askForApproval(operator.locator('main'), deleteBase, 'Made by mistake (e2e).', 'E2E doomed base'));
  const gone = await request.get(`${SIM_URL}/v0/meta/bases/${baseId}`, { headers: simHeaders(info) });
  expect(gone.status()).toBe(404);

  // An invite link of a seeded workspace.
  const enterprise = await simGet(request, info, `/v0/meta/enterpriseAccounts/${info.enterprise_account_id}`);
  let withInvite: { id: string; invite: string } | undefined;
  for (const id of [...enterprise.workspaceIds].reverse()) {
    const found = await simGet(request, info, `/v0/meta/workspaces/${id}?include=inviteLinks`);
    const links = found.inviteLinks?.workspaceInviteLinks ?? [];
    if (links.length > 0) {
      withInvite = { id, invite: links[0].id };
      break;
    }
  }
  expect(withInvite, 'a workspace with an invite link').toBeTruthy();
  await open(operator, `/workspaces/${withInvite!.id}`);
  const inviteRow = operator.getByTestId('invite-row').filter({ hasText: withInvite!.invite });
  await approve(approver, await askForApproval(inviteRow, 'Delete invite link…', 'Old onboarding link (e2e).'));
  const links = (await simGet(request, info, `/v0/meta/workspaces/${withInvite!.id}?include=inviteLinks`)).inviteLinks
    .workspaceInviteLinks;
  expect(links.map((i: { id: string }) => i.id)).not.toContain(withInvite!.invite);

  // The workspace itself, through approval with its name typed.
  await open(operator, `/workspaces/${workspace}`);
  const workspaceSummary = operator.locator('details.risky summary').filter({ hasText: `Delete workspace ${name}` });
  await expect(workspaceSummary).toHaveText(/\(0 bases, \d+ collaborators\)…$/);
  const summary = (await workspaceSummary.textContent()) ?? '';
  await approve(approver, await askForApproval(operator.locator('main'), summary, 'Test workspace (e2e).', name));
  const workspaceGone = await request.get(`${SIM_URL}/v0/meta/workspaces/${workspace}`, { headers: simHeaders(info) });
  expect(workspaceGone.status()).toBe(404);

  // A group moved to a descendant account, through approval from the overview.
  const group = enterprise.groupIds[enterprise.groupIds.length - 1];
  await open(operator, '/');
  let target: string = (enterprise.descendantEnterpriseAccountIds ?? [])[0];
  if (!target) {
    await operator.getByLabel('Name of the new account').fill(`E2E subsidiary ${Date.now()}`);
    await operator.getByRole('button', { name: 'Create account' }).click();
    await expect(operator.getByTestId('descendant-created')).toBeVisible();
    const again = await simGet(request, info, `/v0/meta/enterpriseAccounts/${info.enterprise_account_id}`);
    target = again.descendantEnterpriseAccountIds[0];
  }
  expect(target, 'a descendant account to move to').toBeTruthy();
  await operator.getByText('Move workspaces or groups to another account…').click();
  await operator.getByLabel('Groups').check();
  await operator.getByLabel('IDs (wsp… or ugp…, separated by spaces, commas or lines)').fill(group);
  await operator.getByLabel('To the account').fill(target);
  await operator.locator('#move-reason').fill('The group belongs to the subsidiary (e2e).');
  await operator.getByRole('button', { name: 'Ask for approval' }).click();
  const sent = operator.getByTestId('request-sent').getByRole('link', { name: 'follow the request' });
  const moveUrl = (await sent.getAttribute('href')) ?? '';
  expect((await simGet(request, info, `/v0/meta/groups/${group}`)).enterpriseAccountId).toBe(info.enterprise_account_id);
  await approve(approver, moveUrl);
  expect((await simGet(request, info, `/v0/meta/groups/${group}`)).enterpriseAccountId).toBe(target);

  // A workspace of this test's own moved there too.
  await open(operator, '/workspaces');
  await operator.getByLabel('Name', { exact: true }).fill(`${name} (moving)`);
  await operator.getByRole('button', { name: 'Create' }).click();
  await operator.getByTestId('workspace-created').getByRole('link').click();
  await expect(operator.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const moving = (await operator.getByTestId('workspace-id').textContent())?.trim() ?? '';
  expect(moving).toMatch(/^wsp/);
  await open(operator, '/');
  await operator.getByText('Move workspaces or groups to another account…').click();
  await operator.getByLabel('Workspaces', { exact: true }).check();
  await operator.getByLabel('IDs (wsp… or ugp…, separated by spaces, commas or lines)').fill(moving);
  await operator.getByLabel('To the account').fill(target);
  await operator.locator('#move-reason').fill('Run by the subsidiary now (e2e).');
  await operator.getByRole('button', { name: 'Ask for approval' }).click();
  const workspaceMove = (await sent.getAttribute('href')) ?? '';
  const root = () => simGet(request, info, `/v0/meta/enterpriseAccounts/${info.enterprise_account_id}`);
  expect((await root()).workspaceIds).toContain(moving);
  await approve(approver, workspaceMove);
  expect((await root()).workspaceIds).not.toContain(moving);
});
