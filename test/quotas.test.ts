// Per-caller quotas on a real server, each reached and then recovered, over REST, GraphQL over
// HTTP and graphql-ws: the creation rate, tasks under way, stored media bytes, open sockets, the
// fair order of the queue, and the defaults with and without authentication.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type Client } from 'graphql-ws';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import WebSocket from 'ws';
import { loadAuthSettings } from '../src/auth/authSettings.js';
import { unlimitedQuotas, type QuotaSettings } from '../src/callers/quotas.js';
import { ConfigError, loadConfig } from '../src/config.js';
import type { Processor } from '../src/tasks/processor.js';
import type { NewVideo } from '../src/videos/videoTypes.js';
import { postJson, request, waitFor, type JsonResponse } from './support/http.js';
import { startTestApp, type TestApp, type TestDatabaseKind } from './support/testApp.js';
import { abortableSleep } from './support/scriptedProcessor.js';

const keys = {
  alice: 'alice-key-0123456789',
  bob: 'bob-key-0123456789ab',
  carol: 'carol-key-0123456789',
  dave: 'dave-key-0123456789a',
} as const;
type Who = keyof typeof keys;
const apiKeys = Object.entries(keys).map(([id, key]) => `${id}:${key}`).join(',');

/** Every task start, in order, with its caller. */
interface Start {
  taskId: string;
  callerId: string;
  title: string;
}
const starts: Start[] = [];

// Title "sleep:MS" takes MS ms (abortable); "bytes:N" stores a video of N bytes, as a render does.
const processor: Processor = async (task, { signal }) => {
  const { title } = task.input as { title: string };
  starts.push({ taskId: task.id, callerId: task.callerId, title });
  const ms = /sleep:(\d+)/.exec(title);
  if (ms) await abortableSleep(Number(ms[1]), signal);
  const bytes = /bytes:(\d+)/.exec(title);
  if (!bytes) return {};
  const video: NewVideo = {
    callerId: task.callerId,
    title,
    plot: 'p',
    durationSeconds: 1,
    width: 320,
    height: 180,
    fps: 12,
    sizeBytes: Number(bytes[1]),
    contentPath: `${task.id}/video.mp4`,
    posterPath: `${task.id}/poster.jpg`,
  };
  return { store: async (tx) => ({ videoId: (await tx.video.create({ data: video })).id }) };
};

const quotas = (set: Partial<QuotaSettings>): QuotaSettings => ({ ...unlimitedQuotas, ...set });
const withKeys = (set: Partial<QuotaSettings>, extra: Record<string, unknown> = {}, database: TestDatabaseKind = 'pglite') => ({
  database,
  processors: { CREATE_VIDEO: processor },
  config: { auth: loadAuthSettings({ API_KEYS: apiKeys }), quotas: quotas(set), ...extra },
});

const bearer = (who: Who) => ({ authorization: `Bearer ${keys[who]}` });

const createRest = (t: TestApp, who: Who | null, title: string, headers: Record<string, string> = {}): Promise<JsonResponse> =>
  postJson(t.url, '/videos/tasks', { title, plot: 'p' }, { ...(who ? bearer(who) : {}), ...headers });

interface GraphQLHttpResult {
  status: number;
  headers: Headers;
  data?: { createVideoTask: { id: string; status: string } } | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function createGraphQL(t: TestApp, who: Who, title: string, idempotencyKey?: string): Promise<GraphQLHttpResult> {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(who) },
    body: JSON.stringify({
      query: 'mutation($input: CreateVideoInput!, $key: String) { createVideoTask(input: $input, idempotencyKey: $key) { id status } }',
      variables: { input: { title, plot: 'p' }, key: idempotencyKey ?? null },
    }),
  });
  return { status: res.status, headers: res.headers, ...((await res.json()) as object) };
}

/** What a refusal must not leave behind: tasks, jobs, idempotency keys. */
async function stored(t: TestApp) {
  const { prisma } = t.app.services.database;
  const [row] = await prisma.$queryRawUnsafe<{ jobs: number }[]>('SELECT count(*)::int AS jobs FROM pgboss.job');
  return { tasks: await prisma.task.count(), jobs: row!.jobs, keys: await prisma.idempotencyKey.count() };
}

