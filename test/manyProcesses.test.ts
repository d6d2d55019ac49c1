// Many processes on one PostgreSQL, as real processes: an API process (A, ROLE=api) that runs no
// task, and worker processes (ROLE=worker) that render. Every process has a DATA_DIR of its own;
// all share one MEDIA_DIR and one fresh database. What a user notices: events and `?wait=` on A
// follow a render on a worker, A serves the file a worker wrote, a killed worker's task is
// finished by another, a cancel on A stops a render on a worker, and 200 tasks over two workers
// each end with exactly one video.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from 'graphql-ws';
import { collect, gql, wsClient } from './support/graphqlClient.js';
import { postJson, request, waitFor, type JsonResponse } from './support/http.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { findProcesses, listProcesses } from './support/processes.js';
import { spawnRole, stopServer, type Role, type ServerProcess } from './support/serverProcess.js';
import { makeDataDir } from './support/testApp.js';

// Large enough that a 120 s video takes several seconds to render here.
const longRender = { RENDER_WIDTH: '1280', RENDER_HEIGHT: '720', RENDER_FPS: '24' };
const quickRender = { RENDER_WIDTH: '320', RENDER_HEIGHT: '180', RENDER_FPS: '12' };

type TaskStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** The REST representation of a task (README, "REST"). */
interface RestTask {
  id: string;
  status: 'pending' | 'done' | 'failed' | 'cancelled';
  done: boolean;
  progress: number;
  stage: string;
  attempts: number;
  version: number;
  finishedAt: string | null;
  resources?: { name: string; links: { rel: string; href: string }[] }[];
}

interface RestVideo {
  id: string;
  title: string;
}

interface TaskEvent {
  id: string;
  status: TaskStatus;
  done: boolean;
  progress: number;
  stage: string;
  attempts: number;
  version: number;
  video: { id: string; contentUrl: string } | null;
}

let database: TestDatabase;
let mediaDir: string;
let api: ServerProcess;
const processes: ServerProcess[] = [];
const dataDirs: string[] = [];
const clients: Client[] = [];
const watchers = new Set<() => void>();

/** Starts a process of `role` on the test database and the shared MEDIA_DIR, with a DATA_DIR of its own. */
async function startProcess(role: Role, env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = await makeDataDir();
  dataDirs.push(dataDir);
  const { child, exited, stderr, ready } = spawnRole(role, { DATABASE_URL: database.url, DATA_DIR: dataDir, MEDIA_DIR: mediaDir, ...env });
  const server: ServerProcess = { child, exited, stderr, url: '' };
  // Registered before it is ready, so afterAll stops it even if it never becomes ready.
  processes.push(server);
  server.url = await ready;
  return server;
}

const running = (server: ServerProcess): boolean => server.child.exitCode === null && server.child.signalCode === null;

/** SIGTERM to every one still running (SIGKILL after 20 s); says which did not exit 0. */
async function stopAll(servers: ServerProcess[]): Promise<void> {
  const live = servers.filter(running);
  const exits = await Promise.all(live.map((server) => stopServer(server, 20_000)));
  exits.forEach((exit, i) => {
    if (exit !== 0) console.log(`process ${live[i]!.child.pid} ended with ${String(exit)} after SIGTERM:\n${live[i]!.stderr()}`);
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  mediaDir = await fs.mkdtemp(path.join(os.tmpdir(), 'longrun-media-'));
  // The API first and alone: it migrates the database before any worker connects.
  api = await startProcess('api');
}, 60_000);

afterEach(() => {
  for (const stop of watchers) stop();
  watchers.clear();
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await stopAll(processes);
  // A worker killed without its parent-death signal would leave its ffmpeg rendering on.
  for (const pid of findProcesses('ffmpeg', mediaDir)) process.kill(pid, 'SIGKILL');
  await Promise.all([mediaDir, ...dataDirs].map((dir) => fs.rm(dir, { recursive: true, force: true })));
  await database.drop();
}, 60_000);

function asTask(res: JsonResponse): RestTask {
  return res.body as unknown as RestTask;
}

async function createTask(title: string, durationSeconds: number): Promise<RestTask> {
  const res = await postJson(api.url, '/videos/tasks', { title, plot: `The plot of ${title}.`, durationSeconds });
  if (res.status !== 202) throw new Error(`creating "${title}" answered ${res.status}: ${JSON.stringify(res.body)}`);
  return asTask(res);
}

/** Reads the task on A, waiting up to `waitSeconds` (REST `?wait=`) for it to finish. */
function readTask(id: string, waitSeconds = 0): Promise<JsonResponse> {
  return request(api.url, `/videos/tasks/${id}${waitSeconds > 0 ? `?wait=${waitSeconds}` : ''}`);
}

/** Asks A with `?wait=` again and again until the task is done; its last answer. */
async function finished(id: string, timeoutMs: number): Promise<JsonResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = Math.ceil((deadline - Date.now()) / 1000);
    const res = await readTask(id, Math.max(1, Math.min(30, left)));
    if (asTask(res).done) return res;
    if (Date.now() >= deadline) throw new Error(`task ${id} not done after ${timeoutMs} ms: ${JSON.stringify(res.body)}`);
  }
}

