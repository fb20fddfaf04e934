import { test, expect, type Locator, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { approve, signIn, signedInPage, simInfo } from './helpers';

/** Presses Tab until `target` has the focus (keyboard only: no clicks). */
async function tabTo(page: Page, target: Locator, max = 400) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target}`);
}

test('a reviewer decides with the keyboard, a second person approves, and the evidence passes axe', async ({
  browser,
  page,
  request,
}) => {
  test.setTimeout(240_000);
  const info = await simInfo(request);
  // The demo's first admin is a console admin, the second an operator, the third an approver.
  const [admin, operator, approver] = info.admins;
  await signIn(page, admin);

  // The admin creates a campaign over external collaborators, once the start-up snapshot exists.
  await expect(async () => {
    await page.goto('/reviews');
    await expect(page.getByText(/Items are frozen from the latest snapshot/)).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const name = `Q4 external review ${Date.now()}`;
  const form = page.getByTestId('new-campaign');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Due date').fill(new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10));
  await form.getByLabel('External collaborators: reviewer').selectOption(operator.email.toLowerCase());
  await form.getByRole('button', { name: 'Create campaign' }).click();
  await page.getByTestId('campaign-created').getByRole('link', { name: 'Open the campaign' }).click();
  await expect(page).toHaveURL(/\/reviews\/\d+$/);
  const campaignUrl = page.url();

  // The reviewer decides two items with the keyboard only: revoke the first, keep the second.
  const reviewer = await signedInPage(browser, operator);
  await reviewer.goto(campaignUrl);
  await expect(reviewer.locator('body')).toHaveAttribute('data-hydrated', 'true');
  const rows = reviewer.getByTestId('review-item');
  const firstId = await rows.nth(0).getAttribute('data-item');
  const secondId = await rows.nth(1).getAttribute('data-item');

  await tabTo(reviewer, reviewer.locator(`#item-${firstId}-keep`));
  await reviewer.keyboard.press('ArrowDown'); // moves to, and selects, "Revoke"
  await expect(reviewer.locator(`#item-${firstId}-revoke`)).toBeChecked();
  await reviewer.keyboard.press('Tab');
  await expect(reviewer.locator(`#item-${firstId}-comment`)).toBeFocused();
  await reviewer.keyboard.type('No longer on the project');
  await reviewer.keyboard.press('Enter');
  await expect(reviewer.getByTestId('decision-result')).toContainText('revocation asked for');

  await tabTo(reviewer, reviewer.locator(`#item-${secondId}-keep`));
  await reviewer.keyboard.press('Space');
  await expect(reviewer.locator(`#item-${secondId}-keep`)).toBeChecked();
  await reviewer.keyboard.press('Tab');
  await expect(reviewer.locator(`#item-${secondId}-comment`)).toBeFocused();
  await reviewer.keyboard.type('Contract runs to June');
  await reviewer.keyboard.press('Enter');
  await expect(reviewer.getByTestId('decision-result')).toContainText('kept');

  // A second person approves the revocation on /approvals.
  const revoked = reviewer.locator(`[data-item="${firstId}"]`);
  await expect(revoked.getByTestId('item-outcome')).toContainText('waiting for approval');
  const requestUrl = await revoked.getByRole('link', { name: 'Request', exact: true }).getAttribute('href');
  expect(requestUrl).toMatch(/^\/approvals\/[0-9a-f-]{36}$/);
  const approverPage = await signedInPage(browser, approver);
  await approverPage.goto('/approvals');
  await expect(approverPage.locator(`a[href="${requestUrl}"]`).first()).toBeVisible();
  await approve(approverPage, requestUrl as string);

  // The admin closes the campaign (the items nobody decided are listed as not reviewed).
  await page.goto(campaignUrl);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.locator(`[data-item="${firstId}"]`).getByTestId('item-outcome')).toContainText('Revoked');
  const close = page.getByTestId('close-campaign');
  await close.getByLabel('Close even with undecided items (listed as not reviewed)').check();
  await close.getByRole('button', { name: 'Close and make the evidence pack' }).click();
  await expect(page.getByTestId('campaign-state')).toContainText('closed');
  const evidence = page.getByTestId('evidence').getByRole('link', { name: 'Evidence report (printable HTML)' });
  const evidenceUrl = await evidence.getAttribute('href');

  // The evidence report renders, lists what happened, and passes axe.
  await page.goto(evidenceUrl as string);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(name);
  const table = page.getByRole('table', { name: 'Items reviewed, decisions and their outcome' });
  await expect(table).toContainText((requestUrl as string).replace('/approvals/', ''));
  await expect(table).toContainText('No longer on the project');
  await expect(table).toContainText('succeeded');
  await expect(table).toContainText('Contract runs to June');
  await expect(table).toContainText('not reviewed');
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});
