// Traces (README "Traces"), with real processes: an API process (ROLE=api) and a worker process
// (ROLE=worker) on one PostgreSQL database, exporting to an OTLP/HTTP receiver run by the test.
// What an operator notices: a task created over REST (with the client's traceparent) is one trace
// from the POST to the worker's render and its statements; a GraphQL request has its HTTP,
// Express and GraphQL spans; a process without OTEL_EXPORTER_OTLP_ENDPOINT loads no part of the
// SDK. Every process is started with a preloaded probe that names the OpenTelemetry modules it loads.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gql } from './support/graphqlClient.js';
import { postJson, request, waitFor } from './support/http.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlpReceiver.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { findProcesses } from './support/processes.js';
import { spawnRole, stopServer, type Role, type ServerProcess } from './support/serverProcess.js';
import { makeDataDir } from './support/testApp.js';

const probe = path.resolve(import.meta.dirname ?? '.', 'support/moduleLoadProbe.mjs');
const SERVER = 2;
const pgScope = '@opentelemetry/instrumentation-pg';

let database: TestDatabase;
let receiver: OtlpReceiver;
let mediaDir: string;
let api: ServerProcess;
let worker: ServerProcess;
const processes: ServerProcess[] = [];
const dataDirs: string[] = [];

async function startProcess(role: Role, env: Record<string, string>): Promise<ServerProcess> {
  const dataDir = await makeDataDir();
  dataDirs.push(dataDir);
  const { child, exited, stderr, ready } = spawnRole(role, {
    DATABASE_URL: database.url, DATA_DIR: dataDir, MEDIA_DIR: mediaDir, NODE_OPTIONS: `--import ${probe}`, ...env,
  });
  const server: ServerProcess = { child, exited, stderr, url: '' };
  processes.push(server);
  server.url = await ready;
  return server;
}

