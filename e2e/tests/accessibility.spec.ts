import { test, expect, type Page, type APIRequestContext } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { signIn, simGet, simInfo, type SimInfo } from './helpers';

// Every page of the console, checked with axe-core (WCAG 2.x A and AA rules) in the light
// and the dark theme: no serious or critical violation is allowed.

async function analyze(page: Page) {
  const builder = () => new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  try {
    return await builder().analyze();
  } catch (error) {
    // The sync page reloads itself while a sync runs (every minute, briefly): check the
    // reloaded page instead.
    if (!String(error).includes('Execution context was destroyed')) throw error;
    await page.waitForLoadState('load');
    return await builder().analyze();
  }
}

async function expectNoSeriousViolations(page: Page, path: string) {
  const results = await analyze(page);
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const summary = serious.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
  }));
  expect(summary, `${path}: ${JSON.stringify(summary, null, 2)}`).toEqual([]);
}

/** The console's pages, with real ids from the simulator's seeded enterprise. */
async function everyPage(request: APIRequestContext, info: SimInfo): Promise<string[]> {
  const enterprise = await simGet(request, info, `/v0/meta/enterpriseAccounts/${info.enterprise_account_id}`);
  const workspace = enterprise.workspaceIds[0];
  const ws = await simGet(request, info, `/v0/meta/workspaces/${workspace}`);
  return [
    '/',
    '/audit',
    '/audit/sync',
    '/audit/actions',
    '/audit/snapshots',
    '/users',
    '/users/bulk',
    `/users/${info.non_admins[0].id}`,
    '/groups',
    `/groups/${enterprise.groupIds[0]}`,
    '/workspaces',
    `/workspaces/${workspace}`,
    `/bases/${ws.baseIds[0]}`,
    '/approvals',
    '/approvals/notices',
    '/settings/approvals',
    '/settings/roles',
    '/enterprise/tokens',
    '/enterprise/packages',
    '/enterprise/ai',
    '/scim/users',
    '/scim/groups',
    '/reports',
    '/reports/inactive-users',
    '/reports/external-collaborators',
    '/reports/admins-without-sso-or-2fa',
    '/reports/sole-owner-workspaces',
    '/reports/public-shares',
    '/reviews',
  ];
}

test('the sign-in page has no serious accessibility problem', async ({ page }) => {
  await page.goto('/signin');
  await expectNoSeriousViolations(page, '/signin');
});

for (const scheme of ['light', 'dark'] as const) {
  test(`every page has no serious accessibility problem (${scheme} theme)`, async ({ page, request }) => {
    test.setTimeout(240_000);
    await page.emulateMedia({ colorScheme: scheme });
    const info = await simInfo(request);
    await signIn(page, info.admins[0]);
    // The audit sync page reloads itself while a run is under way; wait for the first
    // backfill to finish so no page changes under the checker.
    await expect
      .poll(async () => (await (await page.request.get('/api/audit/sync/status')).json()).running, {
        timeout: 120_000,
      })
      .toBe(false);
    for (const path of await everyPage(request, info)) {
      await page.goto(path);
      await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
      await expectNoSeriousViolations(page, path);
    }
    // An event's own page, when the copy holds one.
    await page.goto('/audit');
    const first = page.getByTestId('audit-row').first().getByRole('link').first();
    if (await first.count()) {
      await first.click();
      await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
      await expectNoSeriousViolations(page, page.url());
    }
  });
}
