import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const OUTPUT = 'src/generated/graphql.ts';

describe('generated code', () => {
  it('is fresh: running codegen on schema/ gives exactly the committed src/generated/', async () => {
    const config = parse(readFileSync('codegen.yml', 'utf8')) as Record<string, unknown>;
    const outputs: { filename: string; content: string }[] = await generate(
      { ...config, silent: true } as never,
      false,
    );
    const generated = outputs.find((o) => o.filename.endsWith(OUTPUT));
    expect(generated, 'codegen produced no output for src/generated/graphql.ts').toBeDefined();
    const fresh = generated!.content === readFileSync(OUTPUT, 'utf8');
    expect(fresh, 'src/generated/ is stale: run `npm run codegen` and commit the result').toBe(true);
  }, 60_000);
});
