// Prisma's schema engine compiled to WebAssembly, driven through a driver adapter.
// The package's main module does `import * as wasm from "./schema_engine_bg.wasm"`, which Node 20
// only accepts behind --experimental-wasm-modules; instantiating the .wasm here needs no flag.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm/schema_engine_bg';
import {
  bindMigrationAwareSqlAdapterFactory,
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';

export type {
  SchemaEngine,
  MigrationList,
  MigrationDirectory,
  DiffTarget,
} from '@prisma/schema-engine-wasm/schema_engine_bg';

export const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

export interface SchemaFile {
  path: string;
  content: string;
}

export interface OpenSchemaEngineOptions {
  /** Prisma schema files the engine starts with; only needed by commands that read "the" schema. */
  datamodels?: SchemaFile[];
  /** Receives the engine's JSON log lines. Default: drop them. */
  log?: (line: string) => void;
}

interface WasmExports {
  __wbindgen_start(): void;
}

// Node has WebAssembly, but with lib ES2023 and no DOM the compiler does not know it.
interface WebAssemblyApi {
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, object>,
  ): Promise<{ instance: { exports: WasmExports } }>;
}
const { WebAssembly } = globalThis as unknown as { WebAssembly: WebAssemblyApi };

interface PostgresErrorFields {
  code: string;
  severity: string;
  message: string;
  detail?: string;
  column?: string;
  hint?: string;
}

function isPostgresError(error: unknown): error is PostgresErrorFields {
  const e = error as Partial<Record<keyof PostgresErrorFields, unknown>> | null;
  return typeof e?.code === 'string' && typeof e.severity === 'string' && typeof e.message === 'string';
}

/** Lets the engine report a failed script as Prisma does ("Database error code: 42P01 ..."). */
function asDriverAdapterError(error: unknown): unknown {
  if (!isPostgresError(error)) return error;
  const { code, severity, message, detail, column, hint } = error;
  return new DriverAdapterError({ kind: 'postgres', code, severity, message, detail, column, hint });
}

/**
 * The same adapter, with `executeScript` replaced. Both stock adapters fall short for migration
 * scripts: pglite-prisma-adapter does not await `exec` (a failing script is reported as applied and
 * its rejection goes unhandled), and @prisma/adapter-pg splits the script on every ";" (breaks
 * literals and $$ bodies) and sends the pieces to any pooled connection.
 */
export function withScriptRunner(
  adapter: SqlDriverAdapter,
  runScript: (script: string) => Promise<void>,
  onDispose: () => Promise<void> = () => adapter.dispose(),
): SqlDriverAdapter {
  const getConnectionInfo = adapter.getConnectionInfo?.bind(adapter);
  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: (query) => adapter.queryRaw(query),
    executeRaw: (query) => adapter.executeRaw(query),
    startTransaction: (isolationLevel) => adapter.startTransaction(isolationLevel),
    executeScript: async (script) => {
      try {
        await runScript(script);
      } catch (error) {
        throw asDriverAdapterError(error);
      }
    },
    ...(getConnectionInfo && { getConnectionInfo }),
    dispose: onDispose,
  };
}

// The engine starts timers (one of 10 s per applyMigrations, likely its lock timeout) and never
// clears them, which kept a finished `npm run db:migrate` alive for 10 s. Timers still pending
// once no engine operation is running are of no use to anyone, so they are cleared then.
const pendingTimers = new Set<NodeJS.Timeout>();
let runningOperations = 0;

function engineSetTimeout(callback: () => void, ms: number): NodeJS.Timeout {
  const timer = setTimeout(() => {
    pendingTimers.delete(timer);
    callback();
  }, ms);
  pendingTimers.add(timer);
  return timer;
}

function wasmImports(): Record<string, unknown> {
  const imports: Record<string, unknown> = { ...bindings };
  const setTimeoutImport = Object.keys(imports).filter((name) => name.startsWith('__wbg_setTimeout_'));
  for (const name of setTimeoutImport) imports[name] = engineSetTimeout;
  return imports;
}

let loading: Promise<void> | undefined;

function loadWasm(): Promise<void> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    // The package's "exports" map hides the .wasm, so locate it next to the exported JS glue.
    const gluePath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(gluePath.replace(/\.js$/, '.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': wasmImports() });
    bindings.__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start();
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/**
 * Runs `operation` on a schema engine started on `factory`, then frees the engine. The factory's
 * connections are not closed here: whoever made the factory closes them.
 */
export async function withSchemaEngine<T>(
  factory: SqlMigrationAwareDriverAdapterFactory,
  options: OpenSchemaEngineOptions,
  operation: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  await loadWasm();
  runningOperations += 1;
  try {
    const datamodels = options.datamodels?.map((f): [string, string] => [f.path, f.content]);
    const log = options.log ?? (() => {});
    // An unwrapped factory fails inside the engine with "Cannot read properties of null (reading '#config')".
    const adapterFactory = bindMigrationAwareSqlAdapterFactory(factory);
    const engine = await bindings.SchemaEngine.new({ datamodels }, log, adapterFactory);
    try {
      return await operation(engine);
    } finally {
      engine.free();
    }
  } finally {
    runningOperations -= 1;
    if (runningOperations === 0) {
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
    }
  }
}
