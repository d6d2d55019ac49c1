import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { sendProblem } from './problem.js';

export function methodNotAllowed(allowed: string[]): RequestHandler {
  return (req: Request, res: Response, _next: NextFunction) => {
    res.set('Allow', allowed.join(', '));
    sendProblem(res, { status: 405, code: 'METHOD_NOT_ALLOWED', detail: `${req.method} is not allowed here; use ${allowed.join(' or ')}.` }, req.originalUrl);
  };
}
