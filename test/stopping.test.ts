// Every way of stopping `npm start` with a render under way: a terminal's Ctrl-C (SIGINT to the
// whole process group) and systemd's cgroup stop (SIGTERM to every process, ffmpeg included).
// The task never ends FAILED: it goes back to PENDING (or finishes within the grace period),
// npm exits 0, no ffmpeg is left behind, and the next start finishes the task. Also ffmpeg
// killed from outside while the server runs (retried), and node killed with SIGKILL (its
// ffmpeg dies with it).
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { openDatabase } from '../src/db/database.js';
import { ffmpegPath } from '../src/videos/ffmpegBinary.js';
import { postJson, request, waitFor } from './support/http.js';
import { findProcesses, processGroup } from './support/processes.js';
import { listeningUrl, startServer } from './support/serverProcess.js';
import { makeDataDir } from './support/testApp.js';

const root = path.resolve(import.meta.dirname ?? '.', '..');
// Large enough that a 120 s video takes several seconds to render here.
const renderEnv = { RENDER_WIDTH: '1280', RENDER_HEIGHT: '720', RENDER_FPS: '24' };

let dataDir: string;
beforeEach(async () => {
  dataDir = await makeDataDir();
});
const npmGroups: number[] = [];
afterEach(async () => {
  // A failed test may leave a server: its whole group, and any ffmpeg of its data dir.
  for (const pgid of npmGroups.splice(0)) for (const pid of processGroup(pgid)) process.kill(pid, 'SIGKILL');
  for (const pid of findProcesses(dataDir)) process.kill(pid, 'SIGKILL');
  await fs.rm(dataDir, { recursive: true, force: true });
});

interface NpmServer {
  pid: number;
  url: string;
  exited: Promise<number | string>;
  stderr(): string;
}

