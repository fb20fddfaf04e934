import { defineConfig } from '@playwright/test';

// The console under test: the real server binary, a fresh Postgres database and the
// in-process simulator (demo mode). The simulator's sign-in page is reached as `localhost`
// while the console is `127.0.0.1`, so the OAuth round trip is cross-site as in production.
export const CONSOLE_PORT = Number(process.env.E2E_CONSOLE_PORT ?? 3100);
export const SIM_PORT = Number(process.env.E2E_SIM_PORT ?? 3101);
export const CONSOLE_URL = `http://127.0.0.1:${CONSOLE_PORT}`;
export const SIM_URL = `http://127.0.0.1:${SIM_PORT}`;

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const databaseUrl = process.env.E2E_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/airtable_console_e2e';

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: CONSOLE_URL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `node start-console.mjs`,
    url: `${CONSOLE_URL}/readyz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      CONSOLE_ADDR: `127.0.0.1:${CONSOLE_PORT}`,
      CONSOLE_DEMO_SIM_ADDR: `127.0.0.1:${SIM_PORT}`,
      CONSOLE_DEMO_SIZE: 'demo',
      // Airtable's rate limits are on (the default); the specs' own calls to the simulator
      // are unmetered (helpers.ts, simHeaders). Audit events appear late, as in Airtable,
      // but seconds rather than minutes late, so the specs wait seconds.
      CONSOLE_DEMO_AUDIT_DELAY_SECONDS: '2',
      CONSOLE_SITE_ROOT: process.env.CONSOLE_SITE_ROOT ?? '../target/site',
      CONSOLE_DATA_DIR: process.env.E2E_DATA_DIR ?? '../target/e2e-data',
      DATABASE_URL: databaseUrl,
      CONSOLE_BIN: process.env.CONSOLE_BIN ?? '../target/debug/console-server',
      RUST_LOG: process.env.RUST_LOG ?? 'info',
    },
  },
});
