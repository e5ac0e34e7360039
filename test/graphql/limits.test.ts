import { createRequire } from 'node:module';
import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type * as GraphQLModule from 'graphql';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_QUERY_LIMITS,
  measureOperation,
  queryLimitRules,
  queryLimitsPlugin,
  type QueryLimits,
} from '../../src/graphql/limits.js';
import { scalarResolvers } from '../../src/graphql/scalars.js';
import { loadTypeDefs } from '../../src/graphql/schema.js';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/*
 * Under Vitest, this file's `import 'graphql'` gets graphql's ESM build while dependencies (graphql-tools, Apollo) get
 * its CommonJS build; graphql-js refuses a schema from "another realm". Parse and validate with the build that built
 * the schema, as Apollo does at run time.
 */
const graphql = createRequire(import.meta.url)('graphql') as typeof GraphQLModule;
const { parse, specifiedRules, validate, getIntrospectionQuery } = graphql;

const schema = makeExecutableSchema({ typeDefs: loadTypeDefs() });

/** Messages of validating `query` with the limit rules (only, or after graphql-js's own rules). */
function limitErrors(query: string, options: { limits?: QueryLimits; withSpecifiedRules?: boolean } = {}): string[] {
  const rules = queryLimitRules(options.limits ?? DEFAULT_QUERY_LIMITS);
  const errors = validate(schema, parse(query), options.withSpecifiedRules ? [...specifiedRules, ...rules] : rules);
  return errors.map((e) => e.message);
}

/** The measure as a plain object (its distinct count is a getter, counted when read). */
function measure(query: string, variables?: Record<string, unknown>, operationName?: string) {
  const measured = measureOperation({
    schema,
    document: parse(query),
    variables: variables ?? null,
    operationName: operationName ?? null,
  });
  return { cost: measured.cost, namedPersons: measured.namedPersons, distinctPersons: measured.distinctPersons };
}

function answerBytes(query: string, variables?: Record<string, unknown>): number {
  return measureOperation({ schema, document: parse(query), variables: variables ?? null }).answerBytes;
}

/** A query whose deepest field path has exactly `depth` fields: clients → onBehalfOf → client → … → id. */
function queryOfDepth(depth: number): string {
  const path = ['clients'];
  for (let i = 1; i < depth - 1; i++) path.push(i % 2 === 1 ? 'onBehalfOf' : 'client');
  return `{ ${path.map((f) => `${f} {`).join(' ')} id ${'}'.repeat(path.length)} }`;
}

function aliases(n: number): string {
  return Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ');
}

const includes = (n: number) => Array.from({ length: n }, () => '__typename @include(if: true)').join(' ');

/** 11-digit strings for pure measuring (not validated there). */
const fakeIds = (n: number, start = 0) => Array.from({ length: n }, (_, i) => String(10_000_000_000 + start + i));

const LEGIT = /* GraphQL */ `
  query Contact($ids: [PersonIdentifier!]!, $withMailbox: Boolean = false) {
    persons(ids: $ids) {
      ...ContactFields
      digitalMailbox @include(if: $withMailbox) {
        address
        providerOrganizationNumber
      }
    }
    me: person(id: "01017012345") {
      ...ContactFields
    }
    clients(filter: { integrationType: MASKINPORTEN }) {
      id
      name
      scopes
      onBehalfOf {
        id
        organizationNumber
      }
      jwks {
        keys {
          kid
          expiresAt
        }
      }
    }
  }
  fragment ContactFields on Person {
    id
    status
    reserved
    email {
      value
      stale
    }
    mobilePhone {
      value
      stale
    }
  }
`;

const CLIENTS_BOMB = '{ clients { onBehalfOf { client { onBehalfOf { client { jwks { keys { kid } } } } } } } }';

describe('DEFAULT_QUERY_LIMITS', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_QUERY_LIMITS).toEqual({
      maxDepth: 12,
      maxAliases: 30,
      maxDirectives: 20,
      maxTokens: 5000,
      maxCost: 25_000,
      maxPersons: 5000,
      maxAnswerBytes: 32 * 1024 * 1024,
      maxMutations: 10,
    });
  });
});

