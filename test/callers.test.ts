// Callers on real servers: two API-key callers (alice, bob) and a JWT caller (carol), over REST,
// GraphQL over HTTP and graphql-ws. Another caller's task or video must answer exactly as an id
// that does not exist; lists, feeds and idempotency keys are per caller; credentials are checked
// on every transport; media links are signed and open one file of one video until they expire.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import WebSocket from 'ws';
import { loadAuthSettings } from '../src/auth/authSettings.js';
import { clockToleranceSeconds } from '../src/auth/jwt.js';
import { unlimitedQuotas } from '../src/callers/quotas.js';
import { SignedMediaLinks } from '../src/videos/mediaLinks.js';
import { postJson, request, waitFor } from './support/http.js';
import { scriptedProcessor } from './support/scriptedProcessor.js';
import { startTestApp, type TestApp } from './support/testApp.js';

const keys = { alice: 'alice-key-0123456789abcdef', bob: 'bob-key-0123456789abcdef' } as const;
type Who = keyof typeof keys;
const bearer = (who: Who) => `Bearer ${keys[who]}`;
const as = (who: Who): Record<string, string> => ({ authorization: bearer(who) });
const apiKeys = `alice:${keys.alice},bob:${keys.bob}`;
const jwtSecret = 'a-jwt-secret-for-the-caller-tests-0123456789';
const audience = 'longrun-tests';
const mediaSecret = 'a-media-url-secret-for-the-caller-tests-0123';
const missingChallenge = 'Bearer realm="longrun"';
const invalidChallenge = 'Bearer realm="longrun", error="invalid_token"';

let tasksApp: TestApp; // authentication on; scripted processor ("sleep:MS" is a slow task)
let mediaApp: TestApp; // authentication on; real renders; a known media URL secret
let openApp: TestApp; // no authentication; real renders
let quotaApp: TestApp; // JWT from a slow JWKS; one open socket per caller

