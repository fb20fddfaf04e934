// Starts the console for the end-to-end suite on an empty database, as a new installation
// would run. Playwright runs this as its webServer and stops it afterwards.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

const url = new URL(process.env.DATABASE_URL);
const name = url.pathname.replace(/^\//, '');
if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unexpected e2e database name ${name}`);
url.pathname = '/postgres';
const admin = new pg.Client({ connectionString: url.toString() });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
await admin.end();
// Nor has a new installation a witness of the action log's head: the one left by an earlier
// run recorded the dropped database's log, which the verifier would rightly call truncated.
if (process.env.CONSOLE_DATA_DIR) {
  rmSync(join(process.env.CONSOLE_DATA_DIR, 'action-log-head'), { force: true });
}

const server = spawn(process.env.CONSOLE_BIN, [], { stdio: 'inherit', env: process.env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 1));