describe('queryLimitRules', () => {
  it('lets a legitimate query pass every rule, graphql-js rules included', () => {
    expect(limitErrors(LEGIT, { withSpecifiedRules: true })).toEqual([]);
    const { cost, distinctPersons } = measure(LEGIT, { ids: fakeIds(100) });
    expect(cost).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxCost);
    expect(distinctPersons).toBe(101);
  });

  it("lets GraphiQL's full introspection query pass (introspection counts too)", () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    expect(limitErrors(query, { withSpecifiedRules: true })).toEqual([]);
    expect(measure(query).cost).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxCost);
  });

  it('refuses depth 13 and accepts depth 12', () => {
    expect(limitErrors(queryOfDepth(12), { withSpecifiedRules: true })).toEqual([]);
    expect(limitErrors(queryOfDepth(13), { withSpecifiedRules: true })).toEqual([
      'Query depth 13 exceeds the maximum of 12.',
    ]);
    expect(limitErrors('{ a { b } }')).toEqual([]); // unknown fields are left to the other rules
    expect(limitErrors('{ a { b } }', { limits: { ...DEFAULT_QUERY_LIMITS, maxDepth: 1 } })).toEqual([
      'Query depth 2 exceeds the maximum of 1.',
    ]);
  });

  it('follows fragments and inline fragments for depth', () => {
    const query = `{ clients { ...A } }
      fragment A on Client { onBehalfOf { ... on OnBehalfOf { client { ...B } } } }
      fragment B on Client { onBehalfOf { client { onBehalfOf { client { onBehalfOf { client { onBehalfOf { client { LEAF } } } } } } } } }`;
    expect(limitErrors(query.replace('LEAF', 'id'), { withSpecifiedRules: true })).toEqual([]);
    expect(limitErrors(query.replace('LEAF', 'jwks { createdAt }'), { withSpecifiedRules: true })).toEqual([
      'Query depth 13 exceeds the maximum of 12.',
    ]);
  });

  it('counts introspection fields, except __Type.ofType steps (type-reference unwrapping)', () => {
    const nest = (fields: string[], leaf: string) =>
      `${fields.map((f) => `${f} {`).join(' ')} ${leaf} ${'}'.repeat(fields.length)}`;
    const typeFields = (pairs: number) => Array.from({ length: pairs }, () => ['fields', 'type']).flat();
    // __schema, types, 5 × (fields, type), name = 13
    expect(limitErrors(`{ ${nest(['__schema', 'types', ...typeFields(5)], 'name')} }`)).toEqual([
      'Query depth 13 exceeds the maximum of 12.',
    ]);
    expect(limitErrors(`{ ${nest(['__schema', 'types', ...typeFields(4), 'fields'], 'name')} }`)).toEqual([]);
    // __type, 5 × (fields, type), name = 12
    expect(limitErrors(`{ ${nest(['__type(name: "Client")', ...typeFields(5)], 'name')} }`)).toEqual([]);
    // ofType chains do not deepen, through fragments too; the cost still counts each step.
    const ofTypes = nest(
      Array.from({ length: 30 }, () => 'ofType'),
      'name',
    );
    const chain = `{ __type(name: "Client") { fields { type { ...T } } } } fragment T on __Type { kind ${ofTypes} }`;
    expect(limitErrors(chain, { withSpecifiedRules: true })).toEqual([]);
    expect(measure(chain).cost).toBe(1 + 10 * (1 + 1 + 30));
    // Elsewhere a field named like it counts as usual.
    expect(
      limitErrors('{ ofType { ofType { ofType } } }', { limits: { ...DEFAULT_QUERY_LIMITS, maxDepth: 2 } }),
    ).toEqual(['Query depth 3 exceeds the maximum of 2.']);
  });

  it('refuses 31 aliases and accepts 30, counting each fragment spread', () => {
    expect(limitErrors(`{ ${aliases(30)} }`, { withSpecifiedRules: true })).toEqual([]);
    expect(limitErrors(`{ ${aliases(31)} }`, { withSpecifiedRules: true })).toEqual([
      'Query uses 31 aliases; the maximum is 30.',
    ]);
    const spreadTwice = `{ ...F x: clients { ...G } } fragment F on Query { ${aliases(15)} } fragment G on Client { y: id }`;
    expect(limitErrors(`${spreadTwice.replace('{ ...F', '{ ...F ...F')}`, { withSpecifiedRules: true })).toEqual([
      'Query uses 32 aliases; the maximum is 30.',
    ]);
    expect(limitErrors(spreadTwice, { withSpecifiedRules: true })).toEqual([]);
  });

  it('refuses 21 directives and accepts 20, fragments and spreads included', () => {
    expect(limitErrors(`{ ${includes(20)} }`, { withSpecifiedRules: true })).toEqual([]);
    expect(limitErrors(`{ ${includes(21)} }`, { withSpecifiedRules: true })).toEqual([
      'Query uses 21 directives; the maximum is 20.',
    ]);
    const viaFragments = `query Q @skip(if: false) { ...F @include(if: true) ...F }
      fragment F on Query { ${includes(9)} }`;
    // 1 (operation) + 1 (spread) + 2 × 9 (fragment body, spread twice) = 20; one more pushes it over.
    expect(limitErrors(viaFragments)).toEqual([]);
    expect(limitErrors(viaFragments.replace('...F }', '...F @include(if: true) }'))).toEqual([
      'Query uses 21 directives; the maximum is 20.',
    ]);
  });

  it('reports each exceeded limit once per operation, naming the limit and its value', () => {
    const limits = { ...DEFAULT_QUERY_LIMITS, maxDepth: 2, maxAliases: 1, maxDirectives: 1 };
    const errors = limitErrors(`{ a: clients { b: onBehalfOf @include(if: true) { id @skip(if: false) } } }`, {
      limits,
    });
    expect(errors).toEqual([
      'Query depth 3 exceeds the maximum of 2.',
      'Query uses 2 aliases; the maximum is 1.',
      'Query uses 2 directives; the maximum is 1.',
    ]);
  });

  it('does not hang on a fragment cycle (graphql-js reports the cycle)', () => {
    const query = '{ ...A } fragment A on Query { ...B __typename } fragment B on Query { ...A x: __typename }';
    const errors = limitErrors(query, { withSpecifiedRules: true });
    expect(errors.some((m) => m.includes('Cannot spread fragment "A" within itself'))).toBe(true);
    expect(limitErrors(query)).toEqual([]);
    expect(measure(query)).toEqual({ cost: 0, namedPersons: 0, distinctPersons: 0 });
    const selfCycle = '{ clients { ...C } } fragment C on Client { onBehalfOf { client { ...C } } }';
    expect(measure(selfCycle).cost).toBe(100 * (1 + 20 * (1 + 1)));
  });

  it('measures exponentially spread fragments in linear time', () => {
    const fragments = ['fragment F0 on Query { a: __typename @include(if: true) }'];
    for (let i = 1; i <= 60; i++) fragments.push(`fragment F${i} on Query { ...F${i - 1} ...F${i - 1} }`);
    const query = `{ ...F60 } ${fragments.join(' ')}`;
    const started = performance.now();
    const errors = limitErrors(query);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^Query uses \S+ aliases; the maximum is 30\.$/);
    expect(errors[1]).toMatch(/^Query uses \S+ directives; the maximum is 20\.$/);
  });
});

