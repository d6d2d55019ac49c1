// Structured logs: request ids, task lines, levels, the pretty format, and no secret in any
// line. Most of it reads a real server process's stderr, as an operator's log collector would.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { SignJWT } from 'jose';
import { jest } from '@jest/globals';
import type { Metadata } from '@grpc/grpc-js';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ConfigError, loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { redactUrl } from '../src/logging/redaction.js';
import { collect } from './support/graphqlClient.js';
import { GrpcTestClient } from './support/grpcClient.js';
import { spawnServer, stopServer } from './support/serverProcess.js';
import { makeDataDir, startTestApp } from './support/testApp.js';

jest.setTimeout(180_000);

type LogLine = Record<string, unknown>;
type UnaryCall = (request: object, metadata: Metadata, callback: (error: Error | null) => void) => NodeJS.EventEmitter;

/** The JSON lines of a log; a line that is not JSON fails the test (it would break a collector). */
function jsonLines(output: string): LogLine[] {
  return output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine);
}

async function waitFor<T>(what: string, read: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('a server with API keys, JWTs and signed media links', () => {
  const apiKey = `k-${randomUUID()}`;
  const jwtSecret = `jwt-secret-${randomUUID()}-${randomUUID()}`;
  const mediaSecret = `media-secret-${randomUUID()}-${randomUUID()}`;
  let server: ReturnType<typeof spawnServer>;
  let url = '';
  let dataDir = '';
  let token = '';
  const lines = () => jsonLines(server.stderr());
  const auth = { authorization: `Bearer ${apiKey}` };

  beforeAll(async () => {
    dataDir = await makeDataDir();
    server = spawnServer({
      DATA_DIR: dataDir,
      // Everything the server can say, to give a secret every chance to show up.
      LOG_LEVEL: 'debug',
      API_KEYS: `alice:${apiKey}`,
      JWT_SECRET: jwtSecret,
      MEDIA_URL_SECRET: mediaSecret,
    });
    url = await server.ready;
    token = await new SignJWT({ sub: 'bob' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(jwtSecret));
  });
  afterAll(async () => {
    if (server) await stopServer(server);
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test('a sane X-Request-Id sent is returned and names the request line', async () => {
    const res = await fetch(`${url}/videos/tasks`, { headers: { ...auth, 'x-request-id': 'client-trace.42:a_b' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('client-trace.42:a_b');
    const line = await waitFor('the request line', () => lines().find((entry) => entry.reqId === 'client-trace.42:a_b' && entry.msg === 'request completed'));
    expect(line).toMatchObject({ level: 'info', role: 'all', req: { method: 'GET', url: '/videos/tasks' }, res: { statusCode: 200 } });
    expect(typeof line.responseTime).toBe('number');
    expect(typeof line.time).toBe('string');
    expect(line).not.toHaveProperty('req.headers');
  });

  test('without one, or with an insane one, a new UUID is returned, on problem+json responses too', async () => {
    const none = await fetch(`${url}/videos/tasks`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect(none.headers.get('x-request-id')).toMatch(uuid);
    for (const insane of ['has spaces in it', 'x'.repeat(129), 'quote"s', 'a/b', '']) {
      const res = await fetch(`${url}/nowhere`, { headers: { ...auth, 'x-request-id': insane } });
      expect(res.status).toBe(404);
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(uuid);
      await waitFor('the 404 line', () => lines().find((entry) => entry.reqId === id && (entry.res as LogLine | undefined)?.statusCode === 404));
    }
    const probe = await fetch(`${url}/healthz`);
    expect(probe.headers.get('x-request-id')).toMatch(uuid);
    // Probes are not logged: a kubelet asks every few seconds.
    expect(lines().some((entry) => (entry.req as LogLine | undefined)?.url === '/healthz')).toBe(false);
  });

  test('gRPC: x-request-id metadata is returned in the initial metadata and names the call\'s lines', async () => {
    const address = /gRPC on (\S+?)[,)]/.exec(server.stderr())![1]!;
    const client = new GrpcTestClient(address, `Bearer ${apiKey}`);
    try {
      const metadata = client.metadata();
      metadata.set('x-request-id', 'grpc-call-1');
      const create = (client.videos as unknown as Record<string, UnaryCall>).CreateVideo!;
      const returned = await new Promise<unknown>((resolve, reject) => {
        const call = create.call(client.videos, { title: 'Over gRPC', plot: 'its lines name the call', duration_seconds: 1 }, metadata, (error) => error && reject(error));
        call.on('metadata', (received: Metadata) => resolve(received.get('x-request-id')[0]));
      });
      expect(returned).toBe('grpc-call-1');
      const submitted = await waitFor('the submitted line', () => lines().find((entry) => entry.msg === 'task submitted' && entry.reqId === 'grpc-call-1'));
      expect(submitted).toMatchObject({ callerId: 'alice', grpcMethod: expect.any(String) });
    } finally {
      client.close();
    }
  });

  test('a rendered task\'s lines carry taskId and callerId; credentials and signatures appear nowhere', async () => {
    // A task created with a JWT (caller bob), followed over graphql-ws with an API key in connection_init.
    const created = await fetch(`${url}/videos/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': 'create-1' },
      body: JSON.stringify({ title: 'Logged', plot: 'A short render whose every line names it', durationSeconds: 1 }),
    });
    expect(created.status).toBe(202);
    const task = (await created.json()) as { id: string };
    const client = createClient({
      url: url.replace(/^http/, 'ws') + '/graphql', webSocketImpl: WebSocket, retryAttempts: 0, lazy: true,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    const followed = await collect<{ taskUpdated: { status: string } }>(client, 'subscription($id: ID!) { taskUpdated(id: $id) { status } }', { id: task.id });
    await client.dispose();
    expect(followed.error).toBeUndefined();
    expect(followed.payloads.at(-1)?.data?.taskUpdated.status).toBe('SUCCEEDED');

    const done = await fetch(`${url}/videos/tasks/${task.id}`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
    const videoPath = done.headers.get('location')!;
    const video = (await (await fetch(`${url}${videoPath}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { links: { rel: string; href: string }[] };
    const content = new URL(video.links.find((link) => link.rel === 'content')!.href, url);
    const signature = content.searchParams.get('signature')!;
    expect(signature.length).toBeGreaterThan(16);
    // Followed without any header, as a <video> element does.
    const media = await fetch(content, { headers: { 'x-request-id': 'media-1' } });
    expect(media.status).toBe(200);
    await media.arrayBuffer();

    const mediaLine = await waitFor('the media request line', () => lines().find((entry) => entry.reqId === 'media-1' && entry.msg === 'request completed'));
    expect((mediaLine.req as LogLine).url).toContain('signature=[redacted]');

    const taskLines = lines().filter((entry) => entry.taskId === task.id);
    expect(taskLines.map((entry) => entry.msg)).toEqual(expect.arrayContaining(['task submitted', 'task started', 'task finished']));
    for (const entry of taskLines) expect(entry.callerId).toBe('bob');
    // The line TaskService wrote while the create request ran carries that request's id.
    expect(taskLines.find((entry) => entry.msg === 'task submitted')).toMatchObject({ reqId: 'create-1' });

    // Stopped, so every line is written; then the whole stderr is searched.
    await stopServer(server);
    const output = server.stderr();
    expect(output).toContain('task finished');
    for (const secret of [apiKey, token, token.split('.')[2]!, signature, jwtSecret, mediaSecret]) expect(output).not.toContain(secret);
    for (const line of output.split('\n').filter((text) => text.trim() !== '' && !text.startsWith('longrun '))) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });
});

test('LOG_FORMAT=pretty writes lines for a person, not JSON', async () => {
  const dataDir = await makeDataDir();
  const server = spawnServer({ DATA_DIR: dataDir, LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
  try {
    const url = await server.ready;
    const res = await fetch(`${url}/videos/tasks`, { headers: { 'x-request-id': 'pretty-1' } });
    expect(res.status).toBe(200);
    const line = await waitFor('the pretty request line', () => server.stderr().split('\n').find((text) => text.includes('request completed')));
    expect(line).toMatch(/INFO/);
    expect(line.trim().startsWith('{')).toBe(false);
    expect(server.stderr()).toMatch(/reqId: "pretty-1"/);
  } finally {
    await stopServer(server);
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

test('LOG_LEVEL=warn keeps info lines out, warnings in', async () => {
  const captured: string[] = [];
  const t = await startTestApp({ config: { logLevel: 'warn' }, logger: createLogger('warn', { destination: { write: (line: string) => captured.push(line) } }) });
  try {
    const res = await fetch(`${t.url}/videos/tasks`, { headers: { 'x-request-id': 'quiet-1' } });
    expect(res.status).toBe(200);
    // A socket message over the size limit is a warning: it shows this logger writes at all.
    const socket = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise<void>((resolve) => socket.once('open', () => resolve()));
    socket.send('x'.repeat(2 * 1024 * 1024));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const entries = await waitFor('a warning', () => {
      const all = captured.map((line) => JSON.parse(line) as LogLine);
      return all.some((entry) => entry.level === 'warn') ? all : undefined;
    });
    expect(entries.filter((entry) => entry.level === 'info' || entry.level === 'debug')).toEqual([]);
    expect(entries.some((entry) => entry.reqId === 'quiet-1')).toBe(false);
  } finally {
    await t.cleanup();
  }
});

test('LOG_FORMAT and LOG_LEVEL take their documented values and refuse others, naming the variable', () => {
  expect(loadConfig({}).logFormat).toBe('json');
  expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
  expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(ConfigError);
  expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT must be one of json, pretty/);
  expect(() => loadConfig({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL must be one of/);
});

test('redactUrl: a credential in the query is [redacted] however its name is spelled; other values are kept', () => {
  expect(redactUrl('/media/v/1.mp4?expires=123&signature=abc')).toBe('/media/v/1.mp4?expires=123&signature=[redacted]');
  expect(redactUrl('/videos/tasks?Access_Token=eyJ.x.y&limit=2')).toBe('/videos/tasks?Access_Token=[redacted]&limit=2');
  // Percent-encoded names: Express's query parser decodes them, so must the redaction.
  expect(redactUrl('/videos/tasks?%74oken=hunter2')).toBe('/videos/tasks?%74oken=[redacted]');
  expect(redactUrl('/videos/tasks?api%5Fkey=hunter2&x=1#frag')).toBe('/videos/tasks?api%5Fkey=[redacted]&x=1#frag');
  expect(redactUrl('/videos/tasks?key=hunter2&jwt=a.b.c&cursor=c1')).toBe('/videos/tasks?key=[redacted]&jwt=[redacted]&cursor=c1');
  expect(redactUrl('/videos/tasks/abc?wait=5')).toBe('/videos/tasks/abc?wait=5');
});

test('the redaction backstop: credentials at the top of a line or in a request\'s headers or a config are [redacted]', () => {
  const lines: string[] = [];
  const logger = createLogger('info', { destination: { write: (line: string) => void lines.push(line) } });
  logger.info({ authorization: 'Bearer top-secret-1', headers: { authorization: 'Bearer top-secret-2', cookie: 'sid=top-secret-3' } }, 'a careless line');
  logger.info({ config: { databaseUrl: 'postgresql://u:top-secret-4@db/x', metricsToken: 'top-secret-5', port: 4000 } }, 'another');
  const text = lines.join('');
  expect(text).not.toContain('top-secret');
  expect(text.match(/\[redacted\]/g)).toHaveLength(5);
  expect(text).toContain('"port":4000');
});
