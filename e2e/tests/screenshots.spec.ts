import { test, expect } from '@playwright/test';
import { signIn, simInfo } from './helpers';

// Takes the README's screenshots of the main pages (docs/screenshots/). Not part of the
// suite's checks: it runs only when asked, with `E2E_SCREENSHOTS=1 ./x e2e tests/screenshots.spec.ts`.
test.skip(!process.env.E2E_SCREENSHOTS, 'set E2E_SCREENSHOTS=1 to refresh the README screenshots');

const pages: [string, string][] = [
  ['overview', '/'],
  ['users', '/users'],
  ['audit', '/audit?q=action%3AdeleteBase'],
  ['approvals', '/approvals?show=all'],
  ['workspaces', '/workspaces'],
  ['tokens', '/enterprise/tokens'],
];

test('screenshots of the main pages', async ({ page, request }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1280, height: 860 });
  const info = await simInfo(request);
  await signIn(page, info.admins[0]);
  // The lists come from the first snapshot and the audit copy: wait until both exist.
  await expect(async () => {
    await page.goto('/users');
    await expect(page.getByTestId('user-row').first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  for (const [name, path] of pages) {
    await page.goto(path);
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
    await page.screenshot({ path: `../docs/screenshots/${name}.png` });
  }
});
