// A server killed with SIGKILL mid-render loses nothing: the next start on the same DATA_DIR
// finishes the task, with exactly one video. The DATA_DIR lock keeps a second server out
// while the first lives, and a lock left by the killed one does not block the restart.
import fs from 'node:fs/promises';
import { openDatabase } from '../src/db/database.js';
import { postJson, request, waitFor } from './support/http.js';
import { spawnServer, startServer } from './support/serverProcess.js';
import { makeDataDir } from './support/testApp.js';

let dataDir: string;

beforeAll(async () => {
  dataDir = await makeDataDir();
});
afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

test('SIGKILL during a render, restart: the task finishes once, with one video', async () => {
  const first = await startServer({ DATA_DIR: dataDir });
  let taskPath: string;
  try {
    // A second server on the same directory refuses to start and says why.
    const second = spawnServer({ DATA_DIR: dataDir });
    second.ready.catch(() => undefined);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toContain('is in use by another longrun process');

    const created = await postJson(first.url, '/videos/tasks', { title: 'Crash test', plot: 'Killed mid-render.', durationSeconds: 120 });
    expect(created.status).toBe(202);
    taskPath = created.headers.get('content-location')!;
    await waitFor('the render to be under way', async () => {
      const res = await request(first.url, taskPath);
      return res.body.stage === 'rendering' ? res : null;
    }, 30_000, 10);
  } finally {
    first.child.kill('SIGKILL');
  }
  expect(await first.exited).toBe('SIGKILL');
  await expect(fs.access(`${dataDir}/longrun.lock`)).resolves.toBeUndefined();

  const restarted = await startServer({ DATA_DIR: dataDir });
  try {
    const done = await waitFor('the task to finish after the restart', async () => {
      const res = await request(restarted.url, taskPath);
      return res.body.done ? res : null;
    }, 60_000, 100);
    expect(done.status).toBe(303);
    expect(done.body).toMatchObject({ status: 'done', attempts: 2 });
    const video = await request(restarted.url, done.headers.get('location')!);
    expect(video.status).toBe(200);
    expect(video.body.durationSeconds).toBe(120);
  } finally {
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);
  }

  const db = await openDatabase({ dataDir });
  try {
    expect(await db.prisma.video.count()).toBe(1);
    expect(await db.prisma.task.count({ where: { status: { not: 'SUCCEEDED' } } })).toBe(0);
  } finally {
    await db.close();
  }
  // The clean stop released the lock.
  await expect(fs.access(`${dataDir}/longrun.lock`)).rejects.toThrow();
}, 120_000);
