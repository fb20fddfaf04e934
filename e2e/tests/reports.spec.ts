import { readFile } from 'node:fs/promises';
import { test, expect, type Page } from '@playwright/test';
import { signIn, simInfo } from './helpers';

const REPORTS: [string, string][] = [
  ['inactive-users', 'Inactive users'],
  ['external-collaborators', 'External collaborators'],
  ['admins-without-sso-or-2fa', 'Admins without SSO or two-factor sign-in'],
  ['sole-owner-workspaces', 'Workspaces with a single owner'],
  ['public-shares', 'Public shares without a password or domain restriction'],
];

/** Waits until the console has a complete snapshot (the scheduler takes one at start-up). */
async function openIndex(page: Page) {
  await expect(async () => {
    await page.goto('/reports');
    await expect(page.getByTestId('as-of')).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
}

test('walk the reports index and every report, then download one as CSV', async ({ page, request }) => {
  const info = await simInfo(request);
  // The demo's second admin is an operator: they may also ask for a new snapshot.
  await signIn(page, info.admins[1]);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('link', { name: 'Reports', exact: true }).click();
  await expect(page).toHaveURL(/\/reports$/);
  await openIndex(page);

  const counts = new Map<string, number>();
  for (const [slug] of REPORTS) {
    const count = page.getByTestId(`report-${slug}`).getByTestId('report-count');
    await expect(count).toHaveText(/^\d+$/);
    counts.set(slug, Number(await count.innerText()));
  }

  // Each report from its card: the same count, the first page of its rows, a CSV link.
  for (const [slug, title] of REPORTS) {
    await page.goto('/reports');
    await page.getByTestId(`report-${slug}`).getByRole('link', { name: title }).click();
    await expect(page).toHaveURL(new RegExp(`/reports/${slug}$`));
    await expect(page.getByTestId('report-title')).toHaveText(title);
    await expect(page.getByTestId('as-of')).toContainText('As of');
    const count = counts.get(slug) ?? 0;
    await expect(page.getByTestId('report-row')).toHaveCount(Math.min(count, 50));
    if (count > 0) {
      await expect(page.getByTestId('report-count')).toContainText(`of ${count}`);
    } else {
      await expect(page.getByTestId('report-count')).toHaveText('Nothing to report.');
    }
    await expect(page.getByTestId('report-csv')).toHaveAttribute('href', `/reports/${slug}.csv`);
  }

  // Inactive users for another number of days; a bad number is a clear error.
  await page.goto('/reports/inactive-users');
  await expect(page.getByTestId('as-of')).toBeVisible();
  await page.getByLabel('No activity for at least (days)').fill('30');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/days=30/);
  await expect(page.getByTestId('report-csv')).toHaveAttribute('href', '/reports/inactive-users.csv?days=30');
  await page.goto('/reports/inactive-users?days=many');
  await expect(page.getByTestId('report-error')).toContainText('whole number from 1 to 36500');

  // The CSV holds every row; a row links to its workspace's page.
  const soleOwners = counts.get('sole-owner-workspaces') ?? 0;
  expect(soleOwners).toBeGreaterThan(0);
  await page.goto('/reports/sole-owner-workspaces');
  const downloadPromise = page.waitForEvent('download');
  await page.getByTestId('report-csv').click();
  const download = await downloadPromise;
  const csv = await readFile(await download.path(), 'utf8');
  const lines = csv.trim().split('\r\n');
  expect(lines[0]).toBe('workspace_id,workspace_name,owner_id,owner,owner_name,owner_state,owner_deactivated');
  expect(lines.length - 1).toBe(soleOwners);
  const workspace = page.getByTestId('report-row').first().getByRole('link').first();
  const href = await workspace.getAttribute('href');
  expect(href).toMatch(/^\/workspaces\/wsp/);
  expect(csv).toContain(href!.replace('/workspaces/', ''));
  await workspace.click();
  await expect(page).toHaveURL(new RegExp(`${href}$`));
  await expect(page.getByTestId('workspace-id')).toHaveText(href!.replace('/workspaces/', ''));

  // Refresh: an operator asks for a new snapshot from the index.
  await page.goto('/reports');
  await page.getByRole('button', { name: 'Refresh (take a new snapshot)' }).click();
  await expect(page.getByTestId('snapshot-requested')).toBeVisible();
});

test('the reports work without JavaScript', async ({ browser, request }) => {
  const info = await simInfo(request);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, info.admins[0]);
  await openIndex(page);
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('link', { name: 'Inactive users' }).click();
  await expect(page.getByTestId('as-of')).toBeVisible();
  await page.getByLabel('No activity for at least (days)').fill('365');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/days=365/);
  await expect(page.getByTestId('report-csv')).toHaveAttribute('href', '/reports/inactive-users.csv?days=365');
  await context.close();
});