/** `n` aliased root mutations (each deletes nothing: the rules only count them). */
const mutations = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => `m${from + i}: deleteClient(input: { id: "c${from + i}" }) { __typename }`).join(
    ' ',
  );

describe('queryLimitRules: mutations per operation', () => {
  it('counts the root fields of a mutation operation, refusing more than maxMutations (10)', () => {
    expect(limitErrors(`mutation { ${mutations(10)} }`, { withSpecifiedRules: true })).toEqual([]);
    expect(limitErrors(`mutation { ${mutations(11)} }`)).toEqual(['Operation uses 11 mutations; the maximum is 10.']);
    // the red-team tester's 30 aliased createClient: within the alias limit, not within this one
    expect(limitErrors(`mutation { ${mutations(30)} }`)).toEqual(['Operation uses 30 mutations; the maximum is 10.']);
    // __typename changes nothing and does not count
    expect(limitErrors(`mutation { __typename ${mutations(10)} t: __typename }`)).toEqual([]);
    // the limit is configurable
    expect(
      limitErrors(`mutation { ${mutations(2)} }`, { limits: { ...DEFAULT_QUERY_LIMITS, maxMutations: 1 } }),
    ).toEqual(['Operation uses 2 mutations; the maximum is 1.']);
  });

  it('follows fragments and inline fragments, counting each spread', () => {
    const spread = `mutation { ...M ...M } fragment M on Mutation { ${mutations(6)} }`;
    expect(limitErrors(spread)).toEqual(['Operation uses 12 mutations; the maximum is 10.']);
    const inline = `mutation { ... on Mutation { ${mutations(6)} } ... @include(if: true) { ${mutations(5, 6)} } }`;
    expect(limitErrors(inline, { limits: { ...DEFAULT_QUERY_LIMITS, maxDirectives: 100 } })).toEqual([
      'Operation uses 11 mutations; the maximum is 10.',
    ]);
    // one spread of a fragment of ten is fine
    expect(limitErrors(`mutation { ...M } fragment M on Mutation { ${mutations(10)} }`)).toEqual([]);
  });

  it('counts exponentially spread fragments in linear time', () => {
    const fragments = ['fragment F0 on Mutation { deleteClient(input: { id: "c" }) { __typename } }'];
    for (let i = 1; i <= 60; i++) fragments.push(`fragment F${i} on Mutation { ...F${i - 1} ...F${i - 1} }`);
    const started = performance.now();
    const errors = limitErrors(`mutation { ...F60 } ${fragments.join(' ')}`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(errors).toEqual([expect.stringMatching(/^Operation uses \S+ mutations; the maximum is 10\.$/)]);
  });

  it('leaves queries alone, and measures each operation of a document by itself', () => {
    const clients = Array.from({ length: 20 }, (_, i) => `c${i}: client(id: "c${i}") { id }`).join(' ');
    expect(limitErrors(`{ ${clients} }`)).toEqual([]);
    expect(limitErrors(`mutation A { ${mutations(10)} } mutation B { ${mutations(10)} }`)).toEqual([]);
  });
});

describe('mutations per operation, through the app', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const creates = (n: number) =>
    Array.from(
      { length: n },
      (_, i) => `c${i}: createClient(input: { name: "Bulk ${i}", integrationType: MASKINPORTEN, applicationType: WEB,
        tokenEndpointAuthMethod: PRIVATE_KEY_JWT, grantTypes: [JWT_BEARER], scopes: ["myorg:bulk.read"] }) {
        userErrors { code } }`,
    ).join(' ');

  it('refuses an operation of 30 aliased createClient with GRAPHQL_VALIDATION_FAILED (400): nothing is created', async () => {
    const adminBefore = t.sandbox.admin.requests.length;
    const auditBefore = (await t.auditRecords()).length;
    for (const query of [
      `mutation { ${creates(30)} }`,
      `mutation { ${creates(11)} }`,
      `mutation { ...A ...A } fragment A on Mutation { ${creates(6)} }`,
    ]) {
      const res = await t.graphql(query, undefined, { scope: 'clients.write' });
      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(res.body.errors?.[0]?.message).toMatch(/^Operation uses (30|11|12) mutations; the maximum is 10\.$/);
    }
    expect(t.sandbox.admin.requests.length).toBe(adminBefore);
    expect((await t.auditRecords()).length).toBe(auditBefore);

    // ten in one operation are fine
    const ten = await t.graphql<Record<string, { userErrors: unknown[] }>>(`mutation { ${creates(10)} }`, undefined, {
      scope: 'clients.write',
    });
    expect(ten.status).toBe(200);
    expect(ten.body.errors).toBeUndefined();
    expect(Object.values(ten.body.data!)).toEqual(Array.from({ length: 10 }, () => ({ userErrors: [] })));
    expect(t.sandbox.admin.requests.slice(adminBefore).map((r) => `${r.method} ${r.status}`)).toEqual(
      Array.from({ length: 10 }, () => 'POST 201'),
    );
  });
});

