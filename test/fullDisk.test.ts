// A full media volume, for real: a small tmpfs mounted at DATA_DIR/media (the database stays on
// the normal disk) and filled up but a few KB. A render then must not be reported SUCCEEDED
// (ffmpeg exited 0 there with a moov-less video and a 0-byte poster); it waits for a retry
// with a retryable code and a message without server paths, its partial files removed. Once
// space is back the retry succeeds with a whole MP4.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ffmpegPath } from '../src/videos/ffmpegBinary.js';
import { checkMp4 } from '../src/videos/outputCheck.js';
import { postJson, request, waitFor } from './support/http.js';
import { buildApp, type App } from '../src/app.js';
import { gql } from './support/graphqlClient.js';
import { migratedPgliteTemplate } from './support/pgliteTemplate.js';
import { makeDataDir, startTestApp, testConfig, type TestApp } from './support/testApp.js';

let t: TestApp;
let media: string;
let mounted = false;

beforeAll(async () => {
  t = await startTestApp({ config: { retry: { maxAttempts: 2, baseMs: 200, capMs: 500, resourceWaitMs: 120_000 }, render: { ...testConfig('').render, fps: 12 } } });
  media = path.join(t.dataDir, 'media');
  await fs.mkdir(media, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', media], { stdio: 'pipe' });
    mounted = true;
  } catch (error) {
    // As root (CI) the mount must work: a silent skip there would pass without testing anything.
    if (process.getuid?.() === 0) throw error;
    process.stderr.write(`SKIPPED fullDisk.test.ts: cannot mount a tmpfs here (needs root): ${String(error)}\n`);
  }
});
afterAll(async () => {
  await t.app.stop();
  if (mounted) execFileSync('umount', [media]);
  await t.cleanup();
});

async function fill(leaveBytes: number): Promise<void> {
  const s = await fs.statfs(media);
  await fs.writeFile(path.join(media, 'filler'), Buffer.alloc(Math.max(0, s.bavail * s.bsize - leaveBytes)));
}

test('full media volume: retried with a retryable code, no paths in the message, no partial files, beyond the attempt budget; succeeds once space is back', async () => {
  if (!mounted) return;
  const prisma = t.app.services.database.prisma;
  await fill(12 * 1024);
  const created = await postJson(t.url, '/videos/tasks', { title: 'Full disk', plot: 'There is no room for this.', durationSeconds: 5 });
  const id = created.body.id as string;

  // A snapshot between two attempts: the same retrying row before and after the listing.
  const between = await waitFor('a failed attempt, between retries', async () => {
    const rest = await request(t.url, `/videos/tasks/${id}`);
    expect(rest.body.status).toBe('pending');
    const before = await prisma.task.findUniqueOrThrow({ where: { id } });
    if (before.status !== 'PENDING' || before.stage !== 'retrying') return null;
    const listing = await fs.readdir(media);
    const after = await prisma.task.findUniqueOrThrow({ where: { id } });
    return after.status === 'PENDING' && after.attempts === before.attempts ? { row: after, listing } : null;
  }, 30_000, 5);
  expect(between.row.errorCode).toBe('STORAGE_FULL');
  expect(between.row.errorRetryable).toBe(true);
  expect(between.row.errorMessage).not.toContain(t.dataDir);
  expect(between.row.errorMessage).not.toMatch(/(^|[\s'"(])\//);
  expect(between.listing).toEqual(['filler']);
  process.stdout.write(`full disk: attempt ${between.row.attempts} ended ${between.row.errorCode}: ${between.row.errorMessage}\n`);

  // The disk stays full past RETRY_MAX_ATTEMPTS (2 here): the task keeps waiting for space.
  await waitFor('a third attempt on the full disk', async () => {
    const row = await prisma.task.findUniqueOrThrow({ where: { id } });
    expect(row.status).not.toBe('FAILED');
    return row.attempts >= 3 && row.status === 'PENDING' ? row : null;
  }, 30_000, 20);

  await fs.rm(path.join(media, 'filler'));
  const done = await request(t.url, `/videos/tasks/${id}?wait=30`);
  expect(done.status).toBe(303);
  const video = await prisma.video.findFirstOrThrow({ where: { id: done.headers.get('location')!.split('/').pop()! } });
  const file = path.join(media, video.contentPath);
  const summary = await checkMp4(file, { durationSeconds: 5, toleranceSeconds: 2 / 12 });
  expect(summary.durationSeconds).toBeCloseTo(5, 1);
  // ffmpeg reads it back, every frame, without complaint.
  const decoded = spawnSync(ffmpegPath, ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8' });
  expect(decoded.status).toBe(0);
  expect(decoded.stderr).toBe('');
  expect((await fs.readdir(path.join(media, id))).sort()).toEqual(['poster.jpg', 'video.mp4']);
}, 120_000);

describe('a full data volume under the embedded database', () => {
  let dataDir: string;
  let app: App | null = null;
  let dataMounted = false;

  beforeAll(async () => {
    dataDir = await makeDataDir();
    try {
      // The migrated PGlite cluster takes about 40 MB.
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', dataDir], { stdio: 'pipe' });
      dataMounted = true;
    } catch (error) {
      if (process.getuid?.() === 0) throw error;
      process.stderr.write(`SKIPPED: cannot mount a tmpfs here (needs root): ${String(error)}\n`);
      return;
    }
    app = buildApp(testConfig(dataDir), { database: { pgliteLoadDataDir: await migratedPgliteTemplate() } });
  });
  afterAll(async () => {
    await app?.stop();
    if (dataMounted) execFileSync('umount', [dataDir]);
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test('a create that cannot be stored answers 503 with Retry-After (GraphQL UNAVAILABLE), never 500; once space is back it works', async () => {
    if (!app) return;
    const url = await app.start();
    const filler = path.join(dataDir, 'filler');
    const s = await fs.statfs(dataDir);
    await fs.writeFile(filler, Buffer.alloc(s.bavail * s.bsize));

    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof postJson>> | null = null;
    // PGlite buffers some writes: keep creating until one cannot be stored.
    for (let i = 0; i < 400 && !refused; i++) {
      const res = await postJson(url, '/videos/tasks', { title: `crowd ${i}`, plot: 'x'.repeat(4000) });
      statuses.push(res.status);
      if (res.status !== 202) refused = res;
    }
    expect(refused).not.toBeNull();
    expect(statuses).not.toContain(500);
    expect(refused!.status).toBe(503);
    expect(refused!.body.code).toBe('UNAVAILABLE');
    expect(refused!.headers.get('retry-after')).not.toBeNull();
    const graphql = await gql(url, 'mutation($i: CreateVideoInput!) { createVideoTask(input: $i) { id } }', { i: { title: 'g', plot: 'x'.repeat(4000) } });
    expect(graphql.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');

    await fs.rm(filler);
    const after = await postJson(url, '/videos/tasks', { title: 'room again', plot: '' });
    expect(after.status).toBe(202);
  }, 120_000);
});
