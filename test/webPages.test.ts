// The built pages' HTTP answers, on a bare Express app (no database): each page's HTML only at
// its route with its CSP and no long-lived cache, hashed assets with the CSP too, no way out of
// web/dist, and a page never built answered 503 without a path or a stack.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Server } from 'node:http';
import express from 'express';
import { pageSecurityPolicy, sendWebPage, webAssets, webDistDir } from '../src/http/webPages.js';
import { send } from './support/rawHttp.js';

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use('/web', webAssets());
  app.get('/', sendWebPage('dashboard'));
  app.get('/never-built', sendWebPage('no-such-page'));
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

test('the page at its route carries the CSP and is revalidated', async () => {
  const response = await fetch(`${base}/`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-security-policy')).toBe(pageSecurityPolicy);
  expect(response.headers.get('cache-control')).toBe('no-cache');
});

test.each([
  '/web/dashboard/index.html',
  '/web/dashboard/index%2ehtml',
  '/web/dashboard/INDEX.HTML',
  '/web/playground/index.html',
])('%s is not served from /web (no CSP there, cached for a year)', async (url) => {
  const response = await fetch(`${base}${url}`);
  expect(response.status).toBe(404);
  expect(response.headers.get('cache-control') ?? '').not.toContain('immutable');
});

test('a hashed asset is cached for good and carries the CSP', async () => {
  const asset = fs.readdirSync(path.join(webDistDir, 'dashboard', 'assets')).find((name) => name.endsWith('.js'));
  expect(asset).toBeDefined();
  const response = await fetch(`${base}/web/dashboard/assets/${asset ?? ''}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toContain('immutable');
  expect(response.headers.get('content-security-policy')).toBe(pageSecurityPolicy);
});

test.each(['/web/../package.json', '/web/%2e%2e/package.json', '/web/..%2fpackage.json', '/web/dashboard/%2e%2e/%2e%2e/%2e%2e/package.json'])(
  '%s does not leave web/dist',
  async (url) => {
    const response = await send(base, { path: url });
    expect([400, 403, 404]).toContain(response.status);
    expect(response.text).not.toContain('"name": "longrun"');
  },
);

test('a page never built answers 503 naming the build step, with no path or stack', async () => {
  const response = await fetch(`${base}/never-built`);
  expect(response.status).toBe(503);
  const text = await response.text();
  expect(text).toContain('npm run build:web');
  expect(text).not.toContain(webDistDir);
  expect(text).not.toContain(path.sep + 'web' + path.sep);
  expect(text).not.toMatch(/\bat .+:\d+:\d+/);
});