/** Traces to the test's receiver, sent 100 ms after they end rather than 5 s. */
const tracing = (): Record<string, string> => ({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' });

/** The OpenTelemetry packages the probe saw a process load. */
function loadedOtelPackages(server: ServerProcess): string[] {
  return [...server.stderr().matchAll(/^module-load-probe (\S+)$/gm)].map((match) => match[1]!);
}

const pidOf = (span: ReceivedSpan): number => Number(span.resource['process.pid']);

beforeAll(async () => {
  database = await createTestDatabase();
  receiver = await startOtlpReceiver();
  mediaDir = await fs.mkdtemp(path.join(os.tmpdir(), 'longrun-media-'));
  // The API first and alone: it migrates the database before the worker connects.
  api = await startProcess('api', tracing());
  worker = await startProcess('worker', { ...tracing(), OTEL_SERVICE_NAME: 'longrun-render' });
}, 90_000);

afterAll(async () => {
  const live = processes.filter((server) => server.child.exitCode === null && server.child.signalCode === null);
  await Promise.all(live.map((server) => stopServer(server, 20_000)));
  for (const pid of findProcesses('ffmpeg', mediaDir)) process.kill(pid, 'SIGKILL');
  await receiver.close();
  await Promise.all([mediaDir, ...dataDirs].map((dir) => fs.rm(dir, { recursive: true, force: true })));
  await database.drop();
}, 60_000);

test("a task's spans, from the client's POST to the worker's finish, are one trace across both processes", async () => {
  const traceId = randomBytes(16).toString('hex');
  const clientSpanId = randomBytes(8).toString('hex');
  const created = await postJson(api.url, '/videos/tasks', { title: 'Traced', plot: 'A render followed from end to end.', durationSeconds: 1 }, {
    traceparent: `00-${traceId}-${clientSpanId}-01`,
  });
  expect(created.status).toBe(202);
  const taskId = String(created.body.id);
  const done = await waitFor('the task to finish', async () => {
    const res = await request(api.url, `/videos/tasks/${taskId}?wait=10`);
    return res.body.done === true ? res : null;
  }, 60_000);
  expect(done.body.status).toBe('done');

  const workerPid = worker.child.pid!;
  const apiPid = api.child.pid!;
  // The worker's last statements (the finish) come after the task span ends; wait for both.
  const spans = await waitFor('the task span and the worker statements in the trace', async () => {
    const inTrace = receiver.spans().filter((span) => span.traceId === traceId);
    const taskSpan = inTrace.some((span) => span.name === 'longrun.task CREATE_VIDEO');
    const workerStatements = inTrace.some((span) => span.scope === pgScope && pidOf(span) === workerPid);
    return taskSpan && workerStatements ? inTrace : null;
  }, 30_000, 100);

  // The request's server span, in the API process, continues the client's trace.
  const post = spans.find((span) => span.kind === SERVER && span.name === 'POST /videos/tasks');
  expect(post).toBeDefined();
  expect(post!.parentSpanId).toBe(clientSpanId);
  expect(pidOf(post!)).toBe(apiPid);
  expect(post!.resource).toMatchObject({ 'service.name': 'longrun', 'longrun.role': 'api' });

  // The attempt's span, in the worker process, hangs under a span of the creating request.
  const run = spans.find((span) => span.name === 'longrun.task CREATE_VIDEO')!;
  expect(run.attributes).toMatchObject({ 'longrun.task.id': taskId, 'longrun.task.kind': 'CREATE_VIDEO', 'longrun.task.attempt': 1 });
  expect(pidOf(run)).toBe(workerPid);
  expect(run.resource).toMatchObject({ 'service.name': 'longrun-render', 'longrun.role': 'worker' });
  expect(run.resource['service.instance.id']).toEqual(expect.any(String));
  expect(run.resource['service.instance.id']).not.toBe(post!.resource['service.instance.id']);
  const parent = spans.find((span) => span.spanId === run.parentSpanId);
  expect(parent).toBeDefined();
  expect(pidOf(parent!)).toBe(apiPid);

  // Statements of both processes: the INSERT of the task, and the worker's progress and finish.
  const statements = spans.filter((span) => span.scope === pgScope);
  expect(statements.some((span) => pidOf(span) === apiPid)).toBe(true);
  expect(statements.some((span) => pidOf(span) === workerPid)).toBe(true);
  expect(receiver.rejected()).toEqual([]);
}, 120_000);

test('a GraphQL request has its HTTP, Express and GraphQL spans in one trace', async () => {
  const answer = await gql(api.url, '{ tasks(first: 1) { edges { node { id } } } }');
  expect(answer.errors).toBeUndefined();
  const spans = await waitFor('a traced GraphQL request', async () => {
    const byTrace = new Map<string, ReceivedSpan[]>();
    for (const span of receiver.spans()) byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
    return [...byTrace.values()].find((trace) =>
      trace.some((span) => span.kind === SERVER && span.name === 'POST /graphql')
      && trace.some((span) => span.scope === '@opentelemetry/instrumentation-express')
      && trace.some((span) => span.scope === '@opentelemetry/instrumentation-graphql' && span.name === 'query'));
  }, 30_000, 100);
  const graphqlSpans = spans.filter((span) => span.scope === '@opentelemetry/instrumentation-graphql').map((span) => span.name);
  // parse and validate spans only on the first sight of a document: Apollo caches them.
  expect(graphqlSpans).toEqual(expect.arrayContaining(['query', 'graphql.resolve tasks']));
}, 60_000);

test('without OTEL_EXPORTER_OTLP_ENDPOINT a process serves as usual and loads no part of the SDK', async () => {
  const plain = await startProcess('api', {});
  const answer = await gql(plain.url, '{ tasks(first: 1) { edges { node { id } } } }');
  expect(answer.errors).toBeUndefined();
  const created = await postJson(plain.url, '/videos/tasks', { title: 'Untraced', plot: 'No trace of it.', durationSeconds: 1 });
  expect(created.status).toBe(202);
  // pg-boss imports @opentelemetry/api (a no-op facade without an SDK); nothing else may load.
  expect(loadedOtelPackages(plain).filter((name) => name !== '@opentelemetry/api')).toEqual([]);
  // The probe does see them in a traced process.
  expect(loadedOtelPackages(api)).toEqual(expect.arrayContaining(['@opentelemetry/sdk-node', '@opentelemetry/instrumentation-pg']));
}, 60_000);
