import { test, expect } from '@playwright/test';
import { approve, signIn, signedInPage, simGet, simInfo } from './helpers';

test('the overview shows the organization, and a descendant account is made and a move is asked for', async ({ page, request }) => {
  const info = await simInfo(request);
  const operator = info.admins[1];
  await signIn(page, operator);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');

  await expect(page.getByTestId('waiting-for-me')).toBeVisible();
  await expect(page.getByTestId('recent-risky-events')).toBeVisible();
  await expect(page.getByTestId('audit-sync')).toBeVisible();

  const name = `E2E account ${Date.now()}`;
  await page.getByLabel('Name of the new account').fill(name);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('descendant-created')).toBeVisible();
  const row = page.getByTestId('descendant-row').filter({ hasText: name });
  await expect(row).toBeVisible();
  const accountId = (await row.locator('code').textContent())?.trim() ?? '';
  expect(accountId).toMatch(/^ent/);

  // Airtable has it.
  const enterprise = await simGet(request, info, `/v0/meta/enterpriseAccounts/${info.enterprise_account_id}`);
  expect(enterprise.descendantEnterpriseAccountIds).toContain(accountId);

  // Moving a workspace there is only a request for a second person.
  const workspace = enterprise.workspaceIds[0];
  await page.getByText('Move workspaces or groups to another account…').click();
  await page.getByLabel('IDs (wsp… or ugp…, separated by spaces, commas or lines)').fill(workspace);
  await page.getByLabel('To the account').fill(accountId);
  await page.locator('#move-reason').fill('Belongs to the new subsidiary (e2e).');
  await page.getByRole('button', { name: 'Ask for approval' }).click();
  await expect(page.getByTestId('request-sent')).toBeVisible();
  const after = await simGet(request, info, `/v0/meta/enterpriseAccounts/${info.enterprise_account_id}`);
  expect(after.workspaceIds).toContain(workspace);
});

test('personal access tokens are listed, and revoking one happens once a second person approves', async ({ browser, page, request }) => {
  const info = await simInfo(request);
  const operator = info.admins[1];
  await signIn(page, operator);
  await page.goto('/enterprise/tokens');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const listed = await simGet(request, info, `/v0/meta/enterpriseAccounts/${info.enterprise_account_id}/personalAccessTokens`);
  await expect(page.getByTestId('token-row')).toHaveCount(listed.personalAccessTokens.length);

  const token = listed.personalAccessTokens.find((t: { state: string }) => t.state === 'active');
  await page.getByLabel('Name, token ID, owner or scope').fill(token.id);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\?q=/);
  const row = page.getByTestId('token-row');
  await expect(row).toHaveCount(1);
  await row.getByText('Revoke…').click();
  await row.locator('textarea[name=reason]').fill('Seen in a public repository (e2e).');
  await row.getByRole('button', { name: 'Ask for approval' }).click();
  await expect(row.getByTestId('request-sent')).toBeVisible();
  const stateOf = async () => {
    const now = await simGet(request, info, `/v0/meta/enterpriseAccounts/${info.enterprise_account_id}/personalAccessTokens`);
    return now.personalAccessTokens.find((t: { id: string }) => t.id === token.id).state;
  };
  expect(await stateOf()).toBe('active');
  const requestUrl = (await row.getByTestId('request-sent').getByRole('link', { name: 'follow the request' }).getAttribute('href')) ?? '';
  await approve(await signedInPage(browser, info.admins[0]), requestUrl);
  expect(await stateOf()).toBe('revoked');
});

