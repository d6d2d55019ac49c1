// Turns every error into problem+json: the service's expected errors by their code, the body
// parser's by its type, and anything else masked as 500 (and logged).
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, ConflictError, IdempotencyKeyReusedError, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import { fieldErrors, HttpProblem, sendProblem, type Problem } from './problem.js';

const statusOf: Record<AppError['code'], number> = {
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAVAILABLE: 503,
};

const httpProblemCodes: Record<number, string> = { 412: 'PRECONDITION_FAILED', 416: 'RANGE_NOT_SATISFIABLE' };

/** Errors raised by express.json (body-parser), recognised by their `type`. */
function bodyParserProblem(error: unknown): Problem | null {
  const type = (error as { type?: unknown } | null)?.type;
  switch (type) {
    case 'entity.too.large':
      return { status: 413, code: 'PAYLOAD_TOO_LARGE', detail: 'The request body is larger than 1 MB.' };
    case 'entity.parse.failed':
      return { status: 400, code: 'MALFORMED_JSON', detail: 'The request body is not valid JSON.' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'The request body must be UTF-8 JSON.' };
    case 'request.aborted':
    case 'request.size.invalid':
      return { status: 400, code: 'BAD_REQUEST', detail: 'The request body was incomplete.' };
    default:
      return null;
  }
}

export function restErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof AppError) {
      if (error.code === 'UNAVAILABLE') res.set('Retry-After', '5');
      return sendProblem(res, {
        // An Idempotency-Key reused for another request: 422, as draft-ietf-httpapi-idempotency-key-header says.
        status: error instanceof IdempotencyKeyReusedError ? 422 : statusOf[error.code],
        code: error.code,
        detail: error.message,
        ...(error instanceof ValidationError ? { errors: fieldErrors(error.fields) } : {}),
        ...(error instanceof ConflictError ? { extra: error.details } : {}),
      }, req.originalUrl);
    }
    if (error instanceof HttpProblem) {
      // send set the file's caching headers before it refused; they must not cache the refusal.
      for (const header of ['Cache-Control', 'Last-Modified', 'ETag', 'Accept-Ranges']) res.removeHeader(header);
      res.set(error.headers);
      return sendProblem(res, { status: error.status, code: httpProblemCodes[error.status] ?? 'BAD_REQUEST', detail: error.message }, req.originalUrl);
    }
    const parserProblem = bodyParserProblem(error);
    if (parserProblem) return sendProblem(res, parserProblem, req.originalUrl);
    logger.error('unexpected error in a REST request', { method: req.method, url: req.originalUrl, error });
    sendProblem(res, { status: 500, code: 'INTERNAL_SERVER_ERROR', detail: 'An unexpected error occurred.' }, req.originalUrl);
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, { status: 404, code: 'NOT_FOUND', detail: `Nothing is served at ${req.method} ${req.path}.` }, req.originalUrl);
};
