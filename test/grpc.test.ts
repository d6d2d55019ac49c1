// The gRPC interface on real servers, with a real @grpc/grpc-js client on the same protos:
// google.longrunning.Operations and longrun.v1.Videos over the same tasks REST and GraphQL
// serve, every error mapping with its google.rpc details, callers kept apart, reflection and
// health. Tasks run the scripted processor ("sleep:MS" is slow, "permanent" fails) except one
// real render.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { loadAuthSettings } from '../src/auth/authSettings.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { unlimitedQuotas } from '../src/callers/quotas.js';
import { toServiceError } from '../src/grpc/errors.js';
import { createLogger } from '../src/logger.js';
import { postJson, request, waitFor } from './support/http.js';
import { GrpcTestClient, rejection, statusDetails, type ReceivedOperation } from './support/grpcClient.js';
import { scriptedProcessor } from './support/scriptedProcessor.js';
import { startTestApp, type TestApp } from './support/testApp.js';

const keys = { alice: 'alice-key-0123456789abcdef', bob: 'bob-key-0123456789abcdef' } as const;
const apiKeys = `alice:${keys.alice},bob:${keys.bob}`;

let openApp: TestApp; // no authentication, scripted processor
let renderApp: TestApp; // no authentication, real renders
let authApp: TestApp; // API keys (alice, bob), no quotas, scripted processor
let quotaApp: TestApp; // API keys, one active task and two creations a minute per caller
const clients: GrpcTestClient[] = [];
const openLog: string[] = [];

function client(app: TestApp, key?: string): GrpcTestClient {
  const made = new GrpcTestClient(app.app.grpcAddress, key === undefined ? undefined : `Bearer ${key}`);
  clients.push(made);
  return made;
}

beforeAll(async () => {
  [openApp, renderApp, authApp, quotaApp] = await Promise.all([
    startTestApp({ processors: { CREATE_VIDEO: scriptedProcessor }, logger: createLogger('info', { destination: { write: (line: string) => openLog.push(line) } }) }),
    startTestApp(),
    startTestApp({ processors: { CREATE_VIDEO: scriptedProcessor }, config: { auth: loadAuthSettings({ API_KEYS: apiKeys }), quotas: unlimitedQuotas } }),
    startTestApp({
      processors: { CREATE_VIDEO: scriptedProcessor },
      config: { auth: loadAuthSettings({ API_KEYS: apiKeys }), quotas: { ...unlimitedQuotas, activeTasks: 1, creationsPerMinute: 2, creationBurst: 2 } },
    }),
  ]);
});
afterAll(async () => {
  for (const made of clients) made.close();
  await Promise.all([openApp?.cleanup(), renderApp?.cleanup(), authApp?.cleanup(), quotaApp?.cleanup()]);
});

