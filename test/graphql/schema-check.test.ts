import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RELEASED_SCHEMA, compareSchemas, currentSchemaSdl } from '../../scripts/schema-check.js';

describe('schema evolution guard', () => {
  const released = readFileSync(RELEASED_SCHEMA, 'utf8');

  it('finds no breaking change between schema/ and the released schema', () => {
    expect(compareSchemas(released, currentSchemaSdl()).breaking).toEqual([]);
  });

  it('calls a removed field and a newly required argument breaking, a new optional field not', () => {
    const field = '  """KRR: `spraak_oppdatert`."""\n  languageUpdatedAt: DateTime\n';
    expect(released).toContain(field);
    expect(compareSchemas(released, released.replace(field, '')).breaking.map((c) => c.type)).toEqual([
      'FIELD_REMOVED',
    ]);

    const required = released.replace(
      'persons(ids: [PersonIdentifier!]!)',
      'persons(ids: [PersonIdentifier!]!, why: String!)',
    );
    expect(compareSchemas(released, required).breaking.map((c) => c.type)).toEqual(['REQUIRED_ARG_ADDED']);

    const added = released.replace(field, `${field}  newOptional: String\n`);
    expect(compareSchemas(released, added).breaking).toEqual([]);
  });
});
