/**
 * Long answers reach the HTTP layer as objects (graphql/answer-hand-off.ts) and are written in pieces
 * (http/json-pieces.ts): the bytes are the ones Apollo's own `stringifyResult` would have sent, and only requests the
 * HTTP layer expects, with an answer holding a long list, are handed over.
 */
import { ApolloServer, HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError } from 'graphql';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnswerHandOff } from '../../src/graphql/answer-hand-off.js';
import { SLICE_ITEMS, hasLongList, jsonLineBytes } from '../../src/http/json-pieces.js';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const schema = makeExecutableSchema({
  typeDefs: `type Query { list(n: Int!, failAt: Int): [String] }`,
  resolvers: {
    Query: {
      list: (_: unknown, { n, failAt }: { n: number; failAt?: number }) =>
        Array.from({ length: n }, (_x, i) => (i === failAt ? new GraphQLError('no') : `item ${i} ø😀`)),
    },
  },
});

/** A POST of `query` through Apollo's HTTP entry point, as http/server.ts makes it, with `context` as the context. */
const run = (server: ApolloServer<object>, query: string, context: object) =>
  server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: {
      method: 'POST',
      headers: new HeaderMap([['content-type', 'application/json']]),
      search: '',
      body: { query },
    },
    context: async () => context,
  });
const text = (response: HTTPGraphQLResponse) => (response.body.kind === 'complete' ? response.body.string : null);

describe('AnswerHandOff with Apollo Server', () => {
  const handOff = new AnswerHandOff<object>(hasLongList);
  const handing = new ApolloServer<object>({
    schema,
    plugins: [handOff.plugin],
    stringifyResult: handOff.stringifyResult,
  });
  const plain = new ApolloServer<object>({ schema });
  beforeAll(async () => Promise.all([handing.start(), plain.start()]));
  afterAll(async () => Promise.all([handing.stop(), plain.stop()]));

  it.each([
    ['a long list', `{ list(n: ${SLICE_ITEMS * 3 + 5}) }`],
    ['a long list with an error in it', `{ list(n: ${SLICE_ITEMS + 1}, failAt: 3) }`],
    ['two long lists under aliases', `{ a: list(n: 1000) b: list(n: ${SLICE_ITEMS + 1}) }`],
  ])('hands over %s, whose bytes are those Apollo writes', async (_name, query) => {
    const context = handOff.expect({});
    const handed = await run(handing, query, context);
    expect(text(handed)).toBe('');
    const answer = handOff.take(context);
    expect(answer).toBeDefined();
    expect(handOff.take(context)).toBeUndefined();
    const own = await run(plain, query, {});
    expect(jsonLineBytes(answer as object).toString('utf8')).toBe(text(own));
    expect(handed.status).toBe(own.status);
    expect([...handed.headers]).toEqual([...own.headers]);
  });

  it.each([
    ['a short list', `{ list(n: ${SLICE_ITEMS}) }`, true],
    ['an error without data', `{ list }`, true],
    ['a long list for a context the HTTP layer does not expect', `{ list(n: 1000) }`, false],
  ])('leaves %s to Apollo', async (_name, query, expected) => {
    const context = expected ? handOff.expect({}) : {};
    const handed = await run(handing, query, context);
    expect(handOff.take(context)).toBeUndefined();
    expect(text(handed)).toBe(text(await run(plain, query, {})));
  });
});

describe('AnswerHandOff when one data object answers two requests', () => {
  const shared = { list: Array.from({ length: 1000 }, (_x, i) => `shared ${i}`) };
  const handOff = new AnswerHandOff<object>(hasLongList);
  const server = new ApolloServer<object>({
    schema,
    // Before the hand-off's plugin: every answer's data becomes the one object.
    plugins: [
      {
        requestDidStart: async () => ({
          willSendResponse: async ({ response }) => {
            if (response.body.kind === 'single') response.body.singleResult.data = shared;
          },
        }),
      },
      handOff.plugin,
    ],
    stringifyResult: handOff.stringifyResult,
  });
  beforeAll(async () => server.start());
  afterAll(async () => server.stop());

  it('gives each request its whole answer, from Apollo or from the slot', async () => {
    const contexts = Array.from({ length: 8 }, () => handOff.expect({}));
    const responses = await Promise.all(contexts.map((context) => run(server, '{ list(n: 1) }', context)));
    const expected = JSON.stringify({ data: shared }) + '\n';
    responses.forEach((response, i) => {
      const answer = handOff.take(contexts[i] as object);
      expect(answer ? jsonLineBytes(answer).toString('utf8') : text(response)).toBe(expected);
      if (answer) expect(text(response)).toBe('');
    });
  });
});

describe('a 1000-person answer over HTTP', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('is complete, well-formed JSON of the declared length', async () => {
    t = await startTestApp();
    const ids = syntheticPersonIdentifiers(1000, 60_000);
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await t.token()}` },
      body: JSON.stringify({
        query:
          'query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id status email { value stale } mobilePhone { value } } }',
        variables: { ids },
      }),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(bytes.length));
    expect(response.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
    const body = JSON.parse(bytes.toString('utf8')) as { data: { persons: { id: string }[] }; errors?: unknown };
    expect(bytes.toString('utf8')).toBe(JSON.stringify(body) + '\n');
    expect(body.errors).toBeUndefined();
    expect(body.data.persons.map((person) => person.id)).toEqual(ids);
  });
});
