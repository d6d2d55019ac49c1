// Every call goes through here: refused with UNAVAILABLE once the server stops, its caller
// found from the `authorization` metadata by the same Authenticator REST and GraphQL use,
// an AbortSignal that fires when the client goes away or the server stops, and every error
// turned into a status by errors.ts.
import { once } from 'node:events';
import { Metadata, type handleServerStreamingCall, type handleUnaryCall, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import type { Authenticator } from '../auth/authenticator.js';
import type { Caller } from '../auth/caller.js';
import { whenCredentialsExpire } from '../auth/credentialExpiry.js';
import type { CallerSockets } from '../callers/callerSockets.js';
import { AppError, QuotaExceededError, UnauthenticatedError, UnavailableError, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import { requestIdFrom, withRequestLogger } from '../logging/requestLogging.js';
import { toServiceError } from './errors.js';

export interface CallContext {
  caller: Caller;
  /** Fires when the client cancels or leaves, or when the server stops. */
  signal: AbortSignal;
  /** When the client's deadline runs out; null without one. */
  deadline: Date | null;
}

/** What open calls share: the authenticator, the log, and the server's stopping. */
export class CallEnvironment {
  private stopping = false;
  private readonly open = new Set<AbortController>();

  /**
   * `longCalls` counts each caller's open WatchOperation and WaitOperation calls (QUOTA_SOCKETS,
   * as graphql-ws sockets are counted): every one holds a subscription for as long as it lasts,
   * and HTTP/2 lets one connection carry any number of them.
   */
  constructor(readonly authenticator: Authenticator, readonly logger: Logger, private readonly longCalls: CallerSockets) {}

  get isStopping(): boolean {
    return this.stopping;
  }

  /** New calls are refused; open ones (waits, watches) are told to end now. */
  stop(): void {
    this.stopping = true;
    for (const controller of this.open) controller.abort(new UnavailableError('The server is shutting down; try again shortly.'));
    this.open.clear();
  }

  /**
   * Checks the server is up, finds the caller, and arms the call's signal. A `long` call (a watch,
   * a wait) also takes one of the caller's QUOTA_SOCKETS, given back when it ends.
   */
  async begin(metadata: Metadata, onClose: (abort: () => void) => void, long = false): Promise<{ context: Omit<CallContext, 'deadline'>; end(): void }> {
    if (this.stopping) throw new UnavailableError('The server is shutting down; try again shortly.');
    const controller = new AbortController();
    const value = metadata.get('authorization')[0];
    const caller = await this.authenticator.authenticate(typeof value === 'string' ? value : undefined);
    if (this.stopping) throw new UnavailableError('The server is shutting down; try again shortly.');
    if (long && !this.longCalls.tryOpen(caller.id)) {
      throw new QuotaExceededError(
        `You have ${this.longCalls.limit} watches and waits open on this server, the most allowed at once; end one first.`,
        { quota: 'sockets', limit: this.longCalls.limit, used: this.longCalls.limit },
      );
    }
    this.open.add(controller);
    onClose(() => controller.abort());
    // A call lasts no longer than its credentials (as a graphql-ws socket): a watch open then ends UNAUTHENTICATED.
    const cancelExpiry = whenCredentialsExpire(caller, () => controller.abort(new UnauthenticatedError('expired')));
    return {
      context: { caller, signal: controller.signal },
      end: () => {
        cancelExpiry();
        this.open.delete(controller);
        if (long) this.longCalls.closed(caller.id);
      },
    };
  }
}

/**
 * A call's request id, as HTTP's X-Request-Id: the client's `x-request-id` metadata when sane,
 * else a new UUID, sent back in the response's initial metadata. The logger's lines carry it.
 */
function callLogger(env: CallEnvironment, call: { metadata: Metadata; sendMetadata(metadata: Metadata): void }, what: string): Logger {
  const id = requestIdFrom(call.metadata.get('x-request-id')[0]);
  const reply = new Metadata();
  reply.set('x-request-id', id);
  call.sendMetadata(reply);
  return env.logger.child({ reqId: id, grpcMethod: what });
}

const malformed = Symbol('malformed request');

/**
 * grpc-js answers a request it cannot decode with INTERNAL ("Error deserializing request")
 * before any handler runs. The services' decoders are wrapped with this: what cannot be
 * decoded becomes a marker, refused by the call (after its caller is known) as INVALID_ARGUMENT.
 */
export function tolerantDeserializer<T>(deserialize: (bytes: Buffer) => T, typeName: string): (bytes: Buffer) => T {
  return (bytes) => {
    try {
      return deserialize(bytes);
    } catch {
      return { [malformed]: typeName } as T;
    }
  };
}

function refuseMalformed(request: unknown): void {
  if (typeof request === 'object' && request !== null && malformed in request) {
    const typeName = String((request as { [malformed]: unknown })[malformed]);
    throw new ValidationError([{ field: '', message: `the request is not a valid serialized ${typeName}` }]);
  }
}

function deadlineOf(call: { getDeadline(): Date | number }): Date | null {
  const deadline = call.getDeadline();
  if (deadline instanceof Date) return deadline;
  return Number.isFinite(deadline) ? new Date(deadline) : null;
}

export function unary<Req, Res>(
  env: CallEnvironment,
  what: string,
  handler: (request: Req, context: CallContext) => Promise<Res>,
  /** The call may last (WaitOperation): it counts against the caller's QUOTA_SOCKETS while open. */
  { long = false }: { long?: boolean } = {},
): handleUnaryCall<Req, Res> {
  return (call: ServerUnaryCall<Req, Res>, callback) => {
    let end = () => {};
    const logger = callLogger(env, call, what);
    void withRequestLogger(logger, async () => {
      const begun = await env.begin(call.metadata, (abort) => {
        call.once('cancelled', abort);
        // The client may have gone while its credentials were checked (a slow JWKS).
        if (call.cancelled) abort();
      }, long);
      end = begun.end;
      refuseMalformed(call.request);
      return handler(call.request, { ...begun.context, deadline: deadlineOf(call) });
    }).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toServiceError(error, logger, what)),
    ).finally(() => end());
  };
}