const activeOf = (t: TestApp, callerId: string) =>
  t.app.services.database.prisma.task.count({ where: { callerId, status: { in: ['PENDING', 'RUNNING'] } } });

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// On PGlite one connection runs one transaction at a time; PostgreSQL runs concurrent requests' at once.
// 12 a minute gives a token back every 5 s: margin enough for three creations on a loaded
// machine (at 60 a minute, a second between two requests refilled the bucket and a test failed).
describe.each(['pglite', 'postgres'] as const)('creation rate: 12 per minute, burst 2 (%s)', (database) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(withKeys({ creationsPerMinute: 12, creationBurst: 2 }, {}, database));
  });
  afterAll(() => t.cleanup());

  test('REST: the third creation is 429 RATE_LIMITED with Retry-After, stores nothing; after Retry-After one succeeds; bob is unaffected', async () => {
    expect((await createRest(t, 'alice', 'one')).status).toBe(202);
    expect((await createRest(t, 'alice', 'two')).status).toBe(202);
    const before = await stored(t);

    const refused = await createRest(t, 'alice', 'three', { 'Idempotency-Key': 'refused-three' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(5);
    expect(refused.body).toMatchObject({ status: 429, code: 'RATE_LIMITED', retryAfterSeconds: retryAfter, quota: 'creationsPerMinute', limit: 12 });
    // Refused again and again: none of these may take a token, or waiting Retry-After would not be enough.
    for (let i = 0; i < 3; i++) expect((await createRest(t, 'alice', `three-${i}`)).status).toBe(429);
    expect(await stored(t)).toEqual(before);

    // Another caller has its own bucket.
    expect((await createRest(t, 'bob', 'bob one')).status).toBe(202);

    await pause(retryAfter * 1000);
    // The refused key was not kept: the same request under it now creates a task.
    const recovered = await createRest(t, 'alice', 'three', { 'Idempotency-Key': 'refused-three' });
    expect(recovered.status).toBe(202);
    expect(await stored(t)).toEqual({ tasks: before.tasks + 2, jobs: before.jobs + 2, keys: before.keys + 1 });
    // That was the one token five seconds give back.
    expect((await createRest(t, 'alice', 'four')).status).toBe(429);
  });

  test('GraphQL: RATE_LIMITED with retryAfterSeconds and a Retry-After header; recovered after it', async () => {
    expect((await createGraphQL(t, 'bob', 'g1')).data?.createVideoTask.status).toBe('PENDING');
    // bob spent one token above; this spends what is left (at most the burst and a refill).
    for (let i = 0; i < 3 && (await createGraphQL(t, 'bob', 'drain')).data; i++);
    const before = await stored(t);
    const refused = await createGraphQL(t, 'bob', 'g2');
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors).toHaveLength(1);
    const extensions = refused.errors![0]!.extensions!;
    expect(extensions).toMatchObject({ code: 'RATE_LIMITED', quota: 'creationsPerMinute', limit: 12 });
    const seconds = extensions.retryAfterSeconds as number;
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('retry-after')).toBe(String(seconds));
    expect(await stored(t)).toEqual(before);

    await pause(seconds * 1000);
    const recovered = await createGraphQL(t, 'bob', 'g2');
    expect(recovered.errors).toBeUndefined();
    expect(recovered.data!.createVideoTask.status).toBe('PENDING');
  });

  test('an idempotent replay is not refused and takes no token, REST and GraphQL', async () => {
    const first = await createRest(t, 'carol', 'keyed', { 'Idempotency-Key': 'carol-1' });
    expect(first.status).toBe(202);
    for (let i = 0; i < 3; i++) {
      const replay = await createRest(t, 'carol', 'keyed', { 'Idempotency-Key': 'carol-1' });
      expect(replay.status).toBe(202);
      expect(replay.body.id).toBe(first.body.id);
    }
    const graphqlFirst = await createGraphQL(t, 'carol', 'gkeyed', 'carol-g');
    const graphqlId = graphqlFirst.data!.createVideoTask.id;
    // Burst 2: 'keyed' and 'gkeyed' took both tokens; had the replays taken any, 'gkeyed' would have been refused.
    expect(graphqlFirst.errors).toBeUndefined();
    expect((await createRest(t, 'carol', 'new')).status).toBe(429);
    // Exhausted, the replays still answer with their task.
    const replay = await createRest(t, 'carol', 'keyed', { 'Idempotency-Key': 'carol-1' });
    expect(replay.status).toBe(202);
    expect(replay.body.id).toBe(first.body.id);
    const graphqlReplay = await createGraphQL(t, 'carol', 'gkeyed', 'carol-g');
    expect(graphqlReplay.errors).toBeUndefined();
    expect(graphqlReplay.data!.createVideoTask.id).toBe(graphqlId);
  });

  test('the same keyed request sent twice at once, with one token left: one task, both answered with it', async () => {
    expect((await createRest(t, 'dave', 'spend one')).status).toBe(202);
    const both = await Promise.all([1, 2].map(() => createRest(t, 'dave', 'racing', { 'Idempotency-Key': 'dave-race' })));
    expect(both.map((res) => [res.status, res.body.code])).toEqual([[202, undefined], [202, undefined]]);
    expect(both[0]!.body.id).toBe(both[1]!.body.id);
  });
});

