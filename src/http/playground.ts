// The GraphQL playground (GraphiQL, built from web/playground/) for browsers: at /playground,
// and at /graphql itself for a browser's navigation, as Apollo's landing page was. Everything
// else sent to /graphql (POST, GET asking for JSON, curl's */*, WebSocket upgrades) goes on to
// GraphQL untouched.
import express, { type Request, type Router } from 'express';
import { sendWebPage } from './webPages.js';

export const playgroundPath = '/playground';

/**
 * Whether a GET to the GraphQL path is a page load: its Accept prefers HTML to every type GraphQL
 * answers with. The same question, in the same order, Apollo asked before showing its landing
 * page, so curl's any-type Accept, a missing Accept and `application/json` still reach GraphQL.
 */
export function prefersPage(req: Request): boolean {
  return req.accepts(['application/json', 'application/graphql-response+json', 'multipart/mixed', 'text/html']) === 'text/html';
}

/** Mount before the GraphQL middleware, at the root of the routes. */
export function playgroundRoutes(graphqlPath: string): Router {
  const routes = express.Router();
  const page = sendWebPage('playground');
  routes.get(playgroundPath, page);
  routes.get(graphqlPath, (req, res, next) => {
    // Caches must keep the page and GraphQL's JSON apart: the answer depends on Accept.
    res.vary('Accept');
    if (prefersPage(req)) return page(req, res, next);
    next();
  });
  return routes;
}
