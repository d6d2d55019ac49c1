// The task lifecycle through both interfaces, with a scripted processor so failures come on cue:
// retry with backoff, permanent failure, exhausted attempts, lists, idempotency, wait,
// resume after a reconnect, the feed, expiry and removal of finished records.
import { backoffMs, shouldRetry } from '../src/tasks/retryPolicy.js';
import { collect, gql, wsClient } from './support/graphqlClient.js';
import { postJson, request, waitFor } from './support/http.js';
import { scriptedProcessor } from './support/scriptedProcessor.js';
import { startTestApp, type TestApp } from './support/testApp.js';

interface TaskShape {
  id: string;
  status: string;
  done: boolean;
  attempts: number;
  version: number;
  stage: string;
  error: { code: string; message: string; retryable: boolean } | null;
  pollAfterSeconds: number | null;
  expiresAt: string | null;
  finishedAt: string | null;
}
const fields = 'id status done attempts version stage error { code message retryable } pollAfterSeconds expiresAt finishedAt';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({
    processors: { CREATE_VIDEO: scriptedProcessor },
    // Waits between attempts of 0.5-1 s and 1-2 s: long enough that a loaded machine's re-read
    // after the database's announcement still finds the task waiting (with 0.1-0.4 s it missed both).
    config: { workerConcurrency: 2, retry: { maxAttempts: 3, baseMs: 1000, capMs: 2000, resourceWaitMs: 0 } },
  });
});
afterAll(() => t.cleanup());

const create = async (title: string, extra: Record<string, unknown> = {}) => {
  const res = await postJson(t.url, '/videos/tasks', { title, plot: 'p', ...extra });
  expect(res.status).toBe(202);
  return res.body.id as string;
};
const graphqlTask = async (id: string) => (await gql<{ task: TaskShape }>(t.url, `query($id: ID!) { task(id: $id) { ${fields} } }`, { id })).data!.task;
const untilDone = (id: string) => waitFor(`task ${id} done`, async () => {
  const task = await graphqlTask(id);
  return task.done ? task : null;
});