describe.each(['pglite', 'postgres'] as const)('tasks under way: at most 2 (%s)', (database) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(withKeys({ activeTasks: 2 }, {}, database));
  });
  afterAll(() => t.cleanup());

  test('the third is 429 QUOTA_EXCEEDED (REST and GraphQL) and stores nothing; cancelling one lets a new one in', async () => {
    const a = await createRest(t, 'alice', 'sleep:30000');
    const b = await createRest(t, 'alice', 'sleep:30000');
    expect([a.status, b.status]).toEqual([202, 202]);
    const before = await stored(t);

    const refused = await createRest(t, 'alice', 'sleep:30000', { 'Idempotency-Key': 'alice-third' });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'QUOTA_EXCEEDED', quota: 'activeTasks', limit: 2, used: 2 });
    expect(refused.headers.get('retry-after')).toBeNull();
    const graphqlRefused = await createGraphQL(t, 'alice', 'sleep:30000');
    expect(graphqlRefused.errors?.[0]?.extensions).toMatchObject({ code: 'QUOTA_EXCEEDED', quota: 'activeTasks', limit: 2, used: 2 });
    expect(await stored(t)).toEqual(before);

    // bob counts his own.
    expect((await createRest(t, 'bob', 'quick')).status).toBe(202);

    const cancelled = await request(t.url, `/videos/tasks/${a.body.id as string}/cancel`, { method: 'POST', headers: bearer('alice') });
    expect(cancelled.body.status).toBe('cancelled');
    const admitted = await createRest(t, 'alice', 'sleep:30000', { 'Idempotency-Key': 'alice-third' });
    expect(admitted.status).toBe(202);
    expect((await createGraphQL(t, 'alice', 'sleep:30000')).errors?.[0]?.extensions?.code).toBe('QUOTA_EXCEEDED');
    await request(t.url, `/videos/tasks/${b.body.id as string}/cancel`, { method: 'POST', headers: bearer('alice') });
    const graphqlAdmitted = await createGraphQL(t, 'alice', 'sleep:30000');
    expect(graphqlAdmitted.errors).toBeUndefined();
    expect(await activeOf(t, 'alice')).toBe(2);
  });

  test('ten creations at once admit exactly the limit', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => createRest(t, 'carol', `sleep:30000 #${i}`)));
    expect(answers.map((res) => res.status).sort()).toEqual([202, 202, ...Array(8).fill(429)]);
    for (const res of answers.filter((res) => res.status !== 202)) expect(res.body).toMatchObject({ code: 'QUOTA_EXCEEDED', quota: 'activeTasks', limit: 2 });
    expect(await activeOf(t, 'carol')).toBe(2);
  });

  test('the same keyed request sent twice at once, with room for one more: one task, both answered with it', async () => {
    expect((await createRest(t, 'dave', 'sleep:30000')).status).toBe(202);
    const both = await Promise.all([1, 2].map(() => createRest(t, 'dave', 'sleep:30000', { 'Idempotency-Key': 'dave-race' })));
    expect(both.map((res) => [res.status, res.body.code])).toEqual([[202, undefined], [202, undefined]]);
    expect(both[0]!.body.id).toBe(both[1]!.body.id);
  });
});

