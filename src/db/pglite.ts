// Embedded PostgreSQL (PGlite) helpers.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { withScriptRunner } from './schemaEngine.js';

export interface OpenPgliteOptions {
  /** Directory of the cluster; created if missing. Omit for a database that lives in memory only. */
  dataDir?: string;
  /** A `dumpDataDir()` tarball to start from instead of an empty cluster (test clones). */
  loadDataDir?: Blob;
}

/** Opens PGlite and waits until it accepts queries. Only one PGlite may hold a data dir at a time. */
export async function openPglite(options: OpenPgliteOptions = {}): Promise<PGlite> {
  if (options.dataDir !== undefined) await mkdir(options.dataDir, { recursive: true });
  const pglite = new PGlite({
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
    ...(options.loadDataDir !== undefined && { loadDataDir: options.loadDataDir }),
  });
  await pglite.waitReady;
  return pglite;
}

/**
 * Adapter factory over an already open PGlite, for the schema engine: it must work on the very
 * instance the app uses, since a second PGlite on the same data dir would corrupt it. Scripts are
 * awaited (see withScriptRunner); the shadow database is a throwaway in-memory PGlite, closed when
 * the engine disposes of it.
 */
export function pgliteMigrationFactory(pglite: PGlite): SqlMigrationAwareDriverAdapterFactory {
  const base = new PrismaPGlite(pglite);
  const runScript = (on: PGlite) => async (script: string): Promise<void> => {
    await on.exec(script);
  };
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    connect: async () => withScriptRunner(await base.connect(), runScript(pglite)),
    connectToShadowDb: async () => {
      const shadow = await openPglite();
      const adapter = await new PrismaPGlite(shadow).connect();
      return withScriptRunner(adapter, runScript(shadow), () => shadow.close());
    },
  };
}