describe('measureOperation: cost', () => {
  it('costs 1 per object, 0 per scalar, lists multiplied by their estimates (hand-checked)', () => {
    // person: 1 × (1 + email 1 + mobilePhone 1 + digitalMailbox 1); scalars are free.
    expect(
      measure('{ person(id: "x") { id status email { value } mobilePhone { value } digitalMailbox { address } } }')
        .cost,
    ).toBe(4);
    // keys 5 × 1; jwks 1 × (1 + 5); onBehalfOf 20 × 1; clients 100 × (1 + 6 + 20).
    expect(measure('{ clients { id scopes jwks { keys { kid } } onBehalfOf { id } } }').cost).toBe(2700);
    // Lists of scalars and enums cost nothing.
    expect(measure('{ client(id: "a") { scopes grantTypes redirectUris } }').cost).toBe(1);
    // createClient 1 × (1 + client (1 + onBehalfOf 20) + userErrors 10 × 1).
    expect(
      measure('mutation { createClient(input: { name: "n" }) { client { onBehalfOf { id } } userErrors { message } } }')
        .cost,
    ).toBe(32);
    // Introspection: fields 10 × 1; types 10 × (1 + 10); __schema 1 × (1 + 110); __typename is a scalar.
    expect(measure('{ __typename __schema { types { name fields { name } } } }').cost).toBe(111);
  });

  it('multiplies Query.persons by the number of ids, from literals and variables', () => {
    const selection = '{ email { value } mobilePhone { value } }';
    const literal = `{ persons(ids: [${fakeIds(5000)
      .map((id) => `"${id}"`)
      .join(', ')}]) ${selection} }`;
    expect(measure(literal).cost).toBe(15_000); // 5000 × (1 + 1 + 1)
    const withVariable = `query($ids: [PersonIdentifier!]!) { persons(ids: $ids) ${selection} }`;
    expect(measure(withVariable, { ids: fakeIds(7) }).cost).toBe(21);
    expect(measure(withVariable, { ids: fakeIds(1)[0] }).cost).toBe(3); // a single value is coerced to a list of one
    expect(measure(withVariable, {}).cost).toBe(0);
    const withDefault = `query($ids: [PersonIdentifier!]! = ["a", "b"]) { persons(ids: $ids) ${selection} }`;
    expect(measure(withDefault).cost).toBe(6);
    expect(measure(withDefault, { ids: ['a'] }).cost).toBe(3);
    const mixed = `query($a: PersonIdentifier!) { persons(ids: [$a, "b", "b"]) { id } persons2: persons(ids: "c") { id } }`;
    expect(measure(mixed, { a: 'a' }).cost).toBe(3 + 1);
  });

  it('follows fragments and inline fragments with variables (hand-checked)', () => {
    const query = `query People($ids: [PersonIdentifier!]!) {
        persons(ids: $ids) { ...P }
        ...Q
      }
      fragment P on Person { email { value } ... on Person { mobilePhone { value } } ... { digitalMailbox { address } } }
      fragment Q on Query { clients { ...P2 } }
      fragment P2 on Client { jwks { ...K } onBehalfOf { client { id } } }
      fragment K on Jwks { keys { kid } }`;
    // persons 4 × (1 + 1 + 1 + 1) = 16; clients 100 × (1 + jwks (1 + 5) + onBehalfOf 20 × (1 + 1)) = 4700.
    expect(measure(query, { ids: fakeIds(4) }).cost).toBe(16 + 4700);
  });

  it('prices the clients nesting bomb far above the maximum', () => {
    // keys 5; jwks 6; client 7; onBehalfOf 20 × 8 = 160; client 161; onBehalfOf 20 × 162 = 3240; clients 100 × 3241.
    expect(measure(CLIENTS_BOMB).cost).toBe(324_100);
    expect(measure(CLIENTS_BOMB).cost).toBeGreaterThan(DEFAULT_QUERY_LIMITS.maxCost);
  });

  it('picks the named operation, and measures 0 when there is none to pick', () => {
    const two = 'query A { client(id: "a") { id } } query B { clients { id } }';
    expect(measure(two, undefined, 'A').cost).toBe(1);
    expect(measure(two, undefined, 'B').cost).toBe(100);
    expect(measure(two).cost).toBe(0);
    expect(measure(two, undefined, 'C').cost).toBe(0);
    expect(measure('fragment F on Query { __typename }')).toEqual({ cost: 0, namedPersons: 0, distinctPersons: 0 });
  });

  it('never throws on odd documents', () => {
    // Unknown fields cost nothing; person without id still costs 1; persons without ids has 0 items.
    expect(measure('{ nope { deeper { still } } person { id } persons { id } }')).toEqual({
      cost: 1,
      namedPersons: 0,
      distinctPersons: 0,
    });
    expect(measure('{ ...Missing ... on Nope { x } clients { ... on Unknown { id } } }').cost).toBe(100);
    expect(measure('subscription { x }')).toEqual({ cost: 0, namedPersons: 0, distinctPersons: 0 });
    expect(measure('query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }', { ids: { a: 1 } }).cost).toBe(1);
    expect(measure('query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }', { ids: null }).cost).toBe(0);
  });
});