test('a package is installed into a workspace, and the AI allowlist is changed', async ({ page, request }) => {
  const info = await simInfo(request);
  const operator = info.admins[1];
  await signIn(page, operator);
  const enterprise = await simGet(request, info, `/v0/meta/enterpriseAccounts/${info.enterprise_account_id}`);
  const workspace = enterprise.workspaceIds[1];

  await page.goto('/enterprise/packages');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const row = page.getByTestId('package-row').filter({ has: page.getByText('Install…') }).first();
  await row.getByText('Install…').click();
  await row.getByLabel('Workspace ID').fill(workspace);
  await row.getByLabel('Name of the new base').fill('E2E installed base');
  await row.getByRole('button', { name: 'Install', exact: true }).click();
  await expect(page.getByTestId('package-installed')).toBeVisible();
  const baseId = (await page.getByTestId('package-installed').getByRole('link').textContent())?.trim() ?? '';
  const ws = await simGet(request, info, `/v0/meta/workspaces/${workspace}`);
  expect(ws.baseIds).toContain(baseId);

  await page.goto('/enterprise/ai');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Workspace IDs (wsp…, separated by spaces, commas or lines)').fill(workspace);
  await page.getByLabel('Not allowed').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('ai-updated')).toContainText('not allowed');
  await expect(page.getByTestId('ai-change-row').filter({ hasText: workspace })).toBeVisible();
});

test('SCIM users and groups are listed and searched', async ({ page, request }) => {
  const info = await simInfo(request);
  await signIn(page, info.admins[1]);
  await page.goto('/scim/users');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const scim = await simGet(request, info, '/scim/v2/Users');
  await expect(page.getByTestId('scim-count')).toContainText(`of ${scim.totalResults}`);
  const someone = scim.Resources[0];
  await page.getByLabel(/Email address, or a SCIM filter/).fill(someone.userName);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByTestId('scim-user-row')).toHaveCount(1);
  await expect(page.getByTestId('scim-user-row')).toContainText(someone.userName);

  await page.getByRole('navigation', { name: 'SCIM' }).getByRole('link', { name: 'Groups' }).click();
  await expect(page).toHaveURL(/\/scim\/groups$/);
  const groups = await simGet(request, info, '/scim/v2/Groups');
  await expect(page.getByTestId('scim-count')).toContainText(`of ${groups.totalResults}`);
});

test('a base is made in a workspace, shared with a person and moved to another workspace through approval', async ({ browser, page, request }) => {
  const info = await simInfo(request);
  await signIn(page, info.admins[1]);
  const enterprise = await simGet(request, info, `/v0/meta/enterpriseAccounts/${info.enterprise_account_id}`);
  const [home, other] = [enterprise.workspaceIds[2], enterprise.workspaceIds[3]];

  await page.goto(`/workspaces/${home}`);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByText('Make a base here…').click();
  await page.getByLabel('Name of the base').fill('E2E made base');
  await page.getByLabel('Name of its first table').fill('Tasks');
  await page.getByRole('button', { name: 'Make base' }).click();
  await expect(page.getByTestId('base-created')).toBeVisible();
  const baseId = (await page.getByTestId('base-created').getByRole('link').textContent())?.trim() ?? '';
  expect(baseId).toMatch(/^app/);
  const schema = await simGet(request, info, `/v0/meta/bases/${baseId}/tables`);
  expect(schema.tables.map((t: { name: string }) => t.name)).toEqual(['Tasks']);

  await page.getByTestId('base-created').getByRole('link').click();
  await expect(page.getByTestId('base-name')).toHaveText('E2E made base');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const person = info.non_admins[0];
  await page.getByLabel('User or group ID (usr… or ugp…)').fill(person.id);
  await page.getByLabel('Permission', { exact: true }).selectOption('read');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const row = page.getByTestId('collaborator-row').filter({ hasText: person.email });
  await expect(row.getByTestId('collaborator-permission')).toHaveText('read');

  // Moving ends access through the old workspace: it is asked for, and happens on approval.
  await page.getByLabel('Workspace ID (wsp…)').fill(other);
  await page.locator('#move-base-reason').fill('The team moved (e2e).');
  await page.getByRole('button', { name: 'Ask to move' }).click();
  const sent = page.getByTestId('request-sent').getByRole('link', { name: 'follow the request' });
  await expect(sent).toBeVisible();
  expect((await simGet(request, info, `/v0/meta/bases/${baseId}`)).workspaceId).toBe(home);
  const approver = await signedInPage(browser, info.admins[2]);
  await approve(approver, (await sent.getAttribute('href')) ?? '');
  await expect(approver.getByTestId('approval-outcome')).toContainText('moved from workspace');
  const moved = await simGet(request, info, `/v0/meta/bases/${baseId}`);
  expect(moved.workspaceId).toBe(other);
});
