import { test, expect, type Page } from '@playwright/test';
import { makeUsers, sendRequestForm, signIn, signedInPage, simInfo } from './helpers';

// Everyday paths a new admin walks: the approvals badge after a decision, a request form
// without JavaScript, the skip link, and the theme kept across reloads.

async function hydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/** The number on the header's approvals badge (no badge: none waiting). */
async function badge(page: Page): Promise<number> {
  const badge = page.getByTestId('approvals-badge');
  return (await badge.count()) === 0 ? 0 : Number((await badge.textContent())?.trim());
}

async function expectBadge(page: Page, count: number) {
  if (count === 0) {
    await expect(page.getByTestId('approvals-badge')).toHaveCount(0);
  } else {
    await expect(page.getByTestId('approvals-badge')).toHaveText(String(count));
  }
}

test('the approvals badge follows a rejection and an approval without a reload', async ({ browser, request }) => {
  const info = await simInfo(request);
  // Fresh people, so no other spec's users are touched.
  const people = await makeUsers(request, info, `badge${Date.now()}`, 2);
  // The demo's second admin is an operator, the third an approver.
  const operator = await signedInPage(browser, info.admins[1]);
  const approver = await signedInPage(browser, info.admins[2]);

  const requests: string[] = [];
  for (const person of people) {
    await operator.goto(`/users/${person.id}`);
    await hydrated(operator);
    const form = await sendRequestForm(operator.locator('main'), 'Deactivate', 'Badge check: left the company.');
    const link = form.getByTestId('request-sent').getByRole('link', { name: 'follow the request' });
    await expect(link).toBeVisible();
    requests.push((await link.getAttribute('href')) as string);
  }

  await approver.goto(requests[0]);
  await hydrated(approver);
  const waiting = await badge(approver);
  expect(waiting).toBeGreaterThanOrEqual(2);

  // Rejecting one: the badge counts one fewer at once.
  await approver.getByLabel('Why reject it').fill('Not this one.');
  await approver.getByRole('button', { name: 'Reject' }).click();
  await expect(approver.getByTestId('approval-status')).toHaveText('Rejected');
  await expectBadge(approver, waiting - 1);

  // Approving the other, reached through the list without a reload.
  await approver.getByRole('link', { name: '← Approvals' }).click();
  await expect(approver).toHaveURL(/\/approvals$/);
  await approver.locator(`a[href="${requests[1]}"]`).click();
  await expect(approver).toHaveURL(new RegExp(`${requests[1]}$`));
  await approver.getByRole('button', { name: 'Approve and carry out' }).click();
  await expect(approver.getByTestId('approval-status')).toHaveText('Done');
  await expectBadge(approver, waiting - 2);

  await operator.context().close();
  await approver.context().close();
});

test('without JavaScript a request form\'s answer is shown at the top of the page', async ({ browser, request }) => {
  const info = await simInfo(request);
  const [person] = await makeUsers(request, info, `nojsask${Date.now()}`, 1);
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, info.admins[1]);
  await page.goto(`/users/${person.id}`);
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');

  // Asked: the page says so where it is seen, with the way to the request.
  await sendRequestForm(page.locator('main'), 'Deactivate', 'No-script check: left the company.');
  await expect(page).toHaveURL(new RegExp(`/users/${person.id}\\?asked=`));
  const sent = page.getByTestId('request-sent');
  await expect(sent).toBeVisible();
  await expect(sent.getByRole('link', { name: 'follow the request' })).toHaveAttribute(
    'href',
    /^\/approvals\/[0-9a-f-]{36}$/,
  );

  // Asking again is refused, and the refusal is seen too (not in a collapsed section).
  await sendRequestForm(page.locator('main'), 'Deactivate', 'Asking twice.');
  const refused = page.getByTestId('request-refused');
  await expect(refused).toBeVisible();
  await expect(refused).toContainText('already an open request');
  await expect(page.getByTestId('request-sent')).toHaveCount(0);
  await context.close();
});

test('"Skip to content" moves the keyboard focus to the main content', async ({ page, request }) => {
  const info = await simInfo(request);
  await signIn(page, info.admins[0]);
  await page.goto('/audit');
  await hydrated(page);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#main$/);
  await expect(page.locator('main')).toBeFocused();
});

test('the chosen theme survives a reload; until one is chosen the system decides', async ({ browser, request }) => {
  const info = await simInfo(request);
  const context = await browser.newContext({ colorScheme: 'dark' });
  const page = await context.newPage();
  await signIn(page, info.admins[0]);
  await page.goto('/audit');
  await hydrated(page);
  const root = page.locator('html');
  const toggle = page.getByTestId('theme-toggle');
  // Nothing chosen: the operating system's dark theme shows.
  expect(await root.getAttribute('data-theme')).toBeNull();
  await expect(toggle).toHaveText('Light theme');

  await toggle.click();
  await expect(root).toHaveAttribute('data-theme', 'light');
  await page.reload();
  await hydrated(page);
  await expect(root).toHaveAttribute('data-theme', 'light');
  await expect(toggle).toHaveText('Dark theme');

  await toggle.click();
  await expect(root).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(root).toHaveAttribute('data-theme', 'dark');
  // The server sends the page in the chosen theme, before any script runs: no flash.
  expect(await (await page.request.get('/audit')).text()).toContain('data-theme="dark"');

  // The chart is drawn for it: its words are light on the dark background.
  const chart = page.locator('img.chart');
  await expect(chart).toHaveAttribute('src', /theme=dark$/);
  const svg = await (await page.request.get((await chart.getAttribute('src')) as string)).text();
  expect(svg).toContain('fill="currentColor"');
  expect(svg).toContain('svg{color:#b3bac4}');
  await context.close();
});