describe('measureOperation: answer bytes', () => {
  /** The bench's and the README's bulk selection. */
  const BULK = 'id status email { value stale } mobilePhone { value stale }';
  const EVERY_FIELD = `id status reserved reservedAt notificationStatus language languageUpdatedAt
    email { value updatedAt lastVerifiedAt lastValidatedAt duplicated stale }
    mobilePhone { value updatedAt lastVerifiedAt lastValidatedAt duplicated stale }
    digitalMailbox { address providerOrganizationNumber certificate }`;
  const persons = (selection: string) => `query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { ${selection} } }`;

  it('counts each name or alias and each value per item (hand-checked)', () => {
    // "person": 6 + 4 (quotes, colon, comma); its object's braces 2; "id" 2 + 4; a PersonIdentifier 13 + 1.
    expect(answerBytes('{ person(id: "x") { id } }')).toBe(6 + 4 + 1 * (2 + (2 + 4 + 1 * (13 + 1))));
    // A list's brackets 2; 3 items; the alias is what the answer names (5 + 4); a Boolean 5 + 1.
    expect(answerBytes(persons('alias: reserved'), { ids: fakeIds(3) })).toBe(7 + 4 + 2 + 3 * (2 + (5 + 4 + (5 + 1))));
    // An enum: its longest value quoted ("NOT_REGISTERED", 16); a certificate 4096.
    expect(answerBytes('{ person(id: "x") { status digitalMailbox { certificate } } }')).toBe(
      6 + 4 + (2 + (6 + 4 + (16 + 1)) + (14 + 4 + (2 + (11 + 4 + (4096 + 1))))),
    );
  });

  it('keeps the documented queries far under the default, every field of 5000 persons included', () => {
    const { maxAnswerBytes } = DEFAULT_QUERY_LIMITS;
    expect(answerBytes(persons(BULK), { ids: fakeIds(1000) })).toBeLessThan(maxAnswerBytes / 50);
    const everything = answerBytes(persons(EVERY_FIELD), { ids: fakeIds(5000) });
    expect(everything).toBeGreaterThan(20 * 1024 * 1024);
    expect(everything).toBeLessThan(maxAnswerBytes);
  });

  it('grows with repeated ids and long aliases, which neither the persons nor the cost count', () => {
    // A red-team run's request: one id 25 000 times (one distinct person, cost 25 000), 30 aliases of 127 characters.
    const fields = Array.from({ length: 30 }, (_, i) => `${'a'.repeat(120)}${String(i).padStart(7, '0')}: reservedAt`);
    const variables = { ids: Array<string>(25_000).fill('04846697271') };
    expect(measure(persons(fields.join(' ')), variables)).toMatchObject({ distinctPersons: 1, cost: 25_000 });
    expect(answerBytes(persons(fields.join(' ')), variables)).toBeGreaterThan(100 * 1024 * 1024);
  });
});

