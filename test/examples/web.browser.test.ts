import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config from '../../examples/web/codegen.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchLoopbackBrowser, skipBrowserTests, type LoopbackBrowser } from '../helpers/browser.js';

/**
 * examples/web (React + urql, typed by GraphQL Code Generator's client preset) built with Vite, served from a small
 * same-origin server that proxies /graphql and /sandbox/caller-token to a facade running with the example's generated
 * manifest as TRUSTED_DOCUMENTS_FILE, and driven in headless Chromium.
 */
const WEB = fileURLToPath(new URL('../../examples/web/', import.meta.url));
const GQL = join(WEB, 'src/gql');
const MANIFEST = join(GQL, 'persisted-documents.json');
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

describe('examples/web generated code', () => {
  it('is fresh: the client preset on schema/ and src/ gives exactly the committed src/gql/', async () => {
    const outputs: { filename: string; content: string }[] = await generate({ ...config, silent: true }, false);
    const generated = new Map(outputs.map((o) => [relative(GQL, join(WEB, o.filename)), o.content]));
    expect([...generated.keys()].sort()).toEqual(['gql.ts', 'graphql.ts', 'index.ts', 'persisted-documents.json']);
    expect((await readdir(GQL)).sort()).toEqual([...generated.keys()].sort());
    for (const [file, content] of generated) {
      const fresh = content === (await readFile(join(GQL, file), 'utf8'));
      expect(fresh, `examples/web/src/gql/${file} is stale: run \`npm run examples:web:codegen\``).toBe(true);
    }
  }, 60_000);
});

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Serves `root` (index.html for unknown paths) and forwards /graphql and /sandbox/caller-token to `upstream`. */
async function serveApp(root: string, upstream: string): Promise<{ server: Server; url: string }> {
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/graphql' || path === '/sandbox/caller-token') {
      const proxied = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      proxied.on('error', () => {
        res.writeHead(502).end();
      });
      req.pipe(proxied);
      return;
    }
    void (async () => {
      let file = resolve(root, `.${decodeURIComponent(path)}`);
      if (!file.startsWith(root + sep) || !(await stat(file).catch(() => null))?.isFile()) {
        file = join(root, 'index.html');
      }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      createReadStream(file).pipe(res);
    })();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe.skipIf(skipBrowserTests())('examples/web in headless Chromium', () => {
  let t: TestApp;
  let outDir: string;
  let site: { server: Server; url: string } | undefined;
  let b: LoopbackBrowser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const requests: { method: string; url: string; body: string | null }[] = [];

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'web-example-'));
    const { build } = await import('vite');
    const [app] = await Promise.all([
      startTestApp({ TRUSTED_DOCUMENTS_FILE: MANIFEST }),
      build({ configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } }),
    ]);
    t = app;
    site = await serveApp(outDir, t.url);
    b = await launchLoopbackBrowser();
    page = await b.context.newPage();
    page.on('request', (req) => requests.push({ method: req.method(), url: req.url(), body: req.postData() }));
    page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(`console.error: ${msg.text()} (${msg.location().url})`);
    });
  }, 60_000);

  afterAll(async () => {
    await b?.close();
    await new Promise((ok) => site?.server.close(ok));
    await t?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it(
    'shows a person with the stale warning, the clients, and a userError at its field',
    { timeout: 30_000 },
    async () => {
      const res = await page.goto(site!.url, { waitUntil: 'load' });
      expect(res?.status()).toBe(200);

      const person = page.getByTestId('person');

      // A person with a Digipost mailbox and no stale channel.
      await page.getByRole('button', { name: /22859197810/ }).click();
      await expect.poll(() => person.locator('h3').innerText()).toContain('22859197810');
      await expect.poll(() => page.getByTestId('mailbox').innerText()).toMatch(/provider 984661185/);
      expect(await page.getByTestId('stale-warning').count()).toBe(0);

      // A person with stale contact information: the warning is shown next to the channel.
      await page.getByRole('button', { name: /11887197158/ }).click();
      await expect.poll(() => person.locator('h3').innerText()).toContain('11887197158');
      expect(await person.locator('h3').innerText()).toContain('ACTIVE');
      expect(await page.getByTestId('stale-warning').first().innerText()).toMatch(/Stale .*18 months/);
      expect(await page.getByTestId('notification').innerText()).toBe('CANNOT_BE_NOTIFIED');

      // Clients with their keys and expiry.
      const clients = page.getByTestId('clients');
      await clients.waitFor({ timeout: 10_000 });
      expect(await clients.innerText()).toContain('oidc_eksempel_klient');
      expect(await clients.innerText()).toMatch(/sandbox-maskinporten-key-1\s+expires/);

      // A key generated in the browser (Web Crypto).
      await page.locator('#key-kid').fill('web-example-key');
      await page.getByRole('button', { name: 'Generate a test key' }).click();
      await expect.poll(() => page.locator('#key-key').inputValue()).toContain('"kty": "RSA"');

      // A client holding KRR scopes is read-only through the facade: the userError names ["input", "clientId"].
      await page.locator('#key-clientId').selectOption('3f6a2c1e-8b4d-4f7a-9c2e-1d5b7a9e0c41');
      await page.getByRole('button', { name: 'Add key' }).click();
      const clientError = page.locator('[data-field="clientId"] .field-error');
      await clientError.waitFor({ timeout: 10_000 });
      expect(await clientError.innerText()).toContain('privileged scopes');

      // On a client this service may manage the key is added, and the clients list refetches with it.
      await page.locator('#key-clientId').selectOption('oidc_eksempel_klient');
      await page.getByRole('button', { name: 'Add key' }).click();
      await page.getByTestId('key-added').waitFor({ timeout: 10_000 });
      await expect.poll(() => clients.innerText()).toContain('web-example-key');

      // The same kid again: the userError CONFLICT, field ["input", "key", "kid"], is shown at the kid input only.
      await page.getByRole('button', { name: 'Add key' }).click();
      const kidError = page.locator('[data-field="kid"] .field-error');
      await kidError.waitFor({ timeout: 10_000 });
      expect(await kidError.innerText()).toMatch(/already has a key with this kid.*CONFLICT/);
      expect(await page.locator('#key-kid').getAttribute('aria-invalid')).toBe('true');
      expect(await page.locator('[data-field="clientId"] .field-error').count()).toBe(0);
      expect(await page.locator('[data-field="key"] .field-error').count()).toBe(0);

      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'web-example.png'), fullPage: true });

      // Everything went to the page's own origin, and GraphQL documents went by hash only.
      expect(b?.blocked, 'requests outside loopback').toEqual([]);
      for (const r of requests) expect(new URL(r.url).origin).toBe(site!.url);
      const graphql = requests.filter((r) => new URL(r.url).pathname === '/graphql');
      expect(graphql.length).toBeGreaterThanOrEqual(4);
      for (const r of graphql) {
        const body = JSON.parse(r.body ?? '{}') as { query?: unknown; extensions?: { persistedQuery?: unknown } };
        expect(body.query).toBeUndefined();
        expect(body.extensions?.persistedQuery).toMatchObject({
          version: 1,
          sha256Hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        });
      }
      expect(pageErrors).toEqual([]);
    },
  );
});
