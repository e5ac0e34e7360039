import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CHANGELOG,
  RELEASED_SCHEMA,
  checkSchema,
  compareSchemas,
  coordinateOf,
  currentSchemaSdl,
  unreleasedSection,
} from '../../scripts/schema-check.js';

describe('schema evolution guard', () => {
  const released = readFileSync(RELEASED_SCHEMA, 'utf8');
  const field = '  """KRR: `spraak_oppdatert`."""\n  languageUpdatedAt: DateTime\n';
  const removed = released.replace(field, '');
  const requiredArg = released.replace(
    'persons(ids: [PersonIdentifier!]!)',
    'persons(ids: [PersonIdentifier!]!, why: String!)',
  );
  const enumValue = released.replace('  IDPORTEN\n', '  IDPORTEN\n  IDPORTEN_NEXT\n');
  const changelog = (unreleased: string, older = '') =>
    `# Changelog\n\n## [Unreleased]\n\n${unreleased}\n${older ? `## [0.1.0] - 2026-11-21\n\n${older}\n` : ''}`;

  it('finds only the announced breaking changes between schema/ and the released schema, and passes with the real CHANGELOG.md', () => {
    // Unreleased: every mutation's payload and Client.integrationType became nullable (CHANGELOG.md, ### Breaking);
    // nothing else breaks.
    const payloads = ['createClient', 'updateClient', 'deleteClient', 'rotateClientSecret', 'replaceClientJwks']
      .concat(['addClientJwk', 'removeClientJwk', 'createOnBehalfOf', 'updateOnBehalfOf', 'deleteOnBehalfOf'])
      .map((name) => `Mutation.${name}`)
      .concat('Client.integrationType');
    const { breaking } = compareSchemas(released, currentSchemaSdl());
    expect(breaking.map(coordinateOf).sort()).toEqual(payloads.sort());
    expect(new Set(breaking.map((c) => c.type))).toEqual(new Set(['FIELD_CHANGED_KIND']));
    expect(existsSync(CHANGELOG)).toBe(true);
    expect(checkSchema(released, currentSchemaSdl(), readFileSync(CHANGELOG, 'utf8')).ok).toBe(true);
  });

  it('calls a removed field and a newly required argument breaking, a new optional field not', () => {
    expect(released).toContain(field);
    expect(compareSchemas(released, removed).breaking.map((c) => c.type)).toEqual(['FIELD_REMOVED']);
    expect(compareSchemas(released, requiredArg).breaking.map((c) => c.type)).toEqual(['REQUIRED_ARG_ADDED']);

    const added = released.replace(field, `${field}  newOptional: String\n`);
    expect(compareSchemas(released, added).breaking).toEqual([]);
    expect(compareSchemas(released, added).dangerous).toEqual([]);
  });

  it('passes a non-breaking change without reading the changelog, as before', () => {
    const added = released.replace(field, `${field}  newOptional: String\n`);
    for (const text of [undefined, '', changelog('')]) {
      const result = checkSchema(released, added, text);
      expect(result.ok).toBe(true);
      expect(result.messages).toEqual([]);
    }
  });

  it('fails a breaking change the changelog does not announce, printing the entry it expects', () => {
    for (const text of [undefined, '# Changelog\n\n## [0.1.0]\n\n- first\n', changelog('### Added\n\n- things\n')]) {
      const result = checkSchema(released, removed, text);
      expect(result.ok).toBe(false);
      expect(result.unannounced.map((u) => u.coordinate)).toEqual(['Person.languageUpdatedAt']);
      const out = result.messages.join('\n');
      expect(out).toContain('BREAKING: FIELD_REMOVED: Person.languageUpdatedAt was removed.');
      expect(out).toContain('### Breaking');
      expect(out).toContain('- `Person.languageUpdatedAt`: Person.languageUpdatedAt was removed.');
    }
    expect(checkSchema(released, removed, undefined).messages.join('\n')).toContain('CHANGELOG.md does not exist');
    expect(checkSchema(released, removed, '# Changelog\n').messages.join('\n')).toContain(
      'has no "## [Unreleased]" section',
    );
  });

  it('passes a breaking change named under ### Breaking in Unreleased, and only there', () => {
    const entry = '- `Person.languageUpdatedAt` removed: KRR no longer sends it.\n';
    expect(checkSchema(released, removed, changelog(`### Breaking\n\n${entry}`)).ok).toBe(true);
    expect(checkSchema(released, removed, changelog(`### Breaking changes\n\n${entry}`)).ok).toBe(true);
    // Named elsewhere in Unreleased, under an older release, or only as a longer name: not announced.
    expect(checkSchema(released, removed, changelog(`### Removed\n\n${entry}`)).ok).toBe(false);
    expect(checkSchema(released, removed, changelog('', `### Breaking\n\n${entry}`)).ok).toBe(false);
    expect(
      checkSchema(released, removed, changelog('### Breaking\n\n- `Person.languageUpdatedAtUtc` renamed\n')).ok,
    ).toBe(false);
    // A Breaking subsection followed by another keeps its own entries only.
    expect(checkSchema(released, removed, changelog(`### Breaking\n\n- other\n\n### Removed\n\n${entry}`)).ok).toBe(
      false,
    );
    // Arguments are named by their schema coordinate.
    const result = checkSchema(released, requiredArg, changelog('### Breaking\n\n- nothing yet\n'));
    expect(result.unannounced.map((u) => u.coordinate)).toEqual(['Query.persons(why:)']);
    expect(checkSchema(released, requiredArg, changelog('### Breaking\n\n- `Query.persons(why:)` required\n')).ok).toBe(
      true,
    );
  });

  it('asks for a dangerous change to be named anywhere in Unreleased', () => {
    expect(compareSchemas(released, enumValue).dangerous.map((c) => c.type)).toEqual(['VALUE_ADDED_TO_ENUM']);
    const missing = checkSchema(released, enumValue, changelog('### Added\n\n- something else\n'));
    expect(missing.ok).toBe(false);
    expect(missing.unannounced).toMatchObject([{ kind: 'dangerous', coordinate: 'IntegrationType.IDPORTEN_NEXT' }]);
    expect(missing.messages.join('\n')).toContain('dangerous: VALUE_ADDED_TO_ENUM');
    const named = checkSchema(released, enumValue, changelog('### Added\n\n- `IntegrationType.IDPORTEN_NEXT`\n'));
    expect(named.ok).toBe(true);
    expect(named.messages[0]).toContain('dangerous: VALUE_ADDED_TO_ENUM');
  });

  it('names every kind of change by its schema coordinate', () => {
    const cases: Array<[string, string, string]> = [
      ['TYPE_REMOVED', 'Jwk was removed.', 'Jwk'],
      ['TYPE_REMOVED', 'Standard scalar Float was removed because it is not referenced anymore.', 'Float'],
      ['TYPE_CHANGED_KIND', 'Jwk changed from an Object type to an Input type.', 'Jwk'],
      ['TYPE_REMOVED_FROM_UNION', 'A was removed from union type U.', 'U'],
      ['TYPE_ADDED_TO_UNION', 'A was added to union type U.', 'U'],
      ['VALUE_REMOVED_FROM_ENUM', 'KRR was removed from enum type IntegrationType.', 'IntegrationType.KRR'],
      ['REQUIRED_INPUT_FIELD_ADDED', 'A required field x on input type JwkInput was added.', 'JwkInput.x'],
      ['OPTIONAL_INPUT_FIELD_ADDED', 'An optional field x on input type JwkInput was added.', 'JwkInput.x'],
      ['IMPLEMENTED_INTERFACE_REMOVED', 'Person no longer implements interface Node.', 'Person'],
      ['IMPLEMENTED_INTERFACE_ADDED', 'Node added to interfaces implemented by Person.', 'Person'],
      ['FIELD_REMOVED', 'Person.email was removed.', 'Person.email'],
      ['FIELD_CHANGED_KIND', 'Person.email changed type from ContactPoint to String.', 'Person.email'],
      ['ARG_REMOVED', 'Query.persons arg ids was removed.', 'Query.persons(ids:)'],
      ['ARG_CHANGED_KIND', 'Query.persons arg ids has changed type from [A] to [B].', 'Query.persons(ids:)'],
      [
        'ARG_DEFAULT_VALUE_CHANGE',
        'Query.clients arg filter has changed defaultValue from 1 to 2.',
        'Query.clients(filter:)',
      ],
      ['REQUIRED_ARG_ADDED', 'A required arg why on Query.persons was added.', 'Query.persons(why:)'],
      ['OPTIONAL_ARG_ADDED', 'An optional arg why on Query.persons was added.', 'Query.persons(why:)'],
      ['DIRECTIVE_REMOVED', 'requiresScopes was removed.', '@requiresScopes'],
      ['DIRECTIVE_ARG_REMOVED', 'scopes was removed from requiresScopes.', '@requiresScopes(scopes:)'],
      [
        'REQUIRED_DIRECTIVE_ARG_ADDED',
        'A required arg x on directive requiresScopes was added.',
        '@requiresScopes(x:)',
      ],
      ['DIRECTIVE_REPEATABLE_REMOVED', 'Repeatable flag was removed from requiresScopes.', '@requiresScopes'],
      ['DIRECTIVE_LOCATION_REMOVED', 'OBJECT was removed from requiresScopes.', '@requiresScopes'],
    ];
    for (const [type, description, coordinate] of cases) {
      expect(coordinateOf({ type, description } as Parameters<typeof coordinateOf>[0]), description).toBe(coordinate);
    }
  });

  it('reads the Unreleased section up to the next release', () => {
    expect(unreleasedSection('# C\n\n## [Unreleased]\n\nnew\n\n## [0.1.0]\n\nold\n')).toBe('\n\nnew\n\n');
    expect(unreleasedSection('# C\n\n## Unreleased\n\nnew\n')).toBe('\n\nnew\n');
    expect(unreleasedSection('# C\n\n## [0.1.0]\n\nold\n')).toBeUndefined();
  });
});
