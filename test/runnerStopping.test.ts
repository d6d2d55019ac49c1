// A task whose work fails because the server is stopping goes back to PENDING, exactly like a
// task the shutdown stops itself: no retry consumed, no error recorded, never FAILED.
import { openDatabase } from '../src/db/database.js';
import { TaskFailure, type Processor } from '../src/tasks/processor.js';
import type { TaskWorker } from '../src/tasks/taskWorker.js';
import { postJson, waitFor } from './support/http.js';
import { startTestApp, type TestApp } from './support/testApp.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rowAfterStop(t: TestApp, id: string) {
  const db = await openDatabase({ dataDir: t.dataDir });
  try {
    return await db.prisma.task.findUniqueOrThrow({ where: { id } });
  } finally {
    await db.close();
  }
}

test('a retryable failure that arrives while the worker stops: back to PENDING, not retried, not FAILED', async () => {
  let worker: TaskWorker | null = null;
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  // Fails once the stop has begun, as ffmpeg does when the stop signal reaches it too.
  const processor: Processor = async () => {
    started();
    while (worker?.isAccepting !== false) await sleep(5);
    throw new TaskFailure('RENDER_INTERRUPTED', 'ffmpeg was killed by SIGTERM', true);
  };
  const t = await startTestApp({ processors: { CREATE_VIDEO: processor } });
  try {
    worker = t.app.services.worker;
    const id = (await postJson(t.url, '/videos/tasks', { title: 't', plot: 'p' })).body.id as string;
    await running;
    await t.app.stop({ graceMs: 10_000 });
    expect(await rowAfterStop(t, id)).toMatchObject({ status: 'PENDING', stage: 'queued', attempts: 1, errorCode: null, runAfter: null, claimId: null });
  } finally {
    await t.cleanup();
  }
});

test('an interruption just before the stop begins waits for it, and also goes back to PENDING', async () => {
  let thrown!: () => void;
  const failedOnce = new Promise<void>((resolve) => (thrown = resolve));
  const interruption = Object.assign(new Error('ffmpeg was stopped by a signal'), { code: 'RENDER_INTERRUPTED', retryable: true, interruption: true });
  const processor: Processor = async () => {
    thrown();
    throw interruption;
  };
  const t = await startTestApp({ processors: { CREATE_VIDEO: processor } });
  try {
    const id = (await postJson(t.url, '/videos/tasks', { title: 't', plot: 'p' })).body.id as string;
    await failedOnce;
    await sleep(100);
    await t.app.stop({ graceMs: 10_000 });
    expect(await rowAfterStop(t, id)).toMatchObject({ status: 'PENDING', stage: 'queued', attempts: 1, errorCode: null });
  } finally {
    await t.cleanup();
  }
});

test('with no stop coming, an interruption is retried after the short wait', async () => {
  let attempts = 0;
  const processor: Processor = async () => {
    attempts += 1;
    if (attempts === 1) throw Object.assign(new Error('ffmpeg was killed by SIGKILL'), { code: 'RENDER_INTERRUPTED', retryable: true, interruption: true });
    return {};
  };
  const t = await startTestApp({ processors: { CREATE_VIDEO: processor }, config: { retry: { maxAttempts: 3, baseMs: 10, capMs: 10, resourceWaitMs: 0 } } });
  try {
    const id = (await postJson(t.url, '/videos/tasks', { title: 't', plot: 'p' })).body.id as string;
    const { prisma } = t.app.services.database;
    const done = await waitFor('success', async () => {
      const row = await prisma.task.findUniqueOrThrow({ where: { id } });
      return row.status === 'SUCCEEDED' ? row : null;
    }, 10_000, 20);
    expect(done.attempts).toBe(2);
  } finally {
    await t.cleanup();
  }
});
