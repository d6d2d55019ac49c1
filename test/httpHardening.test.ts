// Request-wide rules over a real server: malformed input answers 4xx problem+json (never 500,
// never an error log), nosniff everywhere, no cross-site changes, the Host allow-list, CORS.
import path from 'node:path';
import zlib from 'node:zlib';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import type { Processor } from '../src/tasks/processor.js';
import { FileSystemMediaStore } from '../src/videos/mediaStore.js';
import { createVideoProcessor } from '../src/videos/videoProcessor.js';
import { postJson, request, waitFor } from './support/http.js';
import { rawExchange, send, type RawResponse } from './support/rawHttp.js';
import { scriptedProcessor } from './support/scriptedProcessor.js';
import { startTestApp, type TestApp } from './support/testApp.js';
import { anonymousCaller } from '../src/auth/caller.js';

let t: TestApp;
const lines: string[] = [];
beforeAll(async () => {
  // "sleep:MS" titles run for MS ms; anything else is a real (short) render.
  let real: Processor | null = null;
  const processor: Processor = (task, context) => {
    const { title } = task.input as { title: string };
    if (title.startsWith('sleep:')) return scriptedProcessor(task, context);
    real ??= createVideoProcessor(new FileSystemMediaStore(path.join(t.dataDir, 'media')), { width: 320, height: 180, fps: 12 });
    return real(task, context);
  };
  t = await startTestApp({ processors: { CREATE_VIDEO: processor }, logger: createLogger('warn', { destination: { write: (line: string) => lines.push(line) } }) });
});
afterAll(() => t.cleanup());

const taskCount = () => t.app.services.database.prisma.task.count();
const errorLines = () => lines.filter((line) => (JSON.parse(line) as { level: string }).level === 'error');
const host = () => new URL(t.url).host;
const json = { 'content-type': 'application/json' };

function expectProblem(res: RawResponse, status: number, code: string, detail: RegExp): void {
  expect(res.status).toBe(status);
  expect(String(res.headers['content-type'])).toContain('application/problem+json');
  expect(res.body).toMatchObject({ status, code });
  expect(String(res.body.detail)).toMatch(detail);
}

describe('malformed requests answer 4xx problem+json, store nothing and log no error', () => {
  let before = 0;
  beforeAll(async () => {
    before = await taskCount();
    lines.length = 0;
  });
  afterAll(async () => {
    expect(await taskCount()).toBe(before);
    expect(errorLines()).toEqual([]);
  });

  test.each(['/videos/tasks/%ZZ', '/videos/%ff', '/videos/%ff/content', '/video/tasks/%E0%A4%A'])('GET %s: 400 MALFORMED_URL', async (p) => {
    expectProblem(await send(t.url, { path: p }), 400, 'MALFORMED_URL', /percent-encoding/);
  });

  test('a bad path on a state-changing route too', async () => {
    expectProblem(await send(t.url, { method: 'POST', path: '/videos/tasks/%ZZ/cancel' }), 400, 'MALFORMED_URL', /percent-encoding/);
  });

  const body = JSON.stringify({ title: 'never stored', plot: 'p' });
  test.each(['gzip', 'deflate', 'br'])('Content-Encoding: %s with a plain body: 400 naming the encoding (REST and GraphQL)', async (encoding) => {
    const headers = { ...json, 'content-encoding': encoding };
    expectProblem(await send(t.url, { method: 'POST', path: '/videos/tasks', headers, body }), 400, 'MALFORMED_CONTENT_ENCODING', new RegExp(encoding));
    const graphql = JSON.stringify({ query: 'mutation { createVideoTask(input: {title: "never", plot: "p"}) { id } }' });
    expectProblem(await send(t.url, { method: 'POST', path: '/graphql', headers, body: graphql }), 400, 'MALFORMED_CONTENT_ENCODING', new RegExp(encoding));
  });

  test('an unknown Content-Encoding: 415', async () => {
    const res = await send(t.url, { method: 'POST', path: '/videos/tasks', headers: { ...json, 'content-encoding': 'snappy' }, body });
    expectProblem(res, 415, 'UNSUPPORTED_CONTENT_ENCODING', /snappy/);
  });

  test('a truncated gzip body: 400', async () => {
    const gz = zlib.gzipSync(body);
    const res = await send(t.url, { method: 'POST', path: '/videos/tasks', headers: { ...json, 'content-encoding': 'gzip' }, body: gz.subarray(0, gz.length - 10) });
    expectProblem(res, 400, 'MALFORMED_CONTENT_ENCODING', /gzip/);
  });

  test('a body shorter than its Content-Length: 400 once the client gives up', async () => {
    const head = `POST /videos/tasks HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n`;
    const res = await rawExchange(t.url, head, body, { halfClose: true });
    expectProblem(res, 400, 'INCOMPLETE_BODY', /Content-Length/);
  });

  test('a body longer than its Content-Length: 400 (the bytes after it are no request)', async () => {
    const head = `POST /videos/tasks HTTP/1.1\r\nHost: ${host()}\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n`;
    const res = await rawExchange(t.url, head, body);
    // Node's parser rejects the leftover at once, usually before the cut-off JSON is answered.
    expect(['MALFORMED_REQUEST', 'MALFORMED_JSON']).toContain(res.body.code);
    expectProblem(res, 400, String(res.body.code), /HTTP\/1\.1|JSON/);
  });

  test('a body over MAX_REQUEST_BYTES, also once decompressed: 413 naming the limit', async () => {
    const big = JSON.stringify({ title: 't', plot: 'x'.repeat(2 * 1024 * 1024) });
    expectProblem(await send(t.url, { method: 'POST', path: '/videos/tasks', headers: json, body: big }), 413, 'PAYLOAD_TOO_LARGE', /1 MB/);
    const res = await send(t.url, { method: 'POST', path: '/videos/tasks', headers: { ...json, 'content-encoding': 'gzip' }, body: zlib.gzipSync(big) });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE', /1 MB/);
  });
});

