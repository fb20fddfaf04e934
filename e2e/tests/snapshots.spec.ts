import { test, expect } from '@playwright/test';
import { signIn, simInfo } from './helpers';

test('snapshots answer who was an admin and what changed', async ({ page, request }) => {
  const info = await simInfo(request);
  const admin = info.admins[0];
  await signIn(page, admin);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('link', { name: 'Snapshots' }).click();
  await expect(page.getByRole('heading', { name: 'Snapshots', level: 1 })).toBeVisible();

  // The first snapshot is taken when the console starts.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId('snapshot-row')).not.toHaveCount(0, { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  // Two snapshots taken now, one after the other (earlier tests may have changed the
  // enterprise since the first one).
  for (let i = 0; i < 2; i++) {
    const before = await page.getByTestId('snapshot-row').count();
    await page.getByRole('button', { name: 'Take a snapshot now' }).click();
    await expect(page.getByRole('status')).toContainText('being taken');
    await expect(async () => {
      await page.reload();
      expect(await page.getByTestId('snapshot-row').count()).toBeGreaterThan(before);
    }).toPass({ timeout: 30_000 });
  }

  // Who was an admin today: the signed-in admin is.
  const today = new Date().toISOString().slice(0, 10);
  await page.getByLabel('Date (UTC)').fill(today);
  await page.getByRole('button', { name: 'Show admins' }).click();
  await expect(page).toHaveURL(new RegExp(`date=${today}`));
  await expect(page.getByTestId('admins-at')).toContainText(admin.email);

  // Comparing the two newest snapshots: nothing changed in between.
  await page.getByRole('button', { name: 'Compare' }).click();
  await expect(page).toHaveURL(/from=\d+&to=\d+/);
  await expect(page.getByTestId('snapshot-diff')).toContainText('Nothing changed');

  // A date before any snapshot says so plainly.
  await page.goto('/audit/snapshots?date=2001-01-01');
  await expect(page.getByTestId('admins-none')).toBeVisible();
});