/** `npm start` as an operator runs it: leading its own process group, like a terminal job. */
async function npmStart(env: Record<string, string>): Promise<NpmServer> {
  const child = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    env: { ...process.env, PORT: '0', GRPC_PORT: '0', LOG_LEVEL: 'warn', DATA_DIR: dataDir, ...renderEnv, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  npmGroups.push(child.pid!);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const log = listeningUrl(child.stderr!, exited, 'npm start');
  return { pid: child.pid!, url: await log.url, exited, stderr: log.output };
}

const ffmpegOfDataDir = (): number[] => findProcesses('ffmpeg', dataDir);

async function startRendering(server: { url: string }, durationSeconds = 120): Promise<{ id: string; ffmpeg: number }> {
  const created = await postJson(server.url, '/videos/tasks', { title: 'Stop me', plot: 'A long render.', durationSeconds });
  expect(created.status).toBe(202);
  const id = created.body.id as string;
  const ffmpeg = await waitFor('ffmpeg to be rendering', async () => {
    const task = await request(server.url, `/videos/tasks/${id}`);
    const pids = ffmpegOfDataDir();
    return task.body.stage === 'rendering' && Number(task.body.progress) > 0 && pids.length === 1 ? pids[0] : null;
  }, 30_000, 10);
  return { id, ffmpeg };
}

/** Waits (polling) for the task to be done; its last REST answer. */
function finished(url: string, id: string) {
  return waitFor('the task to finish', async () => {
    const res = await request(url, `/videos/tasks/${id}`);
    return res.body.done ? res : null;
  }, 90_000, 100);
}

async function taskRow(id: string) {
  const db = await openDatabase({ dataDir });
  try {
    return { task: await db.prisma.task.findUniqueOrThrow({ where: { id } }), videos: await db.prisma.video.count() };
  } finally {
    await db.close();
  }
}

/** Starts again, waits for the task to succeed with one video, stops with a group SIGINT. */
async function expectFinishedAfterRestart(id: string): Promise<void> {
  const server = await npmStart({});
  const done = await finished(server.url, id);
  expect(done.status).toBe(303);
  process.kill(-server.pid, 'SIGINT');
  expect(await server.exited).toBe(0);
  const { task, videos } = await taskRow(id);
  expect(task).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
  expect(videos).toBe(1);
}

async function timed<T>(what: string, promise: Promise<T>): Promise<T> {
  const started = performance.now();
  const value = await promise;
  process.stdout.write(`${what}: ${Math.round(performance.now() - started)} ms\n`);
  return value;
}

test('Ctrl-C (group SIGINT) past the grace period: npm exits 0, the task is PENDING, no ffmpeg left; the next start finishes it', async () => {
  const server = await npmStart({ SHUTDOWN_GRACE_SECONDS: '0' });
  const { id, ffmpeg } = await startRendering(server);
  expect(processGroup(server.pid)).not.toContain(ffmpeg);
  process.kill(-server.pid, 'SIGINT');
  expect(await timed('group SIGINT to npm exit (grace 0)', server.exited)).toBe(0);
  expect(ffmpegOfDataDir()).toEqual([]);
  expect((await taskRow(id)).task).toMatchObject({ status: 'PENDING', attempts: 1, errorCode: null });
  await expectFinishedAfterRestart(id);
}, 180_000);

test('Ctrl-C within the grace period: ffmpeg is not signalled, the render finishes, npm exits 0', async () => {
  const server = await npmStart({ SHUTDOWN_GRACE_SECONDS: '120' });
  const { id } = await startRendering(server, 60);
  process.kill(-server.pid, 'SIGINT');
  expect(await timed('group SIGINT to npm exit (grace 120, render finishing)', server.exited)).toBe(0);
  const { task, videos } = await taskRow(id);
  expect(task).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
  expect(videos).toBe(1);
}, 180_000);

/** What systemd's KillMode=control-group does: SIGTERM to every process, ffmpeg first here. */
function sigtermEveryProcess(npmPid: number, ffmpeg: number): void {
  const all = [ffmpeg, ...processGroup(npmPid).filter((pid) => pid !== ffmpeg)];
  for (const pid of all) process.kill(pid, 'SIGTERM');
}

test('systemd-style stop (SIGTERM to every process, ffmpeg too), no grace: npm exits 0, PENDING, never FAILED; the next start finishes it', async () => {
  const server = await npmStart({ SHUTDOWN_GRACE_SECONDS: '0' });
  const { id, ffmpeg } = await startRendering(server);
  sigtermEveryProcess(server.pid, ffmpeg);
  expect(await timed('SIGTERM to every process to npm exit (grace 0)', server.exited)).toBe(0);
  expect(ffmpegOfDataDir()).toEqual([]);
  expect((await taskRow(id)).task).toMatchObject({ status: 'PENDING', attempts: 1, stage: 'queued' });
  await expectFinishedAfterRestart(id);
}, 180_000);

test('systemd-style stop with a long grace period: the signalled ffmpeg cannot finish, so the task goes back to PENDING at once', async () => {
  const server = await npmStart({ SHUTDOWN_GRACE_SECONDS: '120' });
  const { id, ffmpeg } = await startRendering(server);
  sigtermEveryProcess(server.pid, ffmpeg);
  expect(await timed('SIGTERM to every process to npm exit (grace 120)', server.exited)).toBe(0);
  expect(ffmpegOfDataDir()).toEqual([]);
  expect((await taskRow(id)).task).toMatchObject({ status: 'PENDING', attempts: 1, stage: 'queued', errorCode: null });
}, 180_000);

test('ffmpeg killed from outside (SIGKILL, then SIGTERM) while the server runs: the task is retried and succeeds', async () => {
  const server = await startServer({ DATA_DIR: dataDir, RETRY_BASE_MS: '50', ...renderEnv });
  try {
    const { id, ffmpeg } = await startRendering(server);
    process.kill(ffmpeg, 'SIGKILL');
    // The retry's job starts a few ms after its backoff: 'retrying' may be too brief to see.
    await waitFor('the retry', async () => ((await request(server.url, `/videos/tasks/${id}`)).body.attempts === 2 ? true : null), 10_000, 5);
    const second = await waitFor('the second attempt', async () => {
      const pids = ffmpegOfDataDir();
      return pids.length === 1 && pids[0] !== ffmpeg ? pids[0] : null;
    }, 30_000, 10);
    process.kill(second, 'SIGTERM');
    const done = await finished(server.url, id);
    expect(done.status).toBe(303);
    expect(done.body).toMatchObject({ status: 'done', attempts: 3 });
    // The server log says what happened, with the task id; clients saw only the codes.
    const failures = server.stderr().split('\n').filter((line) => line.includes('task attempt failed') && line.includes(id));
    expect(failures).toHaveLength(2);
    expect(failures[0]).toContain('"code":"RENDER_INTERRUPTED"');
    expect(failures[0]).toContain('"level":"warn"');
  } finally {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }
}, 180_000);

test('node killed with SIGKILL: its ffmpeg dies with it (parent-death signal), no orphan renders on', async () => {
  const server = await startServer({ DATA_DIR: dataDir, ...renderEnv });
  const { ffmpeg } = await startRendering(server);
  server.child.kill('SIGKILL');
  expect(await server.exited).toBe('SIGKILL');
  // Fails by timing out while the orphan still renders.
  await timed('node SIGKILL to ffmpeg gone', waitFor('the orphan to die', async () => (ffmpegOfDataDir().includes(ffmpeg) ? null : true), 5_000, 5));
}, 120_000);

/** Starts `command` (a shell line running npm start) as a process group; the log comes on its stdout. */
async function shellStart(command: string, env: Record<string, string>): Promise<{ pgid: number; url: string; output(): string }> {
  const child = spawn('bash', ['-c', command], {
    cwd: root,
    detached: true,
    env: { ...process.env, PORT: '0', GRPC_PORT: '0', LOG_LEVEL: 'info', DATA_DIR: dataDir, ...renderEnv, ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  npmGroups.push(child.pid!);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const log = listeningUrl(child.stdout!, exited, command);
  return { pgid: child.pid!, url: await log.url, output: log.output };
}

/** The server node process of this test (npm passes the data dir as an ignored argument). */
const serverNode = (): number[] => findProcesses('src/main.ts', dataDir);

test('Ctrl-C with the log piped (npm start 2>&1 | cat): the pipe closes first, the server still stops cleanly', async () => {
  // cat dies of the SIGINT at once, so every later log line is written into a closed pipe.
  const server = await shellStart(`npm start -- ${dataDir} 2>&1 | cat`, { SHUTDOWN_GRACE_SECONDS: '1' });
  const { id } = await startRendering(server);
  process.kill(-server.pgid, 'SIGINT');
  await waitFor('the server to exit', async () => (serverNode().length === 0 && processGroup(server.pgid).length === 0 ? true : null), 30_000, 20);
  expect(ffmpegOfDataDir()).toEqual([]);
  expect((await taskRow(id)).task).toMatchObject({ status: 'PENDING', attempts: 1, errorCode: null });
}, 120_000);

test('the terminal closed (SIGHUP to its foreground group, then EIO on every write): the task goes back to PENDING, no ffmpeg left', async () => {
  // util-linux's script gives npm a pseudo-terminal; killing script hangs that terminal up.
  const server = await shellStart(`exec script -qfec ${JSON.stringify(`npm start -- ${dataDir}`)} /dev/null`, { SHUTDOWN_GRACE_SECONDS: '0' });
  const { id } = await startRendering(server);
  process.kill(server.pgid, 'SIGKILL');
  await waitFor('the server to exit', async () => (serverNode().length === 0 ? true : null), 30_000, 20);
  expect(ffmpegOfDataDir()).toEqual([]);
  expect((await taskRow(id)).task).toMatchObject({ status: 'PENDING', attempts: 1, errorCode: null });
}, 120_000);

test('FFMPEG_PATH given as a bare name found on PATH: node killed with SIGKILL still takes its ffmpeg along', async () => {
  const server = await startServer({
    DATA_DIR: dataDir, ...renderEnv, FFMPEG_PATH: 'ffmpeg', PATH: `${path.dirname(ffmpegPath)}:${process.env.PATH ?? ''}`,
  });
  const { ffmpeg } = await startRendering(server);
  server.child.kill('SIGKILL');
  expect(await server.exited).toBe('SIGKILL');
  // Without the parent-death signal it rendered on to its end (~5 s here).
  await waitFor('the orphan to die', async () => (ffmpegOfDataDir().includes(ffmpeg) ? null : true), 1_000, 5);
}, 120_000);
