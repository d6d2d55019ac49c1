// The one place errors become gRPC statuses. The service's expected errors keep their meaning,
// with google.rpc details in the `grpc-status-details-bin` trailer (a serialized
// google.rpc.Status{code, message, details}): BadRequest for bad input, RetryInfo and
// QuotaFailure for limits, ErrorInfo for conflicts. Anything else is logged and masked as
// INTERNAL, never shown.
import { Metadata, status, type ServerErrorResponse } from '@grpc/grpc-js';
import {
  AppError, asUnavailable, ConflictError, IdempotencyKeyReusedError, NotFoundError, QuotaExceededError, RateLimitedError,
  UnauthenticatedError, UnavailableError, ValidationError, type FieldError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { packAny, encodeMessage, type AnyMessage } from './protos.js';
import { errorDomain } from './representations.js';

export const statusDetailsKey = 'grpc-status-details-bin';

/**
 * The longest message an error carries. Messages may quote the client's input (the name of a
 * resource not found), and the message travels twice in the trailers (grpc-message and the
 * details): unbounded, a long name made trailers larger than a client accepts (HTTP/2's 64 KiB
 * header list), and the client saw a protocol error (INTERNAL) instead of NOT_FOUND.
 */
export const maxStatusMessageChars = 1024;

function bounded(message: string): string {
  if (message.length <= maxStatusMessageChars) return message;
  let cut = message.slice(0, maxStatusMessageChars);
  // Not half of a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** The service names fields as REST and GraphQL spell them; gRPC clients know the .proto's names. */
const protoFieldNames: Record<string, string> = {
  durationSeconds: 'duration_seconds',
};

export function protoFieldName(field: string): string {
  return protoFieldNames[field] ?? field;
}

function badRequest(fields: FieldError[]): AnyMessage {
  return packAny('google.rpc.BadRequest', {
    field_violations: fields.map((f) => ({ field: protoFieldName(f.field), description: f.message })),
  });
}

function retryInfo(seconds: number): AnyMessage {
  return packAny('google.rpc.RetryInfo', { retry_delay: { seconds, nanos: 0 } });
}

function errorInfo(reason: string, details: Record<string, unknown>): AnyMessage {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(details)) {
    if (value !== undefined && value !== null) metadata[key] = String(value);
  }
  return packAny('google.rpc.ErrorInfo', { reason, domain: errorDomain, metadata });
}

interface MappedStatus {
  code: status;
  message: string;
  details: AnyMessage[];
}

function mapAppError(error: AppError): MappedStatus {
  const { message } = error;
  if (error instanceof ValidationError) {
    // The message names the fields as the details do (the .proto's names), not as REST spells them.
    const named = `Invalid input: ${error.fields.map((f) => `${protoFieldName(f.field)} ${f.message}`).join('; ')}`;
    return { code: status.INVALID_ARGUMENT, message: named, details: [badRequest(error.fields)] };
  }
  if (error instanceof NotFoundError) return { code: status.NOT_FOUND, message, details: [] };
  // A request_id (idempotency key) used before with another request: the thing it names exists.
  if (error instanceof IdempotencyKeyReusedError) {
    return { code: status.ALREADY_EXISTS, message, details: [errorInfo('IDEMPOTENCY_KEY_REUSED', error.details)] };
  }
  // Cancelling a finished operation, removing a running one, a second deletion of one video.
  if (error instanceof ConflictError) return { code: status.FAILED_PRECONDITION, message, details: [errorInfo('CONFLICT', error.details)] };
  if (error instanceof UnauthenticatedError) return { code: status.UNAUTHENTICATED, message, details: [] };
  if (error instanceof RateLimitedError) {
    const quota = typeof error.details.quota === 'string' ? error.details.quota : 'requests';
    return {
      code: status.RESOURCE_EXHAUSTED,
      message,
      details: [retryInfo(error.retryAfterSeconds), packAny('google.rpc.QuotaFailure', { violations: [{ subject: `quota:${quota}`, description: message }] })],
    };
  }
  if (error instanceof QuotaExceededError) {
    return {
      code: status.RESOURCE_EXHAUSTED,
      message,
      details: [packAny('google.rpc.QuotaFailure', { violations: [{ subject: `quota:${error.details.quota}`, description: message }] })],
    };
  }
  if (error instanceof UnavailableError) return { code: status.UNAVAILABLE, message, details: [retryInfo(error.retryAfterSeconds)] };
  // Every AppError code is handled above; a new one must be added here, not leak as INTERNAL.
  return { code: status.INTERNAL, message: 'Internal server error', details: [] };
}

/** The status for `thrown`; `what` names the call in the log when it is unexpected. */
export function toServiceError(thrown: unknown, logger: Logger, what: string): ServerErrorResponse {
  const error = asUnavailable(thrown);
  let mapped: MappedStatus;
  if (error instanceof AppError) {
    mapped = mapAppError(error);
  } else {
    logger.error({ method: what, err: error }, 'unexpected error in a gRPC call');
    mapped = { code: status.INTERNAL, message: 'Internal server error', details: [] };
  }
  const message = bounded(mapped.message);
  const metadata = new Metadata();
  metadata.set(statusDetailsKey, encodeMessage('google.rpc.Status', { code: mapped.code, message, details: mapped.details }));
  return Object.assign(new Error(message), { code: mapped.code, details: message, metadata });
}
