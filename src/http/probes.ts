import { Router } from 'express';

/** Liveness answers while the process lives; readiness only once the app can serve. */
export function probesRouter(isReady: () => boolean): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    if (isReady()) res.json({ status: 'ready' });
    else res.status(503).set('Retry-After', '1').json({ status: 'starting' });
  });
  return router;
}
