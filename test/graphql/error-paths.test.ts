import { GraphQLError, locatedError, parse, type FieldNode, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatError } from '../../src/graphql/errors.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';

/**
 * An invalid value deep in a variable names where it is (`ids[17]`), never what it is; an invalid literal names its
 * line and column. Through the whole app: Apollo's error handling and the facade's formatter.
 */
describe('errors name where the invalid input is, never the value', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 30_000);
  afterAll(async () => t?.close());

  const BATCH = 'query Batch($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }';

  it('an invalid id in a variable list names its index', async () => {
    const ids = syntheticPersonIdentifiers(40);
    const bad = `${ids[17]?.slice(0, 10)}0`.replace(/0$/, ids[17]?.endsWith('0') ? '1' : '0');
    ids[17] = bad;
    const res = await t.graphql(BATCH, { ids });
    expect(res.body.errors).toHaveLength(1);
    const [err] = res.body.errors ?? [];
    expect(err?.message).toBe(
      'Variable "$ids" has an invalid value at ids[17]: Not a valid personal identifier: expected 11 digits with valid ' +
        'mod-11 check digits (fødselsnummer, D-, H- or synthetic number).',
    );
    expect(err?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(res.body)).not.toContain(bad);
  });

  it('a value that imitates a path cannot move the index', async () => {
    const ids = ['x at "ids[999]"; ', '11822648950'];
    const res = await t.graphql(BATCH, { ids });
    expect(res.body.errors?.[0]?.message).toMatch(/^Variable "\$ids" has an invalid value at ids\[0\]: Not a valid/);
    expect(JSON.stringify(res.body)).not.toContain('999');
  });

  it('a wrong type deep in an input object names its path', async () => {
    const res = await t.graphql(
      'mutation Update($input: UpdateClientInput!) { updateClient(input: $input) { userErrors { field } } }',
      { input: { id: 'oidc_eksempel_klient', redirectUris: ['https://a.example.no/cb', 'not a url'] } },
    );
    const message = res.body.errors?.[0]?.message ?? '';
    expect(message).toMatch(/^Variable "\$input" has an invalid value at input\.redirectUris\[1\]: Not a valid URL/);
    expect(message).not.toContain('not a url');
  });

  it('a whole variable that is wrong names no path', async () => {
    const res = await t.graphql('query One($id: PersonIdentifier!) { person(id: $id) { id } }', { id: '12345678901' });
    expect(res.body.errors?.[0]?.message).toMatch(/^Variable "\$id" has an invalid value: Not a valid personal/);
    expect(JSON.stringify(res.body)).not.toContain('12345678901');
  });

  it('an invalid literal carries its location, not its value', async () => {
    const res = await t.graphql('{\n  persons(ids: ["11822648950",\n    "12345678901"]) { id }\n}');
    const [err] = (res.body.errors ?? []) as { message: string; locations?: unknown; extensions?: { code?: string } }[];
    expect(err?.message).toMatch(/^Not a valid personal identifier: expected 11 digits/);
    expect(err?.locations).toEqual([{ line: 3, column: 5 }]);
    expect(err?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(res.body)).not.toContain('12345678901');
  });
});

/**
 * What graphql-js reports about values (of enums, built-in scalars, arguments) quotes the value; what the caller gets
 * says what is wrong and where, never the value, on both executors. A variable with a default given an explicit
 * `null` where the argument is non-null is the caller's mistake (GraphQL spec, "All Variable Usages Are Allowed"):
 * BAD_USER_INPUT at the field, not an internal error with a fault line in the log.
 */
