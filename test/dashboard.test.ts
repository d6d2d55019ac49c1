// The dashboard at / in a real Chromium against real servers: one that renders real videos
// (small test settings), one whose tasks are scripted (sleep:MS runs until cancelled), and one
// with API keys. No request may leave the server's origin.
import type { Browser } from 'playwright-core';
import { loadAuthSettings } from '../src/auth/authSettings.js';
import { launchChromium, openIsolatedPage, saveScreenshot, type IsolatedPage } from './support/browser.js';
import {
  createOverRest, fillCreateForm, playVideo, progressSeen, recordProgressValues, SocketCutter, taskRow,
  videoFrameLoaded, waitForPlayback, waitForProgress, waitLong,
} from './support/dashboardPage.js';
import { postJson, request } from './support/http.js';
import { scriptedProcessor } from './support/scriptedProcessor.js';
import { startTestApp, type TestApp } from './support/testApp.js';


let browser: Browser;
const pages: IsolatedPage[] = [];

/** A fresh page whose sockets the test can cut, not yet navigated (the cutter must be in place first). */
async function openCuttablePage(server: TestApp): Promise<IsolatedPage & { cutter: SocketCutter }> {
  const opened = await openIsolatedPage(browser, server.url);
  pages.push(opened);
  return { ...opened, cutter: await SocketCutter.install(opened.context, server.url) };
}

/** The ids of the rows shown, in order. */
function listedTaskIds(page: IsolatedPage['page']): Promise<(string | null)[]> {
  return page.locator('li.task').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-task-id')));
}

async function openDashboard(server: TestApp): Promise<IsolatedPage> {
  const opened = await openIsolatedPage(browser, server.url);
  pages.push(opened);
  await opened.page.goto(`${server.url}/`);
  return opened;
}

// Starting a server (migrated database, job engine) or Chromium takes long on a loaded machine.
const startupTimeoutMs = 180_000;
/** A page test waits for several things in turn, each up to waitLong. */
const pageTestTimeoutMs = 180_000;

beforeAll(async () => {
  browser = await launchChromium();
}, startupTimeoutMs);

afterEach(async () => {
  for (const { context, foreignRequests } of pages.splice(0)) {
    await context.close();
    expect(foreignRequests).toEqual([]);
  }
});

afterAll(async () => {
  await browser.close();
});

