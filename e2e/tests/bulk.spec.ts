import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { SIM_URL, approve, jobFinished, makeUsers, signIn, signedInPage, simHeaders, simInfo, simUser } from './helpers';

// Fresh people made for this spec through SCIM, so the seeded ones other specs rely on keep
// their state; admin access granted here is taken back through the simulator at the end.

/** Makes Airtable (the simulator) slow on paths matching `path`, so a job is seen running. */
async function slowDown(request: APIRequestContext, path: string, latencyMs: number) {
  const response = await request.post(`${SIM_URL}/_sim/faults`, { data: { path, latencyMs } });
  expect(response.ok()).toBeTruthy();
}

async function noFaults(request: APIRequestContext) {
  await request.delete(`${SIM_URL}/_sim/faults`);
}

/** Takes a snapshot from the users page and waits until it lists the new people. */
async function snapshotAndFind(page: Page, prefix: string, n: number) {
  await expect(async () => {
    await page.goto('/users');
    await expect(page.getByTestId('users')).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('button', { name: 'Refresh (take a new snapshot)' }).click();
  await expect(page.getByTestId('snapshot-requested')).toBeVisible();
  await expect(async () => {
    await page.goto(`/users?q=${encodeURIComponent(prefix)}`);
    await expect(page.getByTestId('user-count')).toHaveText(`1–${n} of ${n}`, { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}


test('select users, log them out and grant admin, watch each job reach 100% with a result per user', async ({ browser, page, request }) => {
  const info = await simInfo(request);
  const prefix = `bulke2e${Date.now()}`;
  const people = await makeUsers(request, info, prefix, 3);
  await signIn(page, info.admins[1]); // an operator
  await snapshotAndFind(page, prefix, 3);

  // With wasm, one toggle ticks every row on the page.
  await page.getByTestId('bulk-select-page').check();
  for (const box of await page.getByTestId('bulk-select').all()) await expect(box).toBeChecked();
  await page.getByLabel('Action', { exact: true }).selectOption('logout');
  // Each logout takes Airtable 5 s here: the page shows the job running, then (polling,
  // with wasm) its end without a reload. Loaded afresh while running, it hydrates too.
  await slowDown(request, '*/logout', 5_000);
  try {
    await page.getByRole('button', { name: 'Apply to the selected users' }).click();
    await expect(page.getByTestId('bulk-state')).toContainText('Running');
    await expect(page.getByTestId('bulk-pending')).not.toHaveText('0');
    await page.reload();
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
    await expect(page.getByTestId('bulk-state')).toContainText('Running');
    await jobFinished(page, 3);
  } finally {
    await noFaults(request);
  }
  await expect(page.getByTestId('bulk-done')).toHaveText('3');
  await expect(page.getByTestId('bulk-item')).toHaveCount(3);
  for (const person of people) {
    const row = page.locator(`[data-testid="bulk-item"][data-user="${person.id}"]`);
    await expect(row.getByTestId('bulk-item-status')).toHaveText('done');
    await expect(row.getByTestId('bulk-item-result')).toContainText('Logged out');
  }
  await expect(page.getByTestId('bulk-csv')).toHaveAttribute('href', /\/users\/bulk\/.+\/results\.csv$/);
  const csv = await page.request.get((await page.getByTestId('bulk-csv').getAttribute('href'))!);
  expect(csv.ok()).toBeTruthy();
  const lines = (await csv.text()).trim().split(/\r?\n/);
  expect(lines).toHaveLength(4);

  // Two of them, ticked one by one, become admins in Airtable: each through an approval
  // request that a second person approves.
  const chosen = people.slice(0, 2);
  try {
    await page.goto(`/users?q=${encodeURIComponent(prefix)}`);
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
    for (const person of chosen) {
      await page.getByTestId('user-row').filter({ hasText: person.email }).getByTestId('bulk-select').check();
    }
    await page.getByLabel('Action', { exact: true }).selectOption('grant_admin');
    await page.getByLabel('Reason (required for actions that need approval)').fill('New IT staff (e2e).');
    await page.getByRole('button', { name: 'Apply to the selected users' }).click();
    await jobFinished(page, 2);
    await expect(page.getByTestId('bulk-waiting')).toHaveText('2');
    await expect(page.getByTestId('bulk-failed')).toHaveText('0');
    for (const person of chosen) {
      const user = await (await simUser(request, info, person.id)).json();
      expect(user.isAdmin).toBeFalsy();
    }
    const requests = await page.getByTestId('bulk-approval-link').evaluateAll((links) =>
      links.map((a) => a.getAttribute('href') ?? ''),
    );
    expect(requests).toHaveLength(2);
    const approver = await signedInPage(browser, info.admins[0]);
    for (const url of requests) await approve(approver, url);
    await approver.context().close();
    for (const person of chosen) {
      const user = await (await simUser(request, info, person.id)).json();
      expect(user.isAdmin).toBe(true);
    }
    const untouched = await (await simUser(request, info, people[2].id)).json();
    expect(untouched.isAdmin).toBeFalsy();

    // Both jobs are in the list of recent ones, newest first, and lead back to their pages.
    const jobUrl = page.url();
    await page.getByRole('link', { name: '← Bulk actions' }).click();
    await expect(page).toHaveURL(/\/users\/bulk$/);
    const rows = page.getByTestId('bulk-job-row');
    await expect(rows.first()).toContainText('Grant admin access');
    await expect(rows.first()).toContainText('2 users ticked');
    await expect(rows.first().getByTestId('bulk-job-progress')).toHaveText('finished');
    await expect(rows.nth(1)).toContainText('Log out');
    await rows.first().getByRole('link').click();
    await expect(page).toHaveURL(jobUrl);
  } finally {
    await request.post(
      `${SIM_URL}/v0/meta/enterpriseAccounts/${info.enterprise_account_id}/users/revokeAdminAccess`,
      { headers: simHeaders(info), data: { users: chosen.map((p) => ({ id: p.id })) } },
    );
  }
});

test('a bulk delete of every user matching the filter makes one approval request per user', async ({ page, request }) => {
  const info = await simInfo(request);
  const prefix = `bulkdel${Date.now()}`;
  const people = await makeUsers(request, info, prefix, 3);
  await signIn(page, info.admins[1]);
  await snapshotAndFind(page, prefix, 3);

  await page.getByTestId('bulk-all-matching').check();
  await expect(page.getByTestId('bulk-controls')).toContainText("Select all 3 users matching the table's filter");
  // The filter the job will use is the table's, in words (issue 16): changing the filter
  // form's state without searching changes neither the words nor the count.
  await expect(page.getByTestId('bulk-filter-words')).toHaveText(`The table's filter: name, email or ID contains "${prefix}"`);
  await page.getByLabel('State', { exact: true }).selectOption('deactivated');
  await expect(page.getByTestId('bulk-filter-words')).toHaveText(`The table's filter: name, email or ID contains "${prefix}"`);
  await expect(page.getByTestId('bulk-controls')).toContainText("Select all 3 users matching the table's filter");
  await page.getByLabel('Action', { exact: true }).selectOption('delete');
  await page.getByLabel('Reason (required for actions that need approval)').fill('Test accounts of the bulk spec.');
  await page.getByRole('button', { name: 'Apply to the selected users' }).click();
  await jobFinished(page, 3);
  await expect(page.getByTestId('bulk-waiting')).toHaveText('3');
  await expect(page.getByTestId('bulk-done')).toHaveText('0');
  for (const person of people) {
    const row = page.locator(`[data-testid="bulk-item"][data-user="${person.id}"]`);
    await expect(row.getByTestId('bulk-item-status')).toHaveText('approval requested');
    // Nothing was deleted: each waits for a second person.
    expect((await simUser(request, info, person.id)).status()).toBe(200);
  }
  await page.getByTestId('bulk-approval-link').first().click();
  await expect(page).toHaveURL(/\/approvals\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('approval-status')).toHaveText('Waiting for approval');
  await expect(page.locator('body')).toContainText('Test accounts of the bulk spec.');
});

test('without JavaScript the bulk form posts and the job page refreshes itself until done', async ({ browser, request }) => {
  const info = await simInfo(request);
  const prefix = `bulknojs${Date.now()}`;
  const people = await makeUsers(request, info, prefix, 2);
  // The snapshot is taken with a hydrated page; the rest runs without scripts.
  const withJs = await browser.newContext();
  const helper = await withJs.newPage();
  await signIn(helper, info.admins[1]);
  await snapshotAndFind(helper, prefix, 2);
  await withJs.close();

  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, info.admins[1]);
  await page.goto(`/users?q=${encodeURIComponent(prefix)}`);
  await expect(page.getByTestId('bulk-select-page')).toHaveCount(0); // the toggle needs wasm
  // Nothing ticked: the server says so in plain words, back on the users page.
  await page.getByLabel('Action', { exact: true }).selectOption('logout');
  await page.getByRole('button', { name: 'Apply to the selected users' }).click();
  await expect(page.getByTestId('bulk-error')).toContainText('Tick at least one user');
  await page.goto(`/users?q=${encodeURIComponent(prefix)}`);
  for (const person of people) {
    await page.getByTestId('user-row').filter({ hasText: person.email }).getByTestId('bulk-select').check();
  }
  await page.getByLabel('Action', { exact: true }).selectOption('claim_managed');
  // The claim takes Airtable 3 s: the page is first seen running and reloads itself.
  await slowDown(request, '*/users/claim', 3_000);
  try {
    await page.getByRole('button', { name: 'Apply to the selected users' }).click();
    await expect(page.getByTestId('bulk-state')).toContainText('Running');
    await expect(page.locator('noscript')).toHaveCount(1);
    await jobFinished(page, 2);
  } finally {
    await noFaults(request);
  }
  await expect(page.getByTestId('bulk-done')).toHaveText('2');
  await context.close();
});
