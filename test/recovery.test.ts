// What a start finds in the database: tasks left RUNNING by a process that died, and rows written
// before the job engine (no job): each gets a job, and its run takes the task over.
import fs from 'node:fs/promises';
import { buildApp } from '../src/app.js';
import { openDatabase } from '../src/db/database.js';
import type { Processor } from '../src/tasks/processor.js';
import { postJson, request, waitFor } from './support/http.js';
import { migratedPgliteTemplate } from './support/pgliteTemplate.js';
import { scriptedProcessor } from './support/scriptedProcessor.js';
import { makeDataDir, startTestApp, testConfig } from './support/testApp.js';

test('tasks left RUNNING: re-run, cancelled if asked, failed INTERRUPTED once out of attempts', async () => {
  const dataDir = await makeDataDir();
  const db = await openDatabase({ dataDir, pgliteLoadDataDir: await migratedPgliteTemplate() });
  const left = { callerId: 'anonymous', status: 'RUNNING' as const, claimId: 'a-run-that-died', kind: 'CREATE_VIDEO' as const, input: { title: 'left', plot: '' } };
  const rerun = await db.prisma.task.create({ data: { ...left, attempts: 1 } });
  const exhausted = await db.prisma.task.create({ data: { ...left, attempts: 3 } });
  const cancelAsked = await db.prisma.task.create({ data: { ...left, attempts: 1, cancelRequestedAt: new Date() } });
  await db.close();

  const app = buildApp(testConfig(dataDir), { processors: { CREATE_VIDEO: scriptedProcessor } });
  const url = await app.start();
  try {
    const status = async (id: string) => (await request(url, `/videos/tasks/${id}?wait=10`)).body;
    expect(await status(rerun.id)).toMatchObject({ status: 'done', attempts: 2 });
    expect(await status(exhausted.id)).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'INTERRUPTED', retryable: false } });
    expect(await status(cancelAsked.id)).toMatchObject({ status: 'cancelled', attempts: 1 });
  } finally {
    await app.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  }
});

test('cancelling a task that waits for its retry ends it at once; it never runs again', async () => {
  const t = await startTestApp({ processors: { CREATE_VIDEO: scriptedProcessor }, config: { retry: { maxAttempts: 3, baseMs: 60_000, capMs: 60_000, resourceWaitMs: 0 } } });
  try {
    const created = await fetch(`${t.url}/videos/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'retryable', plot: '' }) });
    const { id } = (await created.json()) as { id: string };
    await waitFor('retrying', async () => ((await request(t.url, `/videos/tasks/${id}`)).body.stage === 'retrying' ? true : null));
    const waiting = await request(t.url, `/videos/tasks/${id}`);
    expect(Number(waiting.headers.get('retry-after'))).toBeGreaterThan(20);
    const cancelled = await request(t.url, `/videos/tasks/${id}/cancel`, { method: 'POST' });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', attempts: 1 });
  } finally {
    await t.cleanup();
  }
});

test('a run that lost its task to another run learns it before it publishes, and changes nothing', async () => {
  let outcome: 'resolved' | 'rejected' | null = null;
  const processor: Processor = async (task, { ensureCurrent }) => {
    // Another run takes the task over while this one works (its worker froze past the heartbeat).
    await prisma().task.update({ where: { id: task.id }, data: { claimId: 'the-run-that-took-over' } });
    try {
      await ensureCurrent();
      outcome = 'resolved';
    } catch (error) {
      outcome = 'rejected';
      throw error; // as the render does: the run ends here
    }
    return { store: async (tx) => ({ videoId: (await tx.video.create({ data: { callerId: task.callerId, title: 'stale', plot: '', durationSeconds: 1, width: 2, height: 2, fps: 1, sizeBytes: 1, contentPath: 'x', posterPath: 'y' } })).id }) };
  };
  const t = await startTestApp({ processors: { CREATE_VIDEO: processor } });
  const prisma = () => t.app.services.database.prisma;
  try {
    const { id } = (await postJson(t.url, '/videos/tasks', { title: 'lost', plot: 'p' })).body as { id: string };
    await waitFor('the run to check its claim', async () => outcome, 10_000, 10);
    expect(outcome).toBe('rejected');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // No write of the lost run after the takeover: not released, not failed, not retried.
    expect(await prisma().task.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'RUNNING', claimId: 'the-run-that-took-over', version: 2, errorCode: null });
    expect(await prisma().video.count()).toBe(0);
  } finally {
    await t.cleanup();
  }
});