describe('measureOperation: distinct persons', () => {
  it('counts distinct ids across person and persons, literals, variables, defaults and fragments', () => {
    const query = `query($a: PersonIdentifier!, $ids: [PersonIdentifier!]!, $d: PersonIdentifier = "f") {
        p1: person(id: $a) { id }
        p2: person(id: "a") { id }
        persons(ids: ["a", "b", $a]) { id }
        more: persons(ids: $ids) { id }
        ...F
        p3: person(id: $d) { id }
      }
      fragment F on Query { person(id: "c") { id } ... on Query { again: persons(ids: "c") { id } } }`;
    // a, b, c, d (variable $a), e, f (default of $d)
    expect(measure(query, { a: 'd', ids: ['b', 'e', 'e'] }).distinctPersons).toBe(6);
  });

  it('is 5000 at the boundary (duplicates not counted) and 5001 above it', () => {
    const query = 'query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }';
    const ids = fakeIds(5000);
    expect(measure(query, { ids: [...ids, ...ids.slice(0, 100)] })).toMatchObject({
      namedPersons: 5100,
      distinctPersons: 5000,
    });
    expect(measure(query, { ids: [...ids, ...fakeIds(1, 5000)] }).distinctPersons).toBe(5001);
    const split = `query($ids: [PersonIdentifier!]!, $one: PersonIdentifier!) {
      persons(ids: $ids) { id } person(id: $one) { id } }`;
    expect(measure(split, { ids, one: ids[0] }).distinctPersons).toBe(5000);
    expect(measure(split, { ids, one: fakeIds(1, 9999)[0] }).distinctPersons).toBe(5001);
  });
});

