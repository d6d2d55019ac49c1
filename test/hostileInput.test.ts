// Input crafted to break the server: text no column can store, titles that only look filled,
// forged cursors, absurd filters. Each answers a 4xx / BAD_USER_INPUT naming what is wrong,
// never a 500, and stores nothing.
import { gql } from './support/graphqlClient.js';
import { postJson, request, waitFor } from './support/http.js';
import { startTestApp, type TestApp } from './support/testApp.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.cleanup();
});

const countTasks = () => t.app.services.database.prisma.task.count();
const createMutation = `mutation($input: CreateVideoInput!) { createVideoTask(input: $input) { id } }`;

describe('text no database column can hold', () => {
  // JSON.stringify writes a lone surrogate as the escape \ud800, exactly as an attacker would send it.
  test.each([
    ['a lone high surrogate in the title', { title: 'broken \ud800 title', plot: 'p' }, 'title'],
    ['a lone low surrogate in the plot', { title: 'ok', plot: 'tail \udc00' }, 'plot'],
  ])('REST: %s is 400 naming the field', async (_label, body, field) => {
    const before = await countTasks();
    const res = await postJson(t.url, '/videos/tasks', JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.errors).toEqual([expect.objectContaining({ field, message: expect.stringMatching(/Unicode/) })]);
    expect(await countTasks()).toBe(before);
  });

  test('GraphQL: a lone surrogate in a variable is BAD_USER_INPUT naming the field; in the document, a parse error', async () => {
    const before = await countTasks();
    const viaVariable = await gql(t.url, createMutation, { input: { title: '\ud800', plot: 'p' } });
    expect(viaVariable.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [expect.objectContaining({ field: 'title' })] });
    // GraphQL's own lexer refuses the escape and the raw character alike.
    for (const plot of ['\\ud800', '\udc00']) {
      const viaLiteral = await gql(t.url, `mutation { createVideoTask(input: { title: "ok", plot: "${plot}" }) { id } }`);
      expect(viaLiteral.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    }
    expect(await countTasks()).toBe(before);
  });

  test('a well-formed pair (an emoji) is fine', async () => {
    const res = await postJson(t.url, '/videos/tasks', { title: 'Rocket \u{1F680}', plot: '' });
    expect(res.status).toBe(202);
  });
});

describe('titles that only look filled', () => {
  test.each([
    ['zero-width spaces', '\u200b\u200b\u200b'],
    ['a byte-order mark and a word joiner', '\ufeff\u2060'],
    ['ideographic and no-break spaces', '\u3000\u00a0\u2007'],
    ['bidi marks and a Hangul filler', '\u200e\u200f\u3164'],
  ])('a title of %s is blank, on both interfaces', async (_label, title) => {
    const before = await countTasks();
    const rest = await postJson(t.url, '/videos/tasks', { title, plot: 'p' });
    expect(rest.status).toBe(400);
    expect(rest.body.errors).toEqual([expect.objectContaining({ field: 'title', message: 'must not be blank' })]);
    const graphql = await gql(t.url, createMutation, { input: { title, plot: 'p' } });
    expect(graphql.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'title', message: 'must not be blank' }] });
    expect(await countTasks()).toBe(before);
  });

  test('a title with a zero-width joiner inside real text is kept as written', async () => {
    const res = await postJson(t.url, '/videos/tasks', { title: 'family \u{1F468}\u200d\u{1F469}', plot: '' });
    expect(res.status).toBe(202);
  });
});

describe('forged cursors', () => {
  const forged = (id: string) => Buffer.from(JSON.stringify([new Date().toISOString(), id])).toString('base64url');

  test.each([
    ['36 hex letters that are no UUID', 'a'.repeat(36)],
    ['dashes in the wrong places', 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaa-'],
    ['36 dashes', '-'.repeat(36)],
  ])('REST and GraphQL refuse a cursor naming %s', async (_label, id) => {
    const cursor = forged(id);
    for (const path of [`/videos/tasks?cursor=${cursor}`, `/videos?cursor=${cursor}`]) {
      const rest = await request(t.url, path);
      expect(rest.status).toBe(400);
      expect(rest.body.errors).toEqual([{ field: 'cursor', in: 'query', message: 'is not a cursor this server handed out' }]);
    }
    for (const query of ['query($after: String) { tasks(after: $after) { nodes { id } } }', 'query($after: String) { videos(after: $after) { nodes { id } } }']) {
      const graphql = await gql(t.url, query, { after: cursor });
      expect(graphql.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [expect.objectContaining({ field: 'after' })] });
    }
  });

  test('a cursor the server handed out still pages', async () => {
    for (let i = 0; i < 3; i++) await postJson(t.url, '/videos/tasks', { title: `page ${i}`, plot: '' });
    const first = await request(t.url, '/videos/tasks?limit=1');
    const next = await request(t.url, `/videos/tasks?limit=1&cursor=${String(first.body.nextCursor)}`);
    expect(next.status).toBe(200);
    expect((next.body.items as unknown[]).length).toBe(1);
  });
});

describe('absurd filters', () => {
  // The tasks created above are still rendering: compare lists only once nothing moves.
  beforeAll(async () => {
    await waitFor('every task finished', async () => ((await t.app.services.database.prisma.task.count({ where: { status: { in: ['PENDING', 'RUNNING'] } } })) === 0 ? true : null), 60_000, 100);
  });

  test('GraphQL: a status list of 70,000 entries answers like the list of its distinct statuses', async () => {
    const statuses = Array.from({ length: 70_000 }, (_, i) => (i % 2 === 0 ? 'PENDING' : 'SUCCEEDED'));
    const query = 'query($filter: TaskFilter) { tasks(first: 100, filter: $filter) { nodes { id } } }';
    const huge = await gql<{ tasks: { nodes: { id: string }[] } }>(t.url, query, { filter: { status: statuses } });
    expect(huge.errors).toBeUndefined();
    const plain = await gql<{ tasks: { nodes: { id: string }[] } }>(t.url, query, { filter: { status: ['PENDING', 'SUCCEEDED'] } });
    expect(plain.data!.tasks.nodes.length).toBeGreaterThan(0);
    expect(huge.data!.tasks.nodes).toEqual(plain.data!.tasks.nodes);
  });

  test('REST: a long comma-separated status list answers like its distinct words', async () => {
    const words = Array.from({ length: 1500 }, (_, i) => (i % 2 === 0 ? 'failed' : 'done')).join(',');
    const huge = await request(t.url, `/videos/tasks?status=${words}&limit=100`);
    expect(huge.status).toBe(200);
    const plain = await request(t.url, '/videos/tasks?status=failed,done&limit=100');
    expect((plain.body.items as unknown[]).length).toBeGreaterThan(0);
    expect(huge.body.items).toEqual(plain.body.items);
  });
});