test('a gzip-compressed JSON body works', async () => {
  const res = await send(t.url, { method: 'POST', path: '/videos/tasks', headers: { ...json, 'content-encoding': 'gzip' }, body: zlib.gzipSync(JSON.stringify({ title: 'sleep:1', plot: 'p' })) });
  expect(res.status).toBe(202);
});

test('X-Content-Type-Options: nosniff on JSON, problem+json, probes, media and the GraphQL playground', async () => {
  const created = await postJson(t.url, '/videos/tasks', { title: 'media', plot: 'p', durationSeconds: 1 });
  const id = created.body.id as string;
  const done = await waitFor('the render', async () => {
    const res = await request(t.url, `/videos/tasks/${id}`);
    return res.status === 303 ? res : null;
  });
  const videoPath = String(done.headers.get('location'));
  const responses = await Promise.all([
    send(t.url, { path: '/videos/tasks' }),
    send(t.url, { path: '/nothing-here' }),
    send(t.url, { path: '/healthz' }),
    send(t.url, { path: `${videoPath}/content`, headers: { range: 'bytes=0-99' } }),
    send(t.url, { path: `${videoPath}/poster` }),
    send(t.url, { path: '/graphql', headers: { accept: 'text/html' } }),
  ]);
  expect(responses.map((res) => [res.status, res.headers['x-content-type-options']])).toEqual([
    [200, 'nosniff'], [404, 'nosniff'], [200, 'nosniff'], [206, 'nosniff'], [200, 'nosniff'], [200, 'nosniff'],
  ]);
  expect(String(responses[5]!.headers['content-type'])).toContain('text/html');
});

