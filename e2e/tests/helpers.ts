import { expect, type APIRequestContext, type Page } from '@playwright/test';

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
