// Two API processes on one PostgreSQL without MEDIA_URL_SECRET: the first to start generates the
// signing key and stores it, the other reads it, so a media link handed out by one opens on the
// other (a load balancer sends the browser's <video> request to either).
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { buildApp, type App } from '../src/app.js';
import { anonymousCaller } from '../src/auth/caller.js';
import { loadAuthSettings } from '../src/auth/authSettings.js';
import { unlimitedQuotas } from '../src/callers/quotas.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { makeDataDir, testConfig } from './support/testApp.js';

const key = 'alice-secret-0123456789';
let database: TestDatabase;
let dataDir: string;
const apps: App[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  dataDir = await makeDataDir();
  const config = testConfig(dataDir, {
    databaseUrl: database.url,
    role: 'api',
    auth: loadAuthSettings({ API_KEYS: `alice:${key}` }),
    quotas: unlimitedQuotas,
  });
  // Started at once: both race to make the key; one row wins.
  const [a, b] = [buildApp(config, { logger: createLogger('silent') }), buildApp(config, { logger: createLogger('silent') })];
  apps.push(a, b);
  await Promise.all([a.start(), b.start()]);
});

afterAll(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  await database?.drop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

test('a link signed by one API process opens the file on the other; tampered, it is 404 on both', async () => {
  const [a, b] = apps as [App, App];
  const prisma = a.services.database.prisma;
  // A video of alice's as a worker would have stored it (the api role renders nothing).
  const folder = path.join(dataDir, 'media', 'shared-test');
  await fs.mkdir(folder, { recursive: true });
  await fs.writeFile(path.join(folder, 'poster.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  const video = await prisma.video.create({
    data: {
      callerId: 'alice', title: 'Shared', plot: '', durationSeconds: 1, width: 2, height: 2, fps: 1, sizeBytes: 4,
      contentPath: 'shared-test/content.mp4', posterPath: 'shared-test/poster.jpg',
    },
  });
  const listed = (await (await fetch(`${a.url}/videos/${video.id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as { posterUrl: string };
  expect(listed.posterUrl).toMatch(/\?expires=\d+&signature=/);
  for (const app of [a, b]) {
    const poster = await fetch(app.url + listed.posterUrl);
    expect(poster.status).toBe(200);
    expect(Buffer.from(await poster.arrayBuffer())).toEqual(Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    const tampered = listed.posterUrl.replace(/signature=(.)/, (_, first: string) => `signature=${first === 'A' ? 'B' : 'A'}`);
    expect((await fetch(app.url + tampered)).status).toBe(404);
  }
  expect(await prisma.serverSecret.count()).toBe(1);
  // The anonymous caller does not see alice's video, even through the service.
  expect(await b.services.tasks.findVideo(anonymousCaller, video.id)).toBeNull();
});