describe.each(['compiled', 'graphql-js'])('values are never repeated (%s)', (executor) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ GRAPHQL_EXECUTOR: executor });
  }, 30_000);
  afterAll(async () => t?.close());

  const SECRET = 'sk_live_9f8e7d6c5b4a';

  it.each([
    [
      'an enum variable',
      'query Q($t: IntegrationType) { clients(filter: { integrationType: $t }) { id } }',
      { t: SECRET },
      /^Variable "\$t" has an invalid value: Value is not one of "IntegrationType"'s values\.$/,
    ],
    [
      'an enum deep in an input variable',
      'query Q($f: ClientFilter) { clients(filter: $f) { id } }',
      { f: { integrationType: SECRET } },
      /^Variable "\$f" has an invalid value at f\.integrationType: Value is not one of "IntegrationType"'s values\.$/,
    ],
    [
      'an enum literal',
      `{ clients(filter: { integrationType: ${SECRET} }) { id } }`,
      {},
      /^Value is not one of "IntegrationType"'s values\.$/,
    ],
    [
      'a Boolean literal',
      `{ clients(filter: { active: "${SECRET}" }) { id } }`,
      {},
      /^Boolean cannot represent a non boolean value\.$/,
    ],
    [
      'a directive argument',
      `{ me @include(if: "${SECRET}") { subject } }`,
      {},
      /^Boolean cannot represent a non boolean value\.$/,
    ],
    [
      'a variable default',
      `query Q($s: Boolean = "${SECRET}") { me @include(if: $s) { subject } }`,
      {},
      /^Boolean cannot represent a non boolean value\.$/,
    ],
    [
      'an input object given a string',
      `mutation { updateClient(input: "${SECRET}") { __typename } }`,
      {},
      /^Invalid value for type "UpdateClientInput!"\.$/,
    ],
    [
      'an input object given a list',
      `{ clients(filter: ["${SECRET}"]) { id } }`,
      {},
      /^Invalid value for type "ClientFilter"\.$/,
    ],
    [
      'a String given an object',
      'query Q($n: String) { clients(filter: { nameContains: $n }) { id } }',
      { n: { key: SECRET } },
      /^Variable "\$n" has an invalid value: String cannot represent a non string value\.$/,
    ],
  ])('%s', async (_what, query, variables, message) => {
    const res = await t.graphql(query, variables);
    expect(JSON.stringify(res.body)).not.toContain(SECRET);
    expect(res.body.errors?.[0]?.message).toMatch(message);
    expect(res.body.errors?.[0]?.extensions?.code).toMatch(/^(BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED)$/);
  });

  it.each([
    ['a person', 'query P($id: PersonIdentifier = "11822648950") { person(id: $id) { id } }', ['person']],
    ['a client', 'query C($id: ID = "oidc_eksempel_klient") { client(id: $id) { id } }', ['client']],
  ])('an explicit null for a variable with a default, used where null is not allowed: %s', async (_w, query, path) => {
    const before = t.logLines.length;
    for (let run = 0; run < 2; run++) {
      const res = await t.graphql(query, { id: null });
      expect(res.body.errors).toEqual([
        {
          message: 'Argument "id" of non-null type "ID!" must not be null.'.replace(
            'ID!',
            path[0] === 'person' ? 'PersonIdentifier!' : 'ID!',
          ),
          locations: expect.any(Array),
          path,
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ]);
    }
    expect(t.logLines.slice(before).filter((line) => JSON.parse(line).level >= 50)).toEqual([]);
  });

  it('an explicit null for a directive argument through a variable with a default', async () => {
    const res = await t.graphql('query S($s: Boolean = true) { me @skip(if: $s) { subject } }', { s: null });
    expect(res.body.errors?.[0]?.message).toBe('Argument "if" of non-null type "Boolean!" must not be null.');
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('with introspection off', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ INTROSPECTION: 'false' });
  }, 30_000);
  afterAll(async () => t?.close());

  it('says why graphql-js gave up validating a document that repeats a field hundreds of times', async () => {
    const res = await t.graphql(`{ me { ${'__typename '.repeat(1000)} } }`);
    expect(res.body.errors).toEqual([
      {
        message:
          'The document is too complex to validate: it selects the same fields or fragments too many times. Select each once.',
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    ]);
  });

  it('says so in the facade’s own terms, not the framework’s', async () => {
    const res = await t.graphql('{ __schema { queryType { name } } }');
    expect(res.body.errors?.[0]?.message).toBe('Introspection is turned off on this server (INTROSPECTION).');
    expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('what counts as the executor refusing an argument', () => {
  const field = (parse('{ person(id: null) { id } }').definitions[0] as OperationDefinitionNode).selectionSet
    .selections[0] as FieldNode;
  const message = 'Argument "id" of non-null type "PersonIdentifier!" must not be null.';
  const format = (error: GraphQLError) => formatError({ message: error.message, extensions: {} }, error);

  it('the executor’s own error, located at the argument it refused: BAD_USER_INPUT', () => {
    const refused = locatedError(
      new GraphQLError(message, { nodes: field.arguments?.[0]?.value }),
      [field],
      ['person'],
    );
    expect(format(refused)).toEqual({ message, extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('a resolver’s error with the same words but no node of its own: still an internal error', () => {
    const thrown = locatedError(new GraphQLError(message), [field], ['person']);
    expect(format(thrown)).toEqual({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
});
