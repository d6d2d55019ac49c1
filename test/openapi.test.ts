// The OpenAPI document: served, valid OpenAPI 3.1, naming every route the routers declare, its
// page usable offline in a real browser; and the conformance check itself catches a response
// that departs from it (every other REST test file runs under that check, see jest.config.js).
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Router } from 'express';
import type { Browser } from 'playwright-core';
import { loadAuthSettings } from '../src/auth/authSettings.js';
import { probesRouter } from '../src/http/probes.js';
import { createLogger } from '../src/logger.js';
import { openApiDocument } from '../src/openapi/document.js';
import { openApiRoutes } from '../src/openapi/routes.js';
import { taskRoutes } from '../src/rest/taskRoutes.js';
import { videoRoutes } from '../src/rest/videoRoutes.js';
import type { TaskService } from '../src/tasks/taskService.js';
import type { MediaStore } from '../src/videos/mediaStore.js';
import { launchChromium, openIsolatedPage, saveScreenshot } from './support/browser.js';
import { postJson, request } from './support/http.js';
import { send } from './support/rawHttp.js';
import { OpenApiValidator } from './support/openapiValidator.js';
import { startTestApp, type TestApp } from './support/testApp.js';

let testApp: TestApp;
let browser: Browser | null = null;

beforeAll(async () => {
  testApp = await startTestApp();
});

afterAll(async () => {
  await browser?.close();
  await testApp?.cleanup();
});

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** "GET /videos/{id}" for every method a router declares on a path (router.all, the 405 answers, excepted). */
function declaredRoutes(router: Router): string[] {
  const stack = (router as unknown as { stack: RouteLayer[] }).stack;
  return stack.flatMap((layer) => {
    if (!layer.route) return [];
    const template = layer.route.path.replace(/:(\w+)/g, '{$1}');
    return Object.keys(layer.route.methods).filter((method) => method !== '_all').map((method) => `${method.toUpperCase()} ${template}`);
  });
}

function documentedRoutes(): string[] {
  return Object.entries(openApiDocument.paths).flatMap(([template, item]) => Object.keys(item).filter((key) => key !== 'parameters').map((method) => `${method.toUpperCase()} ${template}`));
}

test('GET /openapi.json serves the document without credentials, and it is valid OpenAPI 3.1', async () => {
  const served = await fetch(`${testApp.url}/openapi.json`);
  expect(served.status).toBe(200);
  expect(served.headers.get('content-type')).toContain('application/json');
  const document = await served.json() as { openapi: string; servers: { url: string }[] };
  expect(document.openapi).toBe('3.1.0');
  expect(document.servers[0]?.url).toBe('/');
  expect(document).toEqual(JSON.parse(JSON.stringify(openApiDocument)));

  const validator = new Validator();
  const result = await validator.validate(document as unknown as Record<string, unknown>);
  expect(result.errors ?? []).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe('3.1');
});

test('the document is served without credentials even when the API requires them', async () => {
  const guarded = await startTestApp({ config: { auth: loadAuthSettings({ API_KEYS: 'alice:alice-secret-0123456789' }) } });
  try {
    expect((await request(guarded.url, '/videos/tasks')).status).toBe(401);
    expect((await fetch(`${guarded.url}/openapi.json`)).status).toBe(200);
    expect((await fetch(`${guarded.url}/docs`)).status).toBe(200);
  } finally {
    await guarded.cleanup();
  }
});

test('every route the REST routers and the probes declare is in the document, and nothing else', () => {
  const unused = {} as unknown;
  const declared = [
    ...declaredRoutes(taskRoutes(unused as TaskService, { maxBodyBytes: 1024 })),
    ...declaredRoutes(videoRoutes(unused as TaskService, unused as MediaStore)),
    ...declaredRoutes(probesRouter({ isStarted: () => true, pingDatabase: async () => undefined }, createLogger('silent'))),
    ...declaredRoutes(openApiRoutes()).filter((route) => !route.includes('/docs')),
  ];
  expect(new Set(declared).size).toBeGreaterThan(10);
  expect([...new Set(declared)].sort()).toEqual(documentedRoutes().sort());
});

