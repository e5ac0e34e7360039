/**
 * `loadTypeDefs` reads the SDL files of a directory base first, then by name in code-unit order: the same order on
 * every machine and locale, and without `localeCompare`, whose collation data alone kept 1.6 MB of the node binary's
 * ICU pages resident in every replica (docs/benchmarks.md).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTypeDefs } from '../../src/graphql/schema.js';

describe('loadTypeDefs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'type-defs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads base.graphql first, then the others by name in code-unit order, nothing else', () => {
    for (const name of ['person.graphql', 'Zeta.graphql', 'base.graphql', 'ä.graphql', 'client.graphql', 'notes.md']) {
      writeFileSync(join(dir, name), `# ${name}`);
    }
    expect(loadTypeDefs(dir)).toEqual([
      '# base.graphql',
      '# Zeta.graphql',
      '# client.graphql',
      '# person.graphql',
      '# ä.graphql',
    ]);
  });
});
