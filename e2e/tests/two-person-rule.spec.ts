import { test, expect, type Page } from '@playwright/test';
import { approve, signedInPage, simInfo } from './helpers';

// The two-person rule against a single admin (issue 15): deletions are locked on the policy
// page; while the console has one admin every page says the rule cannot hold yet; once a
// second admin exists, exempting a kind is a request that only that second admin approves.

async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

test('deletions are locked, and an exemption takes a second admin', async ({ browser, request }) => {
  test.setTimeout(120_000);
  const info = await simInfo(request);
  const [admin, , other] = info.admins;
  const adminPage = await signedInPage(browser, admin);

  // The policy page: every deletion is locked, without a button; others can be asked for.
  await open(adminPage, '/settings/approvals');
  const policy = adminPage.getByTestId('approval-policy');
  for (const kind of ['delete_user', 'delete_users_by_email', 'remove_user_from_enterprise', 'delete_workspace', 'delete_base', 'revoke_personal_access_tokens']) {
    const row = policy.locator(`[data-kind="${kind}"]`);
    await expect(row.getByTestId('policy-locked')).toHaveText('always (locked)');
    await expect(row.getByRole('button')).toHaveCount(0);
  }
  const shares = policy.locator('[data-kind="disable_share"]');
  await expect(shares.getByRole('button', { name: 'Ask to exempt: Disable a share' })).toBeVisible();

  // A new installation has one admin: the rule cannot hold yet, and every page says so.
  // The admin names a second admin alone, which arms the rule for good.
  for (const path of ['/', '/users', '/approvals']) {
    await open(adminPage, path);
    await expect(adminPage.getByTestId('two-person-rule-off')).toContainText('cannot hold yet');
  }
  await open(adminPage, '/settings/roles');
  await adminPage.getByLabel('Email or Airtable user id').fill(other.email);
  await adminPage.getByLabel('Role', { exact: true }).selectOption('admin');
  await adminPage.getByRole('button', { name: 'Grant' }).click();
  await expect(adminPage.getByTestId('role-granted')).toContainText('admin');
  const secondAdmin = await signedInPage(browser, other);
  await open(adminPage, '/');
  await expect(adminPage.getByTestId('two-person-rule-off')).toHaveCount(0);

  // Exempting a kind is a request; the same admin cannot approve it, the second admin can.
  try {
    await open(adminPage, '/settings/approvals');
    await shares.getByRole('button', { name: 'Ask to exempt: Disable a share' }).click();
    const asked = adminPage.getByTestId('exemption-requested').getByRole('link', { name: 'follow the request' });
    await expect(asked).toBeVisible();
    const url = (await asked.getAttribute('href')) ?? '';
    expect(url).toMatch(/^\/approvals\/[0-9a-f-]{36}$/);
    await open(adminPage, '/settings/approvals');
    await expect(shares).toContainText('yes');
    await expect(shares.getByRole('link', { name: 'Exemption waiting for a second admin' })).toBeVisible();
    await open(adminPage, url);
    await expect(adminPage.getByTestId('why-not')).toContainText('yourself');
    await expect(adminPage.getByRole('button', { name: 'Approve and carry out' })).toHaveCount(0);
    await expect(adminPage.getByTestId('call-hash')).toHaveText(/^[0-9a-f]{64}$/);

    await approve(secondAdmin, url);
    await open(adminPage, '/settings/approvals');
    await expect(shares.getByRole('cell').nth(1)).toHaveText('no');
  } finally {
    // Tightening again happens at once; the second admin goes back to approver.
    await open(adminPage, '/settings/approvals');
    const requireAgain = shares.getByRole('button', { name: 'Require approval: Disable a share' });
    if (await requireAgain.count()) {
      await requireAgain.click();
      await expect(shares.getByRole('cell').nth(1)).toHaveText('yes');
    }
    await open(adminPage, '/settings/roles');
    await adminPage.getByLabel('Email or Airtable user id').fill(other.email);
    await adminPage.getByLabel('Role', { exact: true }).selectOption('approver');
    await adminPage.getByRole('button', { name: 'Grant' }).click();
    await expect(adminPage.getByTestId('role-row').filter({ hasText: other.email })).toContainText('approver');
  }
  await adminPage.context().close();
  await secondAdmin.context().close();
});
