// Liveness and readiness around start and stop of an app built in the test.
import fs from 'node:fs/promises';
import net from 'node:net';
import { buildApp } from '../src/app.js';
import { loadConfig, ConfigError } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { postJson, request, waitFor } from './support/http.js';
import { migratedPgliteTemplate } from './support/pgliteTemplate.js';
import { makeDataDir, testConfig } from './support/testApp.js';

test('/healthz answers at once; /readyz and the API only once migrated and running', async () => {
  const dataDir = await makeDataDir();
  const app = buildApp(testConfig(dataDir), { database: { pgliteLoadDataDir: await migratedPgliteTemplate() } });
  const starting = app.start();
  try {
    const url = await waitFor('listening', async () => app.url || null, 10_000, 1);
    const [health, ready, api] = await Promise.all([
      request(url, '/healthz'),
      request(url, '/readyz'),
      postJson(url, '/videos/tasks', { title: 't', plot: 'p' }),
    ]);
    expect(health.status).toBe(200);
    expect(ready.status).toBe(503);
    expect(api.status).toBe(503);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
    await starting;
    expect((await request(url, '/readyz')).status).toBe(200);
  } finally {
    await starting.catch(() => undefined);
    await app.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

test('a bad configuration value fails fast, naming the variable', () => {
  expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
  expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  expect(() => loadConfig({ RENDER_WIDTH: '641' })).toThrow(/RENDER_WIDTH must be even/);
  expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  expect(loadConfig({}).port).toBe(4000);
  expect(loadConfig({}).host).toBe('127.0.0.1');
});

test('unexpected errors are masked: GraphQL INTERNAL_SERVER_ERROR, REST 500 problem, details only in the log', async () => {
  const dataDir = await makeDataDir();
  const lines: string[] = [];
  const app = buildApp(testConfig(dataDir), {
    database: { pgliteLoadDataDir: await migratedPgliteTemplate() },
    logger: createLogger('error', { destination: { write: (line: string) => lines.push(line) } }),
  });
  const url = await app.start();
  try {
    // The schema goes away under the server (closing PGlite instead would leave the statements
    // of the job engine and the purge in flight for ever, and stop() waiting on them).
    await app.services.database.prisma.$executeRawUnsafe('ALTER TABLE "Task" RENAME TO "TaskGone"');
    const graphql = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ task(id: "00000000-0000-4000-8000-000000000000") { id } }' }),
    }).then((res) => res.json() as Promise<{ errors: { message: string; extensions: { code: string } }[] }>);
    expect(graphql.errors[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    const rest = await request(url, '/videos/tasks/00000000-0000-4000-8000-000000000000');
    expect(rest.status).toBe(500);
    expect(rest.body).toMatchObject({ status: 500, code: 'INTERNAL_SERVER_ERROR', detail: 'An unexpected error occurred.' });
    expect(JSON.stringify(graphql) + JSON.stringify(rest.body)).not.toMatch(/TaskGone|relation|does not exist/i);
    expect(lines.some((line) => line.includes('unexpected error'))).toBe(true);
  } finally {
    await app.stop().catch(() => undefined);
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

test('stop() does not wait on a WebSocket client that never answers the close frame', async () => {
  const dataDir = await makeDataDir();
  const app = buildApp(testConfig(dataDir), { database: { pgliteLoadDataDir: await migratedPgliteTemplate() } });
  const url = new URL(await app.start());
  // A raw socket that completes the upgrade and then ignores everything, like a frozen peer.
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write([
    'GET /graphql HTTP/1.1', `Host: ${url.host}`, 'Upgrade: websocket', 'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: graphql-transport-ws', '', '',
  ].join('\r\n'));
  const answer = await new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
  expect(answer).toMatch(/^HTTP\/1\.1 101/);
  socket.pause();
  const started = Date.now();
  await app.stop();
  expect(Date.now() - started).toBeLessThan(10_000);
  socket.destroy();
  await fs.rm(dataDir, { recursive: true, force: true });
});
