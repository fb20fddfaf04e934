import { expect, type APIRequestContext, type Browser, type Locator, type Page } from '@playwright/test';

export const SIM_URL = `http://127.0.0.1:${process.env.E2E_SIM_PORT ?? 3101}`;

export interface SimPerson {
  id: string;
  email: string;
  name: string;
}

export interface SimInfo {
  enterprise_account_id: string;
  token: string;
  admins: SimPerson[];
  non_admins: SimPerson[];
  counts: { users: number; groups: number; workspaces: number; bases: number; audit_events: number };
}

export async function simInfo(request: APIRequestContext): Promise<SimInfo> {
  const response = await request.get(`${SIM_URL}/_sim/info`);
  expect(response.ok()).toBeTruthy();
  return response.json();
}

/** Signs in through the real OAuth round trip: console → simulator's sign-in page → console. */
export async function signIn(page: Page, person: SimPerson) {
  await page.goto('/');
  await expect(page).toHaveURL(/\/signin$/);
  await page.getByRole('link', { name: 'Sign in with Airtable' }).click();
  // The simulator's page is on `localhost`, another site than the console's `127.0.0.1`.
  await expect(page).toHaveURL(/^http:\/\/localhost:\d+\/oauth2\/v1\/authorize/);
  await page.getByRole('button', { name: new RegExp(`Sign in as .*${escapeRegExp(person.email)}`) }).click();
  // Wait until the round trip is over (the callback page moves on by a meta refresh), so a
  // navigation right after this cannot be overtaken by it.
  await page.waitForURL(
    (url) => url.hostname !== 'localhost' && !url.pathname.startsWith('/auth/callback'),
  );
}

export function escapeRegExp(text: string) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Headers for calling the simulator's Airtable API directly, as an enterprise admin.
 * Unmetered: the specs' own looks at the simulator spend none of the rate budget the
 * console runs under (Airtable's limits are on, as in production).
 */
export function simHeaders(info: SimInfo) {
  return { Authorization: `Bearer ${info.token}`, 'X-Sim-Unmetered': 'yes' };
}

/** A GET on the simulator's Airtable API (to check what the console changed). */
export async function simGet(request: APIRequestContext, info: SimInfo, path: string) {
  const response = await request.get(`${SIM_URL}${path}`, { headers: simHeaders(info) });
  expect(response.ok(), `${path}: ${response.status()}`).toBeTruthy();
  return response.json();
}

/** A user as the simulator has them (the raw response: a removed user is a 404). */
export async function simUser(request: APIRequestContext, info: SimInfo, id: string) {
  return request.get(`${SIM_URL}/v0/meta/enterpriseAccounts/${info.enterprise_account_id}/users/${id}`, {
    headers: simHeaders(info),
  });
}

/**
 * Fresh people made through SCIM (as an identity provider would), so a spec that changes
 * people leaves the seeded ones other specs rely on as they were.
 */
export async function makeUsers(request: APIRequestContext, info: SimInfo, prefix: string, n: number) {
  const enterprise = await simGet(request, info, `/v0/meta/enterpriseAccounts/${info.enterprise_account_id}`);
  const domain: string = enterprise.emailDomains[0].emailDomain;
  const made: { id: string; email: string }[] = [];
  for (let i = 0; i < n; i++) {
    const email = `${prefix}.${i}@${domain}`;
    const response = await request.post(`${SIM_URL}/scim/v2/Users`, {
      headers: simHeaders(info),
      data: {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: email,
        name: { givenName: 'E2E', familyName: `${prefix} ${i}` },
      },
    });
    expect(response.ok(), await response.text()).toBeTruthy();
    made.push({ id: (await response.json()).id, email });
  }
  return made;
}

/**
 * Opens the request form labelled `summary` inside `scope` and sends it with `reason`
 * (typing `confirm` where the form wants the name typed); returns the form, whose answer
 * is a sent request or, where an admin exempted the kind, the action done at once.
 */
export async function sendRequestForm(scope: Locator, summary: string, reason: string, confirm?: string) {
  const form = scope.locator('details.risky').filter({ has: scope.page().getByText(summary, { exact: true }) });
  await form.getByText(summary, { exact: true }).click();
  await form.getByLabel('Why is this needed?').fill(reason);
  if (confirm !== undefined) {
    await form.getByLabel(`Type ${confirm} to confirm`).fill(confirm);
  }
  await form.getByRole('button', { name: 'Ask for approval' }).click();
  return form;
}

/** As `sendRequestForm`, for a kind that needs approval: returns the request's address. */
export async function askForApproval(scope: Locator, summary: string, reason: string, confirm?: string) {
  const form = await sendRequestForm(scope, summary, reason, confirm);
  const link = form.getByTestId('request-sent').getByRole('link', { name: 'follow the request' });
  await expect(link).toBeVisible();
  const href = await link.getAttribute('href');
  expect(href).toMatch(/^\/approvals\/[0-9a-f-]{36}$/);
  return href as string;
}

/** A second person approves the request at `url`; it is carried out at once. */
export async function approve(page: Page, url: string) {
  await page.goto(url);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('button', { name: 'Approve and carry out' }).click();
  await expect(page.getByTestId('approval-status')).toHaveText('Done');
}

/** A page in a browser context of its own, signed in as `person`. */
export async function signedInPage(browser: Browser, person: SimPerson) {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, person);
  return page;
}

/** On a bulk job's page: waits until all `total` users are done with. */
export async function jobFinished(page: Page, total: number) {
  await expect(page).toHaveURL(/\/users\/bulk\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('bulk-percent')).toHaveText('100%', { timeout: 30_000 });
  await expect(page.getByTestId('bulk-total')).toHaveText(String(total));
  await expect(page.getByTestId('bulk-state')).toHaveText('Finished.');
  await expect(page.getByTestId('bulk-progress')).toHaveAttribute('value', String(total));
}