describe('failure and retry', () => {
  test('backoff grows exponentially from the base, with jitter, up to the cap', () => {
    const policy = { maxAttempts: 10, baseMs: 100, capMs: 1000, resourceWaitMs: 0 };
    expect(backoffMs(policy, 1, () => 0)).toBe(50);
    expect(backoffMs(policy, 1, () => 1)).toBe(100);
    expect(backoffMs(policy, 3, () => 1)).toBe(400);
    expect(backoffMs(policy, 3, () => 0)).toBe(200);
    expect(backoffMs(policy, 9, () => 1)).toBe(1000);
  });

  test('retries: retryable failures while attempts remain; a full disk beyond them while the task is young enough', () => {
    const policy = { maxAttempts: 3, baseMs: 100, capMs: 1000, resourceWaitMs: 60_000 };
    const now = Date.parse('2026-11-29T12:00:00Z');
    const task = (attempts: number, ageMs: number) => ({ attempts, createdAt: new Date(now - ageMs) });
    expect(shouldRetry(policy, task(2, 0), { retryable: true }, now)).toBe(true);
    expect(shouldRetry(policy, task(3, 0), { retryable: true }, now)).toBe(false);
    expect(shouldRetry(policy, task(1, 0), { retryable: false, resourceShortage: true }, now)).toBe(false);
    expect(shouldRetry(policy, task(40, 59_000), { retryable: true, resourceShortage: true }, now)).toBe(true);
    expect(shouldRetry(policy, task(40, 61_000), { retryable: true, resourceShortage: true }, now)).toBe(false);
    expect(shouldRetry({ ...policy, resourceWaitMs: 0 }, task(3, 0), { retryable: true, resourceShortage: true }, now)).toBe(false);
  });

  test('a processor that fails twice with a retryable error succeeds on the third attempt', async () => {
    // The feed, opened before the task exists, sees every one of its changes.
    const client = wsClient(t.url);
    const events: TaskShape[] = [];
    let id = '';
    const finished = new Promise<void>((resolve) => {
      client.subscribe<{ tasksUpdated: TaskShape }>({ query: `subscription { tasksUpdated { ${fields} } }` }, {
        next: (value) => {
          const task = value.data!.tasksUpdated;
          events.push(task);
          if (task.id === id && task.done) resolve();
        },
        error: () => undefined,
        complete: () => undefined,
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    id = await create('flaky:2');
    await finished;
    await client.dispose();
    const mine = events.filter((e) => e.id === id);
    const last = mine.at(-1)!;
    expect(last).toMatchObject({ status: 'SUCCEEDED', attempts: 3, error: null });
    // Seen between attempts: back to PENDING, waiting for the retry, with a poll hint.
    const retrying = mine.filter((e) => e.status === 'PENDING' && e.stage === 'retrying');
    // A feed coalesces snapshots a busy consumer has not taken yet (decision 0002), so under
    // load one of the two waits may be skipped; the retry itself is what is asserted.
    expect(retrying.length).toBeGreaterThanOrEqual(1);
    for (const e of retrying) expect([1, 2]).toContain(e.attempts);
    expect(retrying.every((e) => e.pollAfterSeconds !== null && e.pollAfterSeconds >= 1)).toBe(true);
  });

  test('a permanent error fails at once: GraphQL error, REST 200 failed, subscription event', async () => {
    const id = await create('permanent');
    const task = await untilDone(id);
    expect(task).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'BAD_PLOT', message: 'The plot cannot be rendered.', retryable: false } });
    const rest = await request(t.url, `/videos/tasks/${id}`);
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({ status: 'failed', error: { code: 'BAD_PLOT', retryable: false } });
    expect(rest.headers.get('retry-after')).toBeNull();
    const client = wsClient(t.url);
    const { payloads } = await collect<{ taskUpdated: TaskShape }>(client, `subscription($id: ID!) { taskUpdated(id: $id) { ${fields} } }`, { id });
    await client.dispose();
    expect(payloads.map((p) => p.data!.taskUpdated.error?.code)).toEqual(['BAD_PLOT']);
  });

  test('a task that keeps failing retryably ends FAILED after maxAttempts, marked retryable', async () => {
    const task = await untilDone(await create('retryable'));
    expect(task).toMatchObject({ status: 'FAILED', attempts: 3, error: { code: 'UPSTREAM_DOWN', retryable: true } });
  });

  test('an unexpected error fails the task with INTERNAL and hides the detail', async () => {
    const task = await untilDone(await create('crash'));
    expect(task).toMatchObject({ status: 'FAILED', attempts: 1, error: { code: 'INTERNAL', retryable: false } });
    expect(task.error!.message).not.toContain('secret');
  });
});

describe('lists', () => {
  test('paging through tasks while more are created: newest first, no duplicate, none missing', async () => {
    const before = new Set<string>();
    for (let i = 0; i < 12; i++) before.add(await create(`list ${i}`));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/videos/tasks?limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await request(t.url, path);
      expect(page.status).toBe(200);
      const items = page.body.items as { id: string; createdAt: string }[];
      seen.push(...items.map((item) => item.id));
      cursor = page.body.nextCursor as string | null;
      if (cursor) expect(page.headers.get('link')).toBe(`</videos/tasks?limit=5&cursor=${cursor}>; rel="next"`);
      else expect(page.headers.get('link')).toBeNull();
      await create(`created while paging ${pages++}`); // lands before the cursor, never in a later page
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before) expect(seen).toContain(id);
    // Every task listed over REST is the same task over GraphQL.
    const overGraphql = await Promise.all(seen.map((id) => graphqlTask(id)));
    expect(overGraphql.map((task) => task?.id)).toEqual(seen);

    // GraphQL walks the same list the same way.
    const graphqlSeen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: { data?: { tasks: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } | null } = await gql(t.url, `query($after: String) { tasks(first: 7, after: $after, filter: { kind: CREATE_VIDEO }) { nodes { id } pageInfo { hasNextPage endCursor } } }`, { after });
      graphqlSeen.push(...res.data!.tasks.nodes.map((n) => n.id));
      if (!res.data!.tasks.pageInfo.hasNextPage) break;
      after = res.data!.tasks.pageInfo.endCursor;
    }
    expect(new Set(graphqlSeen).size).toBe(graphqlSeen.length);
    for (const id of seen) expect(graphqlSeen).toContain(id);
  });

  test('filters by status, both interfaces; bad paging input names the parameter', async () => {
    const failed = await request(t.url, '/videos/tasks?status=failed&limit=100');
    const failedIds = (failed.body.items as { id: string; status: string }[]).map((i) => i.status);
    expect(failedIds.length).toBeGreaterThanOrEqual(3);
    expect(new Set(failedIds)).toEqual(new Set(['failed']));
    const graphql = await gql<{ tasks: { nodes: { status: string }[] } }>(t.url, `{ tasks(first: 100, filter: { status: [FAILED] }) { nodes { status } } }`);
    expect(graphql.data!.tasks.nodes).toHaveLength(failedIds.length);

    const farPast = Buffer.from(JSON.stringify(['-100000-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000'])).toString('base64url');
    for (const [query, field] of [
      ['limit=0', 'limit'], ['limit=101', 'limit'], ['limit=x', 'limit'], ['cursor=garbage', 'cursor'], [`cursor=${farPast}`, 'cursor'],
      ['status=sleeping', 'status'], ['status=constructor', 'status'], ['status=__proto__', 'status'], ['kind=PAINT', 'kind'],
    ]) {
      const res = await request(t.url, `/videos/tasks?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ field, in: 'query' })]);
    }
    const bad = await gql(t.url, `{ tasks(first: 500) { nodes { id } } }`);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [expect.objectContaining({ field: 'first' })] });
  });
});

describe('idempotent create', () => {
  test('the same key and body return the same task; another body under the key is refused', async () => {
    const key = `key-${Date.now()}`;
    const body = { title: 'idempotent', plot: 'once' };
    const first = await postJson(t.url, '/videos/tasks', body, { 'Idempotency-Key': key });
    const again = await postJson(t.url, '/videos/tasks', { ...body, durationSeconds: 10 }, { 'Idempotency-Key': key });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('content-location')).toBe(first.headers.get('content-location'));
    const other = await postJson(t.url, '/videos/tasks', { ...body, plot: 'twice' }, { 'Idempotency-Key': key });
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toContain('application/problem+json');

    // GraphQL shares the keys: the same request is the same task, another one a CONFLICT.
    const replay = await gql<{ createVideoTask: { id: string } }>(t.url, `mutation($key: String) { createVideoTask(input: { title: "idempotent", plot: "once" }, idempotencyKey: $key) { id } }`, { key });
    expect(replay.data!.createVideoTask.id).toBe(first.body.id);
    const conflict = await gql(t.url, `mutation($key: String) { createVideoTask(input: { title: "idempotent", plot: "other" }, idempotencyKey: $key) { id } }`, { key });
    expect(conflict.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await t.app.services.database.prisma.task.count({ where: { input: { path: ['title'], equals: 'idempotent' } } })).toBe(1);
  });

  test('concurrent requests with one key create one task', async () => {
    const key = `race-${Date.now()}`;
    const answers = await Promise.all(Array.from({ length: 8 }, () => postJson(t.url, '/videos/tasks', { title: 'raced', plot: 'x' }, { 'Idempotency-Key': key })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
  });

  test('a key whose task record was removed is refused, never taken for new work', async () => {
    const key = `removed-${Date.now()}`;
    const first = await postJson(t.url, '/videos/tasks', { title: 'short-lived', plot: '' }, { 'Idempotency-Key': key });
    await request(t.url, `/videos/tasks/${first.body.id as string}?wait=10`);
    expect((await request(t.url, `/videos/tasks/${first.body.id as string}`, { method: 'DELETE' })).status).toBe(204);
    const replay = await postJson(t.url, '/videos/tasks', { title: 'short-lived', plot: '' }, { 'Idempotency-Key': key });
    expect(replay.status).toBe(409);
    expect(replay.body).toMatchObject({ code: 'CONFLICT', taskId: first.body.id, idempotencyKey: key });
  });

  test('a malformed key is a 400 naming the header', async () => {
    const res = await postJson(t.url, '/videos/tasks', { title: 'x', plot: 'y' }, { 'Idempotency-Key': 'x'.repeat(256) });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key', in: 'header' })]);
  });
});

describe('wait', () => {
  test('?wait=N answers as soon as the task is done', async () => {
    const id = await create('sleep:300');
    const started = Date.now();
    const res = await request(t.url, `/videos/tasks/${id}?wait=10`);
    const took = Date.now() - started;
    expect(res.body).toMatchObject({ status: 'done' });
    expect(took).toBeLessThan(5000); // well before the 10 s deadline
    const done = await gql<{ waitForTask: TaskShape }>(t.url, `query($id: ID!) { waitForTask(id: $id, timeoutSeconds: 5) { status } }`, { id });
    expect(done.data!.waitForTask.status).toBe('SUCCEEDED');
  });

  test('?wait=N answers with the pending state when N runs out', async () => {
    const id = await create('sleep:20000');
    const started = Date.now();
    const res = await request(t.url, `/videos/tasks/${id}?wait=1`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('pending');
    expect(res.headers.get('retry-after')).not.toBeNull();
    const graphql = await gql<{ waitForTask: TaskShape }>(t.url, `query($id: ID!) { waitForTask(id: $id, timeoutSeconds: 1) { status done } }`, { id });
    expect(graphql.data!.waitForTask.done).toBe(false);
    await request(t.url, `/videos/tasks/${id}/cancel`, { method: 'POST' });
  });

  test('wait beyond 30 seconds is refused; unknown ids are 404 and null', async () => {
    const res = await request(t.url, `/videos/tasks/00000000-0000-4000-8000-000000000000?wait=31`);
    expect(res.status).toBe(400);
    expect((await request(t.url, `/videos/tasks/00000000-0000-4000-8000-000000000000?wait=1`)).status).toBe(404);
    const graphql = await gql(t.url, `{ waitForTask(id: "00000000-0000-4000-8000-000000000000", timeoutSeconds: 1) { id } }`);
    expect(graphql).toEqual({ data: { waitForTask: null } });
  });
});

describe('resume and feed', () => {
  test('taskUpdated(afterVersion) sends the current state only if it is newer', async () => {
    const id = await create('plain');
    const finished = await untilDone(id);
    const subscribe = async (afterVersion: number) => {
      const client = wsClient(t.url);
      const result = await collect<{ taskUpdated: TaskShape }>(client, `subscription($id: ID!, $after: Int) { taskUpdated(id: $id, afterVersion: $after) { version status } }`, { id, after: afterVersion });
      await client.dispose();
      return result.payloads.map((p) => p.data!.taskUpdated.version);
    };
    expect(await subscribe(finished.version)).toEqual([]);
    expect(await subscribe(finished.version - 1)).toEqual([finished.version]);
  });

  test('tasksUpdated streams every change of matching tasks', async () => {
    const client = wsClient(t.url);
    const events: { id: string; status: string }[] = [];
    let resolveDone: () => void;
    const sawBoth = new Promise<void>((resolve) => (resolveDone = resolve));
    const ids: string[] = [];
    const unsubscribe = client.subscribe<{ tasksUpdated: { id: string; status: string } }>(
      { query: `subscription { tasksUpdated(filter: { status: [SUCCEEDED, FAILED] }) { id status } }` },
      {
        next: (value) => {
          events.push(value.data!.tasksUpdated);
          if (ids.length === 2 && ids.every((id) => events.some((e) => e.id === id))) resolveDone();
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    // The feed is live once the server has acknowledged: a task's events before that are not replayed.
    await new Promise((resolve) => setTimeout(resolve, 200));
    ids.push(await create('plain feed'), await create('permanent'));
    await sawBoth;
    unsubscribe();
    await client.dispose();
    const mine = events.filter((e) => ids.includes(e.id));
    expect(mine.map((e) => e.status).sort()).toEqual(['FAILED', 'SUCCEEDED']);
    expect(events.every((e) => ['SUCCEEDED', 'FAILED'].includes(e.status))).toBe(true);
  });
});

describe('removing finished records', () => {
  test('DELETE /videos/tasks/{id}: 409 while it runs, 204 once finished, then 404', async () => {
    const id = await create('sleep:20000');
    await waitFor('running', async () => ((await graphqlTask(id)).status === 'RUNNING' ? true : null));
    const busy = await request(t.url, `/videos/tasks/${id}`, { method: 'DELETE' });
    expect(busy.status).toBe(409);
    const cancelled = await request(t.url, `/videos/tasks/${id}/cancel`, { method: 'POST' });
    expect(cancelled.body.status).toBe('cancelled');
    expect((await request(t.url, `/videos/tasks/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await request(t.url, `/videos/tasks/${id}`)).status).toBe(404);
    const graphql = await gql(t.url, `mutation($id: ID!) { removeTask(id: $id) }`, { id });
    expect(graphql.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('expiry', () => {
  test('finished tasks show expiresAt and are purged after the retention', async () => {
    const short = await startTestApp({
      processors: { CREATE_VIDEO: scriptedProcessor },
      config: { taskRetentionMs: 1000, purgeIntervalMs: 100 },
    });
    try {
      const res = await postJson(short.url, '/videos/tasks', { title: 'ephemeral', plot: '' });
      const id = res.body.id as string;
      expect(res.body.expiresAt).toBeNull();
      const done = await waitFor('done', async () => {
        const r = await request(short.url, `/videos/tasks/${id}`);
        return r.body.done ? r : null;
      });
      expect(new Date(done.body.expiresAt as string).getTime() - new Date(done.body.finishedAt as string).getTime()).toBe(1000);
      await waitFor('purged', async () => ((await request(short.url, `/videos/tasks/${id}`)).status === 404 ? true : null), 10_000);
    } finally {
      await short.cleanup();
    }
  });
});
