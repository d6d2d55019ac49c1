// `npm run db:migrate`: applies pending migrations (like `prisma migrate deploy`) to PostgreSQL at
// DATABASE_URL or, when unset, to the embedded database in DATA_DIR (default ./data).
import path from 'node:path';
import { openDatabase, type DatabaseConfig } from '../src/db/database.js';
import { DataDirLockedError, lockDataDir, type DataDirLock } from '../src/db/dataDirLock.js';

function configFromEnv(): DatabaseConfig {
  const databaseUrl = process.env.DATABASE_URL?.trim();
  return {
    dataDir: path.resolve(process.env.DATA_DIR?.trim() || './data'),
    ...(databaseUrl && { databaseUrl }),
  };
}

async function lockOrExit(dataDir: string): Promise<DataDirLock> {
  try {
    return await lockDataDir(dataDir);
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = configFromEnv();
  // A server holding the embedded data dir would lose writes to a second PGlite on it.
  const lock = config.databaseUrl === undefined ? await lockOrExit(config.dataDir) : null;
  try {
    const db = await openDatabase(config);
    try {
      const where = db.kind === 'pglite' ? `embedded database in ${config.dataDir}` : 'PostgreSQL';
      const { applied } = await db.migrate();
      if (applied.length === 0) console.log(`${where}: no pending migrations`);
      else console.log(`${where}: applied ${applied.length} migration(s):\n${applied.map((n) => `  ${n}`).join('\n')}`);
    } finally {
      await db.close();
    }
  } finally {
    await lock?.release();
  }
}

await main();
