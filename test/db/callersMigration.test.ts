// Upgrading a store written before callers existed: its tasks, videos and idempotency keys become
// the anonymous caller's, so a server without authentication shows them as before.
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from '@jest/globals';
import { buildApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/database.js';
import { DEFAULT_MIGRATIONS_DIR } from '../../src/db/migrate.js';
import { createLogger } from '../../src/logger.js';
import { testConfig } from '../support/testApp.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** The migrations folder as it was before the callers migration. */
async function migrationsBeforeCallers(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'longrun-migrations-'));
  dirs.push(dir);
  for (const entry of await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name.endsWith('_callers')) continue;
    await cp(path.join(DEFAULT_MIGRATIONS_DIR, entry.name), path.join(dir, entry.name), { recursive: true });
  }
  return dir;
}

test('rows written before callers belong to the anonymous caller after the upgrade, and a server without authentication lists them', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'longrun-upgrade-'));
  dirs.push(dataDir);
  const old = await openDatabase({ dataDir, migrationsDir: await migrationsBeforeCallers() });
  await old.migrate();
  const [video] = await old.prisma.$queryRaw<{ id: string }[]>`
    INSERT INTO "Video" ("id", "title", "plot", "durationSeconds", "width", "height", "fps", "sizeBytes", "contentPath", "posterPath")
    VALUES (gen_random_uuid(), 'Old film', 'From before', 1, 320, 180, 12, 1000, 'x/content.mp4', 'x/poster.jpg') RETURNING "id"`;
  const [task] = await old.prisma.$queryRaw<{ id: string }[]>`
    INSERT INTO "Task" ("id", "kind", "status", "input", "progress", "stage", "videoId", "finishedAt", "updatedAt")
    VALUES (gen_random_uuid(), 'CREATE_VIDEO', 'SUCCEEDED', '{"title":"Old film","plot":"From before"}', 1, 'done', ${video!.id}::uuid, now(), now())
    RETURNING "id"`;
  await old.prisma.$executeRaw`
    INSERT INTO "IdempotencyKey" ("scope", "key", "requestHash", "taskId") VALUES ('createVideo', 'old-key', 'hash', ${task!.id}::uuid)`;
  await old.close();

  const upgraded = await openDatabase({ dataDir });
  expect((await upgraded.migrate()).applied).toEqual([expect.stringMatching(/_callers$/)]);
  expect(await upgraded.prisma.task.findUniqueOrThrow({ where: { id: task!.id } })).toMatchObject({ callerId: 'anonymous' });
  expect(await upgraded.prisma.video.findUniqueOrThrow({ where: { id: video!.id } })).toMatchObject({ callerId: 'anonymous' });
  expect(await upgraded.prisma.idempotencyKey.findMany()).toEqual([expect.objectContaining({ callerId: 'anonymous', key: 'old-key' })]);
  await upgraded.close();

  const app = buildApp(testConfig(dataDir), { logger: createLogger('silent') });
  const url = await app.start();
  try {
    const tasks = (await (await fetch(`${url}/videos/tasks`)).json()) as { items: { id: string }[] };
    expect(tasks.items.map((t) => t.id)).toEqual([task!.id]);
    const videos = (await (await fetch(`${url}/videos`)).json()) as { items: { id: string }[] };
    expect(videos.items.map((v) => v.id)).toEqual([video!.id]);
  } finally {
    await app.stop();
  }
});
