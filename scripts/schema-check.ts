/**
 * Schema evolution guard. `npm run schema:check` compares schema/ with the last released schema
 * (schema/released/schema.graphql) and fails on breaking changes; `npm run schema:release` records the current schema
 * as released. Part of `npm test`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSchema, findBreakingChanges, findDangerousChanges, lexicographicSortSchema, printSchema } from 'graphql';
import { loadTypeDefs } from '../src/graphql/schema.js';

export const RELEASED_SCHEMA = fileURLToPath(new URL('../schema/released/schema.graphql', import.meta.url));

export function currentSchemaSdl(): string {
  return printSchema(lexicographicSortSchema(buildSchema(loadTypeDefs().join('\n'))));
}

export function compareSchemas(releasedSdl: string, currentSdl: string) {
  const released = buildSchema(releasedSdl);
  const current = buildSchema(currentSdl);
  return { breaking: findBreakingChanges(released, current), dangerous: findDangerousChanges(released, current) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const current = currentSchemaSdl();
  if (process.argv.includes('--release')) {
    writeFileSync(RELEASED_SCHEMA, current);
    console.log(`Recorded the current schema as released: ${RELEASED_SCHEMA}`);
  } else {
    const { breaking, dangerous } = compareSchemas(readFileSync(RELEASED_SCHEMA, 'utf8'), current);
    for (const change of dangerous) console.warn(`dangerous: ${change.type}: ${change.description}`);
    if (breaking.length > 0) {
      for (const change of breaking) console.error(`BREAKING: ${change.type}: ${change.description}`);
      console.error(
        `\n${breaking.length} breaking change(s) against schema/released/schema.graphql. Keep the old fields (deprecate` +
          ' them) or, for a deliberate major change, run `npm run schema:release` and say why in the commit.',
      );
      process.exit(1);
    }
    console.log(`schema:check: no breaking changes (${dangerous.length} dangerous)`);
  }
}
