// What a client notices of the GraphQL limits, on HTTP and on WebSocket alike: oversized
// documents are refused before anything runs (and the server stays responsive), sockets and
// operations per socket are capped, foreign pages cannot open a socket, errors carry no stack
// traces or hints outside development, introspection follows one switch, and an operation
// whose client left stops.
import { jest } from '@jest/globals';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import type { TaskService } from '../src/tasks/taskService.js';
import { gql, type GraphQLResponse } from './support/graphqlClient.js';
import { scriptedProcessor } from './support/scriptedProcessor.js';
import { startTestApp, type TestApp } from './support/testApp.js';
import { anonymousCaller, type Caller } from '../src/auth/caller.js';

const taskFields = `id kind status done progress stage attempts version error { code message retryable }
  resources { name links { rel href } } createdAt updatedAt startedAt finishedAt
  video { id title plot durationSeconds width height sizeBytes contentUrl posterUrl links { rel href } }`;
const dashboard = `{ tasks(first: 100) { edges { cursor node { ${taskFields} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
const aliasBomb = `{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: tasks(first: 100) { edges { node { id status video { links { rel href } } } } }`).join(' ')} }`;
const sixteenAliases = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: tasks(first: 1) { nodes { id } }`).join(' ')} }`;
const depthBomb = '{ video(id: "x") { deletionTask { video { deletionTask { video { deletionTask { video { deletionTask { video { id } } } } } } } } } }';
const tokenBomb = `{ ${'__typename '.repeat(2500)}}`;
const twoPages = `{ a: tasks(first: 100) { nodes { ${taskFields} } } b: tasks(first: 100) { nodes { ${taskFields} } } }`;
const introspection = '{ __schema { queryType { name } } }';

const wsUrl = (url: string) => url.replace(/^http/, 'ws') + '/graphql';

interface HttpAnswer extends GraphQLResponse<unknown> {
  status: number;
}

async function post(url: string, query: string, variables?: Record<string, unknown>, signal?: AbortSignal): Promise<HttpAnswer> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
    ...(signal ? { signal } : {}),
  });
  return { status: res.status, ...((await res.json()) as GraphQLResponse<unknown>) };
}

function client(url: string): Client {
  return createClient({ url: wsUrl(url), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
}

/** One operation over graphql-ws: its first result, or its error (the Error message's payload). */
function overWs(c: Client, query: string): Promise<{ data?: unknown; errors?: GraphQLResponse<unknown>['errors'] }> {
  return new Promise((resolve) => {
    let first: { data?: unknown; errors?: GraphQLResponse<unknown>['errors'] } | null = null;
    c.subscribe({ query }, {
      next: (value) => (first ??= value as GraphQLResponse<unknown>),
      error: (error) => resolve({ errors: Array.isArray(error) ? (error as GraphQLResponse<unknown>['errors']) : [{ message: String(error) }] }),
      complete: () => resolve(first ?? {}),
    });
  });
}

/** One operation on a socket of its own, closed afterwards. */
async function overNewSocket(url: string, query: string): ReturnType<typeof overWs> {
  const ws = client(url);
  try {
    return await overWs(ws, query);
  } finally {
    await ws.dispose();
  }
}

/** The HTTP status the server answers a WebSocket upgrade with (101 when it opens). */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<{ status: number; requestId?: string; socket?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(url), 'graphql-transport-ws', { headers });
    socket.once('open', () => resolve({ status: 101, socket }));
    socket.once('unexpected-response', (_req, res) => {
      const requestId = res.headers['x-request-id'];
      resolve({ status: res.statusCode ?? 0, ...(typeof requestId === 'string' ? { requestId } : {}) });
      res.resume();
    });
    socket.once('error', (error) => reject(error));
  });
}

const codes = (answer: { errors?: GraphQLResponse<unknown>['errors'] }) => answer.errors?.map((e) => e.extensions?.code);

