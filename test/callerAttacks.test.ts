// Callers against a running server: what a request let through on a media signature may reach,
// how graphql-ws refuses and counts sockets, and idempotent creations at a quota.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import WebSocket from 'ws';
import { loadAuthSettings } from '../src/auth/authSettings.js';
import type { QuotaSettings } from '../src/callers/quotas.js';
import { postJson, request } from './support/http.js';
import { scriptedProcessor } from './support/scriptedProcessor.js';
import { startTestApp, type TestApp } from './support/testApp.js';

const aliceKey = 'alice-key-0123456789abcdef';
const quotas = (overrides: Partial<QuotaSettings> = {}): QuotaSettings => ({
  creationsPerMinute: 600, creationBurst: 600, activeTasks: 100, mediaBytes: 0, sockets: 20, ...overrides,
});

describe('a request let through on a media signature', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ config: { auth: loadAuthSettings({ API_KEYS: `alice:${aliceKey}` }), quotas: quotas() } });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  // /videos/tasks/content has the shape of a media path, but GET /videos/tasks/:id answers it.
  test.each([
    ['GET', '/videos/tasks/content?signature=x'],
    ['HEAD', '/videos/tasks/poster?expires=1'],
    ['GET', '/videos/TASKS/content?expires=1&signature=x'],
  ])('reaches no other route: %s %s is 401 as without the query', async (method, path) => {
    const res = await request(t.url, path, { method });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="longrun"');
    const plain = await request(t.url, path.split('?')[0]!, { method });
    expect(plain.status).toBe(401);
  });
});

/** A JWKS endpoint whose answers a test decides: the key set after `delayMs`, or a 500. */
async function jwksServer(key: JWK, answer: { status: number; delayMs: number }): Promise<{ url: string; fetches: () => number; close: () => Promise<void> }> {
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches++;
    setTimeout(() => {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.status === 200 ? JSON.stringify({ keys: [key] }) : '{}');
    }, answer.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    fetches: () => fetches,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface SocketEnd {
  code: number;
  reason: string;
  acked: boolean;
}

/** Opens a graphql-ws socket, sends connection_init with `authorization`, and reports how it ends. */
function connect(baseUrl: string, authorization: string, options: { closeAfterInit?: boolean; closeAfterAckMs?: number } = {}): Promise<SocketEnd> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    let acked = false;
    socket.on('message', (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { type: string }).type !== 'connection_ack') return;
      acked = true;
      setTimeout(() => socket.close(1000), options.closeAfterAckMs ?? 0);
    });
    socket.on('open', () => {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } }));
      if (options.closeAfterInit) socket.close(1000);
    });
    socket.on('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString(), acked }));
  });
}

describe('graphql-ws with JWTs from a JWKS', () => {
  let keys: { publicKey: CryptoKey; privateKey: CryptoKey };
  let jwk: JWK;
  let token: string;
  beforeAll(async () => {
    keys = await generateKeyPair('ES256');
    jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    token = await new SignJWT({ sub: 'carol' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuedAt().setExpirationTime('1h').sign(keys.privateKey);
  });

  async function appWith(jwks: { url: string }, overrides: Partial<QuotaSettings> = {}): Promise<TestApp> {
    return startTestApp({ config: { auth: loadAuthSettings({ JWT_JWKS_URL: jwks.url }), quotas: quotas(overrides) } });
  }

  test('a socket closed while its token is being checked does not keep a QUOTA_SOCKETS slot', async () => {
    const jwks = await jwksServer(jwk, { status: 200, delayMs: 400 });
    const t = await appWith(jwks, { sockets: 1 });
    try {
      // The client leaves before the keys arrive; the server accepts the token after the socket closed.
      expect(await connect(t.url, `Bearer ${token}`, { closeAfterInit: true })).toMatchObject({ acked: false });
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(jwks.fetches()).toBe(1);
      expect(await connect(t.url, `Bearer ${token}`)).toMatchObject({ acked: true, code: 1000 });
      expect(await connect(t.url, `Bearer ${token}`)).toMatchObject({ acked: true, code: 1000 });
    } finally {
      await t.cleanup();
      await jwks.close();
    }
  });

  // The WebSocket twin of HTTP 503: 1013 Try Again Later, which graphql-ws clients retry. 4500
  // (Internal server error) is fatal to them: one JWKS outage would end every reconnecting client.
  test('keys that cannot be fetched close the socket with 1013 Try Again Later, not 4500', async () => {
    const jwks = await jwksServer(jwk, { status: 500, delayMs: 0 });
    const t = await appWith(jwks);
    try {
      const rest = await request(t.url, '/videos', { headers: { authorization: `Bearer ${token}` } });
      expect(rest.status).toBe(503);
      expect(await connect(t.url, `Bearer ${token}`)).toMatchObject({ acked: false, code: 1013, reason: expect.stringMatching(/try again later/i) });
    } finally {
      await t.cleanup();
      await jwks.close();
    }
  });
});

// PostgreSQL: requests under one key run side by side (PGlite runs one statement at a time).
describe('one Idempotency-Key sent several times at once, at a quota', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      database: 'postgres',
      processors: { CREATE_VIDEO: scriptedProcessor },
      config: { workerConcurrency: 1, auth: loadAuthSettings({ API_KEYS: `alice:${aliceKey}` }), quotas: quotas({ activeTasks: 1 }) },
    });
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  // The requests after the first wait for its admission and then see its task as active: they
  // are its replays, not requests beyond the quota.
  test('every request gets the one task, none a 429', async () => {
    const headers = { authorization: `Bearer ${aliceKey}`, 'idempotency-key': 'one-render' };
    const body = { title: 'sleep:3000', plot: 'p', durationSeconds: 1 };
    const answers = await Promise.all(Array.from({ length: 6 }, () => postJson(t.url, '/videos/tasks', body, headers)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(202));
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    // A new key is beyond the quota.
    const other = await postJson(t.url, '/videos/tasks', body, { ...headers, 'idempotency-key': 'another-render' });
    expect(other.status).toBe(429);
    expect(other.body.code).toBe('QUOTA_EXCEEDED');
  });
});