describe('with real renders', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp();
  }, startupTimeoutMs);
  afterAll(async () => {
    await server.cleanup();
  });

  test('/ is the dashboard, served with a same-origin CSP', async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await response.text()).toContain('/web/dashboard/assets/');
  }, pageTestTimeoutMs);

  test('a task created through the form appears, its progress grows, it succeeds and its video plays', async () => {
    const { page, pageErrors } = await openDashboard(server);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor(waitLong);
    await page.evaluate(recordProgressValues);

    await fillCreateForm(page, { title: 'Form movie', plot: 'A plot typed into the dashboard', durationSeconds: '20' });
    const row = page.getByRole('listitem', { name: 'Video: Form movie' });
    await row.waitFor(waitLong);
    await row.locator('.status', { hasText: 'Succeeded' }).waitFor(waitLong);

    expect(await row.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    const seen = await page.evaluate<number[]>(progressSeen);
    expect(seen.some((value) => value > 0 && value < 100)).toBe(true);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));

    const video = row.locator('video');
    expect(await video.getAttribute('controls')).not.toBeNull();
    const poster = await video.getAttribute('poster');
    expect(poster).toBeTruthy();
    const posterResponse = await request(server.url, poster ?? '');
    expect(posterResponse.status).toBe(200);
    expect(posterResponse.headers.get('content-type')).toBe('image/jpeg');
    await playVideo(video);
    await waitForPlayback(video, 0.5);
    expect(pageErrors).toEqual([]);
  }, pageTestTimeoutMs);

  test('the server\'s field errors are shown at their fields', async () => {
    const tasksBefore = await request(server.url, '/videos/tasks?limit=100');
    const { page } = await openDashboard(server);
    await fillCreateForm(page, { title: '   ', plot: 'Fine', durationSeconds: '500' });

    const title = page.getByLabel('Title');
    const duration = page.getByLabel('Duration (seconds)');
    await page.locator('input[aria-invalid="true"]').first().waitFor(waitLong);
    for (const field of [title, duration]) {
      expect(await field.getAttribute('aria-invalid')).toBe('true');
      const describedBy = await field.getAttribute('aria-describedby');
      const message = await page.locator(`[id="${describedBy}"]`).textContent();
      expect(message?.length).toBeGreaterThan(3);
    }
    expect(await page.locator(`[id="${await duration.getAttribute('aria-describedby')}"]`).textContent()).toMatch(/300/);
    expect(await page.getByLabel('Plot').getAttribute('aria-invalid')).toBeNull();
    // Nothing was created.
    const tasksAfter = await request(server.url, '/videos/tasks?limit=100');
    expect(tasksAfter.body.items).toEqual(tasksBefore.body.items);
  }, pageTestTimeoutMs);

  test('a task created elsewhere appears without a reload; a screenshot shows a finished and a running task', async () => {
    const { page } = await openDashboard(server);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor(waitLong);
    const created = await postJson(server.url, '/videos/tasks', { title: 'Long movie', plot: 'Rendered while the screenshot is taken', durationSeconds: 300 });
    expect(created.status).toBe(202);
    const row = taskRow(page, created.body.id as string);
    await row.waitFor(waitLong);
    // The picture is nicer mid-render; if the render is quicker than that, it shows what there is.
    await waitForProgress(row, 10).catch(() => undefined);
    await videoFrameLoaded(page.locator('li.task video').first());
    expect(await saveScreenshot(page, 'dashboard')).toBeLessThan(400 * 1024);
    // Not to keep rendering for the next tests (it may have finished already on a quick machine).
    await postJson(server.url, `/videos/tasks/${created.body.id as string}/cancel`, {});
    await page.locator(`li.task[data-task-id="${created.body.id as string}"]:is([data-status="CANCELLED"], [data-status="SUCCEEDED"])`).waitFor(waitLong);
  }, pageTestTimeoutMs);

  test('a title made of markup is shown as text: no element, no script, no dialog', async () => {
    const hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>"\'&';
    const id = await createOverRest(server.url, hostile);
    const { page } = await openDashboard(server);
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const row = taskRow(page, id);
    await row.locator('.status', { hasText: 'Succeeded' }).waitFor(waitLong);
    expect(await row.locator('h3').textContent()).toBe(`Video: ${hostile}`);
    expect(await row.locator('img, script').count()).toBe(0);
    expect(await row.locator('video').getAttribute('aria-label')).toBe(`Video: ${hostile}`);
    expect(dialogs).toEqual([]);
  }, pageTestTimeoutMs);

  test('a finished video is deleted by its button, after a confirmation, through a deletion task', async () => {
    const taskId = await createOverRest(server.url, 'Short movie');
    const done = await request(server.url, `/videos/tasks/${taskId}?wait=30`);
    expect(done.status).toBe(303);
    const videoPath = done.headers.get('location') ?? '';
    const { page } = await openDashboard(server);
    const row = taskRow(page, taskId);
    await row.locator('video').waitFor(waitLong);

    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: /^Delete video/ }).click();
    const deletion = page.getByRole('listitem', { name: 'Deletion: Short movie' });
    await deletion.locator('.status', { hasText: 'Succeeded' }).waitFor(waitLong);
    expect(await row.locator('video').count()).toBe(0);
    expect((await request(server.url, videoPath)).status).toBe(404);
  }, pageTestTimeoutMs);
});

