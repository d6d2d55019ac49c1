// Helpers for driving the dashboard (web/dashboard) in a real browser.
import type { BrowserContext, Locator, Page, WebSocketRoute } from 'playwright-core';
import { postJson, waitFor } from './http.js';

export const waitLong = { timeout: 45_000 };

/** The list item of one task, found by its id. */
export function taskRow(page: Page, taskId: string): Locator {
  return page.locator(`li.task[data-task-id="${taskId}"]`);
}

export async function fillCreateForm(page: Page, input: { title: string; plot: string; durationSeconds: string }): Promise<void> {
  await page.getByLabel('Title').fill(input.title);
  await page.getByLabel('Plot').fill(input.plot);
  await page.getByLabel('Duration (seconds)').fill(input.durationSeconds);
  await page.getByRole('button', { name: 'Render video' }).click();
}

/** Creates a task over REST, as another client would; returns its id. */
export async function createOverRest(baseUrl: string, title: string, headers: Record<string, string> = {}): Promise<string> {
  const created = await postJson(baseUrl, '/videos/tasks', { title, plot: 'Created elsewhere', durationSeconds: 1 }, headers);
  if (created.status !== 202) throw new Error(`create answered ${created.status}: ${JSON.stringify(created.body)}`);
  return created.body.id as string;
}

/**
 * Puts the test between the page and the server's WebSockets, so it can cut them as a network
 * drop would and keep new ones from connecting for a while. Registered after openIsolatedPage's
 * route, so it takes precedence; it still refuses every host but the server's.
 */
export class SocketCutter {
  /** Each open socket: the page's side and the server's. */
  private readonly open = new Map<WebSocketRoute, WebSocketRoute>();
  private blocked = false;
  readonly foreignSockets: string[] = [];

  static async install(context: BrowserContext, serverUrl: string): Promise<SocketCutter> {
    const cutter = new SocketCutter();
    const host = new URL(serverUrl).host;
    await context.routeWebSocket(/.*/, (ws) => {
      if (new URL(ws.url()).host !== host) {
        cutter.foreignSockets.push(ws.url());
        return ws.close();
      }
      if (cutter.blocked) return ws.close({ code: 1013, reason: 'offline' });
      const server = ws.connectToServer();
      cutter.open.set(ws, server);
      // A handler replaces Playwright's forwarding of the page's close to the server: do it here.
      ws.onClose((code, reason) => {
        cutter.open.delete(ws);
        void server.close({ code, reason });
      });
    });
    return cutter;
  }

  get openSockets(): number {
    return this.open.size;
  }

  /** Closes every open socket (1001, as a proxy going away would) and refuses new ones until `reconnect`. */
  async cut(): Promise<void> {
    this.blocked = true;
    await Promise.all([...this.open].flatMap(([page, server]) => [
      page.close({ code: 1001, reason: 'network dropped' }),
      server.close({ code: 1001, reason: 'network dropped' }),
    ]));
    this.open.clear();
  }

  reconnect(): void {
    this.blocked = false;
  }
}

// Code run in the page, as strings: the test project has no DOM types (its lib is Node's).

/** Records every value any progress bar takes in window.progressSeen, so none is missed between polls. */
export const recordProgressValues = `(() => {
  const seen = [];
  window.progressSeen = seen;
  new MutationObserver((records) => {
    for (const record of records) {
      const value = record.target.getAttribute('aria-valuenow');
      if (value !== null) seen.push(Number(value));
    }
  }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['aria-valuenow'] });
})()`;

export const progressSeen = 'window.progressSeen';

/** What the test touches of a <video> in the page (typed here: the test project has no DOM lib). */
interface PageVideo {
  readyState: number;
  currentTime: number;
  play(): Promise<void>;
  addEventListener(type: 'loadeddata', listener: () => void, options: { once: boolean }): void;
}

export async function playVideo(video: Locator): Promise<void> {
  await video.evaluate((element: PageVideo) => element.play());
}

/** Resolves once the video element has a frame to show (so a screenshot has its picture). */
export async function videoFrameLoaded(video: Locator): Promise<void> {
  await video.evaluate((element: PageVideo) => new Promise<void>((resolve) => {
    if (element.readyState >= 2) resolve();
    else element.addEventListener('loadeddata', () => resolve(), { once: true });
  }));
}

/** Waits (polling from the test: page.waitForFunction would need eval, which the page's CSP forbids). */
export async function waitForProgress(row: Locator, percent: number): Promise<void> {
  await waitFor(`progress ${percent}%`, async () => (Number(await row.getByRole('progressbar').getAttribute('aria-valuenow')) >= percent ? true : null), 45_000);
}

export async function waitForPlayback(video: Locator, seconds: number): Promise<void> {
  await waitFor(`playback past ${seconds} s`, async () => ((await video.evaluate((element: PageVideo) => element.currentTime)) > seconds ? true : null), 45_000);
}
