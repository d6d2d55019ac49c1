// One entry point for both databases: embedded PGlite in the data dir, or PostgreSQL by URL.
import path from 'node:path';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { DatabaseLimits } from '../config.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { asUnavailable } from '../errors.js';
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
  /** PostgreSQL: statement timeout, pool-acquire timeout and pool size of the app's queries (not of migrations or the lock). */
  limits?: DatabaseLimits;
}

/** A connection pool's use at one moment (the metrics read it). */
export interface PoolUse {
  total: number;
  idle: number;
  waiting: number;
}

/** When the database does not answer in time: the readiness check's answer. */
export class DatabaseNotReadyError extends Error {}

export interface Database {
  prisma: PrismaClient;
  kind: 'pglite' | 'postgres';
  /** The embedded instance when kind is 'pglite' (LISTEN/NOTIFY, dumpDataDir); undefined otherwise. */
  pglite?: PGlite;
  /** The connection string when kind is 'postgres' (the job engine's pool, the events connection). */
  url?: string;
  /** Applies pending migrations; `applied` is empty when the database was already current. */
  migrate(): Promise<MigrateResult>;
  /**
   * Readiness: a cheap read of the task table that must answer within `timeoutMs`, else it
   * rejects (DatabaseNotReadyError or the database's own error).
   */
  ping(timeoutMs: number): Promise<void>;
  /** Disconnects Prisma and closes PGlite. */
  close(): Promise<void>;
  /** PostgreSQL: the app's pool (Prisma's) as it is now; undefined for PGlite, which has none. */
  poolUse?(): PoolUse;
}

export function pgliteDataDir(dataDir: string): string {
  return path.join(dataDir, 'pgdata');
}

export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  const migrationsDir = config.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  return config.databaseUrl === undefined
    ? openEmbedded(config, migrationsDir)
    : openPostgres(config.databaseUrl, migrationsDir, config.limits);
}

/**
 * The client whose queries reject with UnavailableError (REST 503 + Retry-After, GraphQL
 * UNAVAILABLE) when the database timed out or is out of reach, so every caller (REST, GraphQL
 * over HTTP and WebSocket, the runner, the purger) sees the same error. Prisma itself wraps
 * whatever its driver adapter throws into its own error classes, so this is done above it, on
 * every model and raw operation (inside interactive transactions too). A pool timeout while
 * `$transaction` itself waits for a connection is not an operation: asUnavailable at the
 * interfaces covers that one.
 */
function withUnavailableErrors(client: PrismaClient): PrismaClient {
  const extended = client.$extends({
    query: {
      async $allOperations({ args, query }) {
        try {
          return await query(args);
        } catch (error) {
          throw asUnavailable(error);
        }
      },
    },
  });
  // The extension changes no operation's arguments or results, only which error a timeout throws.
  return extended as unknown as PrismaClient;
}

/** An arbitrary constant: the session advisory lock that serialises migrations ("long" in ASCII). */
const migrationLockKey = 0x6c6f6e67;

/** Touches the task table (a lock on it stalls this as it stalls the API); one row at most. */
const pingSql = 'SELECT 1 FROM "Task" LIMIT 1';

/** `work` or a DatabaseNotReadyError after `timeoutMs`, whichever comes first (the work itself is not stopped). */
async function within<T>(timeoutMs: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DatabaseNotReadyError(`the database did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
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
    // One in-process connection: nothing to cancel a statement with, so the wait is bounded
    // here; a stalled PGlite (a transaction that never ends) makes the check fail in time.
    ping: async (timeoutMs) => {
      await within(timeoutMs, prisma.$queryRawUnsafe(pingSql));
    },
    close: async () => {
      try {
        await prisma.$disconnect();
      } finally {
        if (!pglite.closed) await pglite.close();
      }
    },
  };
}

async function openPostgres(url: string, migrationsDir: string, limits?: DatabaseLimits): Promise<Database> {
  // statement_timeout is sent as a startup parameter of every pooled connection, so it bounds
  // each of the app's statements (a lock wait included) without an extra round trip. Migrations
  // (postgresMigrationFactory) and the advisory lock (databaseLock.ts) use connections of their own
  // without it: a migration may rightly run long, and the lock's session idles for ever.
  const pool = new pg.Pool({
    connectionString: url,
    ...(limits && { statement_timeout: limits.statementTimeoutMs, connectionTimeoutMillis: limits.poolTimeoutMs, max: limits.poolSize }),
  });
  // Our pool rather than one the adapter makes, so its use can be read (the metrics); the adapter
  // still ends it on $disconnect.
  const prisma = withUnavailableErrors(new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) }));
  return {
    prisma,
    kind: 'postgres',
    url,
    poolUse: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    // Its own, shorter statement timeout; the race also bounds the wait for a pooled connection.
    ping: async (timeoutMs) => {
      await within(timeoutMs, prisma.$transaction([
        prisma.$executeRawUnsafe(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`),
        prisma.$queryRawUnsafe(pingSql),
      ]));
    },
    migrate: async () => {
      // Processes starting together on one database take turns: the first applies, the rest find nothing to do.
      const lock = new pg.Client({ connectionString: url, application_name: 'longrun migrations' });
      await lock.connect();
      const { factory, close } = postgresMigrationFactory(url);
      try {
        await lock.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
        return await applyMigrations(factory, migrationsDir);
      } finally {
        await close();
        // Ending the session releases the lock.
        await lock.end();
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
