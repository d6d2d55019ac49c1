// GET /metrics in Prometheus's text format. With METRICS_TOKEN set, only a request bearing it
// (Authorization: Bearer <token>) is answered; without it the endpoint is open, like the probes
// beside it (decision 0017).
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Registry } from 'prom-client';
import { bearerToken } from '../auth/bearer.js';
import type { Logger } from '../logger.js';
import { sendProblem } from '../rest/problem.js';

export const metricsPath = '/metrics';

/** Both sides hashed first: timingSafeEqual needs equal lengths, and the length leaks nothing then. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** The request's Bearer token, parsed as the API's own (auth/bearer.ts); null when missing or malformed. */
function presentedToken(header: string | undefined): string | null {
  try {
    return bearerToken(header);
  } catch {
    return null;
  }
}

export function metricsRouter(registry: Registry, token: string | undefined, logger: Logger): Router {
  const router = Router();
  router.get(metricsPath, async (req, res) => {
    if (token !== undefined) {
      const given = presentedToken(req.get('authorization'));
      if (given === null || !sameSecret(given, token)) {
        res.set('WWW-Authenticate', 'Bearer realm="metrics"');
        sendProblem(res, { status: 401, code: 'UNAUTHENTICATED', detail: 'The metrics need the bearer token set in METRICS_TOKEN.' }, metricsPath);
        return;
      }
    }
    try {
      const text = await registry.metrics();
      res.set('Cache-Control', 'no-store').type(registry.contentType).send(text);
    } catch (error) {
      logger.error({ err: error }, 'collecting metrics failed');
      sendProblem(res, { status: 500, code: 'INTERNAL', detail: 'The metrics could not be collected.' }, metricsPath);
    }
  });
  return router;
}
