// The two event streams behind subscriptions, fed by hand: ordering, coalescing, endings.
import { FeedWatch } from '../src/tasks/feedWatch.js';
import { TaskWatch } from '../src/tasks/taskWatch.js';
import type { TaskStatus, TaskView } from '../src/tasks/taskTypes.js';

function snapshot(id: string, version: number, status: TaskStatus): TaskView {
  const now = new Date();
  return {
    id, callerId: 'anonymous', version, status, kind: 'CREATE_VIDEO', input: {}, progress: 0, stage: 'x', attempts: 1,
    errorCode: null, errorMessage: null, errorRetryable: null, claimId: null, jobId: null, runAfter: null, cancelRequestedAt: null,
    videoId: null, video: null, createdAt: now, updatedAt: now, startedAt: null, finishedAt: null, traceParent: null, traceState: null,
  };
}

/** What a stream delivers until it has been idle for 20 ms; a next() still waiting is kept for the next call. */
const waiting = new WeakMap<AsyncIterableIterator<TaskView>, Promise<IteratorResult<TaskView>>>();
async function drain(stream: AsyncIterableIterator<TaskView>): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const next = waiting.get(stream) ?? stream.next();
    waiting.set(stream, next);
    const result = await Promise.race([next, new Promise<'idle'>((resolve) => setTimeout(() => resolve('idle'), 20))]);
    if (result === 'idle') break;
    waiting.delete(stream);
    if (result.done) break;
    seen.push(`${result.value.id}@${result.value.version}:${result.value.status}`);
  }
  return seen;
}

describe('TaskWatch', () => {
  test('current first, newer versions only, ends after the terminal state', async () => {
    let unsubscribed = false;
    const watch = new TaskWatch(snapshot('a', 2, 'RUNNING'), () => (unsubscribed = true));
    watch.push(snapshot('a', 1, 'PENDING')); // stale
    watch.push(snapshot('a', 3, 'RUNNING'));
    watch.push(snapshot('a', 4, 'SUCCEEDED')); // the consumer is slow: 3 is superseded
    expect(await drain(watch)).toEqual(['a@4:SUCCEEDED']);
    expect(unsubscribed).toBe(true);
    expect((await watch.next()).done).toBe(true);
  });

  test('afterVersion: nothing the client has, and a claim beyond the task is treated as up to date', async () => {
    const upToDate = new TaskWatch(snapshot('a', 5, 'SUCCEEDED'), () => undefined, 5);
    expect(await drain(upToDate)).toEqual([]);
    expect((await upToDate.next()).done).toBe(true);
    const ahead = new TaskWatch(snapshot('a', 2, 'RUNNING'), () => undefined, 50);
    ahead.push(snapshot('a', 3, 'SUCCEEDED'));
    expect(await drain(ahead)).toEqual(['a@3:SUCCEEDED']);
  });

  test('return() ends a stream that is waiting', async () => {
    const watch = new TaskWatch(snapshot('a', 1, 'PENDING'), () => undefined);
    await watch.next();
    const waiting = watch.next();
    await watch.return();
    expect((await waiting).done).toBe(true);
  });
});

describe('FeedWatch', () => {
  test('sends a task leaving the filter once, and never an older version after a newer one', async () => {
    const feed = new FeedWatch((task) => task.status === 'RUNNING', () => undefined);
    feed.push(snapshot('a', 2, 'RUNNING'));
    expect(await drain(feed)).toEqual(['a@2:RUNNING']);
    feed.push(snapshot('a', 3, 'SUCCEEDED'));
    expect(await drain(feed)).toEqual(['a@3:SUCCEEDED']);
    feed.push(snapshot('a', 2, 'RUNNING')); // late and stale
    feed.push(snapshot('b', 1, 'PENDING')); // never inside
    expect(await drain(feed)).toEqual([]);
  });
});