const idOf = (operation: { name: string }) => operation.name.replace(/^operations\//, '');

async function expectStatus(promise: Promise<unknown>, code: status): Promise<ServiceError> {
  const error = await rejection(promise);
  expect({ code: error.code, details: error.details }).toEqual({ code, details: expect.any(String) });
  const trailer = statusDetails(error);
  expect(trailer.code).toBe(code);
  expect(trailer.message).toBe(error.details);
  return error;
}

function violations(error: ServiceError): { field: string; description: string }[] {
  const badRequest = statusDetails(error).details.find((d) => d.typeName === 'google.rpc.BadRequest');
  expect(badRequest).toBeDefined();
  return (badRequest!.message as { field_violations: { field: string; description: string }[] }).field_violations;
}

async function runningOperation(grpc: GrpcTestClient, title: string): Promise<ReceivedOperation> {
  const created = await grpc.create({ title });
  return waitFor('the task to run', async () => {
    const operation = await grpc.get(created.name);
    return operation.meta.status === 'RUNNING' ? operation : null;
  }, 10_000, 20);
}

test('create -> WatchOperation -> done with the Video in response (a real render), the same video over HTTP', async () => {
  const grpc = client(renderApp);
  const created = await grpc.create({ title: 'A gRPC film', plot: 'It streams.', duration_seconds: 1 });
  expect(created).toMatchObject({ name: expect.stringMatching(/^operations\/[0-9a-f-]{36}$/), done: false, result: null });
  expect(created.metadata.type_url).toBe('type.googleapis.com/longrun.v1.OperationMetadata');
  expect(created.meta).toMatchObject({ kind: 'CREATE_VIDEO', status: 'PENDING', stage: 'queued', version: '1', cancel_requested: false });
  expect(Number((created.meta.create_time as { seconds: string }).seconds)).toBeGreaterThan(1.7e9);

  const { messages, error } = await grpc.watch(created.name);
  expect(error).toBeNull();
  const versions = messages.map((m) => Number(m.meta.version));
  expect(versions).toEqual([...versions].sort((a, b) => a - b));
  expect(new Set(versions).size).toBe(versions.length);
  expect(messages.slice(0, -1).every((m) => !m.done)).toBe(true);
  const last = messages.at(-1)!;
  expect(last.done).toBe(true);
  expect(last.meta).toMatchObject({ status: 'SUCCEEDED', progress: 1 });
  expect(last.meta.end_time).not.toBeNull();
  expect(last.result?.typeName).toBe('longrun.v1.Video');
  const video = last.result!.message as Record<string, string>;
  expect(video).toMatchObject({ title: 'A gRPC film', plot: 'It streams.', duration_seconds: 1, state: 'AVAILABLE', name: `videos/${video.id}` });
  expect(video.content_uri).toBe(`/videos/${video.id}/content`);

  const media = await fetch(renderApp.url + video.content_uri);
  expect(media.status).toBe(200);
  expect(media.headers.get('content-type')).toBe('video/mp4');
  expect((await media.arrayBuffer()).byteLength).toBe(Number(video.size_bytes));
  expect(await grpc.video('GetVideo', { name: video.name })).toMatchObject({ id: video.id, title: 'A gRPC film', size_bytes: video.size_bytes });
  const listed = await grpc.video('ListVideos', {}) as { videos: { id: string }[] };
  expect(listed.videos.map((v) => v.id)).toContain(video.id);
  // REST sees the same task done, with a 303 to the same video.
  const rest = await request(renderApp.url, `/videos/tasks/${idOf(created)}`);
  expect(rest.status).toBe(303);
  expect(rest.headers.get('location')).toBe(`/videos/${video.id}`);
  // A watch on a finished operation sends its final state once and ends; after that version, nothing.
  expect((await grpc.watch(created.name)).messages.map((m) => m.meta.status)).toEqual(['SUCCEEDED']);
  expect((await grpc.watch(created.name, Number(last.meta.version))).messages).toEqual([]);
});

test('GetOperation, ListOperations (done filter, paging), WaitOperation, DeleteOperation; a failed operation has its error', async () => {
  const grpc = client(openApp);
  const fast = await Promise.all([1, 2, 3].map((n) => grpc.create({ title: `fast ${n}` })));
  const slow = await grpc.create({ title: 'sleep:20000' });
  const failed = await grpc.create({ title: 'permanent' });

  for (const operation of fast) {
    const waited = await grpc.operation(grpc.operations, 'WaitOperation', { name: operation.name, timeout: { seconds: 10 } });
    expect(waited).toMatchObject({ name: operation.name, done: true });
    expect(waited.meta.status).toBe('SUCCEEDED');
  }
  const failure = await grpc.operation(grpc.operations, 'WaitOperation', { name: failed.name, timeout: { seconds: 10 } });
  expect(failure).toMatchObject({ done: true, error: { code: status.UNKNOWN, message: 'The plot cannot be rendered.' }, result: null });
  expect(failure.meta.status).toBe('FAILED');

  // A wait that runs out answers the current state, not done, after about its timeout.
  const started = Date.now();
  const unfinished = await grpc.operation(grpc.operations, 'WaitOperation', { name: slow.name, timeout: { seconds: 0, nanos: 300_000_000 } });
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  expect(Date.now() - started).toBeLessThan(3_000);
  expect(unfinished.done).toBe(false);
  // The client's own deadline bounds it too (WaitOperation without timeout waits up to 30 s).
  const byDeadline = Date.now();
  expect((await grpc.operation(grpc.operations, 'WaitOperation', { name: slow.name }, { deadline: new Date(Date.now() + 1_000) })).done).toBe(false);
  expect(Date.now() - byDeadline).toBeLessThan(3_000);

  const all = async (filter: string): Promise<string[]> => {
    const names: string[] = [];
    let token = '';
    for (let pages = 0; ; pages += 1) {
      const page = await grpc.op('ListOperations', { name: 'operations', filter, page_size: 2, page_token: token }) as { operations: { name: string; done: boolean }[]; next_page_token: string };
      expect(page.operations.length).toBeLessThanOrEqual(2);
      names.push(...page.operations.map((o) => o.name));
      if (filter === 'done = true') expect(page.operations.every((o) => o.done)).toBe(true);
      if (filter === 'done=false') expect(page.operations.every((o) => !o.done)).toBe(true);
      if (!page.next_page_token) return names;
      token = page.next_page_token;
      expect(pages).toBeLessThan(100);
    }
  };
  const done = await all('done = true');
  const notDone = await all('done=false');
  const everything = await all('');
  expect(new Set(everything).size).toBe(everything.length);
  for (const operation of [...fast, failed]) {
    expect(done).toContain(operation.name);
    expect(notDone).not.toContain(operation.name);
  }
  expect(notDone).toContain(slow.name);
  expect(done).not.toContain(slow.name);
  expect(everything).toEqual(expect.arrayContaining([...fast, slow, failed].map((o) => o.name)));
  const failedOnly = await grpc.op('ListOperations', { filter: 'status = FAILED AND kind = CREATE_VIDEO' }) as { operations: { name: string }[] };
  expect(failedOnly.operations.map((o) => o.name)).toEqual([failed.name]);

  // Delete: a running operation cannot be removed, a finished one can (and is gone everywhere).
  await expectStatus(grpc.op('DeleteOperation', { name: slow.name }), status.FAILED_PRECONDITION);
  expect(await grpc.op('DeleteOperation', { name: fast[0]!.name })).toEqual({});
  await expectStatus(grpc.get(fast[0]!.name), status.NOT_FOUND);
  expect((await request(openApp.url, `/videos/tasks/${idOf(fast[0]!)}`)).status).toBe(404);
  await grpc.op('CancelOperation', { name: slow.name });
});

test('one task over gRPC, REST and GraphQL alike, whichever created it', async () => {
  const grpc = client(openApp);
  const created = await grpc.create({ title: 'seen everywhere', plot: 'three ways' });
  const done = await grpc.operation(grpc.operations, 'WaitOperation', { name: created.name, timeout: { seconds: 10 } });
  // (The scripted processor stores no video: REST answers 200 done, GraphQL video null.)
  const rest = await request(openApp.url, `/videos/tasks/${idOf(created)}`);
  expect(rest.body).toMatchObject({ id: idOf(created), kind: 'CREATE_VIDEO', status: 'done', version: Number(done.meta.version), attempts: 1 });
  const graphql = await postJson(openApp.url, '/graphql', { query: 'query($id: ID!) { task(id: $id) { id status done version video { id } } }', variables: { id: idOf(created) } });
  expect(graphql.body).toEqual({ data: { task: { id: idOf(created), status: 'SUCCEEDED', done: true, version: Number(done.meta.version), video: null } } });
  // A task still running: the same progress and stage everywhere.
  const running = await runningOperation(grpc, 'sleep:20000');
  const [restRunning, graphqlRunning] = await Promise.all([
    request(openApp.url, `/videos/tasks/${idOf(running)}`),
    postJson(openApp.url, '/graphql', { query: 'query($id: ID!) { task(id: $id) { status progress stage } }', variables: { id: idOf(running) } }),
  ]);
  expect(restRunning.body).toMatchObject({ status: 'pending', progress: running.meta.progress, stage: running.meta.stage });
  expect(graphqlRunning.body).toEqual({ data: { task: { status: 'RUNNING', progress: running.meta.progress, stage: running.meta.stage } } });
  await grpc.op('CancelOperation', { name: running.name });

  // Created over REST, followed over gRPC.
  const posted = await postJson(openApp.url, '/videos/tasks', { title: 'from REST', plot: '' });
  expect(posted.status).toBe(202);
  const name = `operations/${String(posted.body.id)}`;
  const { messages } = await grpc.watch(name);
  expect(messages.at(-1)).toMatchObject({ name, done: true });
  expect(messages.at(-1)!.meta.status).toBe('SUCCEEDED');
  const viaGraphql = await postJson(openApp.url, '/graphql', { query: 'mutation { createVideoTask(input: {title: "from GraphQL", plot: ""}) { id } }' });
  const graphqlId = (viaGraphql.body.data as { createVideoTask: { id: string } }).createVideoTask.id;
  expect((await grpc.get(`operations/${graphqlId}`)).meta.kind).toBe('CREATE_VIDEO');
});

test('request_id replays the operation, shared with REST Idempotency-Key; another input under it is ALREADY_EXISTS', async () => {
  const grpc = client(openApp);
  const key = `grpc-${randomUUID()}`;
  const first = await grpc.create({ title: 'once', plot: 'only once', request_id: key });
  const again = await grpc.create({ title: 'once', plot: 'only once', request_id: key });
  expect(again.name).toBe(first.name);
  const rest = await postJson(openApp.url, '/videos/tasks', { title: 'once', plot: 'only once' }, { 'idempotency-key': key });
  expect(rest.body.id).toBe(idOf(first));
  const reused = await expectStatus(grpc.create({ title: 'something else', plot: 'only once', request_id: key }), status.ALREADY_EXISTS);
  expect(statusDetails(reused).details).toEqual([{ typeName: 'google.rpc.ErrorInfo', message: { reason: 'IDEMPOTENCY_KEY_REUSED', domain: 'longrun', metadata: { idempotencyKey: key } } }]);
  // A key first used over REST (no duration: the default) replays over gRPC (duration 0: the default).
  const restKey = `rest-${randomUUID()}`;
  const overRest = await postJson(openApp.url, '/videos/tasks', { title: 'rest first', plot: 'p' }, { 'idempotency-key': restKey });
  expect((await grpc.create({ title: 'rest first', plot: 'p', request_id: restKey })).name).toBe(`operations/${String(overRest.body.id)}`);
  expect(violations(await expectStatus(grpc.create({ title: 'x', request_id: 'has space' }), status.INVALID_ARGUMENT)).map((v) => v.field)).toEqual(['request_id']);
});

test('CancelOperation of a running operation: done with error CANCELLED, over REST too; a finished one is FAILED_PRECONDITION', async () => {
  const grpc = client(openApp);
  const running = await runningOperation(grpc, 'sleep:20000');
  const watched = grpc.watch(running.name, Number(running.meta.version));
  expect(await grpc.op('CancelOperation', { name: running.name })).toEqual({});
  const cancelled = await grpc.get(running.name);
  expect(cancelled).toMatchObject({ done: true, error: { code: status.CANCELLED }, result: null });
  expect(cancelled.meta).toMatchObject({ status: 'CANCELLED', cancel_requested: true });
  const { messages, error } = await watched;
  expect(error).toBeNull();
  expect(messages.at(-1)!.meta.status).toBe('CANCELLED');
  expect((await request(openApp.url, `/videos/tasks/${idOf(running)}`)).body).toMatchObject({ status: 'cancelled' });
  const refused = await expectStatus(grpc.op('CancelOperation', { name: running.name }), status.FAILED_PRECONDITION);
  expect(statusDetails(refused).details[0]).toMatchObject({ typeName: 'google.rpc.ErrorInfo', message: { reason: 'CONFLICT', metadata: { status: 'CANCELLED' } } });
  // A pending one is cancelled at once.
  const pending = await grpc.create({ title: 'sleep:20000' });
  await grpc.op('CancelOperation', { name: pending.name });
  expect((await grpc.get(pending.name)).error?.code).toBe(status.CANCELLED);
});

test('INVALID_ARGUMENT carries google.rpc.BadRequest naming the fields; NOT_FOUND for unknown and malformed names', async () => {
  const grpc = client(openApp);
  const bad = await expectStatus(grpc.create({ title: '   ', plot: 'x', duration_seconds: 999 }), status.INVALID_ARGUMENT);
  expect(violations(bad).map(({ field, description }) => ({ field, description }))).toEqual([
    { field: 'title', description: 'must not be blank' },
    { field: 'duration_seconds', description: 'must be an integer from 1 to 300' },
  ]);
  expect(bad.details).toBe('Invalid input: title must not be blank; duration_seconds must be an integer from 1 to 300');
  expect(violations(await expectStatus(grpc.create({ title: 'x'.repeat(201) }), status.INVALID_ARGUMENT))[0]!.field).toBe('title');
  expect(violations(await expectStatus(grpc.op('ListOperations', { filter: 'name = "x"' }), status.INVALID_ARGUMENT))[0]!.field).toBe('filter');
  expect(violations(await expectStatus(grpc.op('ListOperations', { page_size: -1 }), status.INVALID_ARGUMENT))[0]!.field).toBe('page_size');
  expect(violations(await expectStatus(grpc.op('ListOperations', { page_token: 'not-a-token' }), status.INVALID_ARGUMENT))[0]!.field).toBe('page_token');
  expect(violations(await expectStatus(grpc.video('ListVideos', { page_token: 'nope' }), status.INVALID_ARGUMENT))[0]!.field).toBe('page_token');
  const negative = await expectStatus(grpc.op('WaitOperation', { name: `operations/${randomUUID()}`, timeout: { seconds: -1 } }), status.INVALID_ARGUMENT);
  expect(violations(negative)[0]!.field).toBe('timeout');

  for (const name of [`operations/${randomUUID()}`, 'operations/not-a-uuid', 'bogus', '', `videos/${randomUUID()}`, 'operations/a/b']) {
    await expectStatus(grpc.get(name), status.NOT_FOUND);
    await expectStatus(grpc.op('CancelOperation', { name }), status.NOT_FOUND);
    await expectStatus(grpc.op('DeleteOperation', { name }), status.NOT_FOUND);
    await expectStatus(grpc.op('WaitOperation', { name, timeout: { seconds: 1 } }), status.NOT_FOUND);
    expect((await grpc.watch(name)).error?.code).toBe(status.NOT_FOUND);
  }
  for (const name of [`videos/${randomUUID()}`, 'videos/x', `operations/${randomUUID()}`]) {
    await expectStatus(grpc.video('GetVideo', { name }), status.NOT_FOUND);
    await expectStatus(grpc.video('DeleteVideo', { name }), status.NOT_FOUND);
  }
});

test('a name of any length is NOT_FOUND, its message bounded (not a protocol error from oversized trailers)', async () => {
  const grpc = client(openApp);
  const long = `operations/${'x'.repeat(100_000)}`;
  const error = await expectStatus(grpc.get(long), status.NOT_FOUND);
  expect(error.details.length).toBeLessThanOrEqual(1025);
  await expectStatus(grpc.video('GetVideo', { name: `videos/${'\u{1F600}'.repeat(30_000)}` }), status.NOT_FOUND);
  expect((await grpc.watch(long)).error?.code).toBe(status.NOT_FOUND);
});

test('a request that cannot be decoded is INVALID_ARGUMENT with BadRequest, not INTERNAL', async () => {
  // A WaitOperationRequest whose timeout (a Duration) ends inside a varint: protobuf cannot decode it.
  const undecodable = Buffer.from([0x0a, 0x01, 0x78, 0x12, 0x03, 0x08, 0x80, 0x80]);
  const raw = new Client(openApp.app.grpcAddress, credentials.createInsecure());
  const identity = (bytes: Buffer) => bytes;
  try {
    const unaryError = await rejection(new Promise((resolve, reject) => {
      raw.makeUnaryRequest('/google.longrunning.Operations/WaitOperation', identity, identity, undecodable, new Metadata(), {}, (error, response) => (error ? reject(error) : resolve(response)));
    }));
    expect(unaryError.code).toBe(status.INVALID_ARGUMENT);
    expect(violations(unaryError)).toEqual([{ field: '', description: 'the request is not a valid serialized google.longrunning.WaitOperationRequest', reason: '', localized_message: null }]);
    // WatchOperationRequest{name: "x", after_version: <a varint cut short>}
    const stream = raw.makeServerStreamRequest('/longrun.v1.Videos/WatchOperation', identity, identity, Buffer.from([0x0a, 0x01, 0x78, 0x10, 0x80]), new Metadata(), {});
    const streamError = await new Promise<ServiceError>((resolve) => {
      stream.on('data', () => {});
      stream.on('error', resolve);
    });
    expect(streamError.code).toBe(status.INVALID_ARGUMENT);
    expect(statusDetails(streamError).details[0]?.typeName).toBe('google.rpc.BadRequest');
  } finally {
    raw.close();
  }
});

test('DeleteVideo is an operation that ends with google.protobuf.Empty; the video is gone', async () => {
  const grpc = client(renderApp);
  const created = await grpc.create({ title: 'to delete', duration_seconds: 1 });
  const done = await grpc.operation(grpc.operations, 'WaitOperation', { name: created.name, timeout: { seconds: 10 } });
  const video = done.result!.message as { name: string };
  const deletion = await grpc.operation(grpc.videos, 'DeleteVideo', { name: video.name });
  expect(deletion.meta.kind).toBe('DELETE_VIDEO');
  const finished = await grpc.operation(grpc.operations, 'WaitOperation', { name: deletion.name, timeout: { seconds: 10 } });
  expect(finished.done).toBe(true);
  expect(finished.result?.typeName).toBe('google.protobuf.Empty');
  await expectStatus(grpc.video('GetVideo', { name: video.name }), status.NOT_FOUND);
});

test('UNAUTHENTICATED without valid credentials; two callers see only their own operations, as if the other\'s did not exist', async () => {
  const nobody = client(authApp);
  const wrong = client(authApp, 'not-a-key-0123456789abcdef');
  const alice = client(authApp, keys.alice);
  const bob = client(authApp, keys.bob);
  for (const anonymous of [nobody, wrong]) {
    await expectStatus(anonymous.create({ title: 'x' }), status.UNAUTHENTICATED);
    await expectStatus(anonymous.op('ListOperations', {}), status.UNAUTHENTICATED);
    expect((await anonymous.watch(`operations/${randomUUID()}`)).error?.code).toBe(status.UNAUTHENTICATED);
  }

  const key = `shared-${randomUUID()}`;
  const mine = await alice.create({ title: 'sleep:20000', request_id: key });
  const unknown = `operations/${randomUUID()}`;
  const same = async (call: (name: string) => Promise<unknown>) => {
    const [theirs, none] = await Promise.all([rejection(call(mine.name)), rejection(call(unknown))]);
    expect(theirs.code).toBe(status.NOT_FOUND);
    expect(theirs.details.replace(idOf(mine), '<id>')).toBe(none.details.replace(idOf({ name: unknown }), '<id>'));
  };
  await same((name) => bob.get(name));
  await same((name) => bob.op('CancelOperation', { name }));
  await same((name) => bob.op('DeleteOperation', { name }));
  await same((name) => bob.op('WaitOperation', { name, timeout: { seconds: 1 } }));
  expect((await bob.watch(mine.name)).error?.code).toBe(status.NOT_FOUND);
  const bobs = await bob.op('ListOperations', {}) as { operations: { name: string }[] };
  expect(bobs.operations.map((o) => o.name)).not.toContain(mine.name);
  // Bob's request_id of the same text is his own key: a new operation of his.
  const his = await bob.create({ title: 'fast', request_id: key });
  expect(his.name).not.toBe(mine.name);
  expect((await alice.get(mine.name)).meta.status).not.toBe('CANCELLED');
  const alices = await alice.op('ListOperations', { filter: 'done = false' }) as { operations: { name: string }[] };
  expect(alices.operations.map((o) => o.name)).toContain(mine.name);
  // Alice's operation over REST with her key; not with Bob's.
  expect((await request(authApp.url, `/videos/tasks/${idOf(mine)}`, { headers: { authorization: `Bearer ${keys.alice}` } })).status).toBe(200);
  expect((await request(authApp.url, `/videos/tasks/${idOf(mine)}`, { headers: { authorization: `Bearer ${keys.bob}` } })).status).toBe(404);
  await alice.op('CancelOperation', { name: mine.name });
});

test('a WatchOperation lasts no longer than its token: UNAUTHENTICATED at exp plus the clock tolerance', async () => {
  const secret = 'a-shared-secret-of-32-characters!';
  const jwtApp = await startTestApp({ processors: { CREATE_VIDEO: scriptedProcessor }, config: { auth: loadAuthSettings({ JWT_SECRET: secret }), quotas: unlimitedQuotas } });
  try {
    const exp = Math.floor(Date.now() / 1000) + 1;
    const token = await new SignJWT({ sub: 'carol' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(new TextEncoder().encode(secret));
    const carol = client(jwtApp, token);
    const running = await carol.create({ title: 'sleep:30000' });
    const { messages, error } = await carol.watch(running.name);
    expect(messages.length).toBeGreaterThan(0);
    expect(error?.code).toBe(status.UNAUTHENTICATED);
    expect(Date.now()).toBeGreaterThanOrEqual((exp + 5) * 1000);
    expect(Date.now()).toBeLessThan((exp + 5) * 1000 + 3_000);
  } finally {
    await jwtApp.cleanup();
  }
});

test('a client that leaves while its token is checked (a slow JWKS) holds no watch or wait open', async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] });
  const slowJwks = createServer((_req, res) => setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks), 800));
  await new Promise<void>((resolve) => slowJwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(slowJwks.address() as { port: number }).port}/jwks.json`;
  const jwtApp = await startTestApp({ processors: { CREATE_VIDEO: scriptedProcessor }, config: { auth: loadAuthSettings({ JWT_JWKS_URL: jwksUrl }), quotas: unlimitedQuotas } });
  const subscriptions = () => (jwtApp.app.services.events as unknown as { listeners: Map<string, Set<unknown>> }).listeners.size;
  try {
    const token = await new SignJWT({ sub: 'dave' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setExpirationTime('1h').sign(privateKey);
    const dave = client(jwtApp, token);
    // Made without gRPC, so the two calls below are the first to need the (slow) signing keys.
    const running = await jwtApp.app.services.tasks.createVideoTask({ id: 'dave', expiresAt: null }, { title: 'sleep:30000', plot: '' });
    const name = `operations/${running.id}`;
    type Cancellable = { cancel(): void; on(event: string, listener: () => void): unknown };
    const watch = (dave.videos as unknown as Record<string, (request: object, metadata: Metadata) => Cancellable>).WatchOperation!
      .call(dave.videos, { name, after_version: 0 }, dave.metadata());
    watch.on('data', () => {});
    watch.on('error', () => {});
    const wait = (dave.operations as unknown as Record<string, (request: object, metadata: Metadata, callback: () => void) => Cancellable>).WaitOperation!
      .call(dave.operations, { name }, dave.metadata(), () => {});
    await new Promise((resolve) => setTimeout(resolve, 200));
    watch.cancel();
    wait.cancel();
    // The keys arrive at 800 ms; both calls then find their client gone.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(subscriptions()).toBe(0);
    await dave.op('CancelOperation', { name });
  } finally {
    await jwtApp.cleanup();
    await new Promise((resolve) => slowJwks.close(resolve));
  }
});

test('RESOURCE_EXHAUSTED with QuotaFailure for a quota, RetryInfo for the creation rate', async () => {
  const alice = client(quotaApp, keys.alice);
  const running = await alice.create({ title: 'sleep:30000' });
  const quota = await expectStatus(alice.create({ title: 'second' }), status.RESOURCE_EXHAUSTED);
  expect(statusDetails(quota).details).toMatchObject([{ typeName: 'google.rpc.QuotaFailure', message: { violations: [{ subject: 'quota:activeTasks', description: quota.details }] } }]);
  await alice.op('CancelOperation', { name: running.name });
  await alice.create({ title: 'fast' }); // the second creation of the minute
  const rate = await expectStatus(alice.create({ title: 'third' }), status.RESOURCE_EXHAUSTED);
  const [retry, failure] = statusDetails(rate).details;
  expect(retry).toMatchObject({ typeName: 'google.rpc.RetryInfo', message: { retry_delay: { seconds: expect.any(String) } } });
  expect(Number((retry!.message.retry_delay as { seconds: string }).seconds)).toBeGreaterThan(0);
  expect(failure).toMatchObject({ typeName: 'google.rpc.QuotaFailure', message: { violations: [{ subject: 'quota:creationsPerMinute' }] } });
});

test('QUOTA_SOCKETS bounds a caller\'s open watches and waits: the one beyond is RESOURCE_EXHAUSTED until one ends; other callers go on', async () => {
  const limited = await startTestApp({
    processors: { CREATE_VIDEO: scriptedProcessor },
    config: { auth: loadAuthSettings({ API_KEYS: apiKeys }), quotas: { ...unlimitedQuotas, sockets: 2 } },
  });
  const bob = new GrpcTestClient(limited.app.grpcAddress, `Bearer ${keys.bob}`);
  const alice = new GrpcTestClient(limited.app.grpcAddress, `Bearer ${keys.alice}`);
  const streams: { cancel(): void }[] = [];
  try {
    const task = await bob.create({ title: 'sleep:30000' });
    // Two watches, each open once its first message (the current state) has arrived.
    for (let i = 0; i < 2; i++) {
      const stream = (bob.videos as unknown as Record<string, (request: object, metadata: Metadata) => NodeJS.ReadableStream & { cancel(): void }>)
        .WatchOperation!.call(bob.videos, { name: task.name, after_version: 0 }, bob.metadata());
      stream.on('error', () => {}); // the cancel below ends it with CANCELLED
      await new Promise((resolve) => stream.once('data', resolve));
      streams.push(stream);
    }
    const third = await bob.watch(task.name);
    expect(third.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(statusDetails(third.error!).details).toMatchObject([{ typeName: 'google.rpc.QuotaFailure', message: { violations: [{ subject: 'quota:sockets' }] } }]);
    await expectStatus(bob.op('WaitOperation', { name: task.name, timeout: { seconds: 5 } }), status.RESOURCE_EXHAUSTED);
    // Quick calls are not counted, and alice has her own allowance.
    expect((await bob.get(task.name)).meta.status).toMatch(/PENDING|RUNNING/);
    const hers = await alice.create({ title: 'sleep:30000' });
    const aliceWatch = (alice.videos as unknown as Record<string, (request: object, metadata: Metadata) => NodeJS.ReadableStream & { cancel(): void }>)
      .WatchOperation!.call(alice.videos, { name: hers.name, after_version: 0 }, alice.metadata());
    aliceWatch.on('error', () => {});
    await new Promise((resolve) => aliceWatch.once('data', resolve));
    streams.push(aliceWatch);
    // One of bob's ends: a new watch is let in once the server has seen it go.
    streams[0]!.cancel();
    await waitFor('a slot to be given back', async () => {
      const waited = await bob.op('WaitOperation', { name: task.name, timeout: { seconds: 0 } }).then(() => true, () => null);
      return waited;
    }, 5_000, 50);
  } finally {
    for (const stream of streams) stream.cancel();
    bob.close();
    alice.close();
    await limited.cleanup();
  }
});

test('reflection lists the services; health is SERVING', async () => {
  const grpc = client(openApp);
  const listed = await grpc.reflect<{ list_services_response?: { service: { name: string }[] } }>({ list_services: '' });
  const services = listed.list_services_response?.service.map((s) => s.name) ?? [];
  expect(services).toEqual(expect.arrayContaining(['google.longrunning.Operations', 'longrun.v1.Videos', 'grpc.health.v1.Health']));
  const file = await grpc.reflect<{ file_descriptor_response?: { file_descriptor_proto: Buffer[] } }>({ file_containing_symbol: 'longrun.v1.Videos' });
  const described = file.file_descriptor_response?.file_descriptor_proto ?? [];
  expect(described.length).toBeGreaterThan(0);
  expect(Buffer.concat(described).toString('latin1')).toContain('WatchOperation');

  for (const service of ['', 'google.longrunning.Operations', 'longrun.v1.Videos']) {
    expect(await grpc.call(grpc.health, 'Check', { service })).toEqual({ status: 'SERVING' });
  }
  expect((await rejection(grpc.call(grpc.health, 'Check', { service: 'no.such.Service' }))).code).toBe(status.NOT_FOUND);
});

test('unexpected errors are INTERNAL with a generic message (logged); a database timeout is UNAVAILABLE', () => {
  const lines: string[] = [];
  const logger = createLogger('error', { destination: { write: (line: string) => lines.push(line) } });
  const internal = toServiceError(new Error('secret internal detail'), logger, 'GetOperation');
  expect({ code: internal.code, details: internal.details }).toEqual({ code: status.INTERNAL, details: 'Internal server error' });
  expect(statusDetails(internal as ServiceError)).toEqual({ code: status.INTERNAL, message: 'Internal server error', details: [] });
  expect(lines.join('\n')).toContain('secret internal detail');
  const timeout = toServiceError(new Error('timeout exceeded when trying to connect'), logger, 'GetOperation');
  expect(timeout.code).toBe(status.UNAVAILABLE);
  expect(statusDetails(timeout as ServiceError).details[0]).toMatchObject({ typeName: 'google.rpc.RetryInfo' });
});

test('stopping: health NOT_SERVING, open watches end UNAVAILABLE, new calls are refused', async () => {
  const alice = client(quotaApp, keys.bob);
  const running = await runningOperation(alice, 'sleep:30000');
  const watched = alice.watch(running.name, Number(running.meta.version));
  // A health watcher hears NOT_SERVING the moment the app starts to stop.
  const healthWatch = (alice.health as unknown as Record<string, (request: object) => NodeJS.ReadableStream & { cancel(): void }>).Watch!
    .call(alice.health, { service: '' });
  const heard: string[] = [];
  const notServing = new Promise<void>((resolve) => {
    healthWatch.on('data', ({ status: serving }: { status: string }) => {
      heard.push(serving);
      if (serving === 'NOT_SERVING') {
        healthWatch.cancel();
        resolve();
      }
    });
    healthWatch.on('error', () => {});
  });
  await waitFor('the health watch to start', async () => (heard.length > 0 ? true : null), 5_000, 10);
  const stopping = quotaApp.app.stop({ graceMs: 0 });
  await notServing;
  expect(heard).toEqual(['SERVING', 'NOT_SERVING']);
  const { error } = await watched;
  expect(error?.code).toBe(status.UNAVAILABLE);
  const refused = await rejection(alice.get(running.name));
  expect(refused.code).toBe(status.UNAVAILABLE);
  await stopping;
});

test('GRPC_PORT: 50051 by default, 0 to 65535; port 0 binds a free port and the log says which', () => {
  expect(loadConfig({}).grpcPort).toBe(50051);
  expect(loadConfig({ GRPC_PORT: '0' }).grpcPort).toBe(0);
  for (const bad of ['65536', '-1', 'grpc']) {
    expect(() => loadConfig({ GRPC_PORT: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ GRPC_PORT: bad })).toThrow(/GRPC_PORT/);
  }
  const port = Number(openApp.app.grpcAddress.split(':').at(-1));
  expect(port).toBeGreaterThan(0);
  expect(port).not.toBe(50051);
  const listening = openLog.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.msg === 'gRPC listening');
  expect(listening).toMatchObject({ level: 'info', port });
});

test('a GRPC_PORT already in use fails the start with an error naming GRPC_PORT and the address', async () => {
  const port = Number(openApp.app.grpcAddress.split(':').at(-1));
  const failure = await startTestApp({ config: { grpcPort: port } }).then(
    async (started) => {
      await started.cleanup();
      return null;
    },
    (error: unknown) => error as Error,
  );
  expect(failure?.message).toMatch(new RegExp(`^gRPC cannot listen on 127\\.0\\.0\\.1:${port} \\(GRPC_PORT\\): .*EADDRINUSE`));
});

test('a request message over MAX_REQUEST_BYTES is refused with RESOURCE_EXHAUSTED', async () => {
  const grpc = client(openApp);
  const error = await rejection(grpc.create({ title: 'big', plot: 'x'.repeat(loadConfig({}).maxRequestBytes + 1) }));
  expect(error.code).toBe(status.RESOURCE_EXHAUSTED);
});
