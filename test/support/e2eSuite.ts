// The end-to-end suite, run once on PGlite and once on PostgreSQL (see e2e.*.test.ts).
import type { App } from '../../src/app.js';
import { collect, gql, wsClient } from './graphqlClient.js';
import { postJson, request, waitFor } from './http.js';
import type { TestDatabaseKind } from './testApp.js';
import { startTestApp } from './testApp.js';

const taskFields = `id kind status done progress stage attempts version error { code message retryable }
  resources { name links { rel href } } createdAt updatedAt startedAt finishedAt
  video { id title plot durationSeconds width height sizeBytes contentUrl posterUrl links { rel href } }`;

interface TaskShape {
  id: string;
  status: string;
  done: boolean;
  progress: number;
  stage: string;
  attempts: number;
  version: number;
  error: { code: string; message: string; retryable: boolean } | null;
  resources: { name: string; links: { rel: string; href: string }[] }[];
  video: { id: string; title: string; plot: string; durationSeconds: number; width: number; height: number; sizeBytes: number; contentUrl: string; posterUrl: string } | null;
}

export function e2eSuite(kind: TestDatabaseKind): void {
  let app: App;
  let url: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ app, url, cleanup } = await startTestApp({ database: kind }));
  });
  afterAll(async () => {
    await cleanup();
  });

  const createTask = async (input: Record<string, unknown>) => {
    const res = await gql<{ createVideoTask: TaskShape }>(url, `mutation($input: CreateVideoInput!) { createVideoTask(input: $input) { ${taskFields} } }`, { input });
    expect(res.errors).toBeUndefined();
    return res.data!.createVideoTask;
  };
  const countTasks = () => app.services.database.prisma.task.count();

  describe('GraphQL', () => {
    test('create, subscribe: current state, progress with growing versions, then SUCCEEDED with the video', async () => {
      const created = await createTask({ title: 'Subscribed movie', plot: 'A plot that scrolls by.', durationSeconds: 300 });
      expect(created).toMatchObject({ status: 'PENDING', done: false, progress: 0, stage: 'queued', attempts: 0, video: null });

      const client = wsClient(url);
      const { payloads, error } = await collect<{ taskUpdated: TaskShape }>(client, `subscription($id: ID!) { taskUpdated(id: $id) { ${taskFields} } }`, { id: created.id });
      await client.dispose();
      expect(error).toBeUndefined();
      const events = payloads.map((p) => p.data!.taskUpdated);
      expect(events.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < events.length; i++) {
        expect(events[i]!.version).toBeGreaterThan(events[i - 1]!.version);
        expect(events[i]!.progress).toBeGreaterThanOrEqual(events[i - 1]!.progress);
      }
      // ffmpeg reports every 0.5 s, so a render this long (the longest allowed; a few seconds at
      // 320x180) publishes progress while rendering. (A subscriber gets the state each change's
      // re-read finds: a change overtaken before its read is coalesced into the next, so a short
      // render may show none; 120 s of video once rendered before the subscriber's first read.)
      expect(events.some((e) => e.status === 'RUNNING' && e.stage === 'rendering' && e.progress > 0 && e.progress < 1)).toBe(true);
      const last = events.at(-1)!;
      expect(last).toMatchObject({ status: 'SUCCEEDED', done: true, progress: 1, attempts: 1, error: null });
      expect(last.video).toMatchObject({ title: 'Subscribed movie', plot: 'A plot that scrolls by.', durationSeconds: 300, width: 320, height: 180 });
      expect(last.video!.sizeBytes).toBeGreaterThan(1000);
      expect(last.resources).toEqual([{ name: 'Subscribed movie', links: [{ rel: 'self', href: `/videos/${last.video!.id}` }] }]);
      expect(events.filter((e) => e.done)).toHaveLength(1);

      const read = await gql<{ task: TaskShape; video: TaskShape['video'] }>(url, `query($id: ID!, $videoId: ID!) { task(id: $id) { ${taskFields} } video(id: $videoId) { id title durationSeconds contentUrl posterUrl } }`, { id: created.id, videoId: last.video!.id });
      expect(read.data!.task).toEqual(last);
      expect(read.data!.video).toEqual({ id: last.video!.id, title: 'Subscribed movie', durationSeconds: 300, contentUrl: `/videos/${last.video!.id}/content`, posterUrl: `/videos/${last.video!.id}/poster` });
    });

    test('a subscriber arriving after completion gets exactly the terminal state, then completion', async () => {
      const created = await createTask({ title: 'Late', plot: '', durationSeconds: 1 });
      await waitFor('task done', async () => (await gql<{ task: TaskShape }>(url, `query($id: ID!) { task(id: $id) { done } }`, { id: created.id })).data?.task.done || null);
      const client = wsClient(url);
      const { payloads, error } = await collect<{ taskUpdated: TaskShape }>(client, `subscription($id: ID!) { taskUpdated(id: $id) { id status done version } }`, { id: created.id });
      await client.dispose();
      expect(error).toBeUndefined();
      expect(payloads).toHaveLength(1);
      expect(payloads[0]!.data!.taskUpdated).toMatchObject({ id: created.id, status: 'SUCCEEDED', done: true });
    });

    test('unknown ids: task and video are null, the subscription answers NOT_FOUND', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      const read = await gql(url, `query { a: task(id: "${unknown}") { id } b: task(id: "not-a-uuid") { id } c: video(id: "${unknown}") { id } }`);
      expect(read).toEqual({ data: { a: null, b: null, c: null } });
      for (const id of [unknown, 'not-a-uuid']) {
        const client = wsClient(url);
        const { payloads, error } = await collect(client, `subscription($id: ID!) { taskUpdated(id: $id) { id } }`, { id });
        await client.dispose();
        const errors = payloads[0]?.errors ?? (error as { message: string; extensions?: Record<string, unknown> }[] | undefined);
        expect(errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      }
    });

    test.each([
      ['empty title', { title: '', plot: 'x' }, 'title'],
      ['blank title', { title: '   ', plot: 'x' }, 'title'],
      ['201-character title', { title: 't'.repeat(201), plot: 'x' }, 'title'],
      ['5,001-character plot', { title: 'ok', plot: 'p'.repeat(5001) }, 'plot'],
      ['durationSeconds 0', { title: 'ok', plot: 'x', durationSeconds: 0 }, 'durationSeconds'],
      ['durationSeconds 301', { title: 'ok', plot: 'x', durationSeconds: 301 }, 'durationSeconds'],
      ['NUL in the title', { title: 'nul\u0000', plot: 'x' }, 'title'],
    ])('createVideoTask with %s is BAD_USER_INPUT naming the field and stores nothing', async (_label, input, field) => {
      const before = await countTasks();
      const res = await gql(url, `mutation($input: CreateVideoInput!) { createVideoTask(input: $input) { id } }`, { input });
      expect(res.data).toBeNull();
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.extensions?.fields).toEqual([expect.objectContaining({ field })]);
      expect(await countTasks()).toBe(before);
    });

    test('limits are inclusive: a 200-character title and a 5,000-character plot render', async () => {
      const task = await createTask({ title: '题'.repeat(200), plot: 'word '.repeat(1000), durationSeconds: 1 });
      expect(task.status).toBe('PENDING');
      await waitFor('task done', async () => (await gql<{ task: TaskShape }>(url, `query($id: ID!) { task(id: $id) { status done } }`, { id: task.id })).data?.task.done ? true : null);
      const final = await gql<{ task: TaskShape }>(url, `query($id: ID!) { task(id: $id) { status video { plot } } }`, { id: task.id });
      expect(final.data!.task.status).toBe('SUCCEEDED');
      expect(final.data!.task.video!.plot).toHaveLength(5000);
    });

    test('wrong types never reach the service: BAD_USER_INPUT from GraphQL itself', async () => {
      const res = await gql(url, `mutation { createVideoTask(input: { title: "x", plot: "y", durationSeconds: 1.5 }) { id } }`);
      expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const missing = await gql(url, `mutation($input: CreateVideoInput!) { createVideoTask(input: $input) { id } }`, { input: { title: 'x' } });
      expect(missing.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    test('the playground at GET /graphql lets a browser try queries (test/playground.test.ts drives it)', async () => {
      const res = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('<title>longrun GraphQL playground</title>');
    });
  });

  describe('REST', () => {
    test("the seed's walk-through: 202, pending with Retry-After, 303 to the video, the video and its media", async () => {
      const created = await postJson(url, '/videos/tasks', { title: 'My movie', plot: 'Plot of the movie I am about to render', durationSeconds: 2 });
      expect(created.status).toBe(202);
      const location = created.headers.get('content-location')!;
      expect(location).toMatch(/^\/videos\/tasks\/[0-9a-f-]{36}$/);
      expect(created.body).toMatchObject({ id: location.split('/').at(-1), status: 'pending', progress: 0, stage: 'queued' });

      const pending = await request(url, location);
      expect(pending.status).toBe(200);
      expect(pending.body.status).toBe('pending');
      expect(Number(pending.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

      const done = await waitFor('303', async () => {
        const res = await request(url, location);
        return res.status === 303 ? res : null;
      });
      const videoPath = done.headers.get('location')!;
      expect(videoPath).toMatch(/^\/videos\/[0-9a-f-]{36}$/);
      expect(done.body).toMatchObject({
        status: 'done',
        resources: [{ name: 'My movie', links: [{ rel: 'self', href: videoPath }] }],
      });
      expect(done.headers.get('retry-after')).toBeNull();

      const singular = await request(url, location.replace('/videos/', '/video/'));
      expect(singular.status).toBe(303);
      expect(singular.headers.get('location')).toBe(videoPath);
      expect(singular.body).toEqual(done.body);

      const video = await request(url, videoPath);
      expect(video.status).toBe(200);
      expect(video.body).toMatchObject({
        id: videoPath.split('/').at(-1), title: 'My movie', plot: 'Plot of the movie I am about to render',
        durationSeconds: 2, width: 320, height: 180, contentUrl: `${videoPath}/content`, posterUrl: `${videoPath}/poster`,
      });
      expect(video.body.links).toContainEqual({ rel: 'self', href: videoPath });

      const content = await fetch(`${url}${videoPath}/content`);
      expect(content.status).toBe(200);
      expect(content.headers.get('content-type')).toBe('video/mp4');
      const bytes = Buffer.from(await content.arrayBuffer());
      expect(bytes.length).toBe(video.body.sizeBytes);
      expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');

      const range = await fetch(`${url}${videoPath}/content`, { headers: { range: 'bytes=0-99' } });
      expect(range.status).toBe(206);
      expect(range.headers.get('content-range')).toBe(`bytes 0-99/${bytes.length}`);
      expect(Buffer.from(await range.arrayBuffer())).toEqual(bytes.subarray(0, 100));
      for (const unsatisfiable of ['bytes=999999999-', `bytes=${bytes.length}-`]) {
        const res = await fetch(`${url}${videoPath}/content`, { headers: { range: unsatisfiable } });
        expect(res.status).toBe(416);
        expect(res.headers.get('content-range')).toBe(`bytes */${bytes.length}`);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.headers.get('cache-control')).toBeNull(); // the refusal must not be cached as the file
      }

      const poster = await fetch(`${url}${videoPath}/poster`);
      expect(poster.status).toBe(200);
      expect(poster.headers.get('content-type')).toMatch(/^image\//);
      expect((await poster.arrayBuffer()).byteLength).toBeGreaterThan(100);
    });

    test.each([
      ['no title', { plot: 'x' }, 'title'],
      ['empty title', { title: '', plot: 'x' }, 'title'],
      ['201-character title', { title: 't'.repeat(201), plot: 'x' }, 'title'],
      ['numeric title', { title: 42, plot: 'x' }, 'title'],
      ['no plot', { title: 'ok' }, 'plot'],
      ['5,001-character plot', { title: 'ok', plot: 'p'.repeat(5001) }, 'plot'],
      ['durationSeconds 0', { title: 'ok', plot: 'x', durationSeconds: 0 }, 'durationSeconds'],
      ['durationSeconds 301', { title: 'ok', plot: 'x', durationSeconds: 301 }, 'durationSeconds'],
      ['durationSeconds 2.5', { title: 'ok', plot: 'x', durationSeconds: 2.5 }, 'durationSeconds'],
      ['durationSeconds as a string', { title: 'ok', plot: 'x', durationSeconds: '10' }, 'durationSeconds'],
      ['an unknown field', { title: 'ok', plot: 'x', titel: 'typo' }, 'titel'],
      ['an array body', ['not', 'an', 'object'], 'body'],
    ])('POST with %s is 400 problem+json naming the field and stores nothing', async (_label, body, field) => {
      const before = await countTasks();
      const res = await postJson(url, '/videos/tasks', body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body).toMatchObject({ type: 'about:blank', status: 400, code: 'BAD_USER_INPUT' });
      expect(res.body.errors).toEqual([expect.objectContaining({ field, pointer: `#/${field}` })]);
      expect(await countTasks()).toBe(before);
    });

    test('malformed JSON 400, wrong content type 415, over 1 MB 413, all problem+json', async () => {
      const malformed = await postJson(url, '/videos/tasks', '{"title": ');
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('MALFORMED_JSON');
      const text = await request(url, '/videos/tasks', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
      expect(text.status).toBe(415);
      const none = await request(url, '/videos/tasks', { method: 'POST' });
      expect(none.status).toBe(415);
      const huge = await postJson(url, '/videos/tasks', { title: 'big', plot: 'x'.repeat(1024 * 1024) });
      expect(huge.status).toBe(413);
      for (const res of [malformed, text, none, huge]) {
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(res.body.status).toBe(res.status);
      }
    });

    test('unknown or malformed ids are 404 problem+json; so are unknown paths', async () => {
      for (const path of ['/videos/tasks/00000000-0000-4000-8000-000000000000', '/videos/tasks/zzz', '/video/tasks/zzz', '/videos/zzz', '/videos/00000000-0000-4000-8000-000000000000/content', '/nowhere']) {
        const res = await request(url, path);
        expect(res.status).toBe(404);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
      }
      const wrongMethod = await request(url, '/videos/tasks/zzz', { method: 'PUT' });
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD, DELETE');
    });
  });

  test('probes: /healthz and /readyz answer 200 once started', async () => {
    expect((await request(url, '/healthz')).status).toBe(200);
    expect((await request(url, '/readyz')).status).toBe(200);
  });
}
