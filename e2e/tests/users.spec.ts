import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { SIM_URL, signIn, simHeaders, simInfo, type SimInfo } from './helpers';

/** Waits until the console has a complete snapshot (the scheduler takes one at start-up). */
async function openUsersTable(page: Page, path = '/users') {
  await expect(async () => {
    await page.goto(path);
    await expect(page.getByTestId('users')).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
}

/** A signed-in-able person with at least one direct workspace collaboration, per the sim. */
async function someoneWithAWorkspace(request: APIRequestContext, info: SimInfo) {
  for (const person of [...info.admins, ...info.non_admins]) {
    const response = await request.get(
      `${SIM_URL}/v0/meta/enterpriseAccounts/${info.enterprise_account_id}/users/${person.id}?include=collaborations`,
      { headers: simHeaders(info) },
    );
    if (!response.ok()) continue; // deleted by another spec
    const user = await response.json();
    const workspaces = user.collaborations?.workspaceCollaborations ?? [];
    if (workspaces.length > 0) return { person, workspaceId: workspaces[0].workspaceId as string };
  }
  throw new Error('nobody in the simulator has a direct workspace collaboration');
}

test('browse the users table, filter it, open a user and see their collaborations', async ({ page, request }) => {
  const info = await simInfo(request);
  const { person, workspaceId } = await someoneWithAWorkspace(request, info);
  await signIn(page, info.admins[1]);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await expect(page).toHaveURL(/\/users$/);
  await openUsersTable(page);
  await expect(page.getByTestId('as-of')).toContainText('As of');
  await expect(page.getByTestId('user-row')).toHaveCount(50);
  await expect(page.getByTestId('user-count')).toContainText('1–50 of');

  // Paging keeps going on the server.
  await page.getByRole('link', { name: 'Next →' }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.getByTestId('user-count')).toContainText('51–');

  // Column choice: only the ticked columns show, and paging keeps the choice.
  await page.goto('/users');
  const columns = page.getByTestId('user-columns');
  await columns.getByText('Columns', { exact: true }).click();
  for (const label of ['ID', 'Managed', 'Service account', 'External', '2FA', 'SSO required', 'Last activity']) {
    await columns.getByLabel(`${label} column`).uncheck();
  }
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/col=email&col=state&col=admin/);
  const table = page.getByTestId('users');
  await expect(table.getByRole('columnheader', { name: 'Last activity' })).toHaveCount(0);
  await expect(table.getByRole('columnheader', { name: 'Email' })).toHaveCount(1);
  // The ticked box, the name, then email, state and admin.
  await expect(page.getByTestId('user-row').first().locator('td')).toHaveCount(5);
  await page.getByRole('link', { name: 'Next →' }).click();
  await expect(page).toHaveURL(/page=2&col=email&col=state&col=admin$/);
  await expect(table.getByRole('columnheader', { name: 'Last activity' })).toHaveCount(0);
  await expect(page.getByTestId('user-columns').getByLabel('Email column')).toBeChecked();

  // Admins only: every admin the simulator lists, and no one else.
  await page.goto('/users');
  await page.getByLabel('Admin', { exact: true }).selectOption('yes');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/admin=yes/);
  for (const admin of info.admins) {
    await expect(page.getByTestId('users')).toContainText(admin.email);
  }
  for (const other of info.non_admins) {
    await expect(page.getByTestId('users')).not.toContainText(other.email);
  }
  // Deactivated people only: the state column says so on every row.
  await page.getByLabel('Admin', { exact: true }).selectOption('');
  await page.getByLabel('State', { exact: true }).selectOption('deactivated');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/state=deactivated/);
  const states = await page.getByTestId('user-state').allInnerTexts();
  expect(states.every((s) => s === 'deactivated')).toBeTruthy();
  // The CSV link carries the same view.
  await expect(page.getByTestId('users-csv')).toHaveAttribute('href', /\/users\/export\.csv\?state=deactivated/);

  // An exact email goes straight to the person, live from Airtable.
  await page.getByLabel('Name, email address or user ID').fill(person.email);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(new RegExp(`/users/${person.id}$`));
  await expect(page.getByTestId('user-card')).toContainText(person.email);
  const collaboration = page.getByTestId('user-collaborations').locator(`a[href="/workspaces/${workspaceId}"]`);
  await expect(collaboration).toBeVisible();
  await expect(page.getByTestId('audit-by-user')).toHaveAttribute('href', `/audit?q=actor%3A${person.id}`);
  await collaboration.click();
  await expect(page).toHaveURL(new RegExp(`/workspaces/${workspaceId}$`));
  await expect(page.getByTestId('workspace-id')).toHaveText(workspaceId);
});

test('the users table and a user page work without JavaScript', async ({ browser, request }) => {
  const info = await simInfo(request);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, info.admins[0]);
  await openUsersTable(page, '/users?sort=-email');
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Name, email address or user ID').fill(info.admins[2].email.split('@')[0]);
  await page.getByLabel('Sort by').selectOption('email');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/sort=email/);
  const row = page.getByTestId('user-row').filter({ hasText: info.admins[2].email });
  await expect(row).toHaveCount(1);
  await row.getByRole('link').first().click();
  await expect(page).toHaveURL(new RegExp(`/users/${info.admins[2].id}$`));
  await expect(page.getByTestId('user-card')).toContainText(info.admins[2].email);
  await expect(page.getByTestId('user-admin')).not.toHaveText('no');
  await context.close();
});

test('an operator logs a user out of Airtable directly, and the action log records it', async ({ page, request }) => {
  const info = await simInfo(request);
  // A non-admin: nobody signs in to the console as them, so ending their sessions harms no
  // other spec.
  const target = info.non_admins[0];
  await signIn(page, info.admins[1]);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.goto(`/users/${target.id}`);
  await expect(page.getByTestId('user-card')).toContainText(target.email);
  await page.getByRole('button', { name: 'Log out of all sessions' }).click();
  await expect(page.getByTestId('logged-out')).toBeVisible();
  await expect(page.getByTestId('change-error')).toHaveCount(0);

  // Airtable recorded the logout of that user (and publishes it a little later).
  await expect
    .poll(
      async () => {
        const events = await request.get(
          `${SIM_URL}/v0/meta/enterpriseAccounts/${info.enterprise_account_id}/auditLogEvents?eventType=logoutUser&modelId=${target.id}`,
          { headers: simHeaders(info) },
        );
        expect(events.ok()).toBeTruthy();
        return (await events.json()).events.length;
      },
      { timeout: 15_000 },
    )
    .toBeGreaterThan(0);

  await page.goto('/audit/actions');
  await expect(page.getByTestId('action-row').filter({ hasText: 'users.logout' }).first()).toContainText(target.id);
});