describe('with scripted tasks', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ processors: { CREATE_VIDEO: scriptedProcessor } });
  }, startupTimeoutMs);
  afterAll(async () => {
    await server.cleanup();
  });

  test('paging: older tasks are reached through the "older" control', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 13; index += 1) ids.push(await createOverRest(server.url, `instant ${index}`));
    const { page } = await openDashboard(server);
    await taskRow(page, ids[12] ?? '').waitFor(waitLong);
    expect(await taskRow(page, ids[0] ?? '').count()).toBe(0);

    const older = page.getByRole('button', { name: 'Show older tasks' });
    await older.focus();
    await page.keyboard.press('Enter');
    await taskRow(page, ids[0] ?? '').waitFor(waitLong);
    await older.waitFor({ state: 'detached', ...waitLong });
    const shown = await listedTaskIds(page);
    expect(new Set(shown).size).toBe(shown.length);
    for (const id of ids) expect(shown).toContain(id);
  }, pageTestTimeoutMs);

  test('a running task is cancelled by its button', async () => {
    const { page } = await openDashboard(server);
    await fillCreateForm(page, { title: 'sleep:120000', plot: 'Runs until cancelled', durationSeconds: '5' });
    const row = page.getByRole('listitem', { name: 'Video: sleep:120000' });
    await row.locator('.status', { hasText: 'Running' }).waitFor(waitLong);
    await row.getByRole('button', { name: /^Cancel/ }).click();
    await row.locator('.status', { hasText: 'Cancelled' }).waitFor(waitLong);
    expect(await row.getByRole('button', { name: /^Cancel/ }).count()).toBe(0);
    // Finished: its record can be deleted, and the row goes.
    await row.getByRole('button', { name: /^Delete task/ }).click();
    await row.waitFor({ state: 'detached', ...waitLong });
  }, pageTestTimeoutMs);

  test('a task deleted elsewhere: its Delete button takes the row off with a notice instead of failing for ever', async () => {
    const finished = await createOverRest(server.url, 'instant, deleted elsewhere');
    const { page } = await openDashboard(server);
    const row = taskRow(page, finished);
    await row.locator('.status', { hasText: 'Succeeded' }).waitFor(waitLong);
    const removed = await request(server.url, `/videos/tasks/${finished}`, { method: 'DELETE' });
    expect(removed.status).toBe(204);

    await row.getByRole('button', { name: /^Delete task/ }).click();
    await row.waitFor({ state: 'detached', ...waitLong });
    await page.getByRole('alert').filter({ hasText: 'no longer exists' }).waitFor(waitLong);
  }, pageTestTimeoutMs);

  test('after the socket drops and comes back, missed changes arrive once and later events still arrive', async () => {
    const { page, cutter } = await openCuttablePage(server);
    const running = await createOverRest(server.url, 'sleep:120000');
    await page.goto(`${server.url}/`);
    const status = page.locator('.connection');
    await status.filter({ hasText: 'Live' }).waitFor(waitLong);
    await taskRow(page, running).locator('.status', { hasText: 'Running' }).waitFor(waitLong);

    await cutter.cut();
    await status.filter({ hasText: 'Reconnecting' }).waitFor(waitLong);
    // While the page is offline: a task it shows finishes, and a new one starts.
    const cancelled = await postJson(server.url, `/videos/tasks/${running}/cancel`, {});
    expect(cancelled.status).toBe(200);
    const createdWhileOffline = await createOverRest(server.url, 'sleep:120000');
    await page.waitForTimeout(300); // let the page try (and fail) to reconnect at least once
    expect(await taskRow(page, running).getAttribute('data-status')).toBe('RUNNING');

    cutter.reconnect();
    await status.filter({ hasText: 'Live' }).waitFor(waitLong);
    await taskRow(page, running).locator('.status', { hasText: 'Cancelled' }).waitFor(waitLong);
    await taskRow(page, createdWhileOffline).waitFor(waitLong);

    // Later events still arrive, and no task is listed twice.
    const createdAfter = await createOverRest(server.url, 'sleep:120000');
    await taskRow(page, createdAfter).locator('.status', { hasText: 'Running' }).waitFor(waitLong);
    await postJson(server.url, `/videos/tasks/${createdWhileOffline}/cancel`, {});
    await taskRow(page, createdWhileOffline).locator('.status', { hasText: 'Cancelled' }).waitFor(waitLong);
    await postJson(server.url, `/videos/tasks/${createdAfter}/cancel`, {});
    await taskRow(page, createdAfter).locator('.status', { hasText: 'Cancelled' }).waitFor(waitLong);
    const shown = await listedTaskIds(page);
    expect(new Set(shown).size).toBe(shown.length);
    expect(cutter.foreignSockets).toEqual([]);
  }, pageTestTimeoutMs);

  test('a task beyond the first page, changed while the socket was down, is caught up by its resume (afterVersion) once', async () => {
    const { page, cutter } = await openCuttablePage(server);
    // Older than a whole first page: after the reconnect the page re-reads the first page, which
    // does not hold it, and tasksUpdated does not replay; only taskUpdated(afterVersion) brings it.
    const older = await createOverRest(server.url, 'sleep:120000');
    for (let index = 0; index < 10; index += 1) await createOverRest(server.url, `instant newer ${index}`);
    await page.goto(`${server.url}/`);
    const status = page.locator('.connection');
    await status.filter({ hasText: 'Live' }).waitFor(waitLong);
    await page.getByRole('button', { name: 'Show older tasks' }).click();
    await taskRow(page, older).locator('.status', { hasText: 'Running' }).waitFor(waitLong);

    await cutter.cut();
    await status.filter({ hasText: 'Reconnecting' }).waitFor(waitLong);
    expect((await postJson(server.url, `/videos/tasks/${older}/cancel`, {})).status).toBe(200);
    cutter.reconnect();
    await status.filter({ hasText: 'Live' }).waitFor(waitLong);
    await taskRow(page, older).locator('.status', { hasText: 'Cancelled' }).waitFor(waitLong);
    const shown = await listedTaskIds(page);
    expect(new Set(shown).size).toBe(shown.length);
  }, pageTestTimeoutMs);

  test('a failed task shows its status and its error', async () => {
    const failed = await createOverRest(server.url, 'permanent');
    const { page } = await openDashboard(server);
    const row = taskRow(page, failed);
    await row.locator('.status', { hasText: 'Failed' }).waitFor(waitLong);
    expect(await row.locator('.task-error').innerText()).toContain('BAD_PLOT: The plot cannot be rendered.');
    expect(await row.getByRole('button', { name: /^Cancel/ }).count()).toBe(0);
  }, pageTestTimeoutMs);
});