/** Writes one message, waiting while the client's window is full (or until the call ends). */
async function writeTo<Res>(call: ServerWritableStream<unknown, Res>, message: Res, signal: AbortSignal): Promise<void> {
  if (call.write(message)) return;
  await once(call, 'drain', { signal }).catch(() => {});
}

export function serverStream<Req, Res>(
  env: CallEnvironment,
  what: string,
  handler: (request: Req, context: CallContext, write: (message: Res) => Promise<void>) => Promise<void>,
): handleServerStreamingCall<Req, Res> {
  return (call: ServerWritableStream<Req, Res>) => {
    let end = () => {};
    let signal: AbortSignal | null = null;
    const logger = callLogger(env, call, what);
    void withRequestLogger(logger, async () => {
      const begun = await env.begin(call.metadata, (abort) => {
        call.once('cancelled', abort);
        call.once('close', abort);
        // The client may have gone while its credentials were checked (a slow JWKS).
        if (call.cancelled) abort();
      }, true);
      end = begun.end;
      signal = begun.context.signal;
      refuseMalformed(call.request);
      const open = begun.context.signal;
      await handler(call.request, { ...begun.context, deadline: deadlineOf(call) }, (message) => writeTo(call, message, open));
    }).then(
      () => {
        // Stopped by the server (UNAVAILABLE: the client may follow on elsewhere) or by the
        // caller's credentials expiring (UNAUTHENTICATED).
        const reason: unknown = signal?.reason;
        if (signal?.aborted && reason instanceof AppError && !call.cancelled) call.emit('error', toServiceError(reason, logger, what));
        else if (!call.cancelled) call.end();
      },
      (error: unknown) => {
        if (!call.cancelled) call.emit('error', toServiceError(error, logger, what));
      },
    ).finally(() => end());
  };
}
