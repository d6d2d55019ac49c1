// The browser pages built from web/ by Vite (see web/README.md): each page's hashed assets
// under /web/<page>/, and its index.html at the route that shows it (/, /graphql, ...).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';
import { sendProblem } from '../rest/problem.js';

export const webDistDir = fileURLToPath(new URL('../../web/dist', import.meta.url));

/**
 * Everything a page may load comes from this server. WebSockets to the same host match 'self'
 * in CSP level 3; Monaco (GraphiQL's editor) starts its workers from blob: URLs and injects styles.
 */
export const pageSecurityPolicy = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "font-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/**
 * Mount at /web: Vite's file names carry a content hash, so they are cached for good. A page's
 * index.html is not among them: served here it would lack the page's CSP and be cached for a
 * year under a name that never changes, so it is only ever sent by sendWebPage. The policy goes
 * on every asset too, for a browser that opens one as a document.
 */
export function webAssets(): RequestHandler {
  const assets = express.static(webDistDir, {
    index: false,
    immutable: true,
    maxAge: '365d',
    fallthrough: true,
    setHeaders: (res) => res.setHeader('Content-Security-Policy', pageSecurityPolicy),
  });
  return (req, res, next) => {
    // Decoded as the static server will decode it, so /web/dashboard/index%2ehtml is no way round.
    let file: string;
    try {
      file = decodeURIComponent(req.path);
    } catch {
      return next();
    }
    if (/\.html?$/i.test(file)) return next();
    return assets(req, res, next);
  };
}

/** Answers with web/dist/<page>/index.html, or 503 naming the build step when it was never built. */
export function sendWebPage(page: string): RequestHandler {
  const file = path.join(webDistDir, page, 'index.html');
  return (req, res) => {
    if (!fs.existsSync(file)) {
      sendProblem(res, {
        status: 503,
        code: 'UNAVAILABLE',
        detail: `The ${page} page was not built; run "npm run build:web" (npm install does it).`,
      }, req.originalUrl);
      return;
    }
    res.set('Cache-Control', 'no-cache');
    res.set('Content-Security-Policy', pageSecurityPolicy);
    res.set('Referrer-Policy', 'no-referrer');
    res.sendFile(file);
  };
}
