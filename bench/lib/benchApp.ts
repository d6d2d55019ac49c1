// Builds a real app for one benchmark on a free port: its own temporary DATA_DIR and either a
// clone of the migrated PGlite template (the embedded default) or a fresh PostgreSQL database
// `longrun_bench_<random>`, created through the `test` database and dropped afterwards.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import type { EventBus } from '../../src/events/eventBus.js';
import { createLogger, type Logger } from '../../src/logger.js';
import type { Processors } from '../../src/tasks/processor.js';
import type { TaskView } from '../../src/tasks/taskTypes.js';
import { migratedPgliteTemplate } from '../../test/support/pgliteTemplate.js';

const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

export type BenchDb = 'pglite' | 'postgres';

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `longrun_bench_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/**
 * Default config with a free port, a temporary data dir and no logs. Figures 6 and 7 hold
 * 5,000 sockets, beyond the default WS_MAX_CONNECTIONS (1,000): the figures measure what a
 * subscriber costs, as an operator who raised the cap would run them.
 */
export function benchConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  const defaults = loadConfig({ DATA_DIR: dataDir });
  return { ...defaults, port: 0, grpcPort: 0, logLevel: 'silent', webSocket: { ...defaults.webSocket, maxConnections: 20_000 }, ...overrides };
}

export type ChangeListener = (task: TaskView, atMs: number) => void;

export interface BenchApp {
  app: App;
  url: string;
  config: Config;
  /**
   * Diagnostics only: every task change as this process's event bus delivers it (after the
   * database's NOTIFY and a re-read), timestamped with performance.now() on delivery. It is NOT
   * the commit: the bus coalesces, so a change overtaken during its re-read is skipped. And it
   * costs the app work: while a listener is attached the bus re-reads every changed task for it
   * (a feed subscriber), which it otherwise does only for tasks someone follows. Benchmarks
   * therefore take their times from the database (bench/lib/roundTasks.ts) or from the processor.
   */
  watchChanges(listener: ChangeListener): () => void;
  stop(): Promise<void>;
}

/** Attaches a feed subscriber to the bus while `listeners` is not empty (see watchChanges). */
function changeTap(events: EventBus) {
  const listeners = new Set<ChangeListener>();
  let detach: (() => void) | null = null;
  return (listener: ChangeListener) => {
    listeners.add(listener);
    detach ??= events.subscribeAll((task: TaskView) => {
      const at = performance.now();
      for (const each of listeners) each(task, at);
    });
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) {
        detach?.();
        detach = null;
      }
    };
  };
}

export async function startBenchApp(options: {
  db: BenchDb;
  processors?: Processors;
  config?: Partial<Config>;
  /** PostgreSQL only: use this database (owned by the caller) instead of creating one. */
  databaseUrl?: string;
  /** Use this data directory (owned by the caller, left in place) instead of a temporary one. */
  dataDir?: string;
  /** The app's logger; warnings and errors on stderr unless given. */
  logger?: Logger;
  /** False: the app without its metrics (see BuildOptions.metrics). */
  metrics?: boolean;
}): Promise<BenchApp> {
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? await fs.mkdtemp(path.join(os.tmpdir(), 'longrun-bench-'));
  const removeDataDir = () => (ownDataDir ? fs.rm(dataDir, { recursive: true, force: true }) : Promise.resolve());
  const postgres = options.db === 'postgres' && !options.databaseUrl ? await createBenchDatabase() : null;
  const databaseUrl = options.db === 'postgres' ? options.databaseUrl ?? postgres?.url : undefined;
  const config = benchConfig(dataDir, { ...(databaseUrl ? { databaseUrl } : {}), ...options.config });
  const app = buildApp(config, {
    logger: options.logger ?? createLogger('warn'),
    ...(options.metrics === false ? { metrics: false } : {}),
    ...(options.processors ? { processors: options.processors } : {}),
    ...(options.db === 'pglite' ? { database: { pgliteLoadDataDir: await migratedPgliteTemplate() } } : {}),
  });
  let url: string;
  try {
    url = await app.start();
  } catch (error) {
    await postgres?.drop();
    await removeDataDir();
    throw error;
  }
  return {
    app,
    url,
    config,
    watchChanges: changeTap(app.services.events),
    async stop() {
      try {
        await app.stop();
      } finally {
        await postgres?.drop();
        await removeDataDir();
      }
    },
  };
}

/** A processor that does nothing: measures the task machinery without ffmpeg. */
export const trivialProcessor = async () => ({});

/**
 * A database of the same kind and schema as the app's, opened the way the app opens its own
 * (src/db/database.ts), for floors that write: the app's runner must not see their rows.
 */
export async function openFloorDatabase(db: BenchDb): Promise<{ database: Database; close(): Promise<void> }> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'longrun-bench-floor-'));
  const postgres = db === 'postgres' ? await createBenchDatabase() : null;
  const discard = async () => {
    await postgres?.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
  try {
    const database = await openDatabase(postgres
      ? { databaseUrl: postgres.url, dataDir }
      : { dataDir, pgliteLoadDataDir: await migratedPgliteTemplate() });
    await database.migrate();
    return {
      database,
      async close() {
        try {
          await database.close();
        } finally {
          await discard();
        }
      },
    };
  } catch (error) {
    await discard();
    throw error;
  }
}
