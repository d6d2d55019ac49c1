// Prometheus metrics: scrape /metrics, act through the real interfaces, scrape again and compare.
import fs from 'node:fs/promises';
import { buildApp, type App } from '../src/app.js';
import { createLogger } from '../src/logger.js';
import { gql, wsClient } from './support/graphqlClient.js';
import { postJson, request, waitFor } from './support/http.js';
import { scrape, type Labels } from './support/metricsText.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { scriptedProcessor } from './support/scriptedProcessor.js';
import { makeDataDir, startTestApp, testConfig, type TestApp } from './support/testApp.js';

const video = { kind: 'CREATE_VIDEO' };

/** The task's status as GraphQL names it (PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED). */
const untilTaskStatus = (url: string, id: string, status: string) => waitFor(`task ${id} ${status}`, async () => {
  const res = await gql<{ task: { status: string } | null }>(url, 'query TaskStatus($id: ID!) { task(id: $id) { status } }', { id });
  return res.data?.task?.status === status ? true : null;
});

describe('one process (role all)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      processors: { CREATE_VIDEO: scriptedProcessor },
      config: { workerConcurrency: 2, retry: { maxAttempts: 3, baseMs: 200, capMs: 400, resourceWaitMs: 0 } },
    });
  });
  afterAll(() => t.cleanup());

  const create = async (title: string) => {
    const res = await postJson(t.url, '/videos/tasks', { title, plot: 'p' });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const untilStatus = (id: string, status: string) => untilTaskStatus(t.url, id, status);
  /** Waits until a scrape shows `name{labels}` at `expected` (counters land after the answer the client saw). */
  const untilValue = (name: string, labels: Labels, expected: number) => waitFor(`${name} ${JSON.stringify(labels)} = ${expected}`, async () => {
    const now = await scrape(t.url);
    return now.value(name, labels) === expected ? now : null;
  });

  test('GET /metrics answers the text exposition format with Node\'s default metrics', async () => {
    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('# TYPE longrun_tasks_created_total counter');
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  test('a task created and finished: created +1, finished{succeeded} +1, durations and queue wait observed, REST routes by template', async () => {
    const before = await scrape(t.url);
    const id = await create('quick');
    await untilStatus(id, 'SUCCEEDED');
    expect((await request(t.url, `/videos/tasks/${id}`)).status).toBe(200);
    const after = await untilValue('longrun_tasks_finished_total', { ...video, outcome: 'succeeded' }, before.value('longrun_tasks_finished_total', { ...video, outcome: 'succeeded' }) + 1);
    expect(after.value('longrun_tasks_created_total', video) - before.value('longrun_tasks_created_total', video)).toBe(1);
    const durations = { ...video, outcome: 'succeeded' };
    expect(after.value('longrun_task_duration_seconds_count', durations) - before.value('longrun_task_duration_seconds_count', durations)).toBe(1);
    expect(after.value('longrun_task_queue_wait_seconds_count', video) - before.value('longrun_task_queue_wait_seconds_count', video)).toBe(1);

    const created = { method: 'POST', route: '/videos/tasks', status: '202' };
    expect(after.value('longrun_http_request_duration_seconds_count', created) - before.value('longrun_http_request_duration_seconds_count', created)).toBe(1);
    const read = { method: 'GET', route: '/videos/tasks/:id', status: '200' };
    expect(after.value('longrun_http_request_duration_seconds_count', read)).toBeGreaterThan(before.value('longrun_http_request_duration_seconds_count', read));
    // No series names a task id.
    expect(after.samples.some((sample) => Object.values(sample.labels).some((value) => value.includes(id)))).toBe(false);
    // A path no route knows shares one series.
    await request(t.url, `/nothing/${id}`);
    expect((await scrape(t.url)).value('longrun_http_request_duration_seconds_count', { method: 'GET', route: '(unmatched)', status: '404' })).toBeGreaterThanOrEqual(1);
  });

  test('a running task shows in the running gauge; its cancel counts a cancel and a cancelled outcome', async () => {
    const before = await scrape(t.url);
    const id = await create('sleep:60000');
    await untilStatus(id, 'RUNNING');
    await untilValue('longrun_tasks_running', video, 1);
    const cancelled = await postJson(t.url, `/videos/tasks/${id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    await untilStatus(id, 'CANCELLED');
    const outcome = { ...video, outcome: 'cancelled' };
    const after = await untilValue('longrun_tasks_finished_total', outcome, before.value('longrun_tasks_finished_total', outcome) + 1);
    expect(after.value('longrun_task_cancels_total', video) - before.value('longrun_task_cancels_total', video)).toBe(1);
    await untilValue('longrun_tasks_running', video, 0);
  });

  test('a transient failure then success counts one retry; a permanent failure counts a failed outcome', async () => {
    const before = await scrape(t.url);
    const flaky = await create('flaky:1');
    const permanent = await create('permanent');
    await untilStatus(flaky, 'SUCCEEDED');
    await untilStatus(permanent, 'FAILED');
    const failed = { ...video, outcome: 'failed' };
    const after = await untilValue('longrun_tasks_finished_total', failed, before.value('longrun_tasks_finished_total', failed) + 1);
    expect(after.value('longrun_task_retries_total', video) - before.value('longrun_task_retries_total', video)).toBe(1);
  });

  test('GraphQL operations by name and outcome; an invalid document has no name of its own', async () => {
    const before = await scrape(t.url);
    const named = await gql(t.url, 'query RecentTasks { tasks(first: 1) { nodes { id } } }');
    expect(named.errors).toBeUndefined();
    const invalid = await gql(t.url, 'query Sneaky { noSuchField }');
    expect(invalid.errors).toBeDefined();
    const after = await scrape(t.url);
    const recent = { operation: 'RecentTasks', type: 'query', outcome: 'success' };
    expect(after.value('longrun_graphql_operations_total', recent) - before.value('longrun_graphql_operations_total', recent)).toBe(1);
    const rejected = { operation: '(invalid)', outcome: 'error' };
    expect(after.value('longrun_graphql_operations_total', rejected) - before.value('longrun_graphql_operations_total', rejected)).toBe(1);
    expect(after.has('longrun_graphql_operations_total', { operation: 'Sneaky' })).toBe(false);
    expect(after.value('longrun_http_request_duration_seconds_count', { method: 'POST', route: '/graphql', status: '200' })).toBeGreaterThanOrEqual(1);
  });

  test('label values stay bounded: a router\'s mount in any letter case is one route; a very long operation name is "(other)"', async () => {
    // Express matches paths case-insensitively: /GRAPHQL, /GraphQL... reach the same router.
    for (const path of ['/GRAPHQL', '/GraphQL', '/gRaPhQl']) {
      const res = await fetch(`${t.url}${path}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(res.status).toBe(200);
    }
    const long = `Q${'x'.repeat(5000)}`;
    expect((await gql(t.url, `query ${long} { __typename }`)).errors).toBeUndefined();
    const after = await scrape(t.url);
    const routes = new Set(after.samples.filter((sample) => sample.name === 'longrun_http_request_duration_seconds_count').map((sample) => sample.labels.route));
    expect([...routes].filter((route) => route !== undefined && route.toLowerCase() === '/graphql')).toEqual(['/graphql']);
    expect(after.has('longrun_graphql_operations_total', { operation: long })).toBe(false);
    expect(after.value('longrun_graphql_operations_total', { operation: '(other)', type: 'query', outcome: 'success' })).toBeGreaterThanOrEqual(1);
  });

  test('WebSocket connections and subscriptions go up while a client subscribes and down when it leaves; deliveries observe the event-bus lag', async () => {
    await untilValue('longrun_graphql_ws_connections', {}, 0);
    const lagBefore = (await scrape(t.url)).value('longrun_event_delivery_lag_seconds_count');
    const client = wsClient(t.url);
    const seen: string[] = [];
    const unsubscribe = client.subscribe<{ tasksUpdated: { id: string; status: string } }>(
      { query: 'subscription { tasksUpdated { id status } }' },
      { next: (value) => { if (value.data) seen.push(value.data.tasksUpdated.status); }, error: () => undefined, complete: () => undefined },
    );
    try {
      await untilValue('longrun_graphql_ws_connections', {}, 1);
      await untilValue('longrun_graphql_ws_subscriptions', {}, 1);
      const id = await create('quick');
      await untilStatus(id, 'SUCCEEDED');
      await waitFor('the feed delivered SUCCEEDED', async () => (seen.includes('SUCCEEDED') ? true : null));
      expect((await scrape(t.url)).value('longrun_event_delivery_lag_seconds_count')).toBeGreaterThan(lagBefore);
    } finally {
      unsubscribe();
      await client.dispose();
    }
    await untilValue('longrun_graphql_ws_subscriptions', {}, 0);
    await untilValue('longrun_graphql_ws_connections', {}, 0);
  });
});

test('a real render counts its wall time and the seconds of video it made', async () => {
  const t = await startTestApp();
  try {
    const res = await postJson(t.url, '/videos/tasks', { title: 'Metrics', plot: 'One second of video.', durationSeconds: 1 });
    expect(res.status).toBe(202);
    await untilTaskStatus(t.url, res.body.id as string, 'SUCCEEDED');
    const after = await waitFor('the render counted', async () => {
      const now = await scrape(t.url);
      return now.value('longrun_rendered_video_seconds_total') > 0 ? now : null;
    });
    expect(after.value('longrun_rendered_video_seconds_total')).toBe(1);
    expect(after.value('longrun_render_seconds_total')).toBeGreaterThan(0);
  } finally {
    await t.cleanup();
  }
}, 180_000);

test('METRICS_TOKEN: 401 without the token or with a wrong one, 200 with it', async () => {
  const t = await startTestApp({ config: { metricsToken: 's3cret-scrape-token' } });
  try {
    const missing = await request(t.url, '/metrics');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    expect(missing.body.code).toBe('UNAUTHENTICATED');
    const wrong = await request(t.url, '/metrics', { headers: { authorization: 'Bearer s3cret-scrape-tokeN' } });
    expect(wrong.status).toBe(401);
    const basic = await request(t.url, '/metrics', { headers: { authorization: 'Basic s3cret-scrape-token' } });
    expect(basic.status).toBe(401);
    const scraped = await scrape(t.url, 's3cret-scrape-token');
    expect(scraped.has('longrun_tasks_queued', video)).toBe(true);
    // The probes stay open.
    expect((await request(t.url, '/healthz')).status).toBe(200);
  } finally {
    await t.cleanup();
  }
});

describe('an api process and a worker process on one PostgreSQL database', () => {
  let database: TestDatabase;
  let api: App;
  let worker: App;
  const dataDirs: string[] = [];
  const build = async (role: 'api' | 'worker') => {
    const dataDir = await makeDataDir();
    dataDirs.push(dataDir);
    const config = testConfig(dataDir, { role, databaseUrl: database.url });
    return buildApp(config, { logger: createLogger('silent'), processors: { CREATE_VIDEO: scriptedProcessor } });
  };
  beforeAll(async () => {
    database = await createTestDatabase();
    api = await build('api');
    await api.start();
    worker = await build('worker');
    await worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    await database?.drop();
    for (const dir of dataDirs) await fs.rm(dir, { recursive: true, force: true });
  });

  test('the API counts the creation, the worker the outcome; both serve /metrics with their pools', async () => {
    const [apiBefore, workerBefore] = await Promise.all([scrape(api.url), scrape(worker.url)]);
    const res = await postJson(api.url, '/videos/tasks', { title: 'quick', plot: 'p' });
    expect(res.status).toBe(202);
    const id = res.body.id as string;
    await untilTaskStatus(api.url, id, 'SUCCEEDED');
    const succeeded = { ...video, outcome: 'succeeded' };
    const workerAfter = await waitFor('the worker counted it', async () => {
      const now = await scrape(worker.url);
      return now.value('longrun_tasks_finished_total', succeeded) === workerBefore.value('longrun_tasks_finished_total', succeeded) + 1 ? now : null;
    });
    const apiAfter = await scrape(api.url);
    expect(apiAfter.value('longrun_tasks_created_total', video) - apiBefore.value('longrun_tasks_created_total', video)).toBe(1);
    expect(apiAfter.value('longrun_tasks_finished_total', succeeded)).toBe(0);
    expect(workerAfter.value('longrun_tasks_created_total', video)).toBe(0);
    // Both read the queue from the database.
    expect(workerAfter.has('longrun_tasks_queued', video)).toBe(true);
    expect(apiAfter.has('longrun_tasks_running', video)).toBe(true);
    // PostgreSQL pools: Prisma's and pg-boss's, in each process.
    for (const scraped of [apiAfter, workerAfter]) {
      expect(scraped.value('longrun_db_pool_connections', { pool: 'app' })).toBeGreaterThanOrEqual(1);
      expect(scraped.has('longrun_db_pool_connections', { pool: 'jobs' })).toBe(true);
      expect(scraped.has('longrun_db_pool_waiting_requests', { pool: 'app' })).toBe(true);
    }
  });

  test('concurrent creations with one Idempotency-Key count one task created (the losers\' inserts rolled back)', async () => {
    const before = await scrape(api.url);
    const key = `race-${Date.now()}`;
    const answers = await Promise.all(Array.from({ length: 8 }, () => postJson(api.url, '/videos/tasks', { title: 'once', plot: 'p' }, { 'Idempotency-Key': key })));
    expect(new Set(answers.map((res) => res.body.id as string)).size).toBe(1);
    const after = await scrape(api.url);
    expect(after.value('longrun_tasks_created_total', video) - before.value('longrun_tasks_created_total', video)).toBe(1);
  });
});
