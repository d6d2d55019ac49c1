// Request-wide HTTP rules, in front of every route: nosniff, the Host allow-list (DNS
// rebinding), CORS, and the Origin check that keeps cross-site pages from changing anything.
import cors from 'cors';
import type { RequestHandler } from 'express';
import type { HttpAccess } from '../config.js';
import { sendProblem } from '../rest/problem.js';
import { isAllowedHost, isAllowedOrigin } from './access.js';

/** Browsers must not guess a content type (a JSON body rendered as HTML, say). */
export const noSniff: RequestHandler = (_req, res, next) => {
  res.set('X-Content-Type-Options', 'nosniff');
  next();
};

/**
 * 421 Misdirected Request for a Host the server does not answer to: the request reached a
 * server that will not answer for that name (RFC 9110, 15.5.20), typically a page whose DNS name
 * was re-pointed at a loopback server. The probes are mounted before it (see app.ts).
 */
export function hostGuard(access: HttpAccess): RequestHandler {
  return (req, res, next) => {
    if (isAllowedHost(req.headers.host, access)) return next();
    sendProblem(res, {
      status: 421,
      code: 'MISDIRECTED_REQUEST',
      detail: `This server does not answer to the host name ${JSON.stringify(req.headers.host ?? '')}; allowed: ${access.allowedHosts?.join(', ') ?? 'any'} (ALLOWED_HOSTS).`,
    }, req.originalUrl);
  };
}

/** Headers a cross-origin page may read: where a task or video is, when to poll, the next page. */
export const exposedHeaders = ['Location', 'Content-Location', 'Retry-After', 'Link', 'WWW-Authenticate'];
/** Request headers a cross-origin page may send (Apollo's two for GraphQL GET requests with CSRF prevention). */
export const allowedRequestHeaders = ['Content-Type', 'Idempotency-Key', 'Authorization', 'Apollo-Require-Preflight', 'X-Apollo-Operation-Name'];

/**
 * CORS for REST and GraphQL over HTTP: an allowed Origin (isAllowedOrigin) is echoed back with
 * Vary: Origin and preflights are answered 204; any other Origin gets no CORS header at all.
 */
export function corsPolicy(access: HttpAccess): RequestHandler {
  return cors((req, callback) => {
    const origin = req.headers.origin;
    callback(null, {
      origin: origin !== undefined && isAllowedOrigin(origin, req.headers.host, access),
      methods: ['GET', 'HEAD', 'POST', 'DELETE'],
      allowedHeaders: allowedRequestHeaders,
      exposedHeaders,
      maxAge: 600,
    });
  });
}

const safeMethods = new Set(['GET', 'HEAD']);

/**
 * 403 for a request from a page of an origin not allowed, unless its method is safe: browsers
 * send Origin on every cross-origin request and on same-origin POSTs, so a cross-site form or
 * fetch cannot cancel, create or delete anything even as a "simple" request the browser sends
 * without a preflight. A disallowed preflight (OPTIONS) is refused the same way.
 */
export function originGuard(access: HttpAccess): RequestHandler {
  return (req, res, next) => {
    if (safeMethods.has(req.method) || isAllowedOrigin(req.headers.origin, req.headers.host, access)) return next();
    sendProblem(res, {
      status: 403,
      code: 'FORBIDDEN_ORIGIN',
      detail: `Requests from the origin ${JSON.stringify(req.headers.origin ?? '')} may not ${req.method}; allowed: loopback origins${access.corsOrigins.length > 0 ? `, ${access.corsOrigins.join(', ')}` : ''} (CORS_ORIGINS).`,
    }, req.originalUrl);
  };
}
