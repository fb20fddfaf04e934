import { test, expect, type Response } from '@playwright/test';
import { SIM_URL, signIn, simInfo } from './helpers';

test('no access or refresh token ever reaches the browser during a full session', async ({ page, request, baseURL }) => {
  const info = await simInfo(request);
  const seen: { url: string; text: string }[] = [];
  const pending: Promise<void>[] = [];
  page.on('response', (response: Response) => {
    pending.push(
      (async () => {
        const headers = JSON.stringify(await response.allHeaders());
        let body = '';
        try {
          body = (await response.body()).toString('latin1');
        } catch {
          // Redirects and aborted loads have no body.
        }
        seen.push({ url: response.url(), text: headers + '\n' + body });
      })(),
    );
  });

  // A whole working session: sign in, every page, a change, a sync, sign out.
  await signIn(page, info.admins[0]);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('link', { name: 'Roles' }).click();
  await expect(page.getByRole('heading', { name: 'Console roles' })).toBeVisible();
  await page.getByLabel('Email or Airtable user id').fill(info.admins[info.admins.length - 1].email);
  await page.getByLabel('Role', { exact: true }).selectOption('viewer');
  await page.getByRole('button', { name: 'Grant' }).click();
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByRole('link', { name: 'Where the copy stands' }).click();
  await page.getByRole('button', { name: 'Sync now' }).click();
  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByLabel('Search', { exact: true }).fill('action:loginUser');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByTestId('search-understood')).toHaveText('Events matching action:loginUser');
  await page.getByRole('link', { name: 'Overview' }).click();
  await expect(page.getByTestId('count-users')).toBeVisible();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/signin/);
  await Promise.all(pending);

  // The simulator knows every token it issued: none may appear in anything the console sent.
  const tokensResponse = await request.get(`${SIM_URL}/_sim/tokens`);
  expect(tokensResponse.ok()).toBeTruthy();
  const issued = await tokensResponse.json();
  // `all` is every secret the simulator configured or issued (IDs and emails are not in it).
  const tokens: string[] = issued.all;
  expect(tokens).toContain(info.token);
  // The sign-in issued an access and a refresh token for the admin who signed in.
  const forAdmin = (list: { userId: string; token: string }[]) =>
    list.filter((t) => t.userId === info.admins[0].id).map((t) => t.token);
  expect(forAdmin(issued.accessTokens).length).toBeGreaterThan(0);
  expect(forAdmin(issued.refreshTokens).length).toBeGreaterThan(0);
  for (const token of forAdmin(issued.accessTokens).concat(forAdmin(issued.refreshTokens))) {
    expect(tokens).toContain(token);
  }
  const fromConsole = seen.filter((r) => r.url.startsWith(baseURL ?? 'no base URL'));
  expect(fromConsole.length).toBeGreaterThan(10);
  for (const response of fromConsole) {
    for (const token of tokens) {
      expect(response.text.includes(token), `${response.url} contains a token`).toBe(false);
    }
  }
});
