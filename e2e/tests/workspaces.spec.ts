import { test, expect } from '@playwright/test';
import { signIn, simInfo } from './helpers';

test('an operator lists workspaces, adds a collaborator directly and asks to remove one', async ({ page, request }) => {
  const info = await simInfo(request);
  // The demo gives the second admin the operator role.
  const operator = info.admins[1];
  // Not the first (other specs use it) nor the last (the approvals spec deletes it).
  const newcomer = info.non_admins[2];
  await signIn(page, operator);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');

  // The list comes from the snapshot taken when the console started.
  await page.getByRole('link', { name: 'Workspaces' }).click();
  await expect(page).toHaveURL(/\/workspaces$/);
  await expect(page.getByRole('heading', { name: 'Workspaces', level: 1 })).toBeVisible();
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('as-of')).toContainText('As of', { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  const firstRow = page.getByTestId('workspace-row').first();
  const firstName = (await firstRow.getByRole('link').textContent()) ?? '';
  expect(firstName).not.toBe('');

  // Searching keeps the words in the URL.
  await page.getByLabel('Name or workspace ID').fill(firstName);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\?q=/);
  await expect(page.getByTestId('workspace-row').first()).toContainText(firstName);

  // Opening one reads it live from Airtable.
  await page.getByTestId('workspace-row').first().getByRole('link').click();
  await expect(page.getByTestId('workspace-name')).toHaveText(firstName);
  await expect(page.getByTestId('collaborators')).toBeVisible();

  // A workspace of this test's own, so the test does not depend on the others.
  const name = `E2E workspace ${Date.now()}`;
  await page.goto('/workspaces');
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create' }).click();
  await expect(page.getByTestId('workspace-created')).toBeVisible();
  await page.getByTestId('workspace-created').getByRole('link').click();
  await expect(page.getByTestId('workspace-name')).toHaveText(name);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');

  // Adding a collaborator happens at once.
  await page.getByLabel('User or group ID (usr… or ugp…)').fill(newcomer.id);
  await page.getByLabel('Permission', { exact: true }).selectOption('comment');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const row = page.getByTestId('collaborator-row').filter({ hasText: newcomer.email });
  await expect(row).toBeVisible();
  await expect(row.getByTestId('collaborator-permission')).toHaveText('comment');

  // Removing one is only a request for a second person's approval.
  await row.getByText('Remove…').click();
  await row.locator('textarea[name=reason]').fill('Added by mistake in the e2e test.');
  await row.getByRole('button', { name: 'Ask for approval' }).click();
  await expect(row.getByTestId('request-sent')).toBeVisible();
  await row.getByRole('link', { name: 'follow the request' }).click();
  await expect(page.getByTestId('approval-status')).toHaveText('Waiting for approval');

  // Still there until someone approves.
  await page.goBack();
  await page.reload();
  await expect(page.getByTestId('collaborator-row').filter({ hasText: newcomer.email })).toBeVisible();
});

test('the workspace pages and their forms work without the wasm bundle', async ({ browser, request }) => {
  const info = await simInfo(request);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, info.admins[1]);
  await expect(async () => {
    await page.goto('/workspaces');
    await expect(page.getByTestId('as-of')).toContainText('As of', { timeout: 1000 });
  }).toPass({ timeout: 30_000 });

  // A plain GET search, kept in the URL.
  const firstName = (await page.getByTestId('workspace-row').first().getByRole('link').textContent()) ?? '';
  await page.getByLabel('Name or workspace ID').fill(firstName);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/\/workspaces\?q=/);
  await page.getByTestId('workspace-row').first().getByRole('link').click();
  await expect(page.getByTestId('workspace-name')).toHaveText(firstName);
  const workspaceUrl = page.url();

  // Someone not on it yet: an admin without a console role, or a non-admin other than the
  // last one (the approvals spec deletes that one).
  const listed = (await page.getByTestId('collaborators').textContent()) ?? '';
  const candidates = [...info.admins.slice(3), ...info.non_admins.slice(0, -1)];
  const newcomer = candidates.find((p) => !listed.includes(p.email));
  expect(newcomer, 'a user outside the workspace').toBeDefined();
  await page.getByLabel('User or group ID (usr… or ugp…)').fill(newcomer!.id);
  await page.getByLabel('Permission', { exact: true }).selectOption('read');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  // The browser's plain form post lands back on the workspace, which now lists them.
  await expect(page).toHaveURL(new RegExp(`^${workspaceUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\??$`));
  const row = page.getByTestId('collaborator-row').filter({ hasText: newcomer!.email });
  await expect(row.getByTestId('collaborator-permission')).toHaveText('read');
  await context.close();
});
