// Cancel and delete with the real render: a cancelled render's ffmpeg is killed and its files
// removed; deleting a video is a task that removes the row and the files, one at a time.
import fs from 'node:fs';
import path from 'node:path';
import { gql } from './support/graphqlClient.js';
import { postJson, request, waitFor } from './support/http.js';
import { findProcesses } from './support/processes.js';
import { startTestApp, type TestApp } from './support/testApp.js';

let t: TestApp;
// One worker, so a long render keeps later tasks PENDING for as long as a test needs.
beforeAll(async () => {
  t = await startTestApp({ config: { workerConcurrency: 1 } });
});
afterAll(() => t.cleanup());

const mediaDir = () => path.join(t.dataDir, 'media');
const createTask = async (title: string, durationSeconds: number) => {
  const res = await postJson(t.url, '/videos/tasks', { title, plot: 'p', durationSeconds });
  expect(res.status).toBe(202);
  return res.body.id as string;
};
const stageOf = async (id: string) => (await request(t.url, `/videos/tasks/${id}`)).body.stage;
const untilRendering = (id: string) => waitFor('rendering', async () => ((await stageOf(id)) === 'rendering' ? true : null), 30_000, 10);

test('cancel: a PENDING task at once, a RUNNING render at once with ffmpeg gone and nothing left', async () => {
  const running = await createTask('long render', 300);
  const queued = await createTask('queued', 1);
  await untilRendering(running);

  const cancelQueued = await request(t.url, `/videos/tasks/${queued}/cancel`, { method: 'POST' });
  expect(cancelQueued.status).toBe(200);
  expect(cancelQueued.body).toMatchObject({ status: 'cancelled', attempts: 0, done: true });

  const ffmpeg = await waitFor('the ffmpeg child', async () => findProcesses('ffmpeg', running)[0] ?? null);
  const videosBefore = await t.app.services.database.prisma.video.count();
  const started = Date.now();
  const cancelled = await gql<{ cancelTask: { status: string; done: boolean; cancelRequested: boolean } }>(t.url, `mutation($id: ID!) { cancelTask(id: $id) { status done cancelRequested } }`, { id: running });
  // Answered once ffmpeg is gone, long before the 300 s render could end (a bound generous
  // enough for a loaded machine; the assertions below prove the order).
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(cancelled.data!.cancelTask).toEqual({ status: 'CANCELLED', done: true, cancelRequested: true });
  expect(() => process.kill(ffmpeg, 0)).toThrow();
  expect(fs.existsSync(path.join(mediaDir(), running))).toBe(false);
  expect(await t.app.services.database.prisma.video.count()).toBe(videosBefore);

  // Cancelling a finished task is a conflict and changes nothing.
  const before = (await request(t.url, `/videos/tasks/${running}`)).body;
  const again = await request(t.url, `/videos/tasks/${running}/cancel`, { method: 'POST' });
  expect(again.status).toBe(409);
  expect(again.body).toMatchObject({ code: 'CONFLICT', taskId: running });
  const graphqlAgain = await gql(t.url, `mutation($id: ID!) { cancelTask(id: $id) { id } }`, { id: queued });
  expect(graphqlAgain.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  expect((await request(t.url, `/videos/tasks/${running}`)).body.version).toBe(before.version);
  expect((await request(t.url, '/videos/tasks/00000000-0000-4000-8000-000000000000/cancel', { method: 'POST' })).status).toBe(404);
});

test('delete as a task: 202, the video reports its deletion, conflicts name the task, then 404 and files gone', async () => {
  const createId = await createTask('to be deleted', 1);
  const created = await waitFor('video', async () => {
    const res = await request(t.url, `/videos/tasks/${createId}`);
    return res.status === 303 ? res : null;
  });
  const videoPath = created.headers.get('location')!;
  const videoId = videoPath.split('/').at(-1)!;
  const video = (await request(t.url, videoPath)).body;
  expect(video.status).toBe('available');
  const videoDir = path.join(mediaDir(), createId);
  expect(fs.existsSync(videoDir)).toBe(true);

  // Keep the only worker busy so the deletion waits its turn and the conflict is observable.
  const blocker = await createTask('blocker', 300);
  await untilRendering(blocker);

  const deletion = await request(t.url, videoPath, { method: 'DELETE' });
  expect(deletion.status).toBe(202);
  const deletionPath = deletion.headers.get('content-location')!;
  expect(deletion.body).toMatchObject({ kind: 'DELETE_VIDEO', status: 'pending' });
  const deletionId = deletion.body.id as string;

  const whileDeleting = await request(t.url, videoPath);
  expect(whileDeleting.body.status).toBe('deleting');
  expect(whileDeleting.body.links).toContainEqual({ rel: 'deletion-task', href: deletionPath });
  const graphqlVideo = await gql<{ video: { status: string; deletionTask: { id: string } } }>(t.url, `query($id: ID!) { video(id: $id) { status deletionTask { id } } }`, { id: videoId });
  expect(graphqlVideo.data!.video).toEqual({ status: 'DELETING', deletionTask: { id: deletionId } });

  const twice = await request(t.url, videoPath, { method: 'DELETE' });
  expect(twice.status).toBe(409);
  expect(twice.body).toMatchObject({ code: 'CONFLICT', taskId: deletionId });
  const graphqlTwice = await gql(t.url, `mutation($id: ID!) { deleteVideoTask(videoId: $id) { id } }`, { id: videoId });
  expect(graphqlTwice.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', taskId: deletionId });

  await request(t.url, `/videos/tasks/${blocker}/cancel`, { method: 'POST' });
  const done = await request(t.url, `${deletionPath}?wait=20`);
  expect(done.status).toBe(200);
  expect(done.body).toMatchObject({ status: 'done', kind: 'DELETE_VIDEO' });
  expect((await request(t.url, videoPath)).status).toBe(404);
  expect((await request(t.url, `${videoPath}/content`)).status).toBe(404);
  expect(fs.existsSync(videoDir)).toBe(false);
  expect((await request(t.url, videoPath, { method: 'DELETE' })).status).toBe(404);

  // The task that created it is still there, now without a video to point to.
  const creator = await request(t.url, `/videos/tasks/${createId}`);
  expect(creator.status).toBe(200);
  expect(creator.body).toMatchObject({ status: 'done', resources: [] });
});

test('GraphQL deleteVideoTask with an idempotency key replays; videos() lists newest first', async () => {
  const ids: string[] = [];
  for (const title of ['first', 'second']) {
    const id = await createTask(title, 1);
    await waitFor('done', async () => ((await request(t.url, `/videos/tasks/${id}`)).status === 303 ? true : null));
    ids.push(id);
  }
  const list = await request(t.url, '/videos?limit=2');
  const [newest, older] = list.body.items as { id: string; title: string }[];
  expect([newest!.title, older!.title]).toEqual(['second', 'first']);
  const graphqlList = await gql<{ videos: { nodes: { title: string }[] } }>(t.url, `{ videos(first: 2) { nodes { title } } }`);
  expect(graphqlList.data!.videos.nodes.map((n) => n.title)).toEqual(['second', 'first']);

  const mutation = `mutation($id: ID!, $key: String) { deleteVideoTask(videoId: $id, idempotencyKey: $key) { id kind } }`;
  const first = await gql<{ deleteVideoTask: { id: string; kind: string } }>(t.url, mutation, { id: newest!.id, key: 'delete-second' });
  const replay = await gql<{ deleteVideoTask: { id: string } }>(t.url, mutation, { id: newest!.id, key: 'delete-second' });
  expect(first.data!.deleteVideoTask.kind).toBe('DELETE_VIDEO');
  expect(replay.data!.deleteVideoTask.id).toBe(first.data!.deleteVideoTask.id);
  const otherVideo = await request(t.url, `/videos/${older!.id}`, { method: 'DELETE', headers: { 'Idempotency-Key': 'delete-second' } });
  expect(otherVideo.status).toBe(422);

  // Concurrent deletions under one key: one task, every answer a 202 for it.
  const answers = await Promise.all(Array.from({ length: 4 }, () => request(t.url, `/videos/${older!.id}`, { method: 'DELETE', headers: { 'Idempotency-Key': 'delete-first' } })));
  expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
  expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
});
