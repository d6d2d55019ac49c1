// Request duration by method, route template and status. The route is Express's pattern
// ("/tasks/:id"), or the path a router is mounted at ("/graphql", "/web"); anything no route
// matched (404s, requests refused before routing) is "(unmatched)": raw URLs would give every
// task id a series of its own.
import type { Request, RequestHandler } from 'express';
import { Histogram, type Registry } from 'prom-client';

const unmatched = '(unmatched)';
/** Long polls (?wait=) last up to 60 s. */
const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function routeTemplate(req: Request): string {
  const route: unknown = req.route;
  const path = typeof route === 'object' && route !== null && 'path' in route ? route.path : undefined;
  // baseUrl is the request's own text of a router's mount, and Express matches mounts without
  // regard to case: /GRAPHQL and /GraphQL would each be a series. Every mount is lower case.
  const base = req.baseUrl.toLowerCase();
  if (typeof path === 'string') return `${base}${path}` || '/';
  return base || unmatched;
}

export function httpDurationMiddleware(registry: Registry): RequestHandler {
  const duration = new Histogram({
    name: 'longrun_http_request_duration_seconds',
    help: 'HTTP requests from arrival to the last byte of the answer, by method, route template and status.',
    labelNames: ['method', 'route', 'status'],
    buckets,
    registers: [registry],
  });
  return (req, res, next) => {
    const end = duration.startTimer();
    // 'finish': the answer was sent. A request whose client left first has no status to report.
    res.once('finish', () => end({ method: req.method, route: routeTemplate(req), status: String(res.statusCode) }));
    next();
  };
}
