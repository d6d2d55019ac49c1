// Builds a real app on a free port for one test file: its own temporary DATA_DIR, and either a
// clone of the migrated PGlite template or a fresh PostgreSQL database dropped afterwards.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildApp, type App, type BuildOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { migratedPgliteTemplate } from './pgliteTemplate.js';
import { createTestDatabase } from './postgres.js';

export type TestDatabaseKind = 'pglite' | 'postgres';

export interface TestAppOptions extends Omit<BuildOptions, 'database'> {
  database?: TestDatabaseKind;
  config?: Partial<Config>;
}

export interface TestApp {
  app: App;
  url: string;
  dataDir: string;
  cleanup(): Promise<void>;
}

export async function makeDataDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'longrun-test-'));
}

/** Settings that keep renders short and small in tests. */
export function testConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ DATA_DIR: dataDir }),
    port: 0,
    grpcPort: 0,
    workerConcurrency: 2,
    progressIntervalMs: 20,
    render: { width: 320, height: 180, fps: 12 },
    logLevel: 'silent',
    ...overrides,
  };
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = await makeDataDir();
  const kind = options.database ?? 'pglite';
  const postgres = kind === 'postgres' ? await createTestDatabase() : null;
  const config = testConfig(dataDir, { ...(postgres ? { databaseUrl: postgres.url } : {}), ...options.config });
  const app = buildApp(config, {
    logger: options.logger ?? createLogger(config.logLevel),
    ...(options.processors ? { processors: options.processors } : {}),
    ...(kind === 'pglite' ? { database: { pgliteLoadDataDir: await migratedPgliteTemplate() } } : {}),
  });
  const url = await app.start();
  return {
    app,
    url,
    dataDir,
    async cleanup() {
      await app.stop();
      await postgres?.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