/** A JWKS server whose every answer takes 500 ms, so a token's check is still under way when its client leaves. */
const jwks = { kid: 'key-1', privateKey: null as unknown as CryptoKey, requests: 0, served: 0, server: null as Server | null };
async function startJwks(): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  jwks.privateKey = privateKey;
  const body = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: jwks.kid, alg: 'ES256', use: 'sig' }] });
  jwks.server = createServer((_req, res) => {
    jwks.requests += 1;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      jwks.served += 1;
    }, 500);
  });
  await new Promise<void>((resolve) => jwks.server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(jwks.server.address() as AddressInfo).port}/jwks.json`;
}

beforeAll(async () => {
  const jwksUrl = await startJwks();
  [tasksApp, mediaApp, openApp, quotaApp] = await Promise.all([
    startTestApp({
      processors: { CREATE_VIDEO: scriptedProcessor },
      config: { auth: loadAuthSettings({ API_KEYS: apiKeys, JWT_SECRET: jwtSecret, JWT_AUDIENCE: audience }), quotas: unlimitedQuotas, workerConcurrency: 12 },
    }),
    startTestApp({
      config: { auth: loadAuthSettings({ API_KEYS: apiKeys }), quotas: unlimitedQuotas, media: { urlSecret: mediaSecret, urlLifetimeSeconds: 60 } },
    }),
    startTestApp(),
    startTestApp({
      processors: { CREATE_VIDEO: scriptedProcessor },
      config: { auth: loadAuthSettings({ JWT_JWKS_URL: jwksUrl }), quotas: { ...unlimitedQuotas, sockets: 1 } },
    }),
  ]);
});
afterAll(async () => {
  await Promise.all([tasksApp?.cleanup(), mediaApp?.cleanup(), openApp?.cleanup(), quotaApp?.cleanup()]);
  await new Promise((resolve) => jwks.server?.close(resolve));
});

// ---- helpers ---------------------------------------------------------------------------------

/** Every id each caller created in this file: a list or feed may show only its owner's. */
const created: Record<string, Set<string>> = { alice: new Set(), bob: new Set(), carol: new Set() };

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** A value with `id` written as <id>: another id's answer must then be the same. */
const withoutId = (value: unknown, id: string): unknown => JSON.parse(JSON.stringify(value ?? null).replaceAll(id, '<id>'));

/** The answer for `id` and for a random UUID, run together; they must be identical but for the id. */
async function likeUnknown<T>(id: string, answer: (id: string) => Promise<T>): Promise<T> {
  const unknown = randomUUID();
  const [theirs, none] = await Promise.all([answer(id), answer(unknown)]);
  expect(withoutId(theirs, id)).toEqual(withoutId(none, unknown));
  return theirs;
}

/** A REST answer reduced to what a client sees of it: status, content type, WWW-Authenticate, body. */
async function rest(url: string, path: string, init: RequestInit = {}) {
  const res = await request(url, path, init);
  return { status: res.status, type: res.headers.get('content-type'), challenge: res.headers.get('www-authenticate'), body: res.body };
}

async function gqlHttp(url: string, authorization: string | undefined, query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization !== undefined ? { authorization } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, challenge: res.headers.get('www-authenticate'), body: (await res.json()) as GraphQLBody };
}

interface Closed {
  code: number;
  reason: string;
  at: number;
}

interface Socket {
  client: Client;
  /** Every close of the socket, in order. */
  closes: Closed[];
}

function socket(url: string, connectionParams?: Record<string, unknown>): Socket {
  const closes: Closed[] = [];
  const client = createClient({
    url: url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(connectionParams ? { connectionParams } : {}),
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: unknown };
        closes.push({ code, reason: String(reason), at: Date.now() });
      },
    },
  });
  return { client, closes };
}
const socketOf = (url: string, who: Who) => socket(url, { authorization: bearer(who) });

interface Followed {
  payloads: GraphQLBody[];
  /** Resolves when the operation completes or errors (a socket closed under it is an error). */
  ended: Promise<{ error?: unknown }>;
  stop(): void;
}

function follow(client: Client, query: string, variables: Record<string, unknown> = {}): Followed {
  const payloads: GraphQLBody[] = [];
  let stop: () => void = () => undefined;
  const ended = new Promise<{ error?: unknown }>((resolve) => {
    stop = client.subscribe({ query, variables }, {
      next: (value) => payloads.push(value as GraphQLBody),
      error: (error) => resolve({ error }),
      complete: () => resolve({}),
    });
  });
  return { payloads, ended, stop };
}

/** Runs one operation over the socket to its end: its payloads, and the error if it ended in one. */
async function overSocket(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const run = follow(client, query, variables);
  const { error } = await run.ended;
  return { payloads: run.payloads, error };
}

/** `promise`, or a failure naming `what` after `ms` (so a socket that is never closed fails the test, not the run). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

const codeOf = (body: GraphQLBody) => body.errors?.[0]?.extensions?.code;
const closeCodeOf = (error: unknown) => (error as { code?: number } | undefined)?.code;

const taskQuery = 'query($id: ID!) { task(id: $id) { id status } }';
const waitQuery = 'query($id: ID!) { waitForTask(id: $id, timeoutSeconds: 20) { id status } }';
const cancelMutation = 'mutation($id: ID!) { cancelTask(id: $id) { id status } }';
const removeMutation = 'mutation($id: ID!) { removeTask(id: $id) }';
const taskUpdated = 'subscription($id: ID!) { taskUpdated(id: $id) { id status done } }';
const videoQuery = 'query($id: ID!) { video(id: $id) { id title status contentUrl posterUrl links { rel href } } }';
const deleteVideoMutation = 'mutation($id: ID!) { deleteVideoTask(videoId: $id) { id kind } }';

async function createTask(url: string, who: Who, title: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await postJson(url, '/videos/tasks', { title, plot: 'p', ...extra }, as(who));
  expect(res.status).toBe(202);
  const id = res.body.id as string;
  created[who]!.add(id);
  return id;
}

const restStatus = async (url: string, who: Who, id: string) => (await request(url, `/videos/tasks/${id}`, { headers: as(who) })).body.status;
const untilStage = (url: string, who: Who, id: string, stage: string) =>
  waitFor(`task ${id} at ${stage}`, async () => ((await request(url, `/videos/tasks/${id}`, { headers: as(who) })).body.stage === stage ? true : null));

async function jwt(claims: JWTPayload, options: { secret?: string; expiresAt?: number; audience?: string | null } = {}): Promise<string> {
  let token = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 3600);
  if (options.audience !== null) token = token.setAudience(options.audience ?? audience);
  return token.sign(new TextEncoder().encode(options.secret ?? jwtSecret));
}

// ---- 1. isolation of tasks -------------------------------------------------------------------

describe('another caller\'s task answers as a task that does not exist', () => {
  // alice's tasks: slow ones under way (one per interface to cancel), finished ones (one per interface to remove).
  let running: string[];
  let finished: string[];
  beforeAll(async () => {
    running = await Promise.all([1, 2, 3, 4].map(() => createTask(tasksApp.url, 'alice', 'sleep:60000')));
    finished = await Promise.all([1, 2, 3].map(() => createTask(tasksApp.url, 'alice', 'quick')));
    await createTask(tasksApp.url, 'bob', 'quick');
    for (const id of running) await untilStage(tasksApp.url, 'alice', id, 'working');
    for (const id of finished) await waitFor('finished', async () => ((await restStatus(tasksApp.url, 'alice', id)) === 'done' ? true : null));
  });

  test('REST: bob reads, waits on, cancels and removes alice\'s tasks as unknown ids (404 NOT_FOUND); nothing changes', async () => {
    const { url } = tasksApp;
    const bob = { headers: as('bob') };
    for (const id of [running[0]!, finished[0]!]) {
      const read = await likeUnknown(id, (x) => rest(url, `/videos/tasks/${x}`, bob));
      expect(read).toMatchObject({ status: 404, type: expect.stringContaining('application/problem+json'), body: { code: 'NOT_FOUND' } });
      expect((await likeUnknown(id, (x) => rest(url, `/video/tasks/${x}`, bob))).status).toBe(404);

      const started = Date.now();
      const waited = await likeUnknown(id, (x) => rest(url, `/videos/tasks/${x}?wait=20`, bob));
      expect(waited).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
      // Answered at once, not after the wait (a generous bound: the machine may be loaded).
      expect(Date.now() - started).toBeLessThan(10_000);

      // Not 409 (finished / under way), which would tell bob the task exists.
      expect(await likeUnknown(id, (x) => rest(url, `/videos/tasks/${x}/cancel`, { method: 'POST', ...bob }))).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
      expect(await likeUnknown(id, (x) => rest(url, `/videos/tasks/${x}`, { method: 'DELETE', ...bob }))).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    }
    const stillRunning = await request(url, `/videos/tasks/${running[0]}`, { headers: as('alice') });
    expect(stillRunning.status).toBe(200);
    expect(stillRunning.body).toMatchObject({ status: 'pending', stage: 'working', cancelRequested: false });
    expect((await request(url, `/videos/tasks/${finished[0]}`, { headers: as('alice') })).body).toMatchObject({ status: 'done' });
  });

  test('REST: alice reads, waits on, cancels and removes her own', async () => {
    const { url } = tasksApp;
    const alice = { headers: as('alice') };
    expect(await rest(url, `/videos/tasks/${running[0]}`, alice)).toMatchObject({ status: 200, body: { id: running[0], status: 'pending' } });
    const started = Date.now();
    const waited = await rest(url, `/videos/tasks/${running[0]}?wait=1`, alice);
    expect(waited).toMatchObject({ status: 200, body: { id: running[0], status: 'pending' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // it did wait
    expect(await rest(url, `/videos/tasks/${running[0]}/cancel`, { method: 'POST', ...alice })).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect((await rest(url, `/videos/tasks/${finished[0]}`, { method: 'DELETE', ...alice })).status).toBe(204);
    expect((await rest(url, `/videos/tasks/${finished[0]}`, alice)).status).toBe(404);
  });

  test('GraphQL over HTTP: bob gets null for task and waitForTask, NOT_FOUND for cancel and remove; alice can do them all', async () => {
    const { url } = tasksApp;
    const bob = (query: string) => (x: string) => gqlHttp(url, bearer('bob'), query, { id: x });
    for (const id of [running[1]!, finished[1]!]) {
      expect(await likeUnknown(id, bob(taskQuery))).toEqual({ status: 200, challenge: null, body: { data: { task: null } } });
      const started = Date.now();
      expect((await likeUnknown(id, bob(waitQuery))).body).toEqual({ data: { waitForTask: null } });
      expect(Date.now() - started).toBeLessThan(10_000); // at once, not after the 20 s wait
      expect(codeOf((await likeUnknown(id, bob(cancelMutation))).body)).toBe('NOT_FOUND');
      expect(codeOf((await likeUnknown(id, bob(removeMutation))).body)).toBe('NOT_FOUND');
    }
    expect((await request(url, `/videos/tasks/${running[1]}`, { headers: as('alice') })).body).toMatchObject({ status: 'pending', cancelRequested: false });
    expect((await request(url, `/videos/tasks/${finished[1]}`, { headers: as('alice') })).status).toBe(200);

    const alice = (query: string, id: string) => gqlHttp(url, bearer('alice'), query, { id });
    expect((await alice(taskQuery, running[1]!)).body.data).toEqual({ task: { id: running[1], status: 'RUNNING' } });
    expect((await alice(waitQuery, finished[1]!)).body.data).toEqual({ waitForTask: { id: finished[1], status: 'SUCCEEDED' } });
    expect((await alice(cancelMutation, running[1]!)).body.data).toEqual({ cancelTask: { id: running[1], status: 'CANCELLED' } });
    expect((await alice(removeMutation, finished[1]!)).body.data).toEqual({ removeTask: finished[1] });
    expect((await alice(taskQuery, finished[1]!)).body.data).toEqual({ task: null });
  });

  test('WebSocket: bob\'s queries, mutations and taskUpdated answer as for unknown ids, even beside alice\'s own subscription', async () => {
    const bobSocket = socketOf(tasksApp.url, 'bob');
    const aliceSocket = socketOf(tasksApp.url, 'alice');
    try {
      // alice follows her task first; bob then asks for the very same subscription (same text, same variables).
      const alices = follow(aliceSocket.client, taskUpdated, { id: running[2] });
      await waitFor('alice\'s first update', async () => (alices.payloads.length > 0 ? true : null));
      expect(alices.payloads[0]).toEqual({ data: { taskUpdated: { id: running[2], status: 'RUNNING', done: false } } });

      const bob = (query: string) => (x: string) => overSocket(bobSocket.client, query, { id: x });
      for (const id of [running[2]!, finished[2]!]) {
        expect(await likeUnknown(id, bob(taskQuery))).toEqual({ payloads: [{ data: { task: null } }], error: undefined });
        expect(await likeUnknown(id, bob(waitQuery))).toEqual({ payloads: [{ data: { waitForTask: null } }], error: undefined });
        for (const query of [cancelMutation, removeMutation, taskUpdated]) {
          const answer = await likeUnknown(id, bob(query));
          expect(answer.payloads).toHaveLength(1);
          expect(codeOf(answer.payloads[0]!)).toBe('NOT_FOUND');
        }
      }
      // (A lazy client closes its socket normally between operations; nothing closed it otherwise.)
      expect(bobSocket.closes.filter((c) => c.code !== 1000)).toEqual([]);

      // Nothing of bob's reached alice's subscription, and her task is untouched: she cancels it and sees that.
      expect(alices.payloads).toHaveLength(1);
      const alice = (query: string, id: string) => overSocket(aliceSocket.client, query, { id });
      expect((await alice(taskQuery, running[2]!)).payloads).toEqual([{ data: { task: { id: running[2], status: 'RUNNING' } } }]);
      expect((await alice(waitQuery, finished[2]!)).payloads).toEqual([{ data: { waitForTask: { id: finished[2], status: 'SUCCEEDED' } } }]);
      expect((await alice(cancelMutation, running[2]!)).payloads).toEqual([{ data: { cancelTask: { id: running[2], status: 'CANCELLED' } } }]);
      expect(await alices.ended).toEqual({});
      expect(alices.payloads.at(-1)).toEqual({ data: { taskUpdated: { id: running[2], status: 'CANCELLED', done: true } } });
      expect((await alice(removeMutation, finished[2]!)).payloads).toEqual([{ data: { removeTask: finished[2] } }]);
    } finally {
      await Promise.all([bobSocket.client.dispose(), aliceSocket.client.dispose()]);
    }
  });

  test('a JWT caller (carol) is a caller of her own: alice\'s tasks are unknown to her, hers to alice', async () => {
    const { url } = tasksApp;
    const token = `Bearer ${await jwt({ sub: 'carol' })}`;
    const res = await postJson(url, '/videos/tasks', { title: 'quick', plot: 'p' }, { authorization: token });
    expect(res.status).toBe(202);
    const carols = res.body.id as string;
    created.carol!.add(carols);
    expect((await request(url, `/videos/tasks/${carols}?wait=5`, { headers: { authorization: token } })).body).toMatchObject({ id: carols, status: 'done' });
    expect(await likeUnknown(running[3]!, (x) => rest(url, `/videos/tasks/${x}`, { headers: { authorization: token } }))).toMatchObject({ status: 404 });
    expect(await likeUnknown(carols, (x) => rest(url, `/videos/tasks/${x}`, { headers: as('alice') }))).toMatchObject({ status: 404 });
    expect((await gqlHttp(url, token, taskQuery, { id: running[3] })).body).toEqual({ data: { task: null } });
    expect((await gqlHttp(url, token, taskQuery, { id: carols })).body).toEqual({ data: { task: { id: carols, status: 'SUCCEEDED' } } });
    const listed = await gqlHttp(url, token, '{ tasks(first: 100) { nodes { id } } }');
    expect(listed.body.data).toEqual({ tasks: { nodes: [...created.carol!].reverse().map((id) => ({ id })) } });
    await request(url, `/videos/tasks/${running[3]}/cancel`, { method: 'POST', headers: as('alice') });
  });
});

// ---- 2. lists and feeds ----------------------------------------------------------------------

describe('lists and feeds are per caller', () => {
  test('each caller\'s tasksUpdated sees its own changes and none of the other\'s; each list shows only its own', async () => {
    const { url } = tasksApp;
    const feedQuery = 'subscription { tasksUpdated { id status } }';
    const sockets = { alice: socketOf(url, 'alice'), bob: socketOf(url, 'bob') };
    const feeds = { alice: follow(sockets.alice.client, feedQuery), bob: follow(sockets.bob.client, feedQuery) };
    const seen = (who: Who, id: string, status: string, timeoutMs = 10_000) =>
      waitFor(`${who}'s feed: ${id} ${status}`, async () => (feeds[who].payloads.some((p) => {
        const task = p.data?.tasksUpdated as { id: string; status: string } | undefined;
        return task?.id === id && task.status === status;
      }) ? true : null), timeoutMs);
    try {
      // Both feeds are live once each has seen a task of its own caller (a feed starts "from now on",
      // and its subscription is under way only a moment after the request: probe until one is seen).
      await Promise.all((['alice', 'bob'] as const).map((who) => waitFor(`${who}'s feed live`, async () => {
        const probe = await createTask(url, who, 'quick');
        return seen(who, probe, 'SUCCEEDED', 500).then(() => true, () => null);
      })));
      // alice's changes come and go while bob's feed is open; then bob's own change reaches it.
      const alices = await Promise.all([createTask(url, 'alice', 'quick'), createTask(url, 'alice', 'permanent')]);
      await seen('alice', alices[0]!, 'SUCCEEDED');
      await seen('alice', alices[1]!, 'FAILED');
      const bobs = await createTask(url, 'bob', 'quick');
      await seen('bob', bobs, 'SUCCEEDED');

      const idsOf = (who: Who) => new Set(feeds[who].payloads.map((p) => (p.data!.tasksUpdated as { id: string }).id));
      expect([...idsOf('bob')].filter((id) => !created.bob!.has(id))).toEqual([]);
      expect([...idsOf('alice')].filter((id) => !created.alice!.has(id))).toEqual([]);
      expect(idsOf('bob').has(bobs)).toBe(true);
      for (const id of alices) expect(idsOf('alice').has(id)).toBe(true);
    } finally {
      await Promise.all([sockets.alice.client.dispose(), sockets.bob.client.dispose()]);
    }

    for (const who of ['alice', 'bob'] as const) {
      const mine = created[who]!;
      const restList = await request(url, '/videos/tasks?limit=100', { headers: as(who) });
      expect(restList.status).toBe(200);
      const restIds = (restList.body.items as { id: string }[]).map((task) => task.id);
      expect(restIds.length).toBeGreaterThan(0);
      expect(restIds.filter((id) => !mine.has(id))).toEqual([]);
      const graphqlList = await gqlHttp(url, bearer(who), '{ tasks(first: 100) { nodes { id } } }');
      const graphqlIds = ((graphqlList.body.data!.tasks as { nodes: { id: string }[] }).nodes).map((task) => task.id);
      expect(graphqlIds).toEqual(restIds);
    }
  });
});

