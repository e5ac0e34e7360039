import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchLoopbackBrowser, skipBrowserTests, type LoopbackBrowser } from '../helpers/browser.js';

/**
 * GraphiQL in a real headless Chromium: the page the facade serves loads from the facade alone (no CDN), renders the
 * editor with the sandbox's caller token pre-filled, and runs the example query against the sandbox.
 */
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

/**
 * The result pane's text, read from its CodeMirror instance (the DOM only holds the lines in view). Runs in the page, as
 * a function: the page's CSP (no 'unsafe-eval') forbids Playwright's string expressions.
 */
function resultText(needle = ''): string {
  const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
  const el = doc.querySelector('.result-window .CodeMirror') as { CodeMirror?: { getValue(): string } } | null;
  const text = el?.CodeMirror?.getValue() ?? '';
  return text.includes(needle) ? text : '';
}

describe.skipIf(skipBrowserTests())('GraphiQL in headless Chromium', () => {
  let t: TestApp;
  let b: LoopbackBrowser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    b = await launchLoopbackBrowser();
    page = await b.context.newPage();
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      if (msg.location().url.endsWith('/favicon.ico')) return; // the facade serves none; Chromium asks anyway
      pageErrors.push(`console.error: ${msg.text()} (${msg.location().url})`);
    });
  }, 30_000);

  afterAll(async () => {
    await b?.close();
    await t?.close();
  });

  it('loads from the facade alone and runs the example query', { timeout: 30_000 }, async () => {
    const res = await page.goto(`${t.url}/graphql`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-type']).toContain('text/html');

    await page.waitForSelector('.graphiql-container', { timeout: 15_000 });
    const execute = page.locator('.graphiql-execute-button');
    await execute.waitFor({ state: 'visible', timeout: 15_000 });

    // The Headers editor is pre-filled with a working caller token.
    const headers = await page.locator('.graphiql-editor-tool .graphiql-editor').last().innerText();
    expect(headers).toContain('Bearer ');

    await execute.click();
    await page.waitForFunction(resultText, '"status": "ACTIVE"', { timeout: 15_000, polling: 100 });
    const text = await page.evaluate(resultText, '');
    expect(text).toContain('"status": "ACTIVE"');

    const result = JSON.parse(text) as {
      data?: { person?: { id: string; status: string } };
      errors?: unknown[];
    };
    expect(result.errors).toBeUndefined();
    expect(result.data?.person).toMatchObject({ id: '11822648950', status: 'ACTIVE' });

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}graphiql.png`, fullPage: true });

    expect(b?.blocked, 'requests outside the facade (a CDN?)').toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