/** The id of the video a SUCCEEDED task created, from its `resources` (REST has no `video` field). */
function videoIdOf(task: RestTask): string {
  const href = task.resources?.[0]?.links.find((link) => link.rel === 'self')?.href;
  if (!href) throw new Error(`task ${task.id} names no video: ${JSON.stringify(task)}`);
  return href.replace(/^\/videos\//, '');
}

/** Every video A lists, following `nextCursor` page by page. */
async function listAllVideos(): Promise<RestVideo[]> {
  const videos: RestVideo[] = [];
  let cursor: string | null = null;
  do {
    const res = await request(api.url, `/videos?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    videos.push(...(res.body.items as RestVideo[]));
    cursor = (res.body.nextCursor as string | null | undefined) ?? null;
  } while (cursor);
  return videos;
}

const videosTitled = async (title: string): Promise<RestVideo[]> => (await listAllVideos()).filter((video) => video.title === title);

/** The ffmpeg processes rendering `taskId` (its output lies under MEDIA_DIR/<taskId>). */
const ffmpegOf = (taskId: string) => listProcesses('ffmpeg', taskId);

/**
 * Records, every 50 ms until stopped, which process is the parent of each ffmpeg rendering into
 * MEDIA_DIR: which process rendered what, seen from outside.
 */
function watchRenders(): { stop(): { ffmpeg: number; parent: number; commandLine: string }[] } {
  const seen = new Map<number, { ffmpeg: number; parent: number; commandLine: string }>();
  const sample = () => {
    for (const info of listProcesses('ffmpeg', mediaDir)) seen.set(info.pid, { ffmpeg: info.pid, parent: info.parent, commandLine: info.commandLine });
  };
  sample();
  const timer = setInterval(sample, 50);
  const stop = () => clearInterval(timer);
  // A test that fails before stop() must not leave it sampling (and jest waiting) for ever.
  watchers.add(stop);
  return {
    stop: () => {
      stop();
      watchers.delete(stop);
      return [...seen.values()];
    },
  };
}

/** Waits until one of `workers` renders `taskId`: that worker and its ffmpeg's pid. */
async function renderingWorker(taskId: string, workers: ServerProcess[]): Promise<{ worker: ServerProcess; ffmpeg: number }> {
  return waitFor(`a worker to render task ${taskId}`, async () => {
    const task = asTask(await readTask(taskId));
    const renders = ffmpegOf(taskId);
    if (task.stage !== 'rendering' || !(task.progress > 0) || renders.length !== 1) return null;
    const worker = workers.find((candidate) => candidate.child.pid === renders[0]!.parent);
    if (!worker) throw new Error(`task ${taskId} is rendered by pid ${renders[0]!.parent}, which is none of the workers`);
    return { worker, ffmpeg: renders[0]!.pid };
  }, 30_000, 20);
}

const seconds = (fromMs: number): number => (performance.now() - fromMs) / 1000;

describe('one API process and two workers rendering long videos', () => {
  let workers: ServerProcess[];

  beforeAll(async () => {
    workers = await Promise.all([startProcess('worker', { ...longRender, WORKER_CONCURRENCY: '1' }), startProcess('worker', { ...longRender, WORKER_CONCURRENCY: '1' })]);
  }, 60_000);
  afterAll(async () => {
    await stopAll(workers);
  }, 60_000);

  test('a subscriber on A sees every state of a task a worker renders, in version order, and A serves its video', async () => {
    const renders = watchRenders();
    const created = await createTask('Followed across processes', 30);
    const client = wsClient(api.url);
    clients.push(client);
    const { payloads, error } = await collect<{ taskUpdated: TaskEvent }>(client,
      'subscription($id: ID!) { taskUpdated(id: $id) { id status done progress stage attempts version video { id contentUrl } } }', { id: created.id });
    const rendered = renders.stop();
    expect(error).toBeUndefined();

    const events = payloads.map((payload) => payload.data!.taskUpdated);
    // The snapshot first: the state the task had when the subscription began.
    expect(events[0]!.version).toBeGreaterThanOrEqual(created.version);
    expect(['PENDING', 'RUNNING', 'SUCCEEDED']).toContain(events[0]!.status);
    const order: TaskStatus[] = ['PENDING', 'RUNNING', 'SUCCEEDED'];
    for (let i = 1; i < events.length; i++) {
      const [before, after] = [events[i - 1]!, events[i]!];
      expect(after.version).toBeGreaterThan(before.version);
      expect(order.indexOf(after.status)).toBeGreaterThanOrEqual(order.indexOf(before.status));
      if (after.attempts === before.attempts) expect(after.progress).toBeGreaterThanOrEqual(before.progress);
    }
    expect(events.some((event) => event.status === 'RUNNING' && event.stage === 'rendering' && event.progress > 0 && event.progress < 1)).toBe(true);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ status: 'SUCCEEDED', done: true, progress: 1, attempts: 1 });
    expect(events.filter((event) => event.done)).toHaveLength(1);
    // Nothing changed after the last event: A's own read has the same version.
    expect(asTask(await readTask(created.id)).version).toBe(last.version);

    // A worker rendered it; A rendered nothing.
    const parents = new Set(rendered.filter((render) => render.commandLine.includes(created.id)).map((render) => render.parent));
    expect(parents.size).toBe(1);
    expect(workers.map((worker) => worker.child.pid)).toContain([...parents][0]);
    expect(rendered.map((render) => render.parent)).not.toContain(api.child.pid);

    const content = await fetch(api.url + last.video!.contentUrl);
    expect(content.status).toBe(200);
    expect(content.headers.get('content-type')).toBe('video/mp4');
    const bytes = Buffer.from(await content.arrayBuffer());
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
  }, 60_000);

  test('?wait= on A, which runs nothing, answers as soon as a worker finishes the task', async () => {
    const created = await createTask('Waited for across processes', 10);
    const asked = Date.now();
    const res = await readTask(created.id, 30);
    const answered = Date.now();
    expect(res.status).toBe(303);
    const task = asTask(res);
    expect(task).toMatchObject({ status: 'done', done: true, attempts: 1 });
    const finishedAt = Date.parse(task.finishedAt!);
    console.log(`?wait= on A answered ${answered - finishedAt} ms after the worker finished (the wait lasted ${answered - asked} ms)`);
    // The task was still under way when the wait began, so the answer was the wait's doing.
    expect(finishedAt).toBeGreaterThan(asked);
    expect(answered - finishedAt).toBeLessThan(1_500);
  }, 60_000);

  test('a cancel on A stops a render on a worker: CANCELLED at once, ffmpeg gone, no video, no files', async () => {
    const title = 'Cancelled across processes';
    const created = await createTask(title, 120);
    const { worker, ffmpeg } = await renderingWorker(created.id, workers);

    const asked = performance.now();
    const cancel = await request(api.url, `/videos/tasks/${created.id}/cancel`, { method: 'POST' });
    expect([200, 202]).toContain(cancel.status);
    const cancelled = asTask(cancel).done ? asTask(cancel) : asTask(await finished(created.id, 10_000));
    const latency = seconds(asked);
    console.log(`cancel on A to CANCELLED: ${latency.toFixed(2)} s (the cancel request answered ${cancel.status})`);
    expect(cancelled).toMatchObject({ status: 'cancelled', done: true, attempts: 1 });
    expect(latency).toBeLessThan(3);

    await waitFor('the cancelled render\'s ffmpeg to exit', async () => (ffmpegOf(created.id).some((render) => render.pid === ffmpeg) ? null : true), 3_000, 20);
    expect(worker.child.exitCode).toBeNull();
    expect(await videosTitled(title)).toEqual([]);
    await waitFor('the cancelled render\'s files to be removed', async () => (await fs.stat(path.join(mediaDir, created.id)).then(() => null, () => true)), 5_000, 50);
    // And it stays cancelled: no worker picks it up again.
    expect(asTask(await readTask(created.id))).toMatchObject({ status: 'cancelled', attempts: 1, version: cancelled.version });
  }, 60_000);

  test('a worker killed mid-render (SIGKILL): the other worker finishes the task, with exactly one video', async () => {
    const title = 'Failed over';
    // Shorter than the cancelled one: the re-render counts in the fail-over time, and it is
    // still several seconds of rendering to kill in the middle of.
    const created = await createTask(title, 60);
    const { worker, ffmpeg } = await renderingWorker(created.id, workers);
    const survivor = workers.find((candidate) => candidate !== worker)!;
    const renders = watchRenders();

    worker.child.kill('SIGKILL');
    const killed = performance.now();
    expect(await worker.exited).toBe('SIGKILL');
    const takenOver = await waitFor('another worker to render the task again', async () => (ffmpegOf(created.id).some((render) => render.parent === survivor.child.pid) ? seconds(killed) : null), 60_000, 20);
    const res = await finished(created.id, 60_000);
    const failOver = seconds(killed);
    const rendered = renders.stop();
    console.log(`fail-over: ${failOver.toFixed(1)} s (SIGKILL of the rendering worker to SUCCEEDED; the other worker's ffmpeg started after ${takenOver.toFixed(1)} s)`);

    expect(res.status).toBe(303);
    const task = asTask(res);
    expect(task).toMatchObject({ status: 'done', done: true, attempts: 2 });
    expect(failOver).toBeLessThan(45);
    // The survivor rendered it again; the killed worker's ffmpeg died with it.
    const renderers = new Set(rendered.filter((render) => render.commandLine.includes(created.id) && render.ffmpeg !== ffmpeg).map((render) => render.parent));
    expect([...renderers]).toEqual([survivor.child.pid]);

    const videos = await videosTitled(title);
    expect(videos).toHaveLength(1);
    expect(videoIdOf(task)).toBe(videos[0]!.id);
    const read = await gql<{ task: { video: { id: string } | null } }>(api.url, 'query($id: ID!) { task(id: $id) { video { id } } }', { id: created.id });
    expect(read.data?.task.video?.id).toBe(videos[0]!.id);
  }, 120_000);
});

describe('200 quick tasks over two workers', () => {
  const count = 200;
  const prefix = 'Batch task';
  let workers: ServerProcess[];

  beforeAll(async () => {
    workers = await Promise.all([startProcess('worker', { ...quickRender, WORKER_CONCURRENCY: '2' }), startProcess('worker', { ...quickRender, WORKER_CONCURRENCY: '2' })]);
  }, 60_000);

  /** Creates `count` tasks on A, `batchSize` requests at a time; their ids in creation order. */
  async function createMany(batchSize: number): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; start < count; start += batchSize) {
      const batch = Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => createTask(`${prefix} ${String(start + i + 1).padStart(3, '0')}`, 1));
      ids.push(...(await Promise.all(batch)).map((task) => task.id));
    }
    return ids;
  }

  /** Ids of the tasks A lists as pending (queued or running), page by page. */
  async function pendingTaskIds(): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await request(api.url, `/videos/tasks?status=pending&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      ids.push(...(res.body.items as RestTask[]).map((task) => task.id));
      cursor = (res.body.nextCursor as string | null | undefined) ?? null;
    } while (cursor);
    return ids;
  }

  async function allFinished(ids: string[], timeoutMs: number): Promise<void> {
    const ours = new Set(ids);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = (await pendingTaskIds()).filter((id) => ours.has(id));
      if (left.length === 0) return;
      if (Date.now() > deadline) throw new Error(`${left.length} of ${ids.length} tasks still pending after ${timeoutMs} ms, e.g. ${left.slice(0, 3).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Reads every task on A, `batchSize` at a time. */
  async function readAll(ids: string[], batchSize: number): Promise<JsonResponse[]> {
    const answers: JsonResponse[] = [];
    for (let start = 0; start < ids.length; start += batchSize) answers.push(...(await Promise.all(ids.slice(start, start + batchSize).map((id) => readTask(id)))));
    return answers;
  }

  test('none lost, none completed twice, exactly one video each, and both workers rendered some', async () => {
    const renders = watchRenders();
    const begun = performance.now();
    const ids = await createMany(20);
    const created = seconds(begun);
    await allFinished(ids, 120_000);
    const wallTime = seconds(begun);
    const rendered = renders.stop();
    console.log(`${count} tasks over 2 workers: ${wallTime.toFixed(1)} s (created in ${created.toFixed(1)} s)`);

    expect(new Set(ids).size).toBe(count);
    const answers = await readAll(ids, 20);
    const tasks = answers.map(asTask);
    expect(answers.map((res) => res.status)).toEqual(Array<number>(count).fill(303));
    expect(tasks.filter((task) => task.status !== 'done' || task.attempts !== 1)).toEqual([]);
    const videoIds = tasks.map(videoIdOf);
    expect(new Set(videoIds).size).toBe(count);

    const videos = (await listAllVideos()).filter((video) => video.title.startsWith(prefix));
    expect(videos).toHaveLength(count);
    expect(new Set(videos.map((video) => video.title)).size).toBe(count);
    expect(new Set(videos.map((video) => video.id))).toEqual(new Set(videoIds));

    // Sampled from outside (no interface says which worker ran a task): each worker ran ffmpeg.
    const renderers = new Set(rendered.map((render) => render.parent));
    for (const worker of workers) expect(renderers).toContain(worker.child.pid);
    expect(renderers).not.toContain(api.child.pid);
  }, 180_000);
});
