// The GraphQL playground in a real browser (Chromium): GraphiQL served by longrun itself at
// /graphql and /playground, running queries over HTTP and subscriptions over graphql-ws, with
// the headers editor's Authorization reaching both; nothing loaded from any other host.
// SAVE_SCREENSHOTS=1 also refreshes docs/screenshots/playground.png (see saveScreenshot).
import { jest } from '@jest/globals';
import type { Browser } from 'playwright-core';
import { loadAuthSettings } from '../src/auth/authSettings.js';
import { launchChromium, openIsolatedPage, saveScreenshot, type IsolatedPage } from './support/browser.js';
import { postJson, request } from './support/http.js';
import { docsShowing, enterHeaders, openPlayground, responseText, runOperation, waitForResponse } from './support/playgroundPage.js';
import { scriptedProcessor } from './support/scriptedProcessor.js';
import { startTestApp, type TestApp } from './support/testApp.js';

/** What Chromium sends when the user opens a URL. */
const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
/** A task that runs until cancelled, so a subscriber sees it before and after. */
const longTask = { title: 'sleep:600000', plot: 'runs until cancelled' };

// A page with Monaco takes seconds to start on a busy machine, and some tests open several views.
jest.setTimeout(180_000);

let browser: Browser;
/** Each page with the console errors it is expected to log (the browser's own note of a 401). */
const opened: { isolated: IsolatedPage; expectedErrors: RegExp | null }[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser.close();
});

async function openPage(baseUrl: string, expectedErrors: RegExp | null = null): Promise<IsolatedPage> {
  const isolated = await openIsolatedPage(browser, baseUrl);
  opened.push({ isolated, expectedErrors });
  return isolated;
}

/** Every page must have needed nothing from another host and thrown nothing. */
afterEach(async () => {
  for (const { isolated, expectedErrors } of opened.splice(0)) {
    await isolated.context.close();
    expect(isolated.foreignRequests).toEqual([]);
    expect(isolated.pageErrors.filter((error) => !expectedErrors?.test(error))).toEqual([]);
  }
});

function taskUpdatedSubscription(taskId: string): string {
  return `subscription Follow { taskUpdated(id: "${taskId}") { id status done version } }`;
}

