import { Router } from 'express';
import type { Logger } from '../logger.js';

/** How long /readyz waits for the database before it answers 503. */
export const readinessTimeoutMs = 750;
/** How long one database check answers /readyz, so probes cannot add load to a struggling database. */
export const readinessCacheMs = 1000;

export interface Readiness {
  /** Whether the app has started and is not stopping. */
  isStarted(): boolean;
  /** A cheap query on the task table that rejects unless the database answers within `timeoutMs`. */
  pingDatabase(timeoutMs: number): Promise<void>;
}

/**
 * The database check, shared by concurrent probes and cached for readinessCacheMs: however
 * many probes arrive, at most one query a second reaches the database.
 */
function cachedDatabaseCheck(readiness: Readiness, logger: Logger): () => Promise<boolean> {
  let last: { at: number; ok: boolean } | null = null;
  let running: Promise<boolean> | null = null;
  return () => {
    if (last && Date.now() - last.at < readinessCacheMs) return Promise.resolve(last.ok);
    running ??= readiness.pingDatabase(readinessTimeoutMs).then(
      () => true,
      (error: unknown) => {
        if (last?.ok !== false) logger.warn({ reason: error instanceof Error ? error.message : String(error) }, 'readiness: the database does not answer');
        return false;
      },
    ).then((ok) => {
      if (ok && last?.ok === false) logger.info('readiness: the database answers again');
      last = { at: Date.now(), ok };
      running = null;
      return ok;
    });
    return running;
  };
}

/** Liveness answers while the process lives; readiness only once the app can serve and its database answers. */
export function probesRouter(readiness: Readiness, logger: Logger): Router {
  const router = Router();
  const databaseAnswers = cachedDatabaseCheck(readiness, logger);
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (!readiness.isStarted()) {
      res.status(503).set('Retry-After', '1').json({ status: 'starting' });
      return;
    }
    if (!(await databaseAnswers())) {
      res.status(503).set('Retry-After', '1').json({ status: 'unavailable', reason: 'the database does not answer' });
      return;
    }
    res.json({ status: 'ready' });
  });
  return router;
}
