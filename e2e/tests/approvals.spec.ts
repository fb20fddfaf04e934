import { test, expect } from '@playwright/test';
import { SIM_URL, signIn, simHeaders, simInfo } from './helpers';

test('an operator asks to delete a user, a second person approves, and it shows in the audit log', async ({ browser, request }) => {
  const info = await simInfo(request);
  // The demo gives the first admin the admin role (which may approve) and the others operator.
  const [approver, operator] = info.admins;
  expect(info.non_admins.length).toBeGreaterThan(1); // others use the first one
  const doomed = info.non_admins[info.non_admins.length - 1];

  // Operator A asks, with a reason.
  const aContext = await browser.newContext();
  const a = await aContext.newPage();
  await signIn(a, operator);
  await expect(a.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await a.getByRole('link', { name: 'Users' }).click();
  await expect(a).toHaveURL(/\/users$/);
  // An exact email goes straight to the user's page.
  await a.getByLabel('Name, email address or user ID').fill(doomed.email);
  await a.getByRole('button', { name: 'Search' }).click();
  await expect(a).toHaveURL(new RegExp(`/users/${doomed.id}$`));
  await expect(a.getByTestId('user-card')).toContainText(doomed.email);
  await a.getByText(`Delete ${doomed.email}…`, { exact: true }).click();
  await a.getByLabel('Why is this needed?').last().fill('Left the company on Friday; HR ticket 4711.');
  // Deleting a person is among the most destructive actions: their email must be typed.
  await a.getByLabel(`Type ${doomed.email} to confirm`).fill(doomed.email);
  await a.getByRole('button', { name: 'Ask for approval' }).last().click();
  await expect(a.getByTestId('request-sent')).toBeVisible();
  await a.getByRole('link', { name: 'follow the request' }).click();
  await expect(a.getByTestId('approval-status')).toHaveText('Waiting for approval');
  // A cannot approve their own request: the page says why and offers no button.
  await expect(a.getByTestId('why-not')).toContainText('yourself');
  await expect(a.getByRole('button', { name: 'Approve and carry out' })).toHaveCount(0);
  const requestUrl = a.url();

  // Approver B sees the badge, opens the request, sees the preview, approves.
  const bContext = await browser.newContext();
  const b = await bContext.newPage();
  await signIn(b, approver);
  await expect(b.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(b.getByTestId('approvals-badge')).toBeVisible();
  await b.getByRole('link', { name: /Approvals/ }).click();
  await expect(b).toHaveURL(/\/approvals$/);
  const row = b.getByTestId('approval-row').filter({ hasText: doomed.id });
  await expect(row).toContainText('HR ticket 4711');
  await row.getByRole('link').first().click();
  await expect(b).toHaveURL(requestUrl);
  await expect(b.getByTestId('approval-preview')).toContainText(doomed.email);
  await b.getByLabel('Comment (optional)').fill('Checked with HR.');
  await b.getByRole('button', { name: 'Approve and carry out' }).click();
  await expect(b.getByTestId('approval-status')).toHaveText('Done');
  await expect(b.getByTestId('approval-outcome')).toContainText(`(${doomed.id}) deleted.`);

  // The user is gone from the simulator.
  const gone = await request.get(
    `${SIM_URL}/v0/meta/enterpriseAccounts/${info.enterprise_account_id}/users/${doomed.id}`,
    { headers: simHeaders(info) },
  );
  expect(gone.status()).toBe(404);

  // A sees the outcome.
  await a.reload();
  await expect(a.getByTestId('approval-status')).toHaveText('Done');

  // The deletion is in the audit search: the console's steps at once, Airtable's event
  // once the copy has synced.
  await b.goto(`/audit?q=${encodeURIComponent(`model:${doomed.id}`)}`);
  await expect(b.getByTestId('audit-results')).toContainText('console.delete_user');
  // Airtable publishes its event a little late: sync until the copy has it.
  await expect(async () => {
    await b.goto('/audit/sync');
    await b.getByRole('button', { name: 'Sync now' }).click();
    await b.goto(`/audit?q=${encodeURIComponent(`action:deleteUser model:${doomed.id}`)}`);
    await expect(b.getByTestId('audit-row').first()).toContainText(approver.email, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });

  await aContext.close();
  await bContext.close();
});