describe('without authentication', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ processors: { CREATE_VIDEO: scriptedProcessor } });
  });

  afterAll(async () => {
    await t.cleanup();
  });

  test('a browser opening /graphql gets GraphiQL, whose default query lists a task made over REST, and its docs show the schema', async () => {
    const created = await postJson(t.url, '/videos/tasks', { title: 'Made over REST', plot: 'shown in the playground' });
    expect(created.status).toBe(202);
    const taskId = String(created.body.id);
    const { page } = await openPage(t.url);

    await openPlayground(page, t.url, '/graphql');
    await runOperation(page);
    const response = await waitForResponse(page, taskId);
    expect(response).toContain('"kind":"CREATE_VIDEO"');

    const docs = await docsShowing(page, 'TaskStatus');
    expect(docs).toContain('Subscription');
    await page.getByRole('link', { name: 'Mutation', exact: true }).first().click();
    await docsShowing(page, 'createVideoTask');
    expect(await saveScreenshot(page, 'playground')).toBeGreaterThan(0);
  });

  test('a mutation from a link runs and its result shows', async () => {
    const { page } = await openPage(t.url);
    await openPlayground(page, t.url, '/graphql', 'mutation Start { createVideoTask(input: {title: "From the playground", plot: "p"}) { id kind } }');
    await runOperation(page);
    const response = await waitForResponse(page, '"kind": "CREATE_VIDEO"');
    const taskId = /"id":"([^"]+)"/.exec(response)?.[1];
    expect(taskId).toBeDefined();
    const stored = await request(t.url, `/videos/tasks/${taskId ?? ''}`);
    expect(stored.status).toBe(200);
    expect(stored.body.kind).toBe('CREATE_VIDEO');
  });

  test('a subscription over graphql-ws at /graphql shows the task as it changes', async () => {
    const created = await postJson(t.url, '/videos/tasks', longTask);
    const taskId = String(created.body.id);
    const { page } = await openPage(t.url);
    await openPlayground(page, t.url, '/graphql', taskUpdatedSubscription(taskId));
    await runOperation(page);
    // The first event: the task's state now, not done.
    await waitForResponse(page, /"status":"(PENDING|RUNNING)","done":false/);
    const cancelled = await postJson(t.url, `/videos/tasks/${taskId}/cancel`, {});
    expect([200, 202]).toContain(cancelled.status);
    // A later event on the same subscription: the cancellation.
    await waitForResponse(page, /"status":"CANCELLED","done":true/);
  });

  test('/playground is the same page', async () => {
    const { page } = await openPage(t.url);
    await openPlayground(page, t.url, '/playground', '{ tasks(first: 1) { pageInfo { hasNextPage } } }');
    await runOperation(page);
    await waitForResponse(page, '"hasNextPage"');
  });

  test('only a browser navigation gets the page: curl, JSON clients and POSTs reach GraphQL as before', async () => {
    const query = `/graphql?query=${encodeURIComponent('{ __typename }')}`;
    // Apollo's CSRF prevention still asks a GET for a header a cross-site form cannot send.
    const blocked = await request(t.url, query);
    expect(blocked.status).toBe(400);
    expect(blocked.body).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
    for (const accept of [undefined, '*/*', 'application/json', 'application/graphql-response+json']) {
      const headers: Record<string, string> = { 'apollo-require-preflight': 'true', ...(accept ? { accept } : {}) };
      const res = await request(t.url, query, { headers });
      expect({ accept, status: res.status, body: res.body }).toEqual({ accept, status: 200, body: { data: { __typename: 'Query' } } });
    }
    const posted = await postJson(t.url, '/graphql', { query: '{ __typename }' });
    expect(posted.body).toEqual({ data: { __typename: 'Query' } });

    for (const path of ['/graphql', '/playground']) {
      const page = await fetch(t.url + path, { headers: { accept: browserAccept } });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      const html = await page.text();
      expect(html).toContain('<title>longrun GraphQL playground</title>');
      expect(html).not.toMatch(/apollo|https?:\/\//i);
    }
    // GET /playground is the page only: it runs no GraphQL.
    expect((await request(t.url, '/playground', { method: 'POST' })).status).toBe(404);
  });
});

describe('with API_KEYS', () => {
  const key = 'playground-key-0123456789';
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      processors: { CREATE_VIDEO: scriptedProcessor },
      config: { auth: loadAuthSettings({ API_KEYS: `alice:${key}` }) },
    });
  });

  afterAll(async () => {
    await t.cleanup();
  });

  test('queries and subscriptions are UNAUTHENTICATED until the key is entered in the headers editor, then work', async () => {
    const created = await postJson(t.url, '/videos/tasks', longTask, { authorization: `Bearer ${key}` });
    expect(created.status).toBe(202);
    const taskId = String(created.body.id);
    const document = `query Mine { tasks { nodes { id status } } }\n\n${taskUpdatedSubscription(taskId)}`;
    // Chromium notes each refused request in the console: that is the point of this test.
    const { page } = await openPage(t.url, /^Failed to load resource: the server responded with a status of 401/);
    await openPlayground(page, t.url, '/graphql', document);

    await runOperation(page, 'Mine');
    await waitForResponse(page, '"code": "UNAUTHENTICATED"');
    await runOperation(page, 'Follow');
    await waitForResponse(page, /refusedtheWebSocketconnection.*"code":"UNAUTHENTICATED"/);

    await enterHeaders(page, `{"Authorization": "Bearer ${key}"}`);
    // The schema is fetched again with the key, so the docs fill in.
    await docsShowing(page, 'TaskStatus');

    await runOperation(page, 'Mine');
    await waitForResponse(page, taskId);
    expect(await responseText(page)).not.toContain('UNAUTHENTICATED');
    await runOperation(page, 'Follow');
    await waitForResponse(page, /"status":"(PENDING|RUNNING)","done":false/);
    await postJson(t.url, `/videos/tasks/${taskId}/cancel`, {}, { authorization: `Bearer ${key}` });
    await waitForResponse(page, /"status":"CANCELLED","done":true/);
  });
});
