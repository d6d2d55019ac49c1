// Migrated PGlite databases for tests, fast. A fresh PGlite takes seconds to start; loading a
// dump of an already migrated one takes well under one. So the migrations run once into a
// template whose dump is cached as a file (os.tmpdir(), keyed by the migrations and the installed
// package versions, so it is rebuilt only when either changes; globalSetup builds it before the
// workers start), and each caller gets a clone.
//
// API:
//   migratedPgliteTemplate(): Promise<Blob>
//     The dump; pass it as `pgliteLoadDataDir` to openDatabase / buildApp's `database` option.
//     The resulting database is already migrated (migrate() applies nothing).
//   freshMigratedPglite(options?: { dataDir?: string; migrationsDir?: string }): Promise<Database>
//     An opened clone. In memory by default; with dataDir, stored in <dataDir>/pgdata.
//     migrationsDir is what its migrate() applies (default prisma/migrations). The caller closes it.
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Database } from '../../src/db/database.js';
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from '../../src/db/migrate.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function templateKey(): Promise<string> {
  const hash = createHash('sha256');
  const migrations = await readMigrations(DEFAULT_MIGRATIONS_DIR);
  hash.update(migrations.lockfile.content ?? '');
  for (const dir of migrations.migrationDirectories) {
    const { content } = dir.migrationFile;
    hash.update(`\0${dir.path}\0${content.tag === 'ok' ? content.value : ''}`);
  }
  // PGlite's on-disk format and the engine's bookkeeping follow the installed versions.
  hash.update(await readFile(path.join(projectRoot, 'package-lock.json')).catch(() => ''));
  return hash.digest('hex').slice(0, 16);
}

async function buildTemplate(file: string): Promise<Blob> {
  const db = await openDatabase({ dataDir: os.tmpdir(), pgliteInMemory: true });
  try {
    await db.migrate();
    if (db.pglite === undefined) throw new Error('expected an embedded database');
    // Uncompressed: ten times larger than gzip, but clones load a third faster.
    const dump = await db.pglite.dumpDataDir('none');
    const partial = `${file}.${process.pid}.tmp`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, file); // atomic: a concurrent reader never sees half a dump
    return dump;
  } finally {
    await db.close();
  }
}

async function loadOrBuild(): Promise<Blob> {
  const file = path.join(os.tmpdir(), `longrun-pglite-template-${await templateKey()}.tar`);
  try {
    return new Blob([await readFile(file)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return buildTemplate(file);
  }
}

let template: Promise<Blob> | undefined;

export function migratedPgliteTemplate(): Promise<Blob> {
  template ??= loadOrBuild();
  template.catch(() => {
    template = undefined;
  });
  return template;
}

export async function freshMigratedPglite(
  options: { dataDir?: string; migrationsDir?: string } = {},
): Promise<Database> {
  const pgliteLoadDataDir = await migratedPgliteTemplate();
  return openDatabase({
    dataDir: options.dataDir ?? os.tmpdir(),
    pgliteInMemory: options.dataDir === undefined,
    pgliteLoadDataDir,
    ...(options.migrationsDir !== undefined && { migrationsDir: options.migrationsDir }),
  });
}
