import { test, expect } from '@playwright/test';
import { signIn, simInfo } from './helpers';

test('a rule made from a search fires after "Sync now" and its notice arrives', async ({ browser, page, request }) => {
  const info = await simInfo(request);
  const [admin, other] = info.admins;
  await signIn(page, admin);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');

  // A search on the audit page becomes a rule.
  const search = `action:loginUser actor:${other.email}`;
  await page.goto(`/audit?q=${encodeURIComponent(search)}`);
  await page.getByRole('link', { name: 'Alert on new events like these' }).click();
  await expect(page).toHaveURL(/\/alerts\?q=/);
  const form = page.getByTestId('new-rule');
  await expect(form.getByLabel('Search (as on the audit page)')).toHaveValue(search);
  const name = `Sign-ins of ${other.name} ${Date.now()}`;
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Email to (commas between addresses)').fill(admin.email);
  await form.getByRole('button', { name: 'Save rule' }).click();
  await expect(page.getByTestId('rule-created')).toBeVisible();
  const row = page.getByTestId('alert-rule').filter({ hasText: name });
  await expect(row).toBeVisible();
  await expect(row.getByTestId('rule-notices')).toHaveText('0');

  // The other admin signs in: a new loginUser event at Airtable.
  const context = await browser.newContext();
  await signIn(await context.newPage(), other);
  await context.close();

  // "Sync now" copies it (Airtable publishes it a little late: ask until it is there), and
  // the rule notices it within seconds.
  await expect(async () => {
    await page.goto('/audit/sync');
    await page.getByTestId('audit-sync').getByRole('button', { name: 'Sync now' }).click();
    await page.goto('/alerts');
    const matches = page.getByTestId('alert-notice').filter({ hasText: name });
    await expect(matches.first()).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 60_000 });
  const notice = page.getByTestId('alert-notice').filter({ hasText: name }).first();
  await expect(notice).toContainText('loginUser');
  await expect(notice).toContainText(other.email);

  // The email went into the outbox, which the Notices page shows.
  await page.goto('/approvals/notices');
  await expect(page.getByTestId('notice').filter({ hasText: `Alert "${name}"` }).first()).toBeVisible();

  // The rule's test shows what it would have matched over the last 7 days.
  await page.goto('/alerts');
  await page.getByTestId('alert-rule').filter({ hasText: name }).getByRole('link', { name: 'Test: last 7 days' }).click();
  await expect(page.getByTestId('rule-test-count')).toContainText('It would have matched');
});
