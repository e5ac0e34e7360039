import { readFileSync } from 'node:fs';
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
});
