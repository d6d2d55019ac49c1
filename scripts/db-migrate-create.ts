// `npm run db:migrate:create -- NAME`: writes prisma/migrations/<timestamp>_<name>/migration.sql with
// the SQL that takes the migrations folder to prisma/schema.prisma (what `prisma migrate dev
// --create-only` would write). Needs no database: the history is replayed on in-memory PGlite.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DEFAULT_MIGRATIONS_DIR,
  diffMigrationsToSchema,
  MIGRATION_LOCK_CONTENT,
  MIGRATION_LOCK_FILE,
} from '../src/db/migrate.js';
import { openPglite, pgliteMigrationFactory } from '../src/db/pglite.js';

function migrationName(raw: string | undefined): string {
  const name = (raw ?? '').trim().replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (name === '') {
    console.error('usage: npm run db:migrate:create -- NAME');
    process.exit(64);
  }
  return name;
}

function utcTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function main(): Promise<void> {
  const name = migrationName(process.argv[2]);
  const main = await openPglite();
  let script: string | null;
  try {
    script = await diffMigrationsToSchema(pgliteMigrationFactory(main));
  } finally {
    await main.close();
  }
  if (script === null) {
    console.log('no changes');
    return;
  }
  const dirName = `${utcTimestamp(new Date())}_${name}`;
  const dir = path.join(DEFAULT_MIGRATIONS_DIR, dirName);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'migration.sql'), script);
  await writeFile(path.join(DEFAULT_MIGRATIONS_DIR, MIGRATION_LOCK_FILE), MIGRATION_LOCK_CONTENT);
  console.log(`created prisma/migrations/${dirName}/migration.sql`);
}

await main();