describe('measureOperation: one parsed document, many requests', () => {
  const of = (document: DocumentNode, variables: Record<string, unknown>, operationName?: string) => {
    const m = measureOperation({ schema, document, variables, operationName: operationName ?? null });
    return { cost: m.cost, bytes: m.answerBytes, named: m.namedPersons, distinct: m.distinctPersons };
  };

  it("measures each request's own persons, and a list from a variable by its own length", () => {
    // Measured once, then by its person arguments: every request still counts its own ids.
    const one = parse(`query P($a: PersonIdentifier!, $d: PersonIdentifier = "f") {
      person(id: $a) { email { value } } x: person(id: $d) { id } ...F }
      fragment F on Query { persons(ids: ["c", $a]) { id } }`);
    const first = of(one, { a: 'a' });
    expect(first).toMatchObject({ named: 4, distinct: 3 });
    expect(of(one, { a: 'c', d: 'c' })).toEqual({ ...first, named: 4, distinct: 1 });
    expect(of(one, {})).toEqual({ ...first, named: 2, distinct: 2 });
    // The cost of a list of ids given as a variable follows each request's list.
    const many = parse('query M($ids: [PersonIdentifier!]!) { persons(ids: $ids) { email { value } } }');
    const costs = [3, 300, 1, 3000].map((n) => of(many, { ids: fakeIds(n) }));
    expect(costs.map((m) => m.cost)).toEqual([6, 600, 2, 6000]);
    expect(costs.map((m) => m.distinct)).toEqual([3, 300, 1, 3000]);
    expect(costs[3]!.bytes).toBeGreaterThan(costs[1]!.bytes * 9);
  });

  it('keeps the operations of one document apart', () => {
    const document = parse(`query A { clients { id } } query B($id: PersonIdentifier!) { person(id: $id) { id } }`);
    const a = of(document, {}, 'A');
    const b = of(document, { id: 'x' }, 'B');
    expect(a).toMatchObject({ cost: 100, named: 0 });
    expect(b).toMatchObject({ cost: 1, named: 1 });
    expect(of(document, {}, 'A')).toEqual(a);
    expect(of(document, { id: 'y' }, 'B')).toEqual(b);
    expect(measureOperation({ schema, document, variables: null }).cost).toBe(0); // no name, two operations
  });
});