describe('GraphQL limits, default settings', () => {
  let t: TestApp;
  beforeAll(async () => {
    // As under a plain `npm start` (Jest sets NODE_ENV=test, where Apollo hides stack traces anyway).
    const nodeEnv = process.env.NODE_ENV;
    delete process.env.NODE_ENV;
    try {
      t = await startTestApp({ processors: { CREATE_VIDEO: scriptedProcessor } });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    for (let i = 0; i < 3; i++) {
      const res = await gql(t.url, 'mutation($i: CreateVideoInput!) { createVideoTask(input: $i) { id } }', { i: { title: `quick ${i}`, plot: 'p' } });
      expect(res.errors).toBeUndefined();
    }
  });
  afterAll(() => t.cleanup());

  test('an alias bomb (3,000 x tasks(first: 100), 300 KB) is refused at once on both transports while /healthz answers', async () => {
    const ws = client(t.url);
    const started = Date.now();
    const bombs = Promise.all([post(t.url, aliasBomb), overWs(ws, aliasBomb)]);
    const health = (async () => {
      const before = Date.now();
      const res = await fetch(`${t.url}/healthz`);
      return { status: res.status, ms: Date.now() - before };
    })();
    const [[http, overSocket], probe] = await Promise.all([bombs, health]);
    const elapsed = Date.now() - started;
    await ws.dispose();
    expect(http.status).toBe(400);
    expect(codes(http)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(http.errors![0]!.message).toMatch(/tokens/);
    expect(codes(overSocket)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(probe.status).toBe(200);
    expect(probe.ms).toBeLessThan(2000);
    expect(elapsed).toBeLessThan(2000);
  });

  test('more aliases than allowed: GRAPHQL_VALIDATION_FAILED on both transports', async () => {
    const http = await post(t.url, sixteenAliases);
    expect(http.status).toBe(400);
    expect(codes(http)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(http.errors![0]!.message).toBe('Aliases limit of 15 exceeded, found 16.');
    const overSocket = await overNewSocket(t.url, sixteenAliases);
    expect(overSocket.errors).toEqual([expect.objectContaining({ message: 'Aliases limit of 15 exceeded, found 16.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
  });

  test('the deletionTask/video cycle is bounded by the depth limit', async () => {
    const http = await post(t.url, depthBomb);
    expect(http.status).toBe(400);
    expect(codes(http)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(http.errors![0]!.message).toMatch(/depth limit of 8 exceeded/);
    expect(codes(await overNewSocket(t.url, depthBomb))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  test('a document of more than 2,000 tokens is refused by the parser', async () => {
    const http = await post(t.url, tokenBomb);
    expect(http.status).toBe(400);
    expect(codes(http)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(codes(await overNewSocket(t.url, tokenBomb))).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  test('two full pages of 100 tasks cost more than 5,000', async () => {
    const http = await post(t.url, twoPages);
    expect(codes(http)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(http.errors![0]!.message).toMatch(/Cost limit of 5000 exceeded/);
  });

  test('a dashboard-size query (a page of 100 tasks with every field) still works on both transports', async () => {
    const http = await post(t.url, dashboard);
    expect(http.errors).toBeUndefined();
    expect((http.data as { tasks: { edges: unknown[] } }).tasks.edges).toHaveLength(3);
    const overSocket = await overNewSocket(t.url, dashboard);
    expect(overSocket.errors).toBeUndefined();
    expect((overSocket.data as { tasks: { edges: unknown[] } }).tasks.edges).toHaveLength(3);
  });

  test('errors carry neither stack traces nor "Did you mean" hints, on both transports', async () => {
    const query = '{ tasks(first: 1) { nodes { statu } } }';
    const http = await post(t.url, query);
    const overSocket = await overNewSocket(t.url, query);
    for (const answer of [http, overSocket]) {
      expect(answer.errors).toHaveLength(1);
      expect(answer.errors![0]!.message).toBe('Cannot query field "statu" on type "Task".');
      expect(answer.errors![0]!.extensions?.stacktrace).toBeUndefined();
    }
  });

  test('a document whose operation cannot be chosen: OPERATION_RESOLUTION_FAILURE on both transports, as Apollo answers', async () => {
    const cases = [
      { query: 'query A { __typename } query B { __typename }' },
      { query: 'query A { __typename }', operationName: 'C' },
    ];
    const ws = client(t.url);
    for (const body of cases) {
      const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const http = (await res.json()) as GraphQLResponse<unknown>;
      expect(res.status).toBe(400);
      const overSocket = await new Promise<unknown>((resolve) => {
        ws.subscribe(body, { next: resolve, error: resolve, complete: () => resolve('completed') });
      });
      expect(overSocket).toEqual(http.errors);
      expect(codes(http)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
    }
    await ws.dispose();
  });

  test('a variable that does not fit its type: BAD_USER_INPUT on both transports, without a hint', async () => {
    const query = 'query($s: [TaskStatus!]) { tasks(filter: {status: $s}) { nodes { id } } }';
    const variables = { s: ['PENDNG'] };
    const http = await post(t.url, query, variables);
    expect(http.status).toBe(400);
    const ws = client(t.url);
    const overSocket = await new Promise<GraphQLResponse<unknown>>((resolve, reject) => {
      ws.subscribe({ query, variables }, { next: (value) => resolve(value as GraphQLResponse<unknown>), error: reject, complete: () => undefined });
    });
    await ws.dispose();
    for (const answer of [http, overSocket]) {
      expect(answer.errors).toEqual([expect.objectContaining({
        message: 'Variable "$s" got invalid value "PENDNG" at "s[0]"; Value "PENDNG" does not exist in "TaskStatus" enum.',
        extensions: { code: 'BAD_USER_INPUT' },
      })]);
    }
  });

  test('introspection is on by default outside production, on both transports', async () => {
    const http = await post(t.url, introspection);
    expect(http.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await overNewSocket(t.url, introspection)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  test('WebSocket upgrades: a foreign Origin or Host is refused 403, a loopback page is served', async () => {
    expect(await upgradeStatus(t.url, { Origin: 'https://evil.example', 'X-Request-Id': 'upgrade-1' })).toEqual({ status: 403, requestId: 'upgrade-1' });
    expect((await upgradeStatus(t.url, { Host: 'evil.example' })).status).toBe(403);
    expect((await upgradeStatus(t.url, { Host: 'evil.example:4000', Origin: 'http://evil.example:4000' })).status).toBe(403);
    const allowed = await upgradeStatus(t.url, { Origin: 'http://localhost:5173' });
    expect(allowed.status).toBe(101);
    allowed.socket!.close();
    const noOrigin = await upgradeStatus(t.url);
    expect(noOrigin.status).toBe(101);
    noOrigin.socket!.close();
  });

  test('an abandoned operation stops: the rest of a batch of mutations does not run after the client leaves', async () => {
    const service = t.app.services.tasks;
    const original = service.cancelTask.bind(service);
    let calls = 0;
    service.cancelTask = async (caller: Caller, id: string) => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 150));
      return original(caller, id);
    };
    const batch = `mutation { ${Array.from({ length: 12 }, (_, i) => `c${i}: cancelTask(id: "00000000-0000-0000-0000-00000000000${i % 10}") { id }`).join(' ')} }`;
    try {
      // HTTP: the client aborts the request.
      const controller = new AbortController();
      const answer = post(t.url, batch, undefined, controller.signal).catch((error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 400));
      controller.abort();
      await answer;
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(calls).toBeGreaterThanOrEqual(1);
      expect(calls).toBeLessThanOrEqual(4); // 12 without the check (12 x 150 ms)

      // WebSocket: the client closes the socket.
      calls = 0;
      const ws = client(t.url);
      ws.subscribe({ query: batch }, { next: () => undefined, error: () => undefined, complete: () => undefined });
      await new Promise((resolve) => setTimeout(resolve, 400));
      await ws.dispose();
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(calls).toBeGreaterThanOrEqual(1);
      expect(calls).toBeLessThanOrEqual(4);
    } finally {
      service.cancelTask = original;
    }
  });

  test('an abandoned waitForTask stops waiting: on HTTP when the client leaves, on WebSocket when it completes the operation', async () => {
    const created = await gql<{ createVideoTask: { id: string } }>(t.url, 'mutation($i: CreateVideoInput!) { createVideoTask(input: $i) { id } }', {
      i: { title: 'sleep:60000', plot: 'p' },
    });
    const id = created.data!.createVideoTask.id;
    const service = t.app.services.tasks;
    const waits = countWaits(service);
    const waiting = () => waits.count;
    const query = `{ waitForTask(id: "${id}", timeoutSeconds: 30) { id status } }`;
    try {
      // HTTP: the client aborts the request.
      const controller = new AbortController();
      const answer = post(t.url, query, undefined, controller.signal).catch((error: unknown) => error);
      await waitUntil(() => waiting() === 1);
      controller.abort();
      await answer;
      await waitUntil(() => waiting() === 0, 3000); // 30 s without the signal

      // WebSocket: the client completes the operation (and could start another at once).
      const ws = client(t.url);
      const stop = ws.subscribe({ query }, { next: () => undefined, error: () => undefined, complete: () => undefined });
      await waitUntil(() => waiting() === 1);
      stop();
      await waitUntil(() => waiting() === 0, 3000);
      await ws.dispose();
    } finally {
      waits.restore();
      await service.cancelTask(anonymousCaller, id);
    }
  });
});

describe('completing an operation on a WebSocket', () => {
  test('stops it however the complete message is spelled (an escaped type, a long id), so completing cannot free a slot of a running operation', async () => {
    const t = await startTestApp({ processors: { CREATE_VIDEO: scriptedProcessor } });
    try {
      const created = await gql<{ createVideoTask: { id: string } }>(t.url, 'mutation($i: CreateVideoInput!) { createVideoTask(input: $i) { id } }', {
        i: { title: 'sleep:60000', plot: 'p' },
      });
      const taskId = created.data!.createVideoTask.id;
      const service = t.app.services.tasks;
      const waits = countWaits(service);
      const { socket } = await upgradeStatus(t.url);
      const ack = new Promise((resolve) => socket!.once('message', resolve));
      socket!.send(JSON.stringify({ type: 'connection_init' }));
      await ack;
      const query = `{ waitForTask(id: "${taskId}", timeoutSeconds: 30) { id } }`;
      const longId = 'x'.repeat(2000);
      const completions = [
        ['1', '{"id":"1","type":"\\u0063omplete"}'],
        [longId, JSON.stringify({ id: longId, type: 'complete' })],
      ] as const;
      for (const [id, complete] of completions) {
        socket!.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
        await waitUntil(() => waits.count === 1);
        socket!.send(complete);
        await waitUntil(() => waits.count === 0, 3000); // 30 s while the operation ran on
      }
      socket!.close();
      waits.restore();
      await service.cancelTask(anonymousCaller, taskId);
    } finally {
      await t.cleanup();
    }
  });
});

describe('WebSocket caps', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      processors: { CREATE_VIDEO: scriptedProcessor },
      config: { webSocket: { maxConnections: 2, maxOperationsPerConnection: 5 } },
    });
  });
  afterAll(() => t.cleanup());

  const createTask = async (title: string) => {
    const res = await gql(t.url, 'mutation($i: CreateVideoInput!) { createVideoTask(input: $i) { id } }', { i: { title, plot: 'p' } });
    expect(res.errors).toBeUndefined();
  };

  test('operations per socket: the 6th is refused with TOO_MANY_OPERATIONS, the 5 others keep working, a freed slot is reused', async () => {
    const ws = client(t.url);
    const events = Array.from({ length: 7 }, () => 0);
    const errors: unknown[][] = Array.from({ length: 7 }, () => []);
    const subscribe = (n: number) =>
      ws.subscribe({ query: 'subscription { tasksUpdated { id status } }' }, {
        next: () => void events[n]!++,
        error: (error) => void errors[n]!.push(error),
        complete: () => undefined,
      });
    const stops = [0, 1, 2, 3, 4].map(subscribe);
    const sixth = new Promise<unknown>((resolve) => {
      ws.subscribe({ query: 'subscription { tasksUpdated { id } }' }, { next: () => undefined, error: resolve, complete: () => resolve('completed') });
    });
    const refused = await sixth;
    expect(refused).toEqual([expect.objectContaining({ extensions: { code: 'TOO_MANY_OPERATIONS' } })]);
    await createTask('quick');
    await waitUntil(() => events.slice(0, 5).every((n) => n > 0));
    expect(errors.slice(0, 5).every((list) => list.length === 0)).toBe(true);

    stops[0]!(); // the client completes one
    await new Promise((resolve) => setTimeout(resolve, 100));
    subscribe(6);
    await createTask('quick again');
    await waitUntil(() => events[6]! > 0);
    expect(errors[6]).toEqual([]);
    await ws.dispose();
  });

  test('connections: the third socket is refused with 503', async () => {
    const first = await upgradeStatus(t.url);
    const second = await upgradeStatus(t.url);
    expect([first.status, second.status]).toEqual([101, 101]);
    const third = await upgradeStatus(t.url);
    expect(third.status).toBe(503);
    first.socket!.close();
    await new Promise((resolve) => first.socket!.once('close', resolve));
    const fourth = await upgradeStatus(t.url);
    expect(fourth.status).toBe(101);
    for (const socket of [second.socket!, fourth.socket!]) {
      socket.close();
      await new Promise((resolve) => socket.once('close', resolve));
    }
  });

  test('a message over the size limit closes that socket with 1009 and prints nothing but, at most, one JSON log line', async () => {
    const printed: string[] = [];
    const writeSpy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    const consoleSpies = (['error', 'warn', 'log'] as const).map((method) =>
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' '))),
    );
    try {
      const { socket } = await upgradeStatus(t.url);
      const closed = new Promise<number>((resolve) => socket!.once('close', (code) => resolve(code)));
      socket!.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(loadConfig({}).maxRequestBytes) } }));
      expect(await closed).toBe(1009);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      writeSpy.mockRestore();
      for (const spy of consoleSpies) spy.mockRestore();
    }
    expect(printed).toEqual([]); // the test app logs nothing (LOG_LEVEL silent)
  });
});

/** Counts the waitForTask calls under way on `service` until restore(). */
function countWaits(service: TaskService): { readonly count: number; restore(): void } {
  const original = service.waitForTask.bind(service);
  let count = 0;
  service.waitForTask = (...args: Parameters<typeof original>) => {
    count++;
    return original(...args).finally(() => void count--);
  };
  return {
    get count() {
      return count;
    },
    restore: () => {
      service.waitForTask = original;
    },
  };
}

async function waitUntil(probe: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('development and introspection switches', () => {
  test('development: stack traces and "Did you mean" hints on both transports', async () => {
    const t = await startTestApp({ config: { development: true } });
    try {
      const query = '{ tasks(first: 1) { nodes { statu } } }';
      const http = await post(t.url, query);
      const overSocket = await overNewSocket(t.url, query);
      for (const answer of [http, overSocket]) {
        expect(answer.errors![0]!.message).toMatch(/^Cannot query field "statu" on type "Task"\. Did you mean "status"/);
        expect(Array.isArray(answer.errors![0]!.extensions?.stacktrace)).toBe(true);
      }
    } finally {
      await t.cleanup();
    }
  });

  test('introspection off: refused on both transports with GRAPHQL_VALIDATION_FAILED', async () => {
    const t = await startTestApp({ config: { graphql: { ...loadConfig({}).graphql, introspection: false } } });
    try {
      const http = await post(t.url, introspection);
      expect(http.status).toBe(400);
      expect(http.data).toBeUndefined();
      const overSocket = await overNewSocket(t.url, introspection);
      // One error per introspection field (__schema, queryType), the same on both transports.
      const summary = (answer: { errors?: GraphQLResponse<unknown>['errors'] }) => answer.errors?.map((e) => [e.message, e.extensions?.code]);
      expect(summary(overSocket)).toEqual(summary(http));
      expect(new Set(codes(overSocket))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
      expect(overSocket.errors![0]!.message).toMatch(/introspection has been disabled/);
    } finally {
      await t.cleanup();
    }
  });

  test('an oversized message is logged as one JSON line when logging is on', async () => {
    const lines: string[] = [];
    const t = await startTestApp({ config: { logLevel: 'warn' }, logger: createLogger('warn', { destination: { write: (line: string) => lines.push(line) } }) });
    try {
      const { socket } = await upgradeStatus(t.url);
      const closed = new Promise<number>((resolve) => socket!.once('close', (code) => resolve(code)));
      socket!.send('x'.repeat(loadConfig({}).maxRequestBytes + 1));
      expect(await closed).toBe(1009);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await t.cleanup();
    }
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', code: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' });
  });
});

describe('a WebSocket client that vanishes mid-answer', () => {
  test('the answers it can no longer receive log no error (a reset socket is the client leaving, not a server fault)', async () => {
    const lines: string[] = [];
    const t = await startTestApp({ config: { logLevel: 'warn' }, logger: createLogger('warn', { destination: { write: (line: string) => lines.push(line) } }) });
    const service = t.app.services.tasks;
    const original = service.findTask.bind(service);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    service.findTask = async (caller: Caller, id: string) => {
      started++;
      await gate;
      return original(caller, id);
    };
    try {
      const { socket } = await upgradeStatus(t.url);
      const ack = new Promise((resolve) => socket!.once('message', resolve));
      socket!.send(JSON.stringify({ type: 'connection_init' }));
      await ack;
      const query = `{ ${Array.from({ length: 10 }, (_, i) => `a${i}: task(id: "00000000-0000-0000-0000-000000000000") { id }`).join(' ')} pad: __schema { types { name fields { name } } } }`;
      for (let id = 0; id < 20; id++) socket!.send(JSON.stringify({ id: String(id), type: 'subscribe', payload: { query } }));
      await waitUntil(() => started === 200);
      // The peer is gone before the server learns of it: its answers are written into a reset connection.
      (socket as unknown as { _socket: import('node:net').Socket })._socket.resetAndDestroy();
      release();
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      service.findTask = original;
      await t.cleanup();
    }
    expect(lines.filter((line) => (JSON.parse(line) as { level: string }).level === 'error')).toEqual([]);
  });
});
