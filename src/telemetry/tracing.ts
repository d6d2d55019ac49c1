// The OpenTelemetry SDK for traces: HTTP, Express, GraphQL and pg instrumentations, exported
// over OTLP/HTTP (JSON). Loaded by register.ts only when traces are asked for.
import { randomUUID } from 'node:crypto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';

type Env = Record<string, string | undefined>;

/** Load balancers and orchestrators call these every few seconds: a trace each would drown the rest. */
const probePaths = new Set(['/healthz', '/readyz']);
/** How long a stop waits for the last spans to reach the collector. */
const flushTimeoutMs = 5_000;

/** Starts the SDK; returns the function that flushes and stops it. */
export function startTracing(env: Env): () => Promise<void> {
  const sdk = new NodeSDK({
    // Ours, overridden by the detected ones: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win.
    resource: defaultResource().merge(resourceFromAttributes({
      'service.name': 'longrun',
      // The config is not read yet (it must load after the instrumentations); an invalid ROLE
      // stops the process at start anyway.
      'longrun.role': env.ROLE?.trim() || 'all',
      // One per process, so two processes of one deployment tell apart; the SDK's own detector
      // would also set one, this keeps it if OTEL_NODE_RESOURCE_DETECTORS leaves that detector out.
      'service.instance.id': randomUUID(),
    })),
    traceExporter: new OTLPTraceExporter(),
    // Traces only: metrics are Prometheus' (/metrics), logs go to stderr.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => probePaths.has((request.url ?? '').split('?')[0] ?? '') }),
      // Routers and the handler that answered; not each middleware (host and origin guards, CORS,
      // body parsing...): eight spans more per request that said little and cost a lot.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      // Spans for parse, validate, execute and resolvers that do work (not plain property reads).
      new GraphQLInstrumentation({ ignoreTrivialResolveSpans: true }),
      // Statements outside a request or a task (the job engine polling, event listeners) would
      // each start a trace of their own, every second: only statements inside one are traced.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, flushTimeoutMs)));
    try {
      // An unreachable collector must not hold up the stop: the spans are lost, the exit is not.
      await Promise.race([sdk.shutdown().catch(() => undefined), late]);
    } finally {
      clearTimeout(timer);
    }
  };
}
