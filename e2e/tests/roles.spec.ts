import { test, expect } from '@playwright/test';
import { signIn, simInfo } from './helpers';

test('an admin removes and grants a console role, and it takes effect at once', async ({ browser, request }) => {
  const info = await simInfo(request);
  const [admin, operator] = info.admins;

  const adminContext = await browser.newContext();
  const adminPage = await adminContext.newPage();
  await signIn(adminPage, admin);
  await expect(adminPage.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await adminPage.getByRole('link', { name: 'Roles' }).click();
  await expect(adminPage.getByRole('heading', { name: 'Console roles' })).toBeVisible();
  const operatorRow = adminPage.getByTestId('role-row').filter({ hasText: operator.email });
  await expect(operatorRow).toContainText('operator');

  // The operator is signed in elsewhere.
  const operatorContext = await browser.newContext();
  const operatorPage = await operatorContext.newPage();
  await signIn(operatorPage, operator);
  await expect(operatorPage.getByTestId('signed-in-as')).toContainText('operator');
  // Operators do not see, and cannot open, the roles page.
  await expect(operatorPage.getByRole('link', { name: 'Roles' })).toHaveCount(0);
  await operatorPage.goto('/settings/roles');
  await expect(operatorPage.getByRole('alert')).toContainText('does not allow this');

  await operatorRow.getByRole('button', { name: `Remove ${operator.email}'s console role` }).click();
  await expect(adminPage.getByTestId('role-row').filter({ hasText: operator.email })).toHaveCount(0);

  // Their session ended with the role, and they cannot sign in again.
  await operatorPage.goto('/');
  await expect(operatorPage).toHaveURL(/\/signin$/);
  await signIn(operatorPage, operator);
  await expect(operatorPage).toHaveURL(/\/signin\?error=no_role$/);

  // Granting it back by email works; the admin cannot grant a role to a non-admin.
  await adminPage.getByLabel('Email or Airtable user id').fill(info.non_admins[0].email);
  await adminPage.getByLabel('Role', { exact: true }).selectOption('viewer');
  await adminPage.getByRole('button', { name: 'Grant' }).click();
  await expect(adminPage.getByRole('alert')).toContainText('not an admin of this enterprise');

  await adminPage.getByLabel('Email or Airtable user id').fill(operator.email);
  await adminPage.getByLabel('Role', { exact: true }).selectOption('operator');
  await adminPage.getByRole('button', { name: 'Grant' }).click();
  await expect(adminPage.getByTestId('role-row').filter({ hasText: operator.email })).toContainText('operator');

  // Both changes are in the console's action log, and its hash chain checks out.
  await adminPage.getByRole('link', { name: 'Console actions' }).click();
  await expect(adminPage.getByTestId('action-row').filter({ hasText: 'roles.revoke' })).toHaveCount(1);
  await expect(adminPage.getByTestId('action-row').filter({ hasText: 'roles.grant' }).first()).toContainText(admin.email);
  await adminPage.getByRole('link', { name: "Check the log's integrity" }).click();
  await expect(adminPage.getByTestId('chain-check')).toContainText('Intact');

  await adminContext.close();
  await operatorContext.close();
});