test('the conformance check reports an undocumented status, a missing required header and a body off its schema', () => {
  const validator = new OpenApiValidator();
  const base = `${testApp.url}/videos/tasks`;
  const headers = (values: Record<string, string>) => (name: string) => values[name.toLowerCase()] ?? null;
  const json = { 'content-type': 'application/json; charset=utf-8' };
  expect(validator.check({ method: 'GET', url: base, status: 418, header: headers(json), body: '{}' })[0]?.problem).toMatch(/status 418 is not documented/);
  expect(validator.check({ method: 'POST', url: base, status: 202, header: headers(json), body: '{}' }).map((v) => v.problem))
    .toEqual(expect.arrayContaining([expect.stringMatching(/Content-Location is missing/), expect.stringMatching(/does not match the schema/)]));
  expect(validator.check({ method: 'GET', url: `${base}?limit=2`, status: 200, header: headers({ ...json, 'x-request-id': 'r-1' }), body: '{"items":[],"nextCursor":null}' })).toEqual([]);
  // Every response carries X-Request-Id (the document says so), the refusals too.
  expect(validator.check({ method: 'GET', url: `${base}?limit=2`, status: 200, header: headers(json), body: '{"items":[],"nextCursor":null}' }).map((v) => v.problem))
    .toEqual(['required header X-Request-Id is missing']);
  expect(validator.check({ method: 'PUT', url: base, status: 405, header: headers({ allow: 'GET, HEAD' }), body: null })[0]?.problem).toMatch(/Allow/);
  expect(validator.check({ method: 'GET', url: `${testApp.url}/videos/x/y/z`, status: 200, header: headers(json), body: '{}' })[0]?.problem).toMatch(/not in the OpenAPI document/);
});

test('the media answers the document promises: 200 with Last-Modified, HEAD, 206, 304, 412 and 416 (each checked by the conformance check too)', async () => {
  const created = await postJson(testApp.url, '/videos/tasks', { title: 'OpenAPI media', plot: 'One second', durationSeconds: 1 });
  expect(created.status).toBe(202);
  const done = await request(testApp.url, `${String(created.headers.get('content-location'))}?wait=30`);
  expect(done.status).toBe(303);
  const video = await request(testApp.url, String(done.headers.get('location')));
  const content = `${testApp.url}${String(video.body.contentUrl)}`;

  const whole = await fetch(content);
  expect(whole.status).toBe(200);
  // No ETag (the app turns them off); Last-Modified is the validator.
  expect(whole.headers.get('etag')).toBeNull();
  const lastModified = String(whole.headers.get('last-modified'));
  const size = (await whole.arrayBuffer()).byteLength;
  expect((await fetch(content, { method: 'HEAD' })).status).toBe(200);
  const part = await fetch(content, { headers: { range: 'bytes=0-99' } });
  expect(part.status).toBe(206);
  expect(part.headers.get('content-range')).toBe(`bytes 0-99/${size}`);
  await part.arrayBuffer();
  // Through node:http: fetch adds Cache-Control: no-cache to a conditional request, which turns the 304 off.
  const mediaPath = String(video.body.contentUrl);
  expect((await send(testApp.url, { path: mediaPath, headers: { 'if-modified-since': lastModified } })).status).toBe(304);
  const precondition = await send(testApp.url, { path: mediaPath, headers: { 'if-unmodified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' } });
  expect(precondition.status).toBe(412);
  expect(precondition.headers['content-type']).toContain('application/problem+json');
  const outside = await fetch(content, { headers: { range: `bytes=${size + 10}-` } });
  expect(outside.status).toBe(416);
  expect(outside.headers.get('content-range')).toBe(`bytes */${size}`);
  expect((await fetch(`${testApp.url}${String(video.body.posterUrl)}`)).headers.get('content-type')).toBe('image/jpeg');
});

test('/docs shows the operations in a real browser, with nothing fetched from another host', async () => {
  browser = await launchChromium();
  const { page, context, foreignRequests, pageErrors } = await openIsolatedPage(browser, testApp.url);
  try {
    const response = await page.goto(`${testApp.url}/docs`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
    await page.getByText('Start rendering a video').first().waitFor({ timeout: 30_000 });
    await page.getByText('Poll a task').first().waitFor({ timeout: 30_000 });
    await expect(page.title()).resolves.toBe('longrun REST API');
    expect(await saveScreenshot(page, 'api-docs')).toBeLessThan(300 * 1024);
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  } finally {
    await context.close();
  }
});
