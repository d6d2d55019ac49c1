import express, { type NextFunction, type Request, type Response } from 'express';
import { sendProblem } from './problem.js';

export const maxBodyBytes = 1024 * 1024;

function requireJson(req: Request, res: Response, next: NextFunction): void {
  if (req.is('application/json')) return next();
  sendProblem(res, {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: `The request body must be application/json (got ${req.headers['content-type'] ?? 'no Content-Type'}).`,
  }, req.originalUrl);
}

/** JSON bodies only, at most 1 MB; the error handler turns parser failures into problems. */
export const jsonBody = [requireJson, express.json({ limit: maxBodyBytes, strict: true, type: () => true })];
