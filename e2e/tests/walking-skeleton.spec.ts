import { test, expect } from '@playwright/test';
import { SIM_URL, signIn, simHeaders, simInfo } from './helpers';

test('an enterprise admin signs in through OAuth and sees the enterprise overview', async ({ page, request }) => {
  const info = await simInfo(request);
  // What Airtable (the simulator) itself says about the enterprise, read with its fixed token.
  const enterprise = await (
    await request.get(`${SIM_URL}/v0/meta/enterpriseAccounts/${info.enterprise_account_id}`, {
      headers: simHeaders(info),
    })
  ).json();
  expect(enterprise.userIds.length).toBeGreaterThan(0);

  const admin = info.admins[0];
  await signIn(page, admin);

  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  await expect(page.getByRole('heading', { name: 'Enterprise overview' })).toBeVisible();
  await expect(page.getByTestId('enterprise-id')).toHaveText(info.enterprise_account_id);
  await expect(page.getByTestId('count-users')).toHaveText(String(enterprise.userIds.length));
  await expect(page.getByTestId('count-groups')).toHaveText(String(enterprise.groupIds.length));
  await expect(page.getByTestId('count-workspaces')).toHaveText(String(enterprise.workspaceIds.length));
  await expect(page.getByTestId('signed-in-as')).toContainText(admin.email);
  await expect(page.getByTestId('signed-in-as')).toContainText('admin');

  // Hydration: the theme button only works once the wasm bundle has taken over the page.
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const html = page.locator('html');
  const toggle = page.getByTestId('theme-toggle');
  const wasDark = (await toggle.getAttribute('aria-pressed')) === 'true';
  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', wasDark ? 'light' : 'dark');
  await expect(toggle).toHaveAttribute('aria-pressed', String(!wasDark));
  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', wasDark ? 'dark' : 'light');
});

test('the overview is readable and sign-out works without the wasm bundle', async ({ browser, request }) => {
  const info = await simInfo(request);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, info.admins[0]);
  await expect(page.getByTestId('enterprise-id')).toHaveText(info.enterprise_account_id);
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/signin\?error=signed_out$/);
  await expect(page.getByTestId('signin-message')).toContainText('signed out');
  // The server-side session is gone: the console sends us back to sign-in.
  await page.goto('/');
  await expect(page).toHaveURL(/\/signin$/);
  await context.close();
});

test('someone who is not an enterprise admin is refused with a clear page', async ({ page, request }) => {
  const info = await simInfo(request);
  expect(info.non_admins.length).toBeGreaterThan(0);
  await signIn(page, info.non_admins[0]);
  await expect(page).toHaveURL(/\/signin\?error=not_admin$/);
  await expect(page.getByTestId('signin-message')).toContainText('not an admin of this enterprise');
  await page.goto('/');
  await expect(page).toHaveURL(/\/signin$/);
});

test('a cross-site form post is refused', async ({ request }) => {
  const response = await request.post('/auth/logout', {
    headers: { Origin: 'https://evil.example' },
    form: { csrf_token: 'x' },
    maxRedirects: 0,
  });
  expect(response.status()).toBe(403);
});

test('pages carry a CSP without unsafe-inline and refuse framing', async ({ request }) => {
  const response = await request.get('/signin');
  const csp = response.headers()['content-security-policy'];
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]+'/);
  expect(csp).not.toContain('unsafe-inline');
  expect(response.headers()['x-content-type-options']).toBe('nosniff');
});
