// On PostgreSQL one server at a time may use a database: a second one refuses to start, and
// the next one may start as soon as the first has stopped.
import fs from 'node:fs/promises';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { DatabaseInUseError } from '../src/db/databaseLock.js';
import { waitFor } from './support/http.js';
import { createTestDatabase } from './support/postgres.js';
import { makeDataDir, testConfig } from './support/testApp.js';

test('a second server on the same PostgreSQL database is refused until the first stops', async () => {
  const database = await createTestDatabase();
  const dirs = [await makeDataDir(), await makeDataDir()];
  const config = testConfig(dirs[0]!, { databaseUrl: database.url });
  const first = buildApp(config);
  await first.start();
  try {
    const second = buildApp({ ...config, dataDir: dirs[1]! });
    await expect(second.start()).rejects.toBeInstanceOf(DatabaseInUseError);
  } finally {
    await first.stop();
  }
  const third = buildApp(config);
  await third.start();
  await third.stop();
  await database.drop();
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

test('a server whose lock connection dies stops itself, so no second server runs its tasks twice', async () => {
  const database = await createTestDatabase();
  const dataDir = await makeDataDir();
  let fatal: Error | null = null;
  const app = buildApp(testConfig(dataDir, { databaseUrl: database.url }), { onFatal: (error) => (fatal = error) });
  const url = await app.start();
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  try {
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE '%pg_try_advisory_lock%'`);
    await waitFor('the app to stop itself', async () => fatal, 10_000);
    await expect(fetch(`${url}/readyz`)).rejects.toThrow(); // no longer listening
  } finally {
    await admin.end();
    await app.stop().catch(() => undefined);
    await database.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});
