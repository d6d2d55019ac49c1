// A real browser for page tests: Debian's Chromium driven by playwright-core (Playwright's own
// browser download cannot work on these machines). Every request to a host other than the server
// under test is aborted and recorded, so a test can prove the page needs nothing from outside.
// Jest's global setup installs the chromium package when it is missing.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
  // Videos must play without a click in tests.
  '--autoplay-policy=no-user-gesture-required',
];

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumFlags });
}

export interface IsolatedPage {
  context: BrowserContext;
  page: Page;
  /** URLs the page asked for on any origin other than the server's; each was aborted. */
  foreignRequests: string[];
  /** Uncaught page errors and console errors, for diagnosing a failed test. */
  pageErrors: string[];
}

/** A fresh context whose only reachable origin is `serverUrl` (HTTP and WebSocket alike). */
export async function openIsolatedPage(browser: Browser, serverUrl: string): Promise<IsolatedPage> {
  const allowed = new URL(serverUrl);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const foreignRequests: string[] = [];
  const pageErrors: string[] = [];
  const isAllowed = (raw: string): boolean => {
    if (raw.startsWith('data:') || raw.startsWith('blob:') || raw === 'about:blank') return true;
    const url = new URL(raw);
    return url.host === allowed.host;
  };
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (isAllowed(url)) return route.continue();
    foreignRequests.push(url);
    return route.abort('blockedbyclient');
  });
  await context.routeWebSocket(/.*/, (ws) => {
    if (isAllowed(ws.url().replace(/^ws/, 'http'))) return ws.connectToServer();
    foreignRequests.push(ws.url());
    return ws.close();
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  return { context, page, foreignRequests, pageErrors };
}

/**
 * The page as a PNG: into docs/screenshots/<name>.png when SAVE_SCREENSHOTS=1 (how the
 * README's pictures are refreshed), else into a temporary file, so a test run leaves the
 * working tree clean. Returns the file's size in bytes.
 */
export async function saveScreenshot(page: Page, name: string): Promise<number> {
  const file = process.env.SAVE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL(`../../docs/screenshots/${name}.png`, import.meta.url))
    : path.join(os.tmpdir(), `longrun-screenshot-${name}-${process.pid}.png`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  const { size } = await fs.stat(file);
  if (process.env.SAVE_SCREENSHOTS !== '1') await fs.rm(file, { force: true });
  return size;
}
