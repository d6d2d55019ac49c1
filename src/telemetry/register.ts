// Imported first by src/main.ts. When traces are asked for (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set), it starts the OpenTelemetry SDK before main.ts loads
// the app: instrumentations patch express, graphql, pg and http as they are loaded, so they must
// be in place first. Otherwise it loads nothing else (see docs/decisions/0019-traces.md).
import { register } from 'node:module';

type Env = Record<string, string | undefined>;

/** The standard OTel variables that ask for traces; OTEL_SDK_DISABLED=true wins over them. */
export function tracingRequested(env: Env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/**
 * The modules whose ESM imports import-in-the-middle wraps, so the instrumentations can patch
 * them. Only these: wrapping every module slows the start and is a risk for nothing. Their own
 * CommonJS `require`s (graphql's execute.js, pg-pool) are caught by require-in-the-middle.
 */
const hookedModules = ['express', 'graphql', 'pg', 'http', 'node:http', 'https', 'node:https'];

let stop: () => Promise<void> = () => Promise.resolve();

if (tracingRequested(process.env)) {
  // The documented ESM hook (opentelemetry-js doc/esm-support.md), registered from code rather
  // than with --experimental-loader so that `node --import tsx src/main.ts` and npm start stay
  // as they are. It applies to modules loaded from now on: main.ts imports the app afterwards.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: hookedModules } });
  const { startTracing } = await import('./tracing.js');
  stop = startTracing(process.env);
}

/** Sends the spans still buffered and stops the SDK; does nothing when tracing is off. */
export function stopTelemetry(): Promise<void> {
  return stop();
}
