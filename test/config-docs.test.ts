import { describe, expect, it } from 'vitest';
import { renderEnvExample, staleFiles } from '../scripts/config-docs.js';
import { OTEL_VARIABLES, VARIABLES } from '../src/config-spec.js';

describe('the configuration reference', () => {
  it('is fresh: the README table and .env.example are what `npm run config:docs` writes from src/config-spec.ts', async () => {
    const stale = (await staleFiles()).map(({ file }) => file.replace(/^.*\//, ''));
    expect(stale, 'stale: run `npm run config:docs` and commit the result').toEqual([]);
  });

  it('lists every variable once in .env.example, secrets without a value', () => {
    const lines = renderEnvExample()
      .split('\n')
      .filter((line) => /^# [A-Z][A-Z0-9_]+=/.test(line));
    const names = lines.map((line) => line.slice(2, line.indexOf('=')));
    expect(names).toEqual([...Object.keys(VARIABLES), ...OTEL_VARIABLES.map((v) => v.name)]);
    const secrets = [
      ...Object.entries(VARIABLES)
        .filter(([, spec]) => 'secret' in spec && spec.secret)
        .map(([name]) => name),
      ...OTEL_VARIABLES.filter((v) => v.secret).map((v) => v.name),
    ];
    expect(secrets).toEqual(
      expect.arrayContaining(['MASKINPORTEN_KEYSTORE_PASSWORD', 'REDIS_URL', 'OTEL_EXPORTER_OTLP_HEADERS']),
    );
    for (const name of secrets) expect(lines, name).toContain(`# ${name}=`);
  });
});
