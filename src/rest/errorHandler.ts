// Turns every error into problem+json: the service's expected errors by their code, the body
// parser's and the router's by their type and status, and anything else masked as 500 (and logged).
import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  AppError, asUnavailable, ConflictError, IdempotencyKeyReusedError, QuotaExceededError, RateLimitedError, UnauthenticatedError, UnavailableError, ValidationError,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { requestLogger } from '../logging/requestLogging.js';
import { fieldErrors, HttpProblem, restExtensions, sendProblem, type Problem } from './problem.js';

const statusOf: Record<AppError['code'], number> = {
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAVAILABLE: 503,
  UNAUTHENTICATED: 401,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
};

const httpProblemCodes: Record<number, string> = { 412: 'PRECONDITION_FAILED', 416: 'RANGE_NOT_SATISFIABLE' };

/** "1 MB", "512 KB" or "1500 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}

interface ClientErrorFields {
  type?: unknown;
  status?: unknown;
  expose?: unknown;
  code?: unknown;
  message?: unknown;
}

function fieldsOf(error: unknown): ClientErrorFields {
  return typeof error === 'object' && error !== null ? (error as ClientErrorFields) : {};
}

/** Errors raised by express.json (body-parser), recognised by their `type` (or as a decompression failure). */
function bodyParserProblem(error: unknown, req: { headers: Record<string, string | string[] | undefined> }, maxBodyBytes: number): Problem | null {
  const { type, code, status, message } = fieldsOf(error);
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  // zlib's error (Z_DATA_ERROR, Z_BUF_ERROR for a truncated stream, ERR__ERROR_FORMAT_* for
  // brotli), which body-parser passes on with status 400 and no type of its own.
  if (type === undefined && status === 400 && typeof code === 'string' && encoding !== 'identity') {
    return {
      status: 400,
      code: 'MALFORMED_CONTENT_ENCODING',
      detail: `The request body does not decode as Content-Encoding: ${encoding} (${String(message)}).`,
    };
  }
  switch (type) {
    case 'entity.too.large':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', detail: `The request body is larger than ${formatBytes(maxBodyBytes)}.` };
    case 'entity.parse.failed':
      return { status: 400, code: 'MALFORMED_JSON', detail: 'The request body is not valid JSON.' };
    case 'encoding.unsupported':
      return {
        status: 415,
        code: 'UNSUPPORTED_CONTENT_ENCODING',
        detail: `The request body's Content-Encoding ${JSON.stringify(String(req.headers['content-encoding'] ?? ''))} is not supported; use gzip, deflate, br or none.`,
      };
    case 'charset.unsupported':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'The request body must be UTF-8 JSON.' };
    case 'request.aborted':
      return { status: 400, code: 'INCOMPLETE_BODY', detail: 'The request body ended before its Content-Length.' };
    case 'request.size.invalid':
      return { status: 400, code: 'INCOMPLETE_BODY', detail: 'The request body does not match its Content-Length.' };
    default:
      return null;
  }
}

/**
 * Other errors that are the client's fault: http-errors with `expose` and a 4xx status, and the
 * router's URIError (status 400) for a path that is not valid percent-encoding.
 */
function clientProblem(error: unknown): Problem | null {
  const { status, expose, message } = fieldsOf(error);
  if (typeof status !== 'number' || status < 400 || status > 499) return null;
  if (error instanceof URIError) {
    return { status: 400, code: 'MALFORMED_URL', detail: `The request path is not valid percent-encoding (${String(message)}).` };
  }
  if (expose !== true) return null;
  return { status, code: 'BAD_REQUEST', detail: String(message) };
}

export function restErrorHandler(logger: Logger, options: { maxBodyBytes: number }): ErrorRequestHandler {
  return (thrown: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A statement or pool timeout: 503 + Retry-After like any other UnavailableError.
    const error = asUnavailable(thrown);
    if (error instanceof AppError) {
      if (error instanceof UnavailableError || error instanceof RateLimitedError) res.set('Retry-After', String(error.retryAfterSeconds));
      if (error instanceof UnauthenticatedError) res.set('WWW-Authenticate', error.challenge);
      return sendProblem(res, {
        // An Idempotency-Key reused for another request: 422, as draft-ietf-httpapi-idempotency-key-header says.
        status: error instanceof IdempotencyKeyReusedError ? 422 : statusOf[error.code],
        code: error.code,
        detail: error.message,
        ...(error instanceof ValidationError ? { errors: fieldErrors(error.fields) } : {}),
        ...(error instanceof ConflictError || error instanceof QuotaExceededError ? { extra: restExtensions(error.details) } : {}),
        ...(error instanceof RateLimitedError ? { extra: restExtensions({ ...error.details, retryAfterSeconds: error.retryAfterSeconds }) } : {}),
      }, req.originalUrl);
    }
    if (error instanceof HttpProblem) {
      // send set the file's caching headers before it refused; they must not cache the refusal.
      for (const header of ['Cache-Control', 'Last-Modified', 'ETag', 'Accept-Ranges']) res.removeHeader(header);
      res.set(error.headers);
      return sendProblem(res, { status: error.status, code: httpProblemCodes[error.status] ?? 'BAD_REQUEST', detail: error.message }, req.originalUrl);
    }
    const parserProblem = bodyParserProblem(error, req, options.maxBodyBytes) ?? clientProblem(error);
    if (parserProblem) return sendProblem(res, parserProblem, req.originalUrl);
    // The request's logger: the line carries the reqId of the request line (method, url, status).
    requestLogger(logger).error({ err: error }, 'unexpected error in a REST request');
    sendProblem(res, { status: 500, code: 'INTERNAL_SERVER_ERROR', detail: 'An unexpected error occurred.' }, req.originalUrl);
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, { status: 404, code: 'NOT_FOUND', detail: `Nothing is served at ${req.method} ${req.path}.` }, req.originalUrl);
};
