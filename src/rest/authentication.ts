// Who calls a REST route: the Authorization header, read once per request by `authenticate`
// (a 401 problem before any route runs when it is required and missing or wrong). A media
// link that carries a signature is let through without one: a <video> element cannot send a
// header, and the signature is checked by the route (TaskService.getVideoByLink).
import type { Request, RequestHandler, Response } from 'express';
import type { Authenticator } from '../auth/authenticator.js';
import { anonymousCaller, type Caller } from '../auth/caller.js';
import { UnauthenticatedError } from '../errors.js';

declare module 'express-serve-static-core' {
  interface Locals {
    /** Set by `authenticate` for every request it did not let through on a media signature. */
    caller?: Caller;
  }
}

const mediaPath = /^\/videos\/[^/]+\/(content|poster)$/;

/** A GET of a media file that carries a link's signature. */
export function isSignedMediaRequest(req: Request): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && mediaPath.test(req.path) && (req.query.signature !== undefined || req.query.expires !== undefined);
}

export function authenticate(authenticator: Authenticator): RequestHandler {
  // Without authentication every request is the anonymous caller, known at once: the route runs
  // in the same tick as before callers existed (an await here let the parser read on first, and
  // a stray byte after a request was answered 400 before the request itself).
  if (!authenticator.required) {
    return (_req, res, next) => {
      res.locals.caller = anonymousCaller;
      next();
    };
  }
  return async (req, res, next) => {
    if (isSignedMediaRequest(req)) return next();
    res.locals.caller = await authenticator.authenticate(req.get('authorization'));
    next();
  };
}

/**
 * The caller `authenticate` found for this request. A request let through on a media signature
 * has none: it may open that media file and nothing else, so any other route its path reaches
 * (GET /videos/tasks/content is GET /videos/tasks/:id) answers as to a request without credentials.
 */
export function callerOf(res: Response): Caller {
  const { caller } = res.locals;
  if (!caller) throw new UnauthenticatedError('missing');
  return caller;
}
