// An ffmpeg that fails ends the task FAILED with RENDER_FAILED, stuck nowhere, nothing stored.
import fs from 'node:fs';
import path from 'node:path';
import { gql } from './support/graphqlClient.js';
import { postJson, request } from './support/http.js';
import { startTestApp, testConfig } from './support/testApp.js';

test('a failing ffmpeg fails the task with RENDER_FAILED, through both interfaces', async () => {
  const t = await startTestApp({ config: { render: { ...testConfig('').render, ffmpegPath: '/bin/false' } } });
  try {
    const created = await postJson(t.url, '/videos/tasks', { title: 'Doomed', plot: 'ffmpeg exits 1' });
    const id = created.body.id as string;
    const done = await request(t.url, `/videos/tasks/${id}?wait=20`);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'RENDER_FAILED', retryable: false } });
    const message = String((done.body.error as { message: string }).message);
    expect(message).toBe('rendering failed: ffmpeg exited with code 1');
    // No server path reaches clients (the binary's path, the media directory).
    expect(message).not.toContain('/');
    const graphql = await gql<{ task: { status: string; error: { code: string } } }>(t.url, `query($id: ID!) { task(id: $id) { status error { code } } }`, { id });
    expect(graphql.data!.task).toEqual({ status: 'FAILED', error: { code: 'RENDER_FAILED' } });
    expect(await t.app.services.database.prisma.video.count()).toBe(0);
    expect(fs.existsSync(path.join(t.dataDir, 'media', id))).toBe(false);
  } finally {
    await t.cleanup();
  }
});