describe('stored media: at most 1000 bytes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(withKeys({ mediaBytes: 1000 }));
  });
  afterAll(() => t.cleanup());

  const renderDone = async (who: Who, title: string) => {
    const created = await createRest(t, who, title);
    expect(created.status).toBe(202);
    const done = await request(t.url, `/videos/tasks/${created.body.id as string}?wait=20`, { headers: bearer(who) });
    expect(done.status).toBe(303);
    return done.headers.get('location')!;
  };

  test('once the videos reach the limit a render is refused (REST and GraphQL); a deletion is accepted and frees it', async () => {
    const first = await renderDone('alice', 'bytes:500');
    // 500 of 1000: still below.
    await renderDone('alice', 'bytes:500');
    const before = await stored(t);

    const refused = await createRest(t, 'alice', 'bytes:10');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'QUOTA_EXCEEDED', quota: 'mediaBytes', limit: 1000, used: 1000 });
    // A small quota is told in bytes, not as "0.0 MiB of the 0.0 MiB allowed".
    expect(refused.body.detail).toBe('Your stored videos take 1000 bytes of the 1000 bytes allowed; delete videos to render new ones.');
    const graphqlRefused = await createGraphQL(t, 'alice', 'bytes:10');
    expect(graphqlRefused.errors?.[0]?.extensions).toMatchObject({ code: 'QUOTA_EXCEEDED', quota: 'mediaBytes', limit: 1000, used: 1000 });
    expect(await stored(t)).toEqual(before);
    // bob's videos are his own.
    expect((await createRest(t, 'bob', 'bytes:10')).status).toBe(202);

    const deletion = await request(t.url, first, { method: 'DELETE', headers: bearer('alice') });
    expect(deletion.status).toBe(202);
    const deleted = await request(t.url, `${deletion.headers.get('content-location')!}?wait=20`, { headers: bearer('alice') });
    expect(deleted.body.status).toBe('done');
    expect((await request(t.url, first, { headers: bearer('alice') })).status).toBe(404);

    const graphqlAdmitted = await createGraphQL(t, 'alice', 'bytes:10');
    expect(graphqlAdmitted.errors).toBeUndefined();
    expect((await createRest(t, 'alice', 'bytes:10')).status).toBe(202);
  });
});

