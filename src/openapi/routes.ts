// GET /openapi.json (the document, no credentials needed) and GET /docs (Swagger UI over it),
// mounted before authentication in the api and all roles.
import path from 'node:path';
import { Router } from 'express';
import { pageSecurityPolicy } from '../http/webPages.js';
import { openApiDocument } from './document.js';
import { docsAssetsPath, docsPageHtml, docsStartScript, swaggerUiDir, swaggerUiFiles } from './docsPage.js';

export const openApiPath = '/openapi.json';
export const docsPath = '/docs';

export function openApiRoutes(): Router {
  const router = Router();
  const documentJson = JSON.stringify(openApiDocument);
  router.get(openApiPath, (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('application/json').send(documentJson);
  });
  router.get(docsPath, (_req, res) => {
    res.set('Cache-Control', 'no-cache');
    res.set('Content-Security-Policy', pageSecurityPolicy);
    res.set('Referrer-Policy', 'no-referrer');
    res.type('html').send(docsPageHtml);
  });
  router.get(`${docsPath}/start.js`, (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('text/javascript').send(docsStartScript);
  });
  for (const file of swaggerUiFiles) {
    // The package is pinned; a day's caching keeps an upgrade visible the next day at the latest.
    router.get(`${docsAssetsPath}/${file}`, (_req, res, next) => {
      res.sendFile(path.join(swaggerUiDir, file), { maxAge: '1d' }, (error) => (error ? next(error) : undefined));
    });
  }
  return router;
}
