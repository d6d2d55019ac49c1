// What a start finds in the database: tasks left RUNNING by a process that died, and rows written
// before the job engine (no job): each gets a job, and its run takes the task over.
import fs from 'node:fs/promises';
import { buildApp } from '../src/app.js';
import { openDatabase } from '../src/db/database.js';
import { request, waitFor } from './support/http.js';
import { migratedPgliteTemplate } from './support/pgliteTemplate.js';
import { scriptedProcessor } from './support/scriptedProcessor.js';
import { makeDataDir, startTestApp, testConfig } from './support/testApp.js';

test('tasks left RUNNING: re-run, cancelled if asked, failed INTERRUPTED once out of attempts', async () => {
  const dataDir = await makeDataDir();
  const db = await openDatabase({ dataDir, pgliteLoadDataDir: await migratedPgliteTemplate() });
  const left = { status: 'RUNNING' as const, claimId: 'a-run-that-died', kind: 'CREATE_VIDEO' as const, input: { title: 'left', plot: '' } };
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