describe('queryLimitsPlugin and the rules in Apollo Server', () => {
  interface Calls {
    persons: number;
    clients: number;
  }

  function server(calls: Calls, limits: QueryLimits = DEFAULT_QUERY_LIMITS): ApolloServer {
    const executable: GraphQLSchema = makeExecutableSchema({
      typeDefs: loadTypeDefs(),
      resolvers: [
        scalarResolvers,
        {
          Query: {
            persons: (_: unknown, args: { ids: string[] }) => {
              calls.persons++;
              return args.ids.map((id) => ({ id, status: 'ACTIVE' }));
            },
            clients: () => {
              calls.clients++;
              return [];
            },
          },
        },
      ] as never,
    });
    return new ApolloServer({
      schema: executable,
      validationRules: queryLimitRules(limits),
      plugins: [queryLimitsPlugin(limits)],
    });
  }

  async function run(apollo: ApolloServer, query: string, variables?: Record<string, unknown>) {
    const response = await apollo.executeOperation({ query, ...(variables ? { variables } : {}) });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return { status: response.http.status, result: response.body.singleResult };
  }

  it('refuses a too costly operation with GRAPHQL_VALIDATION_FAILED (400) before any resolver runs', async () => {
    const calls = { persons: 0, clients: 0 };
    const apollo = server(calls);
    const { status, result } = await run(apollo, CLIENTS_BOMB);
    expect(status).toBe(400);
    expect(result.data).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]?.message).toBe('Query cost 324100 exceeds the maximum of 25000.');
    expect(result.errors?.[0]?.extensions).toMatchObject({
      code: 'GRAPHQL_VALIDATION_FAILED',
      cost: 324_100,
      maxCost: 25_000,
    });
    expect(calls).toEqual({ persons: 0, clients: 0 });

    const ok = await run(apollo, '{ clients { id onBehalfOf { id } } }');
    expect(ok.result.errors).toBeUndefined();
    expect(ok.result.data).toEqual({ clients: [] });
    expect(calls.clients).toBe(1);
  });

  it('refuses more than 5000 distinct persons with BAD_USER_INPUT (400) and never echoes an id', async () => {
    const calls = { persons: 0, clients: 0 };
    const apollo = server(calls);
    const query = 'query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }';
    const ids = syntheticPersonIdentifiers(5001);
    const { status, result } = await run(apollo, query, { ids });
    expect(status).toBe(400);
    expect(result.data).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    const error = result.errors?.[0];
    expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error?.message).toBe(
      'The request names 5001 distinct persons; the maximum is 5000: split them over several requests.',
    );
    const json = JSON.stringify(result);
    expect(json).not.toMatch(/\d{6,}/);
    for (const id of ids.slice(0, 50)) expect(json).not.toContain(id);
    expect(calls.persons).toBe(0);

    const atLimit = await run(apollo, query, { ids: ids.slice(0, 5000) });
    expect(atLimit.result.errors).toBeUndefined();
    expect((atLimit.result.data as { persons: unknown[] }).persons).toHaveLength(5000);
    expect(calls.persons).toBe(1);
  });

  it('refuses a too deep query with GRAPHQL_VALIDATION_FAILED (400) when the rules are given to Apollo', async () => {
    const calls = { persons: 0, clients: 0 };
    const { status, result } = await run(server(calls), queryOfDepth(13));
    expect(status).toBe(400);
    expect(result.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
      ['Query depth 13 exceeds the maximum of 12.', 'GRAPHQL_VALIDATION_FAILED'],
    ]);
    expect(calls.clients).toBe(0);
  });
});
