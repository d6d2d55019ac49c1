// Drives the GraphQL playground (GraphiQL 5, Monaco editors) in a real browser the way a user
// does: buttons by their labels, text typed into the editors, the response read off the screen.
import type { Page } from 'playwright-core';
import { waitFor } from './http.js';

/**
 * The response pane's text with every space and line break removed: Monaco wraps long lines
 * (an id may be split, the rest of it indented on the next line) and draws spaces as no-break
 * spaces, so only the characters themselves can be compared.
 */
export async function responseText(page: Page): Promise<string> {
  const text = await page.locator('.graphiql-response .view-lines').textContent() ?? '';
  return text.replace(/[\s\u00a0]+/g, '');
}

/**
 * Waits until the response pane shows `expected`: a string (compared without its spaces too) or
 * a pattern written without spaces, e.g. /"status":"CANCELLED"/.
 */
export async function waitForResponse(page: Page, expected: string | RegExp, timeoutMs = 30_000): Promise<string> {
  return waitFor(`the response pane to show ${String(expected)}`, async () => {
    const text = await responseText(page);
    const shown = typeof expected === 'string' ? text.includes(expected.replace(/\s+/g, '')) : expected.test(text);
    return shown ? text : null;
  }, timeoutMs);
}

/** Opens the playground at `path` (/graphql, /playground), optionally with an operation in the link. */
export async function openPlayground(page: Page, baseUrl: string, path: string, query?: string): Promise<void> {
  const url = new URL(path, baseUrl);
  if (query) url.searchParams.set('query', query);
  await page.goto(url.href);
  // The operation editor is ready once Monaco has drawn its lines.
  await page.locator('.graphiql-query-editor .view-lines').waitFor({ timeout: 30_000 });
}

/**
 * Runs the operation in the editor (the ▶ button); with several operations in the document
 * GraphiQL asks which one, and `operationName` picks it.
 */
export async function runOperation(page: Page, operationName?: string): Promise<void> {
  await page.getByRole('button', { name: /^Execute query/ }).click();
  if (operationName) await page.getByRole('menuitem', { name: operationName, exact: true }).click();
}

/** Replaces the headers editor's text as a user would: focus it, select all, type. */
export async function enterHeaders(page: Page, headers: string): Promise<void> {
  await page.getByRole('button', { name: 'Headers', exact: true }).click();
  const editor = page.locator('.graphiql-editor-tool .monaco-editor').last();
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  // insertText types the whole string at once, so Monaco's auto-closing quotes and braces
  // cannot double them as key-by-key typing would.
  await page.keyboard.insertText(headers);
}

/** Opens the documentation explorer and returns its text once it shows `expected`. */
export async function docsShowing(page: Page, expected: string): Promise<string> {
  const explorer = page.locator('.graphiql-plugin');
  // The sidebar button reads "Hide Documentation Explorer" while it is open.
  const show = page.getByRole('button', { name: 'Show Documentation Explorer' });
  if ((await show.count()) > 0) await show.click();
  await explorer.getByText(expected, { exact: true }).first().waitFor({ timeout: 30_000 });
  return await explorer.textContent() ?? '';
}