// ---- 3. idempotency keys ---------------------------------------------------------------------

describe('idempotency keys are per caller', () => {
  test('REST: the same Idempotency-Key and body from alice and bob make two tasks; each replay returns its own', async () => {
    const { url } = tasksApp;
    const key = `key-${randomUUID()}`;
    const body = { title: 'quick', plot: 'the same plot' };
    const post = (who: Who) => postJson(url, '/videos/tasks', body, { ...as(who), 'idempotency-key': key });
    const alices = await post('alice');
    const bobs = await post('bob');
    expect([alices.status, bobs.status]).toEqual([202, 202]);
    expect(bobs.body.id).not.toBe(alices.body.id);
    created.alice!.add(alices.body.id as string);
    created.bob!.add(bobs.body.id as string);
    expect((await post('alice')).body.id).toBe(alices.body.id);
    expect((await post('bob')).body.id).toBe(bobs.body.id);
    expect((await request(url, `/videos/tasks/${bobs.body.id}`, { headers: as('bob') })).body.id).toBe(bobs.body.id);
    expect((await request(url, `/videos/tasks/${alices.body.id}`, { headers: as('bob') })).status).toBe(404);
  });

  test('GraphQL: the same idempotencyKey and input from alice and bob make two tasks; each replay returns its own', async () => {
    const { url } = tasksApp;
    const mutation = 'mutation($key: String) { createVideoTask(input: { title: "quick", plot: "the same plot" }, idempotencyKey: $key) { id } }';
    const key = `key-${randomUUID()}`;
    const create = async (who: Who) => ((await gqlHttp(url, bearer(who), mutation, { key })).body.data!.createVideoTask as { id: string }).id;
    const alices = await create('alice');
    const bobs = await create('bob');
    expect(bobs).not.toBe(alices);
    created.alice!.add(alices);
    created.bob!.add(bobs);
    expect(await create('bob')).toBe(bobs);
    expect(await create('alice')).toBe(alices);
    expect((await gqlHttp(url, bearer('bob'), taskQuery, { id: bobs })).body.data).toEqual({ task: { id: bobs, status: expect.any(String) } });
    expect((await gqlHttp(url, bearer('bob'), taskQuery, { id: alices })).body.data).toEqual({ task: null });
  });
});

