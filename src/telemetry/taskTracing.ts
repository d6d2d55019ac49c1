// A task's trace across processes: the context of the request that creates a task is stored with
// it as W3C `traceparent`/`tracestate`, and each attempt's span takes it as its parent, in
// whichever process runs it. Through the OpenTelemetry API only: without the SDK (tracing off)
// every call here is a no-op and stores nothing. The API module is loaded either way (pg-boss
// imports it too); the SDK, exporter and instrumentations are not (register.ts).
import {
  context,
  createTraceState,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';

/** W3C Trace Context of the request that created a task, as stored with the task. */
export interface StoredTraceContext {
  /** The `traceparent` header's value: version, trace id, parent span id, flags. */
  traceParent: string;
  /** The `tracestate` header's value, when the trace carries one. */
  traceState: string | null;
}

/** What an attempt's span is named after and placed under. */
export interface TracedTask {
  id: string;
  kind: string;
  attempts: number;
  traceParent: string | null;
  traceState: string | null;
}

/** Version 00 of https://www.w3.org/TR/trace-context/#traceparent-header. */
const traceParentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const tracer = () => trace.getTracer('longrun');

export function formatTraceParent(span: SpanContext): string {
  return `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The active span's context, to store with a task created now; null when nothing is traced. */
export function currentTraceContext(): StoredTraceContext | null {
  const span = trace.getSpanContext(context.active());
  if (!span || !isSpanContextValid(span)) return null;
  // Stored even when not sampled: the task's runs then stay out of traces like its request.
  return { traceParent: formatTraceParent(span), traceState: span.traceState?.serialize() || null };
}

/** The context a stored traceparent names; the root context when none is stored or it is unreadable. */
export function storedParent(task: Pick<TracedTask, 'traceParent' | 'traceState'>): Context {
  const match = task.traceParent ? traceParentPattern.exec(task.traceParent) : null;
  if (!match) return ROOT_CONTEXT;
  const parent: SpanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16),
    isRemote: true,
    ...(task.traceState ? { traceState: createTraceState(task.traceState) } : {}),
  };
  return isSpanContextValid(parent) ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
}

/**
 * Runs one attempt of `task` in a span `longrun.task <kind>` whose parent is the context stored
 * with the task: its statements, progress writes and finish join the creating request's trace.
 */
export function inTaskSpan<T>(task: TracedTask, run: () => Promise<T>): Promise<T> {
  const attributes = { 'longrun.task.id': task.id, 'longrun.task.kind': task.kind, 'longrun.task.attempt': task.attempts };
  return tracer().startActiveSpan(`longrun.task ${task.kind}`, { kind: SpanKind.CONSUMER, attributes }, storedParent(task), async (span) => {
    try {
      return await run();
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks the current attempt's span failed: the attempt ends with the task failed or to be retried. */
export function noteTaskFailure(failure: { code: string; message: string; retryable: boolean }): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.setAttributes({ 'longrun.task.error_code': failure.code, 'longrun.task.retryable': failure.retryable });
  span.setStatus({ code: SpanStatusCode.ERROR, message: `${failure.code}: ${failure.message}` });
}
