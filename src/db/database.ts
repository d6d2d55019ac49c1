// One entry point for both databases: embedded PGlite in the data dir, or PostgreSQL by URL.
import path from 'node:path';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import { applyMigrations, DEFAULT_MIGRATIONS_DIR, type MigrateResult } from './migrate.js';
import { openPglite, pgliteMigrationFactory } from './pglite.js';
import { withScriptRunner } from './schemaEngine.js';

export interface DatabaseConfig {
  /** PostgreSQL connection string. Unset: embedded PGlite in `<dataDir>/pgdata`. */
  databaseUrl?: string;
  dataDir: string;
  /** Embedded only: start from this `dumpDataDir()` tarball instead of an empty cluster (test clones). */
  pgliteLoadDataDir?: Blob;
  /** Embedded only: keep the database in memory, not in `<dataDir>/pgdata` (tests). Default false. */
  pgliteInMemory?: boolean;
  /** Default: prisma/migrations of this project. */
  migrationsDir?: string;
}

export interface Database {
  prisma: PrismaClient;
  kind: 'pglite' | 'postgres';
  /** The embedded instance when kind is 'pglite' (LISTEN/NOTIFY, dumpDataDir); undefined otherwise. */
  pglite?: PGlite;
  /** Applies pending migrations; `applied` is empty when the database was already current. */
  migrate(): Promise<MigrateResult>;
  /** Disconnects Prisma and closes PGlite. */
  close(): Promise<void>;
}

export function pgliteDataDir(dataDir: string): string {
  return path.join(dataDir, 'pgdata');
}

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  const migrationsDir = config.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  return config.databaseUrl === undefined
    ? openEmbedded(config, migrationsDir)
    : openPostgres(config.databaseUrl, migrationsDir);
}

async function openEmbedded(config: DatabaseConfig, migrationsDir: string): Promise<Database> {
  const pglite = await openPglite({
    ...(!config.pgliteInMemory && { dataDir: pgliteDataDir(config.dataDir) }),
    ...(config.pgliteLoadDataDir !== undefined && { loadDataDir: config.pgliteLoadDataDir }),
  });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    prisma,
    kind: 'pglite',
    pglite,
    migrate: () => applyMigrations(pgliteMigrationFactory(pglite), migrationsDir),
    close: async () => {
      try {
        await prisma.$disconnect();
      } finally {
        await pglite.close();
      }
    },
  };
}

async function openPostgres(url: string, migrationsDir: string): Promise<Database> {
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  return {
    prisma,
    kind: 'postgres',
    migrate: async () => {
      const { factory, close } = postgresMigrationFactory(url);
      try {
        return await applyMigrations(factory, migrationsDir);
      } finally {
        await close();
      }
    },
    close: () => prisma.$disconnect(),
  };
}

async function runOn(pool: pg.Pool, script: string): Promise<void> {
  // No parameters: the simple query protocol runs the whole script as one implicit transaction.
  await pool.query(script);
}

/** Adapter factory for the schema engine on PostgreSQL; `close()` ends its pool. */
export function postgresMigrationFactory(url: string): {
  factory: SqlMigrationAwareDriverAdapterFactory;
  close(): Promise<void>;
} {
  const pool = new pg.Pool({ connectionString: url });
  const base = new PrismaPg(pool);
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: base.provider,
    adapterName: base.adapterName,
    connect: async () => withScriptRunner(await base.connect(), (script) => runOn(pool, script)),
    connectToShadowDb: async () => {
      const shadow = await base.connectToShadowDb();
      return withScriptRunner(shadow, (script) => runOn(shadow.underlyingDriver(), script));
    },
  };
  return { factory, close: () => pool.end() };
}