// ---- 4. credentials --------------------------------------------------------------------------

describe('credentials', () => {
  test('REST and GraphQL over HTTP: none is 401 with the bare challenge; a wrong key or another scheme is 401 invalid_token', async () => {
    const { url } = tasksApp;
    const none = await rest(url, '/videos/tasks');
    expect(none).toMatchObject({ status: 401, type: expect.stringContaining('application/problem+json'), challenge: missingChallenge, body: { code: 'UNAUTHENTICATED' } });
    const noneCreate = await postJson(url, '/videos/tasks', { title: 'quick', plot: 'p' });
    expect(noneCreate.status).toBe(401);
    const noneGraphql = await gqlHttp(url, undefined, '{ tasks { nodes { id } } }');
    expect(noneGraphql.status).toBe(401);
    expect(noneGraphql.challenge).toBe(missingChallenge);
    expect(codeOf(noneGraphql.body)).toBe('UNAUTHENTICATED');
    expect(noneGraphql.body.data ?? null).toBeNull();

    for (const authorization of ['Bearer wrong-key-0123456789abcdef', `Basic ${keys.alice}`, `Bearer ${keys.alice}x`]) {
      const wrong = await rest(url, '/videos/tasks', { headers: { authorization } });
      expect(wrong).toMatchObject({ status: 401, challenge: invalidChallenge, body: { code: 'UNAUTHENTICATED' } });
      const wrongGraphql = await gqlHttp(url, authorization, '{ tasks { nodes { id } } }');
      expect(wrongGraphql.status).toBe(401);
      expect(wrongGraphql.challenge).toBe(invalidChallenge);
      expect(codeOf(wrongGraphql.body)).toBe('UNAUTHENTICATED');
    }
    expect((await rest(url, '/videos/tasks', { headers: as('alice') })).status).toBe(200);
  });

  test('JWT: a valid token is let in; a wrong signature, an expired token, a wrong or missing audience are 401 invalid_token', async () => {
    const { url } = tasksApp;
    const now = Math.floor(Date.now() / 1000);
    const valid = await jwt({ sub: 'carol' });
    expect((await rest(url, '/videos/tasks', { headers: { authorization: `Bearer ${valid}` } })).status).toBe(200);
    expect((await gqlHttp(url, `Bearer ${valid}`, '{ tasks { nodes { id } } }')).status).toBe(200);
    const refused = {
      'wrong signature': await jwt({ sub: 'carol' }, { secret: 'another-secret-of-at-least-32-characters!' }),
      expired: await jwt({ sub: 'carol' }, { expiresAt: now - 60 }),
      'wrong audience': await jwt({ sub: 'carol' }, { audience: 'someone-else' }),
      'no audience': await jwt({ sub: 'carol' }, { audience: null }),
      'no subject': await jwt({}),
    };
    for (const [what, token] of Object.entries(refused)) {
      const res = await rest(url, '/videos/tasks', { headers: { authorization: `Bearer ${token}` } });
      expect({ what, status: res.status, challenge: res.challenge, code: res.body.code }).toEqual({ what, status: 401, challenge: invalidChallenge, code: 'UNAUTHENTICATED' });
      const graphql = await gqlHttp(url, `Bearer ${token}`, '{ tasks { nodes { id } } }');
      expect({ what, status: graphql.status, code: codeOf(graphql.body) }).toEqual({ what, status: 401, code: 'UNAUTHENTICATED' });
    }
  });

  test('WebSocket: without credentials, with a wrong key or an expired token, the socket is closed 4403 and no operation answers', async () => {
    const { url } = tasksApp;
    const expired = await jwt({ sub: 'carol' }, { expiresAt: Math.floor(Date.now() / 1000) - 60 });
    const cases: Record<string, Record<string, unknown> | undefined> = {
      'no connection_init payload': undefined,
      'a payload without authorization': { hello: 'world' },
      'a wrong key': { authorization: 'Bearer wrong-key-0123456789abcdef' },
      'an expired token': { authorization: `Bearer ${expired}` },
      'alice\'s key in another scheme': { authorization: `Basic ${keys.alice}` },
    };
    for (const [what, params] of Object.entries(cases)) {
      const s = socket(url, params);
      try {
        const result = await overSocket(s.client, '{ tasks { nodes { id } } }');
        expect({ what, payloads: result.payloads, code: closeCodeOf(result.error) }).toEqual({ what, payloads: [], code: 4403 });
        expect(s.closes.map((c) => c.code)).toEqual([4403]);
      } finally {
        await s.client.dispose();
      }
    }
    // The same query with alice's key (as `Authorization`, the other spelling) is answered.
    const ok = socket(url, { Authorization: bearer('alice') });
    try {
      const result = await overSocket(ok.client, '{ tasks(first: 1) { nodes { id } } }');
      expect(result.error).toBeUndefined();
      expect(result.payloads).toHaveLength(1);
      expect(result.payloads[0]!.errors).toBeUndefined();
    } finally {
      await ok.client.dispose();
    }
  });

  test('WebSocket: a JWT that expires while the socket is open closes it with 4403 "Token expired", ending its subscription', async () => {
    const { url } = tasksApp;
    const longToken = `Bearer ${await jwt({ sub: 'carol' })}`;
    const res = await postJson(url, '/videos/tasks', { title: 'sleep:60000', plot: 'p' }, { authorization: longToken });
    const id = res.body.id as string;
    created.carol!.add(id);
    const expiresAt = Math.floor(Date.now() / 1000) + 3; // 2 to 3 s from now
    const s = socket(url, { authorization: `Bearer ${await jwt({ sub: 'carol' }, { expiresAt })}` });
    try {
      const followed = follow(s.client, taskUpdated, { id });
      await waitFor('the first update', async () => (followed.payloads.length > 0 ? true : null));
      expect(followed.payloads[0]!.data).toEqual({ taskUpdated: { id, status: expect.stringMatching(/^(PENDING|RUNNING)$/), done: false } });
      const { error } = await within(followed.ended, 11_000, 'the subscription of an expiring token');
      expect(closeCodeOf(error)).toBe(4403);
      expect(s.closes).toHaveLength(1);
      expect(s.closes[0]).toMatchObject({ code: 4403, reason: 'Token expired' });
      // At exp plus the clock tolerance, when an HTTP request with the same token is refused too.
      expect(s.closes[0]!.at).toBeGreaterThanOrEqual((expiresAt + clockToleranceSeconds) * 1000 - 100);
      expect(s.closes[0]!.at).toBeLessThan((expiresAt + clockToleranceSeconds) * 1000 + 2000);
      // The task itself goes on: only the socket ended.
      expect((await request(url, `/videos/tasks/${id}`, { headers: { authorization: longToken } })).body.status).toBe('pending');
    } finally {
      await s.client.dispose();
      await request(url, `/videos/tasks/${id}/cancel`, { method: 'POST', headers: { authorization: longToken } });
    }
  });

  test('WebSocket: a token past its exp but within the clock tolerance is let in as on HTTP, not closed the moment it is accepted', async () => {
    const { url } = tasksApp;
    const token = `Bearer ${await jwt({ sub: 'carol' }, { expiresAt: Math.floor(Date.now() / 1000) - 1 })}`;
    expect((await rest(url, '/videos/tasks', { headers: { authorization: token } })).status).toBe(200);
    const s = socket(url, { authorization: token });
    try {
      // A subscription keeps the socket open; a query on it is answered.
      const feed = follow(s.client, 'subscription { tasksUpdated { id } }');
      const result = await overSocket(s.client, '{ tasks(first: 1) { nodes { id } } }');
      expect({ error: closeCodeOf(result.error), closes: s.closes }).toEqual({ error: undefined, closes: [] });
      expect(result.payloads[0]!.errors).toBeUndefined();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(s.closes).toEqual([]);
      feed.stop();
    } finally {
      await s.client.dispose();
    }
  });

  test('WebSocket: sockets that leave while their token is being checked do not count against the caller\'s socket quota', async () => {
    const { url } = quotaApp;
    const token = `Bearer ${await new SignJWT({ sub: 'dave' }).setProtectedHeader({ alg: 'ES256', kid: jwks.kid }).setExpirationTime('1h').sign(jwks.privateKey)}`;
    // Clients that send connection_init and go at once (a reload, a lost network), while the
    // server still fetches the keys to check their token (the slow JWKS answers after 500 ms).
    const leaveAtOnce = (terminate: boolean) => new Promise<void>((resolve) => {
      const raw = new WebSocket(url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
      raw.on('open', () => {
        raw.send(JSON.stringify({ type: 'connection_init', payload: { authorization: token } }));
        if (terminate) raw.terminate();
        else raw.close();
      });
      raw.on('error', () => undefined);
      raw.on('close', () => resolve());
    });
    await Promise.all([0, 1, 2, 3].map((i) => leaveAtOnce(i % 2 === 0)));
    expect(jwks.requests).toBe(1); // their tokens were being checked when they left
    await waitFor('the key set served', async () => (jwks.served > 0 ? true : null));

    // Once they are gone, dave's next socket is his to use (QUOTA_SOCKETS is 1).
    const task = await postJson(url, '/videos/tasks', { title: 'sleep:60000', plot: 'p' }, { authorization: token });
    expect(task.status).toBe(202);
    const first = socket(url, { authorization: token });
    const second = socket(url, { authorization: token });
    try {
      const held = follow(first.client, taskUpdated, { id: task.body.id });
      await within(waitFor('the first socket\'s first update', async () => (held.payloads.length > 0 || first.closes.length > 0 ? true : null)), 5000, 'the first socket');
      expect(first.closes).toEqual([]);
      expect(held.payloads[0]!.data).toMatchObject({ taskUpdated: { id: task.body.id } });
      // The quota is in force: beside that open socket, a second is refused 4429.
      const refused = await overSocket(second.client, '{ tasks { nodes { id } } }');
      expect({ payloads: refused.payloads, code: closeCodeOf(refused.error) }).toEqual({ payloads: [], code: 4429 });
    } finally {
      await Promise.all([first.client.dispose(), second.client.dispose()]);
      await request(url, `/videos/tasks/${task.body.id}/cancel`, { method: 'POST', headers: { authorization: token } });
    }
  });
});

// ---- 1 and 5. videos and signed media links (real renders) -----------------------------------

describe('videos and signed media links', () => {
  let aliceVideo: string;
  let aliceRender: string;
  let bobVideo: string;
  const videoIdOf = async (who: Who, taskId: string) => {
    const done = await request(mediaApp.url, `/videos/tasks/${taskId}?wait=30`, { headers: as(who) });
    expect(done.status).toBe(303);
    return done.headers.get('location')!.split('/').at(-1)!;
  };
  beforeAll(async () => {
    const { url } = mediaApp;
    const [a, b] = await Promise.all([
      createTask(url, 'alice', 'Alice film', { durationSeconds: 1 }),
      createTask(url, 'bob', 'Bob film', { durationSeconds: 1 }),
    ]);
    aliceRender = a;
    [aliceVideo, bobVideo] = await Promise.all([videoIdOf('alice', a), videoIdOf('bob', b)]);
  });

  const signedPattern = (id: string, asset: string) => new RegExp(`^/videos/${id}/${asset}\\?expires=\\d+&signature=[A-Za-z0-9_-]+$`);
  /** path and query of a link: `{ path, expires, signature }`. */
  const parts = (link: string) => {
    const parsed = new URL(link, 'http://x');
    return { path: parsed.pathname, expires: parsed.searchParams.get('expires')!, signature: parsed.searchParams.get('signature')! };
  };

  test('the links from GraphQL and REST are signed and play without any header: content (with Range) and poster', async () => {
    const { url } = mediaApp;
    const graphql = (await gqlHttp(url, bearer('alice'), videoQuery, { id: aliceVideo })).body.data!.video as { contentUrl: string; posterUrl: string; links: { rel: string; href: string }[] };
    const restVideo = (await request(url, `/videos/${aliceVideo}`, { headers: as('alice') })).body as { contentUrl: string; posterUrl: string; links: { rel: string; href: string }[] };
    for (const video of [graphql, restVideo]) {
      expect(video.contentUrl).toMatch(signedPattern(aliceVideo, 'content'));
      expect(video.posterUrl).toMatch(signedPattern(aliceVideo, 'poster'));
      expect(video.links.find((link) => link.rel === 'content')!.href).toMatch(signedPattern(aliceVideo, 'content'));
      expect(video.links.find((link) => link.rel === 'poster')!.href).toMatch(signedPattern(aliceVideo, 'poster'));

      const content = await fetch(url + video.contentUrl);
      expect(content.status).toBe(200);
      expect(content.headers.get('content-type')).toBe('video/mp4');
      const bytes = Buffer.from(await content.arrayBuffer());
      expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
      const range = await fetch(url + video.contentUrl, { headers: { range: 'bytes=0-99' } });
      expect(range.status).toBe(206);
      expect(range.headers.get('content-range')).toBe(`bytes 0-99/${bytes.length}`);
      expect(Buffer.from(await range.arrayBuffer())).toEqual(bytes.subarray(0, 100));

      const poster = await fetch(url + video.posterUrl);
      expect(poster.status).toBe(200);
      expect(poster.headers.get('content-type')).toBe('image/jpeg');
      expect([...Buffer.from(await poster.arrayBuffer()).subarray(0, 2)]).toEqual([0xff, 0xd8]);
    }
  });

  test('a tampered, expired or misplaced signature is 404; the owner\'s header alone is 200; neither is 401', async () => {
    const { url } = mediaApp;
    const video = (await request(url, `/videos/${aliceVideo}`, { headers: as('alice') })).body as { contentUrl: string; posterUrl: string };
    const content = parts(video.contentUrl);
    const poster = parts(video.posterUrl);
    const status = async (path: string, headers: Record<string, string> = {}) => (await fetch(url + path, { headers })).status;
    const flip = (text: string) => text.slice(0, -1) + (text.endsWith('A') ? 'B' : 'A');
    const now = Math.floor(Date.now() / 1000);

    expect(await status(video.contentUrl)).toBe(200); // the untouched link, for contrast
    expect(await status(`${content.path}?expires=${content.expires}&signature=${flip(content.signature)}`)).toBe(404);
    expect(await status(`${content.path}?expires=${Number(content.expires) + 60}&signature=${content.signature}`)).toBe(404);
    expect(await status(`${content.path}?expires=${now - 10}&signature=${content.signature}`)).toBe(404);
    expect(await status(`${content.path}?signature=${content.signature}`)).toBe(404);
    expect(await status(`${content.path}?expires=${content.expires}`)).toBe(404);
    // A link signed with the server's key that has run out: 404; the same made now: 200.
    const expiredLinks = new SignedMediaLinks(Buffer.from(mediaSecret), 60, () => Date.now() - 200_000).urls(aliceVideo);
    expect(Number(parts(expiredLinks.content).expires)).toBeLessThan(now);
    expect(await status(expiredLinks.content)).toBe(404);
    expect(await status(expiredLinks.poster)).toBe(404);
    expect(await status(new SignedMediaLinks(Buffer.from(mediaSecret), 60).urls(aliceVideo).content)).toBe(200);
    // The content's signature does not open the poster, nor the poster's the content.
    expect(await status(`${poster.path}?expires=${content.expires}&signature=${content.signature}`)).toBe(404);
    expect(await status(`${content.path}?expires=${poster.expires}&signature=${poster.signature}`)).toBe(404);
    // alice's signature does not open bob's video.
    expect(await status(`/videos/${bobVideo}/content?expires=${content.expires}&signature=${content.signature}`)).toBe(404);
    expect(await status(`/videos/${bobVideo}/poster?expires=${poster.expires}&signature=${poster.signature}`)).toBe(404);
    // Headers: the owner's opens both files without a signature; no header and no signature is 401.
    expect(await status(content.path, as('alice'))).toBe(200);
    expect(await status(poster.path, as('alice'))).toBe(200);
    const anonymous = await rest(url, content.path);
    expect(anonymous).toMatchObject({ status: 401, challenge: missingChallenge, body: { code: 'UNAUTHENTICATED' } });
    expect((await rest(url, poster.path)).status).toBe(401);
    expect((await rest(url, content.path, { headers: { authorization: 'Bearer wrong-key-0123456789abcdef' } })).challenge).toBe(invalidChallenge);
  });

  test('REST: bob reads, deletes and downloads alice\'s video as an unknown id; alice\'s video is untouched', async () => {
    const { url } = mediaApp;
    const bob = { headers: as('bob') };
    const notFound = { status: 404, body: { code: 'NOT_FOUND' } };
    expect(await likeUnknown(aliceVideo, (x) => rest(url, `/videos/${x}`, bob))).toMatchObject(notFound);
    expect(await likeUnknown(aliceVideo, (x) => rest(url, `/videos/${x}`, { method: 'DELETE', ...bob }))).toMatchObject(notFound);
    expect(await likeUnknown(aliceVideo, (x) => rest(url, `/videos/${x}/content`, bob))).toMatchObject(notFound);
    expect(await likeUnknown(aliceVideo, (x) => rest(url, `/videos/${x}/poster`, bob))).toMatchObject(notFound);
    // Her finished render task is not a 303 to her video for bob.
    expect(await likeUnknown(aliceRender, (x) => rest(url, `/videos/tasks/${x}`, bob))).toMatchObject(notFound);
    // Bob's own video, for contrast.
    expect((await rest(url, `/videos/${bobVideo}/content`, bob)).status).toBe(200);

    const alices = await request(url, `/videos/${aliceVideo}`, { headers: as('alice') });
    expect(alices.body).toMatchObject({ id: aliceVideo, status: 'available' });
  });

  test('GraphQL over HTTP and WebSocket: bob gets null for alice\'s video and NOT_FOUND deleting it', async () => {
    const { url } = mediaApp;
    expect((await likeUnknown(aliceVideo, (x) => gqlHttp(url, bearer('bob'), videoQuery, { id: x }))).body).toEqual({ data: { video: null } });
    const deletion = await likeUnknown(aliceVideo, (x) => gqlHttp(url, bearer('bob'), deleteVideoMutation, { id: x }));
    expect(codeOf(deletion.body)).toBe('NOT_FOUND');
    const s = socketOf(url, 'bob');
    try {
      expect(await likeUnknown(aliceVideo, (x) => overSocket(s.client, videoQuery, { id: x }))).toEqual({ payloads: [{ data: { video: null } }], error: undefined });
      const overWs = await likeUnknown(aliceVideo, (x) => overSocket(s.client, deleteVideoMutation, { id: x }));
      expect(codeOf(overWs.payloads[0]!)).toBe('NOT_FOUND');
      const own = await overSocket(s.client, videoQuery, { id: bobVideo });
      expect((own.payloads[0]!.data!.video as { id: string }).id).toBe(bobVideo);
    } finally {
      await s.client.dispose();
    }
    expect((await request(url, `/videos/${aliceVideo}`, { headers: as('alice') })).body).toMatchObject({ status: 'available' });
  });

  test('video lists show only the caller\'s own', async () => {
    const { url } = mediaApp;
    for (const [who, id] of [['alice', aliceVideo], ['bob', bobVideo]] as const) {
      const list = await request(url, '/videos', { headers: as(who) });
      expect((list.body.items as { id: string }[]).map((video) => video.id)).toEqual([id]);
      const graphql = await gqlHttp(url, bearer(who), '{ videos { nodes { id } } }');
      expect(graphql.body.data).toEqual({ videos: { nodes: [{ id }] } });
    }
  });

  test('alice deletes her own video; her links stop working', async () => {
    const { url } = mediaApp;
    const { contentUrl } = (await request(url, `/videos/${aliceVideo}`, { headers: as('alice') })).body as { contentUrl: string };
    const deletion = await gqlHttp(url, bearer('alice'), deleteVideoMutation, { id: aliceVideo });
    const task = deletion.body.data!.deleteVideoTask as { id: string; kind: string };
    expect(task.kind).toBe('DELETE_VIDEO');
    expect((await request(url, `/videos/tasks/${task.id}?wait=20`, { headers: as('alice') })).body).toMatchObject({ status: 'done' });
    expect((await request(url, `/videos/${aliceVideo}`, { headers: as('alice') })).status).toBe(404);
    expect((await fetch(url + contentUrl)).status).toBe(404);
    expect((await request(url, `/videos/${bobVideo}`, { headers: as('bob') })).status).toBe(200);
  });
});

// ---- 6. without authentication ---------------------------------------------------------------

describe('without authentication', () => {
  test('everything works with no header, and any Authorization header is ignored', async () => {
    const { url } = openApp;
    const garbage = ['Bearer garbage', 'Basic Zm9vOmJhcg==', 'nonsense', `Bearer ${keys.alice}`];
    const res = await postJson(url, '/videos/tasks', { title: 'Open film', plot: 'p', durationSeconds: 1 });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    const other = await postJson(url, '/videos/tasks', { title: 'Other film', plot: 'p', durationSeconds: 1 }, { authorization: 'Bearer garbage' });
    expect(other.status).toBe(202);

    // A subscription without credentials, and one with garbage credentials, both follow the task.
    const plain = socket(url);
    const junk = socket(url, { authorization: 'Bearer garbage' });
    try {
      const runs = await Promise.all([overSocket(plain.client, taskUpdated, { id }), overSocket(junk.client, taskUpdated, { id })]);
      for (const run of runs) {
        expect(run.error).toBeUndefined();
        expect(run.payloads.at(-1)).toEqual({ data: { taskUpdated: { id, status: 'SUCCEEDED', done: true } } });
      }
    } finally {
      await Promise.all([plain.client.dispose(), junk.client.dispose()]);
    }

    const done = await request(url, `/videos/tasks/${id}`);
    expect(done.status).toBe(303);
    const videoPath = done.headers.get('location')!;
    const videoId = videoPath.split('/').at(-1)!;
    for (const authorization of garbage) {
      const headers = { authorization };
      expect((await request(url, `/videos/tasks/${id}`, { headers })).status).toBe(303);
      const listed = await request(url, '/videos/tasks', { headers });
      expect((listed.body.items as { id: string }[]).map((task) => task.id)).toEqual(expect.arrayContaining([id, other.body.id as string]));
      const video = await request(url, videoPath, { headers });
      expect(video.body).toMatchObject({ contentUrl: `${videoPath}/content`, posterUrl: `${videoPath}/poster` });
      expect((await fetch(`${url}${videoPath}/content`, { headers })).status).toBe(200);
      const graphql = await gqlHttp(url, authorization, 'query($id: ID!, $v: ID!) { task(id: $id) { id } video(id: $v) { contentUrl } }', { id, v: videoId });
      expect(graphql).toMatchObject({ status: 200, body: { data: { task: { id }, video: { contentUrl: `${videoPath}/content` } } } });
    }
    expect((await fetch(`${url}${videoPath}/content`)).status).toBe(200);
    expect((await fetch(`${url}${videoPath}/poster`)).status).toBe(200);
    const graphqlCreate = await gqlHttp(url, undefined, 'mutation { createVideoTask(input: { title: "t", plot: "p", durationSeconds: 1 }) { id } }');
    expect(graphqlCreate.status).toBe(200);
    expect(graphqlCreate.body.errors).toBeUndefined();
  });
});
