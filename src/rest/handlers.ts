import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { sendProblem } from './problem.js';

/** Forwards a rejected promise to the error handler instead of leaving the request hanging. */
export function asyncHandler(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    handler(req, res).catch(next);
  };
}

export function methodNotAllowed(allowed: string[]): RequestHandler {
  return (req: Request, res: Response, _next: NextFunction) => {
    res.set('Allow', allowed.join(', '));
    sendProblem(res, { status: 405, code: 'METHOD_NOT_ALLOWED', detail: `${req.method} is not allowed here; use ${allowed.join(' or ')}.` }, req.originalUrl);
  };
}
