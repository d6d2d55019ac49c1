// Shared reads behind the event bus: a burst of readers of one task costs a handful of queries,
// and a reader that asks after a read started gets a read of its own (it must see later changes).
import { BatchedReads } from '../src/events/batchedReads.js';
import type { TaskView } from '../src/tasks/taskTypes.js';
import { postJson } from './support/http.js';
import { scriptedProcessor } from './support/scriptedProcessor.js';
import { startTestApp, type TestApp } from './support/testApp.js';
import { TaskStore } from '../src/tasks/taskStore.js';

let t: TestApp;
let store: TaskStore;
let queries = 0;
let reads: BatchedReads;

beforeAll(async () => {
  t = await startTestApp({ processors: { CREATE_VIDEO: scriptedProcessor } });
  const unusedQueue = { enqueue: async () => undefined, cancel: async () => undefined };
  store = new TaskStore(t.app.services.database.prisma, unusedQueue);
  reads = new BatchedReads(async (ids) => {
    queries++;
    return store.findMany(ids);
  });
});
afterAll(async () => {
  await t.cleanup();
});

test('2,000 readers of one task at once: a few queries, every reader gets the task', async () => {
  const { id } = (await postJson(t.url, '/videos/tasks', { title: 'sleep:5000', plot: 'p' })).body as { id: string };
  queries = 0;
  const results = await Promise.all(Array.from({ length: 2000 }, () => reads.read(id)));
  expect(results.every((task) => task?.id === id)).toBe(true);
  expect(queries).toBeLessThanOrEqual(3);
});

test('a reader arriving while a read is under way gets the state after it, not the earlier read', async () => {
  const { id } = (await postJson(t.url, '/videos/tasks', { title: 'sleep:5000', plot: 'p' })).body as { id: string };
  const { prisma } = t.app.services.database;
  const first = reads.read(id);
  await new Promise((resolve) => setImmediate(resolve)); // the first read has started
  await prisma.task.update({ where: { id }, data: { stage: 'changed-meanwhile', version: { increment: 1 } } });
  const second = await reads.read(id);
  const earlier = (await first) as TaskView;
  expect(second?.stage).toBe('changed-meanwhile');
  expect(second!.version).toBeGreaterThan(earlier.version);
});

test('unknown ids read as null; several ids share one query', async () => {
  const a = (await postJson(t.url, '/videos/tasks', { title: 'a', plot: 'p' })).body.id as string;
  const b = (await postJson(t.url, '/videos/tasks', { title: 'b', plot: 'p' })).body.id as string;
  queries = 0;
  const [ra, rb, none] = await Promise.all([reads.read(a), reads.read(b), reads.read('00000000-0000-4000-8000-000000000000')]);
  expect([ra?.id, rb?.id, none]).toEqual([a, b, null]);
  expect(queries).toBe(1);
});
