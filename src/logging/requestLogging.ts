// One log line per HTTP request (method, url, status, duration) and a request id on every
// response. The id is the client's X-Request-Id when it is sane, so a caller can follow its
// own request through our logs; otherwise a new UUID. `req.log` is the request's child logger
// (it carries `reqId`) and so is `requestLogger()` anywhere below the middleware.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger.js';
import { loggedRequest, loggedResponse } from './redaction.js';

export const requestIdHeader = 'X-Request-Id';

/** Printable, short, no spaces or quotes: safe to echo in a header and to log. */
const saneRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** Probes answer a kubelet every few seconds: a line each would drown the rest. */
const unloggedPaths = new Set(['/healthz', '/readyz']);

const requestLoggers = new AsyncLocalStorage<Logger>();

/** The logger of the HTTP request being handled (it carries `reqId`), else `fallback`. */
export function requestLogger(fallback: Logger): Logger {
  return requestLoggers.getStore() ?? fallback;
}

/** Runs `work` with `logger` as the one requestLogger() returns (gRPC calls use it too). */
export function withRequestLogger<T>(logger: Logger, work: () => T): T {
  return requestLoggers.run(logger, work);
}

/** The id a client sent, when it is sane; otherwise a new UUID. */
export function requestIdFrom(sent: unknown): string {
  return typeof sent === 'string' && saneRequestId.test(sent) ? sent : randomUUID();
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

export function requestLogging(logger: Logger): RequestHandler {
  const log = pinoHttp<IncomingMessage, ServerResponse>({
    logger,
    // Given here too: pino-http's child logger would otherwise use pino's own req serializer,
    // which writes every header (Authorization included) and the raw URL.
    serializers: { req: loggedRequest, res: loggedResponse },
    genReqId: (req, res) => {
      const id = requestIdFrom(req.headers['x-request-id']);
      // Set now, so every response has it: problem+json, 5xx and those of the probes alike.
      res.setHeader(requestIdHeader, id);
      return id;
    },
    // req.log and the request line carry only reqId, not the whole request on each line.
    quietReqLogger: true,
    quietResLogger: true,
    autoLogging: { ignore: (req) => unloggedPaths.has(pathOf(req)) },
    // Every request at info, 5xx included: an unexpected error is logged at error, with the
    // same reqId, where it is caught (the REST error handler, GraphQL's error formatter).
    useLevel: 'info',
    customSuccessMessage: (_req, res) => (res.writableEnded ? 'request completed' : 'request aborted'),
    customSuccessObject: (req, res, value: Record<string, unknown>) => ({ req, res, responseTime: value.responseTime }),
    // pino-http invents an Error for every 5xx; the error handler already logged the real one.
    customErrorMessage: () => 'request failed',
    customErrorObject: (req, res, error, value: Record<string, unknown>) => ({
      req, res, responseTime: value.responseTime, ...(error.message.startsWith('failed with status code') ? {} : { err: error }),
    }),
  });
  return (req, res, next) => {
    log(req, res);
    requestLoggers.run(req.log, next);
  };
}