describe('open sockets: at most 2 per caller', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(withKeys({ sockets: 2 }));
  });
  afterAll(() => t.cleanup());
  const clients: Client[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
  });

  /** A graphql-ws connection: 'connected' once acknowledged, or the close code it got instead. */
  const connect = (who: Who) => new Promise<{ client: Client; outcome: 'connected' | number }>((resolve) => {
    const client: Client = createClient({
      url: `${t.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: bearer(who),
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: () => undefined,
      on: {
        connected: () => resolve({ client, outcome: 'connected' }),
        closed: (event) => resolve({ client, outcome: (event as { code: number }).code }),
      },
    });
    clients.push(client);
  });

  /** Runs a query over the connection: proof that it works. */
  const query = (client: Client) => new Promise<unknown>((resolve, reject) => {
    let result: unknown;
    client.subscribe({ query: '{ tasks(first: 1) { nodes { id } } }' }, { next: (value) => (result = value), error: reject, complete: () => resolve(result) });
  });

  test('a third connection of one caller is closed with 4429; bob connects; closing one lets alice in again', async () => {
    const one = await connect('alice');
    const two = await connect('alice');
    expect([one.outcome, two.outcome]).toEqual(['connected', 'connected']);
    const three = await connect('alice');
    expect(three.outcome).toBe(4429);

    const bob = await connect('bob');
    expect(bob.outcome).toBe('connected');
    expect(await query(bob.client)).toEqual({ data: { tasks: { nodes: [] } } });
    // alice's first two still work.
    expect(await query(two.client)).toEqual({ data: { tasks: { nodes: [] } } });

    await one.client.dispose();
    // The server counts the socket closed once its close reaches it.
    const again = await waitFor('a new connection of alice', async () => {
      const attempt = await connect('alice');
      return attempt.outcome === 'connected' ? attempt : null;
    }, 5000, 100);
    expect(await query(again.client)).toEqual({ data: { tasks: { nodes: [] } } });
    expect((await connect('alice')).outcome).toBe(4429);
  });
});

describe('open sockets: a connection that goes while its token is being checked', () => {
  // A JWKS server that answers only when told: the token's check takes as long as the test wants.
  let release: () => void = () => undefined;
  let asked: Promise<void>;
  let jwks: Server;
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const body = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] });
    token = await new SignJWT({ sub: 'erin' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuedAt().setExpirationTime('1h').sign(privateKey);
    let asking: () => void = () => undefined;
    asked = new Promise((resolve) => (asking = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    jwks = createServer((_req, res) => {
      asking();
      void held.then(() => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
    t = await startTestApp({ config: { auth: loadAuthSettings({ JWT_JWKS_URL: jwksUrl }), quotas: quotas({ sockets: 1 }) } });
  });
  afterAll(async () => {
    release();
    await t.cleanup();
    await new Promise((resolve) => jwks.close(resolve));
  });

  test('does not keep one of the caller\'s slots', async () => {
    const early = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve) => early.once('open', resolve));
    early.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await asked;
    early.terminate();
    await new Promise((resolve) => early.once('close', resolve));
    await pause(200);
    release();

    const client = createClient({
      url: `${t.url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` },
      lazy: false, retryAttempts: 0, onNonLazyError: () => undefined,
    });
    try {
      const outcome = await new Promise<'connected' | number>((resolve) => {
        client.on('connected', () => resolve('connected'));
        client.on('closed', (event) => resolve((event as { code: number }).code));
      });
      expect(outcome).toBe('connected');
    } finally {
      await client.dispose();
    }
  });
});

describe('fair scheduling', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(withKeys({}, { workerConcurrency: 1 }));
  });
  afterAll(() => t.cleanup());

  test("bob's first task starts before alice's backlog", async () => {
    const alice: string[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await createRest(t, 'alice', `sleep:300 fair-${i}`);
      expect(res.status).toBe(202);
      alice.push(res.body.id as string);
    }
    const bob = await createRest(t, 'bob', 'sleep:300 fair-bob');
    expect(bob.status).toBe(202);
    const order = await waitFor("bob's start", async () => {
      const fair = starts.filter((start) => start.title.includes('fair-'));
      return fair.some((start) => start.taskId === bob.body.id) ? fair.map((start) => start.callerId) : null;
    }, 20_000, 20);
    // With one slot: alice's task running when bob's was created, then bob's (one slot of slack);
    // first come first served would run all eight of alice's first.
    expect(order.indexOf('bob')).toBeLessThanOrEqual(2);
    // alice's own tasks keep their order.
    const aliceStarted = starts.filter((start) => alice.includes(start.taskId)).map((start) => start.taskId);
    expect(aliceStarted).toEqual(alice.slice(0, aliceStarted.length));
  });
});

describe('without authentication', () => {
  test('no limits by default: more creations and tasks under way than any authenticated default allows', async () => {
    // 130 > the default burst (120) and active tasks (100); every one stays under way.
    const t = await startTestApp({ processors: { CREATE_VIDEO: processor } });
    try {
      for (let batch = 0; batch < 13; batch++) {
        const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => createRest(t, null, `sleep:60000 anon-${batch}-${i}`)));
        expect(answers.map((res) => res.status)).toEqual(Array(10).fill(202));
      }
      expect(await activeOf(t, 'anonymous')).toBe(130);
    } finally {
      await t.cleanup();
    }
  });

  test('QUOTA_ACTIVE_TASKS set explicitly limits the anonymous caller', async () => {
    const config = loadConfig({ QUOTA_ACTIVE_TASKS: '3' });
    const t = await startTestApp({ processors: { CREATE_VIDEO: processor }, config: { quotas: config.quotas } });
    try {
      for (let i = 0; i < 3; i++) expect((await createRest(t, null, 'sleep:60000')).status).toBe(202);
      const refused = await createRest(t, null, 'sleep:60000');
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ code: 'QUOTA_EXCEEDED', quota: 'activeTasks', limit: 3, used: 3 });
    } finally {
      await t.cleanup();
    }
  });
});

describe('loadConfig', () => {
  test('API keys bring the authenticated defaults; without authentication every quota is 0; each can be set', () => {
    expect(loadConfig({ API_KEYS: apiKeys }).quotas).toEqual({
      creationsPerMinute: 120, creationBurst: 120, activeTasks: 100, mediaBytes: 10 * 1024 ** 3, sockets: 20,
    });
    expect(loadConfig({}).quotas).toEqual({ creationsPerMinute: 0, creationBurst: 0, activeTasks: 0, mediaBytes: 0, sockets: 0 });
    // The burst follows the rate unless set; 0 turns one off under authentication.
    expect(loadConfig({ API_KEYS: apiKeys, QUOTA_CREATIONS_PER_MINUTE: '30', QUOTA_SOCKETS: '0' }).quotas)
      .toMatchObject({ creationsPerMinute: 30, creationBurst: 30, sockets: 0, activeTasks: 100 });
    expect(loadConfig({ QUOTA_CREATIONS_PER_MINUTE: '30', QUOTA_CREATION_BURST: '5', QUOTA_MEDIA_BYTES: '1048576' }).quotas)
      .toEqual({ creationsPerMinute: 30, creationBurst: 5, activeTasks: 0, mediaBytes: 1048576, sockets: 0 });
    expect(() => loadConfig({ QUOTA_ACTIVE_TASKS: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ QUOTA_SOCKETS: 'many' })).toThrow(/QUOTA_SOCKETS/);
  });
});
