// Graceful shutdown of a real server process: SIGTERM lets running tasks finish within the
// grace period, puts the rest back to PENDING, closes subscriptions with 1001 and exits 0.
import fs from 'node:fs/promises';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { openDatabase } from '../src/db/database.js';
import { postJson, request, waitFor } from './support/http.js';
import { startServer } from './support/serverProcess.js';
import { makeDataDir } from './support/testApp.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await makeDataDir();
});
afterEach(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

async function taskRow(id: string) {
  const db = await openDatabase({ dataDir });
  try {
    return await db.prisma.task.findUniqueOrThrow({ where: { id } });
  } finally {
    await db.close();
  }
}

test('SIGTERM past the grace period: the task goes back to PENDING, sockets get 1001, exit 0, the next start finishes it', async () => {
  const server = await startServer({ DATA_DIR: dataDir, SHUTDOWN_GRACE_SECONDS: '0' });
  const created = await postJson(server.url, '/videos/tasks', { title: 'Interrupted', plot: 'SIGTERM mid-render', durationSeconds: 300 });
  const id = created.body.id as string;

  // Subscribed before the render is seen under way, so nothing stands between that and the
  // SIGTERM (on a loaded machine a small render could finish while a client connects).
  const client = createClient({ url: server.url.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, retryAttempts: 0 });
  const closeCode = new Promise<number>((resolve) => client.on('closed', (event) => resolve((event as { code: number }).code)));
  const subscribed = new Promise<void>((resolve) => {
    client.subscribe({ query: `subscription($id: ID!) { taskUpdated(id: $id) { status } }`, variables: { id } }, {
      next: () => resolve(),
      error: () => undefined,
      complete: () => undefined,
    });
  });
  await subscribed;
  await waitFor('rendering', async () => ((await request(server.url, `/videos/tasks/${id}`)).body.stage === 'rendering' ? true : null), 30_000, 10);

  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
  expect(await closeCode).toBe(1001);
  await client.dispose();
  expect(await taskRow(id)).toMatchObject({ status: 'PENDING', attempts: 1, claimId: null });
  await expect(fs.access(`${dataDir}/longrun.lock`)).rejects.toThrow();

  const restarted = await startServer({ DATA_DIR: dataDir });
  try {
    const done = await request(restarted.url, `/videos/tasks/${id}?wait=30`);
    expect(done.status).toBe(303);
    expect(done.body).toMatchObject({ status: 'done', attempts: 2 });
  } finally {
    restarted.child.kill('SIGINT');
    expect(await restarted.exited).toBe(0);
  }
}, 120_000);

test('SIGTERM within the grace period: the running render finishes before the process exits', async () => {
  const server = await startServer({ DATA_DIR: dataDir, SHUTDOWN_GRACE_SECONDS: '60' });
  const created = await postJson(server.url, '/videos/tasks', { title: 'Allowed to finish', plot: 'p', durationSeconds: 60 });
  const id = created.body.id as string;
  await waitFor('rendering', async () => ((await request(server.url, `/videos/tasks/${id}`)).body.stage === 'rendering' ? true : null), 30_000, 10);
  server.child.kill('SIGTERM');
  expect(await server.exited).toBe(0);
  const row = await taskRow(id);
  expect(row).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
  expect(row.videoId).not.toBeNull();
}, 120_000);
