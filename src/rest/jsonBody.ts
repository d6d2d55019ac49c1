import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { sendProblem } from './problem.js';

function unsupported(req: Request, res: Response, expected: string): void {
  sendProblem(res, {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: `The request body must be ${expected} (got ${req.headers['content-type'] ?? 'no Content-Type'}).`,
  }, req.originalUrl);
}

function requireJson(req: Request, res: Response, next: NextFunction): void {
  if (req.is('application/json')) return next();
  unsupported(req, res, 'application/json');
}

/**
 * JSON bodies only, at most `maxBytes` (after decompression); the error handler turns parser
 * failures into problems.
 */
export function jsonBody(maxBytes: number): RequestHandler[] {
  return [requireJson, express.json({ limit: maxBytes, strict: true, type: () => true })];
}

/**
 * For state-changing routes that take no body (cancel, DELETE): no body, or a JSON one (not
 * read). A form or text/plain body is refused with 415, so a cross-site HTML form, which can
 * send only those, cannot reach the handler; an empty request without Content-Type (curl -X
 * POST) passes.
 */
export const noBodyOrJson: RequestHandler = (req, res, next) => {
  const type = req.headers['content-type'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  // Even an empty form counts: a browser sends a form's Content-Type with Content-Length: 0.
  const ok = type === undefined ? !hasBody : type.split(';')[0]!.trim().toLowerCase() === 'application/json';
  if (ok) return next();
  unsupported(req, res, 'absent or application/json');
};
