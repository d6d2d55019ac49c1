// On PostgreSQL one server at a time may use a database: a second one refuses to start, and
// the next one may start as soon as the first has stopped.
import fs from 'node:fs/promises';
import { buildApp } from '../src/app.js';
import { DatabaseInUseError } from '../src/db/databaseLock.js';
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
