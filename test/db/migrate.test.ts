import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openDatabase, type Database } from '../../src/db/database.js';
import { DEFAULT_MIGRATIONS_DIR, diffMigrationsToSchema, readSchemaFile } from '../../src/db/migrate.js';
import { pgliteMigrationFactory } from '../../src/db/pglite.js';
import { freshMigratedPglite } from '../support/pgliteTemplate.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const migrationNames = async (): Promise<string[]> =>
  (await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();

interface MigrationRow {
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

async function tableNames(db: Database): Promise<string[]> {
  const rows = await db.prisma.$queryRaw<{ table_name: string }[]>`
    SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;
  return rows.map((r) => r.table_name);
}

/** The checks both databases must pass, on a database that has never been migrated. */
function describeMigrations(open: () => Promise<Database>, close: () => Promise<void> = async () => {}) {
  let db: Database;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db?.close();
    await close();
  });

  it('applies every migration and records it as prisma migrate deploy does', async () => {
    expect(await db.migrate()).toEqual({ applied: await migrationNames() });
    expect(await tableNames(db)).toEqual(expect.arrayContaining(['Task', 'Video', '_prisma_migrations']));
    const rows = await db.prisma.$queryRaw<MigrationRow[]>`
      SELECT migration_name, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations`;
    const init = rows.find((r) => r.migration_name.endsWith('_init'));
    expect(init).toMatchObject({ rolled_back_at: null, applied_steps_count: 1 });
    expect(init?.finished_at).toBeInstanceOf(Date);
  });

  it('applies nothing the second time', async () => {
    expect(await db.migrate()).toEqual({ applied: [] });
  });

  it('serves a Prisma create/read round trip', async () => {
    const video = await db.prisma.video.create({
      data: {
        callerId: 'anonymous',
        title: 'A title; with "quotes"',
        plot: 'plot',
        durationSeconds: 4,
        width: 640,
        height: 360,
        fps: 24,
        sizeBytes: 1234,
        contentPath: 'v/content.mp4',
        posterPath: 'v/poster.jpg',
      },
    });
    const task = await db.prisma.task.create({
      data: { callerId: 'anonymous', kind: 'CREATE_VIDEO', input: { title: video.title, plot: 'plot' }, videoId: video.id },
    });
    const read = await db.prisma.task.findUniqueOrThrow({ where: { id: task.id }, include: { video: true } });
    expect(read).toMatchObject({ status: 'PENDING', stage: 'queued', progress: 0, version: 1, attempts: 0 });
    expect(read.input).toEqual({ title: 'A title; with "quotes"', plot: 'plot' });
    expect(read.video?.title).toBe('A title; with "quotes"');
  });
}

describe('migrations on fresh PGlite (in memory)', () => {
  describeMigrations(() => openDatabase({ dataDir: os.tmpdir(), pgliteInMemory: true }));
});

describe('migrations on PostgreSQL', () => {
  let pg: TestDatabase;
  describeMigrations(
    async () => {
      pg = await createTestDatabase();
      return openDatabase({ dataDir: os.tmpdir(), databaseUrl: pg.url });
    },
    async () => pg?.drop(),
  );

  it('lets concurrent migrators apply each migration once', async () => {
    const other = await createTestDatabase();
    const config = { dataDir: os.tmpdir(), databaseUrl: other.url };
    const [a, b] = [await openDatabase(config), await openDatabase(config)];
    try {
      const results = await Promise.all([a.migrate(), b.migrate()]);
      expect(results.flatMap((r) => r.applied).sort()).toEqual(await migrationNames());
    } finally {
      await Promise.all([a.close(), b.close()]);
      await other.drop();
    }
  });
});

describe('PGlite data dir', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'longrun-db-test-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('keeps migrations and rows across a reopen', async () => {
    const first = await openDatabase({ dataDir });
    await first.migrate();
    await first.prisma.task.create({ data: { callerId: 'anonymous', kind: 'DELETE_VIDEO', input: {} } });
    await first.close();
    const again = await openDatabase({ dataDir });
    try {
      expect(await again.migrate()).toEqual({ applied: [] });
      expect(await again.prisma.task.count()).toBe(1);
    } finally {
      await again.close();
    }
  });
});

describe('template clones', () => {
  it('are migrated and independent of each other', async () => {
    const [a, b] = [await freshMigratedPglite(), await freshMigratedPglite()];
    try {
      expect(await a.migrate()).toEqual({ applied: [] });
      await a.prisma.task.create({ data: { callerId: 'anonymous', kind: 'DELETE_VIDEO', input: {} } });
      expect(await a.prisma.task.count()).toBe(1);
      expect(await b.prisma.task.count()).toBe(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('a failing migration', () => {
  let migrationsDir: string;
  beforeAll(async () => {
    migrationsDir = await mkdtemp(path.join(os.tmpdir(), 'longrun-migrations-'));
    await cp(DEFAULT_MIGRATIONS_DIR, migrationsDir, { recursive: true });
    await mkdir(path.join(migrationsDir, '29991231000000_broken'));
    const script = 'CREATE TABLE "Partial" (id int);\nSELECT no_such_function();\n';
    await writeFile(path.join(migrationsDir, '29991231000000_broken', 'migration.sql'), script);
  });
  afterAll(() => rm(migrationsDir, { recursive: true, force: true }));

  it('is rolled back, reported with the database error, and blocks later runs', async () => {
    const db = await freshMigratedPglite({ migrationsDir });
    try {
      await expect(db.migrate()).rejects.toThrow(/no_such_function\(\) does not exist/);
      const partial = await db.prisma.$queryRaw<{ t: string | null }[]>`SELECT to_regclass('"Partial"')::text AS t`;
      expect(partial).toEqual([{ t: null }]);
      await expect(db.migrate()).rejects.toThrow(/found failed migrations/);
    } finally {
      await db.close();
    }
  });
});

describe('diffMigrationsToSchema (db:migrate:create)', () => {
  // The engine connects to the main database but replays the history on its own shadow PGlite.
  let main: Database;
  beforeAll(async () => {
    main = await freshMigratedPglite();
  });
  afterAll(() => main?.close());
  const factory = () => {
    if (main.pglite === undefined) throw new Error('expected an embedded database');
    return pgliteMigrationFactory(main.pglite);
  };

  it('finds no change between the committed migrations and the schema', async () => {
    expect(await diffMigrationsToSchema(factory())).toBeNull();
  });

  it('writes the SQL for a schema change', async () => {
    const schema = await readSchemaFile();
    schema.content += '\nmodel Extra {\n  id   Int     @id\n  note String? @default("a;b")\n}\n';
    const sql = await diffMigrationsToSchema(factory(), { schema });
    expect(sql).toContain('CREATE TABLE "Extra"');
    expect(sql).toContain("DEFAULT 'a;b'");
    expect(sql).not.toContain('"Task"');
  });
});
