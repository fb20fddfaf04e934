import { test, expect } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { signIn, simInfo } from './helpers';

test('an investigator searches the audit history, opens an event and downloads the results', async ({ page, request }) => {
  const info = await simInfo(request);
  const admin = info.admins[0];
  await signIn(page, admin);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');

  // Make sure the copy holds this sign-in (Airtable publishes it a little late: sync until
  // a run has copied it).
  await expect(async () => {
    await page.goto('/audit/sync');
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.goto(`/audit?actor=${encodeURIComponent(admin.email)}&action=loginUser`);
    await expect(page.getByTestId('audit-row').first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 });

  // The search box, typed into like a person would (hydrated: no full reload needed).
  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page).toHaveURL(/\/audit$/);
  await expect(page.getByLabel('Actor (email or user ID)')).toHaveValue('');
  await page.getByLabel('Search', { exact: true }).fill(`actor:${admin.email.toUpperCase()} action:loginUser`);
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByTestId('search-understood')).toHaveText(
    `Events matching actor:${admin.email.toLowerCase()} action:loginUser`,
  );
  const rows = page.getByTestId('audit-row');
  await expect(rows.first()).toBeVisible();
  for (const row of await rows.all()) {
    await expect(row).toContainText('loginUser');
    await expect(row).toContainText(admin.email);
  }
  await expect(page).toHaveURL(/q=actor/);
  await expect(page.locator('img.chart')).toHaveAttribute('src', /\/audit\/chart\.svg\?q=actor/);

  // The CSV download holds the same events.
  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('link', { name: 'CSV' }).click();
  const download = await downloadPromise;
  const csv = await readFile(await download.path(), 'utf8');
  const lines = csv.trim().split('\r\n');
  expect(lines[0]).toMatch(/^id,timestamp,action,category,/);
  // At least what the page showed (a sync may have copied more sign-ins since).
  expect(lines.length - 1).toBeGreaterThanOrEqual(await rows.count());
  for (const line of lines.slice(1)) {
    expect(line).toContain(',loginUser,');
    expect(line).toContain(admin.email);
  }

  // One event, whole.
  await rows.first().getByRole('link').first().click();
  await expect(page.getByRole('heading', { name: 'loginUser' })).toBeVisible();
  await expect(page.getByTestId('event-json')).toContainText(admin.email);
  await page.getByRole('link', { name: 'Everything this person did' }).click();
  await expect(page.getByTestId('search-understood')).toHaveText(`Events matching actor:${admin.email.toLowerCase()}`);
  // The box shows the search on screen, not what was typed before.
  await expect(page.getByLabel('Search', { exact: true })).toHaveValue(`actor:${admin.email.toLowerCase()}`);

  // A query it cannot read is explained, and the query stays in the box to fix.
  await page.getByLabel('Search', { exact: true }).fill('colour:red');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByTestId('search-error')).toContainText('There is no filter called "colour:"');
  await expect(page.getByLabel('Search', { exact: true })).toHaveValue('colour:red');
});

test('search, filters and paging work without the wasm bundle', async ({ browser, request }) => {
  const info = await simInfo(request);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, info.admins[0]);
  await page.goto('/audit');
  await page.getByText('Filters').click();
  await page.getByLabel('Category').selectOption('user');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/category=user/);
  await expect(page.getByTestId('search-understood')).toHaveText('Events matching category:user');
  const first = await page.getByTestId('audit-row').first().innerText();
  const older = page.getByTestId('older');
  if ((await page.getByTestId('audit-row').count()) === 50) {
    await older.click();
    await expect(page).toHaveURL(/cursor=/);
    await expect(page.getByTestId('audit-row').first()).not.toHaveText(first);
    await expect(page.getByRole('link', { name: 'Newest' })).toBeVisible();
  }
  await context.close();
});