describe('a cross-site page cannot change anything', () => {
  const evil = 'https://evil.example';
  const running = async () => {
    const res = await postJson(t.url, '/videos/tasks', { title: 'sleep:60000', plot: 'p' });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    await waitFor('running', async () => ((await t.app.services.tasks.getTask(anonymousCaller, id)).status === 'RUNNING' ? true : null));
    return id;
  };
  const statusOf = async (id: string) => (await t.app.services.tasks.getTask(anonymousCaller, id)).status;

  test('a form or text/plain POST to cancel: 415, the task runs on; no body at all still cancels', async () => {
    const id = await running();
    for (const base of ['/videos/tasks', '/video/tasks']) {
      for (const [type, body] of [['application/x-www-form-urlencoded', 'a=b'], ['text/plain', 'hello'], ['application/x-www-form-urlencoded', ''], ['multipart/form-data; boundary=x', '--x--']] as const) {
        const res = await send(t.url, { method: 'POST', path: `${base}/${id}/cancel`, headers: { 'content-type': type }, body });
        expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE', /absent or application\/json/);
      }
    }
    const noType = await send(t.url, { method: 'POST', path: `/videos/tasks/${id}/cancel`, body: 'x=1' });
    expectProblem(noType, 415, 'UNSUPPORTED_MEDIA_TYPE', /no Content-Type/);
    expect(await statusOf(id)).toBe('RUNNING');
    const form = await send(t.url, { method: 'DELETE', path: `/videos/tasks/${id}`, headers: { 'content-type': 'text/plain', 'content-length': '1' }, body: 'x' });
    expect(form.status).toBe(415);
    // node:http sends no Content-Length for a DELETE's body unless told: the byte follows the
    // request. A server without authentication answers the request before its parser reads on.
    const stray = await send(t.url, { method: 'DELETE', path: `/videos/tasks/${id}`, headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(stray.status).toBe(415);
    // curl -X POST: no body, no Content-Type.
    const cancelled = await send(t.url, { method: 'POST', path: `/videos/tasks/${id}/cancel` });
    expect(cancelled.status).toBe(200);
    expect(await statusOf(id)).toBe('CANCELLED');
  });

  test('a foreign Origin: 403 on every unsafe method, nothing changed, no CORS headers', async () => {
    const id = await running();
    const before = await taskCount();
    const attempts = await Promise.all([
      send(t.url, { method: 'POST', path: `/videos/tasks/${id}/cancel`, headers: { origin: evil } }),
      send(t.url, { method: 'POST', path: `/video/tasks/${id}/cancel`, headers: { origin: evil, ...json }, body: '{}' }),
      send(t.url, { method: 'POST', path: '/videos/tasks', headers: { origin: evil, ...json }, body: JSON.stringify({ title: 't', plot: 'p' }) }),
      send(t.url, { method: 'DELETE', path: `/videos/tasks/${id}`, headers: { origin: evil } }),
      send(t.url, { method: 'POST', path: '/graphql', headers: { origin: evil, ...json }, body: JSON.stringify({ query: `mutation { cancelTask(id: "${id}") { id } }` }) }),
      send(t.url, { method: 'POST', path: `/videos/tasks/${id}/cancel`, headers: { origin: 'null' } }),
    ]);
    for (const res of attempts) {
      expectProblem(res, 403, 'FORBIDDEN_ORIGIN', /evil\.example|null/);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    expect(await statusOf(id)).toBe('RUNNING');
    expect(await taskCount()).toBe(before);
    // Reads are answered (the browser keeps them from the page: no CORS header).
    const read = await send(t.url, { path: `/videos/tasks/${id}`, headers: { origin: evil } });
    expect(read.status).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
    // A preflight from there is refused too.
    const preflight = await send(t.url, { method: 'OPTIONS', path: '/videos/tasks', headers: { origin: evil, 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    await send(t.url, { method: 'POST', path: `/videos/tasks/${id}/cancel` });
  });

  test('an allowed Origin (a dev server on localhost) gets CORS and may change things', async () => {
    const origin = 'http://localhost:5173';
    const preflight = await send(t.url, {
      method: 'OPTIONS', path: '/videos/tasks',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,idempotency-key,authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(origin);
    expect(String(preflight.headers['access-control-allow-methods'])).toMatch(/POST/);
    expect(String(preflight.headers['access-control-allow-methods'])).toMatch(/DELETE/);
    expect(String(preflight.headers['access-control-allow-headers'])).toMatch(/Content-Type.*Idempotency-Key.*Authorization/);
    expect(String(preflight.headers.vary)).toMatch(/Origin/);

    const created = await send(t.url, { method: 'POST', path: '/videos/tasks', headers: { origin, ...json }, body: JSON.stringify({ title: 'sleep:60000', plot: 'p' }) });
    expect(created.status).toBe(202);
    expect(created.headers['access-control-allow-origin']).toBe(origin);
    expect(String(created.headers['access-control-expose-headers'])).toBe('Location,Content-Location,Retry-After,Link,WWW-Authenticate');
    const cancelled = await send(t.url, { method: 'POST', path: `/videos/tasks/${String(created.body.id)}/cancel`, headers: { origin } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');

    const graphql = await send(t.url, { method: 'POST', path: '/graphql', headers: { origin: 'http://127.0.0.1:3000', ...json }, body: JSON.stringify({ query: '{ tasks(first: 1) { nodes { id } } }' }) });
    expect(graphql.status).toBe(200);
    expect(graphql.headers['access-control-allow-origin']).toBe('http://127.0.0.1:3000');
  });
});

describe('Host allow-list (DNS rebinding)', () => {
  test('a foreign Host: 421 on REST and GraphQL; the probes answer any Host', async () => {
    for (const p of ['/videos/tasks', '/graphql?query=%7B__typename%7D', '/videos/tasks/x']) {
      expectProblem(await send(t.url, { path: p, headers: { host: 'evil.example:4000' } }), 421, 'MISDIRECTED_REQUEST', /evil\.example/);
    }
    const post = await send(t.url, { method: 'POST', path: '/videos/tasks', headers: { host: 'evil.example', origin: 'http://evil.example', ...json }, body: '{"title":"t","plot":"p"}' });
    expect(post.status).toBe(421);
    expect((await send(t.url, { path: '/healthz', headers: { host: '10.1.2.3:4000' } })).status).toBe(200);
    expect((await send(t.url, { path: '/readyz', headers: { host: '10.1.2.3:4000' } })).status).toBe(200);
  });

  test('loopback names work', async () => {
    const port = new URL(t.url).port;
    for (const name of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      expect((await send(t.url, { path: '/videos/tasks', headers: { host: name } })).status).toBe(200);
    }
  });

  test('allowedHosts null (ALLOWED_HOSTS=*): any Host works', async () => {
    const open = await startTestApp({ config: { http: { allowedHosts: null, corsOrigins: [] } } });
    try {
      expect((await send(open.url, { path: '/videos/tasks', headers: { host: 'evil.example' } })).status).toBe(200);
    } finally {
      await open.cleanup();
    }
  });
});

describe('CORS_ORIGINS and ALLOWED_HOSTS, read from the environment', () => {
  let site: TestApp;
  const origin = 'https://app.example.com';
  beforeAll(async () => {
    const { http } = loadConfig({ CORS_ORIGINS: `${origin}, https://admin.example.com`, ALLOWED_HOSTS: 'api.example.com,127.0.0.1' });
    site = await startTestApp({ processors: { CREATE_VIDEO: scriptedProcessor }, config: { http } });
  });
  afterAll(() => site.cleanup());

  test('a listed origin gets CORS and may create; another origin may not', async () => {
    const preflight = await send(site.url, { method: 'OPTIONS', path: '/graphql', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(origin);
    const created = await send(site.url, { method: 'POST', path: '/videos/tasks', headers: { origin, ...json }, body: '{"title":"listed","plot":"p"}' });
    expect(created.status).toBe(202);
    expect(created.headers['access-control-allow-origin']).toBe(origin);
    const refused = await send(site.url, { method: 'POST', path: '/videos/tasks', headers: { origin: 'https://evil.example', ...json }, body: '{"title":"evil","plot":"p"}' });
    expect(refused.status).toBe(403);
  });

  test('the same list opens WebSockets', async () => {
    const opened = (headers: Record<string, string>) => new Promise<number>((resolve) => {
      const socket = new WebSocket(`${site.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { headers });
      socket.once('open', () => {
        socket.close();
        resolve(101);
      });
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('error', () => undefined);
    });
    expect(await opened({ origin })).toBe(101);
    expect(await opened({ origin: 'https://evil.example' })).toBe(403);
  });

  test('only the listed host names are served', async () => {
    expect((await send(site.url, { path: '/videos/tasks', headers: { host: 'api.example.com' } })).status).toBe(200);
    expectProblem(await send(site.url, { path: '/videos/tasks', headers: { host: 'localhost' } }), 421, 'MISDIRECTED_REQUEST', /localhost/);
  });
});

test('headers beyond what Node accepts (16 KB): 431 problem+json', async () => {
  const res = await send(t.url, { path: '/videos/tasks', headers: { 'x-padding': 'p'.repeat(20_000) } });
  expect(res.status).toBe(431);
  expect(res.body).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
  // Node's parser refused it before any middleware: the answer still has a request id.
  expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
});