describe('with API keys', () => {
  const aliceKey = 'alice-secret-0123456789';
  const bobKey = 'bob-secret-0123456789';
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({
      processors: { CREATE_VIDEO: scriptedProcessor },
      config: { auth: loadAuthSettings({ API_KEYS: `alice:${aliceKey},bob:${bobKey}` }) },
    });
  }, startupTimeoutMs);
  afterAll(async () => {
    await server.cleanup();
  });

  test('asks for the key once, refuses a wrong one, then shows only that caller\'s tasks, live', async () => {
    const bobs = await createOverRest(server.url, 'instant bob', { authorization: `Bearer ${bobKey}` });
    const alices = await createOverRest(server.url, 'instant alice', { authorization: `Bearer ${aliceKey}` });
    const { page } = await openDashboard(server);

    const keyInput = page.getByLabel('API key');
    await keyInput.fill('not-a-key-of-anyone-0123');
    await page.getByRole('button', { name: 'Use this key' }).click();
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor(waitLong);
    expect(await keyInput.getAttribute('aria-invalid')).toBe('true');

    await keyInput.fill(aliceKey);
    await keyInput.press('Enter');
    await taskRow(page, alices).waitFor(waitLong);
    await page.locator('.connection', { hasText: 'Live' }).waitFor(waitLong);
    expect(await taskRow(page, bobs).count()).toBe(0);

    // Live updates come over the socket authenticated with alice's key; bob's never do.
    const bobsLater = await createOverRest(server.url, 'sleep:120000', { authorization: `Bearer ${bobKey}` });
    const alicesLater = await createOverRest(server.url, 'sleep:120000', { authorization: `Bearer ${aliceKey}` });
    await taskRow(page, alicesLater).locator('.status', { hasText: 'Running' }).waitFor(waitLong);
    await taskRow(page, alicesLater).getByRole('button', { name: /^Cancel/ }).click();
    await taskRow(page, alicesLater).locator('.status', { hasText: 'Cancelled' }).waitFor(waitLong);
    expect(await taskRow(page, bobsLater).count()).toBe(0);
    await postJson(server.url, `/videos/tasks/${bobsLater}/cancel`, {}, { authorization: `Bearer ${bobKey}` });

    // The key is kept for the tab: a reload asks no more.
    await page.reload();
    await taskRow(page, alices).waitFor(waitLong);
    expect(await page.getByLabel('API key').count()).toBe(0);
  }, pageTestTimeoutMs);
});
