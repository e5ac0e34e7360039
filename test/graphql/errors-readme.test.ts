import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_OPERATIONS, README } from '../../src/http/example-operations.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/**
 * README "### Errors" shows one userError and one top-level error: both are what the facade answers, byte for byte
 * (as JSON), so the section cannot drift from the code.
 */
function errorsSection(): string {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf('\n### Errors\n');
  expect(start, 'README.md has a "### Errors" section').toBeGreaterThan(0);
  const overview = readme.lastIndexOf('\n## ', start);
  expect(readme.slice(overview + 1, readme.indexOf('\n', overview + 1))).toBe('## Schema overview');
  return readme.slice(start, readme.indexOf('\n## ', start));
}

/** The fenced blocks of `lang` that follow `after` in `text`. */
function blocksAfter(text: string, after: string, lang: string): string[] {
  const from = text.indexOf(after);
  expect(from, after).toBeGreaterThanOrEqual(0);
  const tail = text.slice(from);
  const next = tail.indexOf('\nA ', 1);
  const part = next < 0 ? tail : tail.slice(0, next);
  return [...part.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] ?? '');
}

describe('README "### Errors"', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 30_000);
  afterAll(async () => t?.close());

  it('its userError example is what the facade answers', async () => {
    const section = errorsSection();
    const [document] = blocksAfter(section, 'A `userError`', 'graphql');
    const [answer] = blocksAfter(section, 'A `userError`', 'json');
    const res = await t.graphql(document ?? '');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(answer ?? ''));
  });

  it('its top-level error example is what the facade answers to operation Batch with an invalid ids[17]', async () => {
    const [answer] = blocksAfter(errorsSection(), 'A top-level error', 'json');
    const batch = EXAMPLE_OPERATIONS.find((op) => op.name === 'Batch');
    const ids = Array.from({ length: 20 }, () => '11822648950');
    ids[17] = '11822648951';
    const res = await t.graphql(batch?.document ?? '', { ids });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(JSON.parse(answer ?? ''));
    expect(JSON.stringify(res.body)).not.toContain('11822648951');
  });

  it('its list of extensions.code names every code the facade sets (src/, the simulators left out) or Apollo adds', () => {
    const readme = readFileSync(README, 'utf8');
    const from = readme.indexOf('Errors carry one of these `extensions.code`');
    expect(from).toBeGreaterThan(0);
    const list = readme.slice(from, readme.indexOf('\n\n', from));
    const named = new Set([...list.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]));
    const codes = new Set(APOLLO_CODES);
    for (const file of sourceFiles(join(README, '..', 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/code: '([A-Z][A-Z_]+)'/g)) codes.add(m[1] as string);
      // graphqlError(res, status, message, code), the HTTP front's refusals: every code literal on such a line.
      for (const line of text.split('\n').filter((l) => l.includes('graphqlError(res'))) {
        for (const m of line.matchAll(/'([A-Z][A-Z_]{4,})'/g)) codes.add(m[1] as string);
      }
    }
    codes.delete('ECONNRESET'); // a Node error code a request's body reader sets, not an answer's
    expect(codes.size).toBeGreaterThan(15);
    expect([...codes].filter((code) => !named.has(code)).sort()).toEqual([]);
  });

  it('its GET example with the CSRF header answers, and without the header the CSRF refusal is BAD_REQUEST', async () => {
    const url = `${t.url}/graphql?query=${encodeURIComponent('{ me { scopes } }')}`;
    const authorization = `Bearer ${await t.token()}`;
    const ok = await fetch(url, { headers: { 'apollo-require-preflight': '1', authorization } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data?: { me?: unknown } }).data?.me).toBeTruthy();
    const refused = await fetch(url, { headers: { authorization } });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Cross-Site Request Forgery (CSRF)');
  });
});

/** Codes Apollo Server sets itself on errors the facade passes through (its parse, validation and operation steps). */
const APOLLO_CODES = ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'sandbox' || entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}
