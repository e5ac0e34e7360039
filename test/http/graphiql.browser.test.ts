import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { EXAMPLE_OPERATIONS } from '../../src/http/example-operations.js';
import { sandboxGuide } from '../../src/http/sandbox-guide.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchLoopbackBrowser, skipBrowserTests, type LoopbackBrowser } from '../helpers/browser.js';

/**
 * GraphiQL in a real headless Chromium: the page the facade serves loads from the facade alone (no CDN), opens one tab
 * per README example operation with the sandbox's caller token and working variables, runs each without errors, shows
 * each field's required scope in the docs, and links the sandbox guide.
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

  it('loads from the facade alone and runs every example tab without errors', { timeout: 60_000 }, async () => {
    const res = await page.goto(`${t.url}/graphql`, { waitUntil: 'load' });
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-type']).toContain('text/html');
    expect(res?.headers()['content-security-policy']).toContain("connect-src 'self'");

    await page.waitForSelector('.graphiql-container', { timeout: 15_000 });
    const execute = page.locator('.graphiql-execute-button');
    await execute.waitFor({ state: 'visible', timeout: 15_000 });

    // One tab per example operation, in README order.
    const tabs = page.locator('.graphiql-tab');
    await expect.poll(() => tabs.count(), { timeout: 10_000 }).toBe(EXAMPLE_OPERATIONS.length);
    expect(await page.locator('.graphiql-tab-button').allInnerTexts()).toEqual(EXAMPLE_OPERATIONS.map((op) => op.name));

    // The Headers editor is pre-filled with a working caller token.
    const headers = await page.locator('.graphiql-editor-tool .graphiql-editor').last().innerText();
    expect(headers).toContain('Bearer ');

    const results: Record<string, { data?: Record<string, unknown>; errors?: unknown[] }> = {};
    for (const [index, op] of EXAMPLE_OPERATIONS.entries()) {
      await page.locator('.graphiql-tab-button').nth(index).click();
      await expect.poll(() => page.locator('.graphiql-tab-active').innerText()).toBe(op.name);
      // GraphiQL reads the new tab's operation name 100 ms (debounced) after the editor changes; a person is slower.
      await page.waitForTimeout(300);
      await execute.click();
      await page
        .waitForFunction(resultText, '"data"', { timeout: 15_000, polling: 100 })
        .catch(async (err: unknown) => {
          throw new Error(`${op.name}: no data in ${JSON.stringify(await page.evaluate(resultText, ''))}`, {
            cause: err,
          });
        });
      const result = JSON.parse(await page.evaluate(resultText, '')) as (typeof results)[string];
      results[op.name] = result;
      expect(result.errors, `${op.name}: ${JSON.stringify(result.errors)}`).toBeUndefined();
      const payload = Object.values(result.data ?? {})[0] as { userErrors?: unknown[] } | null;
      if (payload && typeof payload === 'object' && 'userErrors' in payload)
        expect(payload.userErrors, op.name).toEqual([]);
    }
    expect(results.Contact?.data?.person).toMatchObject({ status: 'ACTIVE' });
    expect((results.Batch?.data?.persons as { status: string }[]).map((p) => p.status)).toEqual([
      'ACTIVE',
      'ACTIVE',
      'DELETED',
      'ACTIVE',
      'NOT_REGISTERED',
    ]);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}graphiql.png`, fullPage: true });

    expect(b?.blocked, 'requests outside the facade (a CDN?)').toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('shows the required scope in the docs of each guarded field', { timeout: 30_000 }, async () => {
    await page.locator('[aria-label="Show Documentation Explorer"]').click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.waitFor({ state: 'visible', timeout: 10_000 });
    await docs.getByRole('link', { name: 'Query', exact: true }).first().click();
    // A field's page shows its whole description, the hint included.
    const field = async (name: string) => {
      await docs
        .locator('a.graphiql-doc-explorer-field-name', { hasText: new RegExp(`^${name}$`) })
        .first()
        .click();
      await expect.poll(() => docs.locator('.graphiql-doc-explorer-title').innerText()).toBe(name);
      return docs.innerText();
    };
    const back = () => docs.locator('a.graphiql-doc-explorer-back').click();
    expect(await field('person')).toContain('Requires scope: contactinfo.read.');
    await back();
    expect(await field('clients')).toContain('Requires scope: clients.read.');
    await back();
    expect(await field('me')).not.toContain('Requires scope');
    await back();
    await field('person');
    await docs
      .locator('a.graphiql-doc-explorer-type-name', { hasText: /^Person$/ })
      .first()
      .click();
    await expect.poll(() => docs.locator('.graphiql-doc-explorer-title').innerText()).toBe('Person');
    expect(await docs.innerText()).toContain('Requires scope: contactinfo.read.');
    expect(await field('digitalMailbox')).toContain('Requires scopes: contactinfo.read and digitalpost.read.');
    expect(pageErrors).toEqual([]);
  });

  it('links the sandbox guide, which lists the seeded persons, clients and tenants', { timeout: 30_000 }, async () => {
    await page.goto(`${t.url}/graphql`, { waitUntil: 'load' });
    const link = page.locator('#sandbox-banner a', { hasText: 'Sandbox guide' });
    await link.waitFor({ state: 'visible', timeout: 10_000 });
    const [guide] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await guide.waitForLoadState('load');
    const text = await guide.locator('body').innerText();
    const g = sandboxGuide();
    for (const p of g.persons) expect(text).toContain(p.id);
    for (const c of g.clients) expect(text).toContain(c.id);
    expect(text).toContain('910825526');
    expect(text).toContain('910825534');
    expect(text).toContain('/sandbox/caller-token');
    await guide.close();
    expect(b?.blocked).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
