import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadTrustedDocuments,
  resolveTrustedRequest,
  TrustedDocumentsError,
  type TrustedDocuments,
  type TrustedResolution,
} from '../../src/http/trusted-documents.js';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

// Shaped like GraphQL Code Generator's client preset output (printed documents, 2-space JSON).
const PERSON = 'query Person($id: PersonIdentifier!) {\n  person(id: $id) {\n    id\n    status\n  }\n}';
const HELLO = 'query Hello($name: String) {\n  hello(name: $name)\n}';
const UNICODE = 'query Æøå {\n  hello(name: "blåbærsyltetøy ✓")\n}';
const PERSON_HASH = sha256(PERSON);
const HELLO_HASH = sha256(HELLO);
const UNLISTED = 'query Secret {\n  clients {\n    id\n  }\n}';
const UNLISTED_HASH = sha256(UNLISTED);

let dir: string;
let docs: TrustedDocuments;

async function manifest(name: string, content: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, content, 'utf8');
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trusted-documents-'));
  const map = { [PERSON_HASH]: PERSON, [HELLO_HASH]: HELLO, [sha256(UNICODE)]: UNICODE };
  docs = await loadTrustedDocuments(await manifest('persisted-documents.json', JSON.stringify(map, null, 2)));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectOk(result: TrustedResolution): { body: unknown; search: string } {
  if (!result.ok) throw new Error(`expected ok, got ${result.status} ${result.code}: ${result.message}`);
  return result;
}

function params(search: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(search));
}

const NOT_FOUND = {
  ok: false,
  status: 400,
  code: 'PERSISTED_QUERY_NOT_FOUND',
  message: 'Unknown document: only the operations in the trusted documents manifest may run.',
};
const NOT_ALLOWED = {
  ok: false,
  status: 400,
  code: 'PERSISTED_QUERY_NOT_ALLOWED',
  message: 'Only trusted documents may run: send documentId or extensions.persistedQuery.sha256Hash.',
};

describe('loadTrustedDocuments', () => {
  it('loads a codegen persisted-documents.json manifest', () => {
    expect(docs.size).toBe(3);
    expect(docs.get(PERSON_HASH)).toBe(PERSON);
    expect(docs.get(sha256(UNICODE))).toBe(UNICODE);
    expect(docs.get(UNLISTED_HASH)).toBeUndefined();
    // Map-backed: inherited object keys are not documents.
    expect(docs.get('constructor')).toBeUndefined();
    expect(docs.get('__proto__')).toBeUndefined();
  });

  it('accepts a UTF-8 byte order mark and an empty manifest', async () => {
    const bom = await loadTrustedDocuments(
      await manifest('bom.json', `\uFEFF${JSON.stringify({ [HELLO_HASH]: HELLO })}`),
    );
    expect(bom.get(HELLO_HASH)).toBe(HELLO);
    expect((await loadTrustedDocuments(await manifest('empty.json', '{}'))).size).toBe(0);
  });

  const SECRET_DOC = 'query TopSecretOperation { person(id: "12345678901") { id } }';
  const bad: [string, string, RegExp][] = [
    ['not JSON', `{"${sha256(SECRET_DOC)}": "${SECRET_DOC}"`, /is not valid JSON/],
    ['not JSON (bare text)', SECRET_DOC, /is not valid JSON/],
    ['an array', JSON.stringify([SECRET_DOC]), /must hold a JSON object/],
    ['a string', JSON.stringify(SECRET_DOC), /must hold a JSON object/],
    ['null', 'null', /must hold a JSON object/],
    ['a key that is not the sha256 of its value', JSON.stringify({ [HELLO_HASH]: SECRET_DOC }), /not the sha256/],
    ['an uppercase key', JSON.stringify({ [sha256(SECRET_DOC).toUpperCase()]: SECRET_DOC }), /not a sha256 hash/],
    ['a short hex key', JSON.stringify({ abc123: SECRET_DOC }), /not a sha256 hash/],
    ['a non-hex key', JSON.stringify({ 'my-operation': SECRET_DOC }), /not a sha256 hash/],
    ['key and document swapped', JSON.stringify({ [SECRET_DOC]: sha256(SECRET_DOC) }), /not a sha256 hash/],
    ['an empty document', JSON.stringify({ [sha256('')]: '' }), /non-empty GraphQL document/],
    ['a non-string document', JSON.stringify({ [sha256(SECRET_DOC)]: { query: SECRET_DOC } }), /non-empty/],
  ];
  for (const [name, content, reason] of bad) {
    it(`refuses ${name}`, async () => {
      const file = await manifest(`bad-${name.replace(/\W+/g, '-')}.json`, content);
      const err = await loadTrustedDocuments(file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TrustedDocumentsError);
      const message = (err as Error).message;
      expect(message).toContain('TRUSTED_DOCUMENTS_FILE');
      expect(message).toMatch(reason);
      expect(message).not.toContain(SECRET_DOC);
      expect(message).not.toContain('TopSecretOperation');
      expect(message).not.toContain('12345678901');
    });
  }

  it('names the first bad entry by its key', async () => {
    const wrong = sha256('something else');
    const file = await manifest('first-bad.json', JSON.stringify({ [HELLO_HASH]: HELLO, [wrong]: PERSON }));
    await expect(loadTrustedDocuments(file)).rejects.toThrow(`entry "${wrong}" is not the sha256 of its document`);
  });

  it('refuses a missing file, naming the variable and the error code', async () => {
    const err = await loadTrustedDocuments(join(dir, 'nope.json')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrustedDocumentsError);
    expect((err as Error).message).toMatch(/^TRUSTED_DOCUMENTS_FILE \(.*nope\.json\) cannot be read: ENOENT$/);
  });

  it('refuses a directory', async () => {
    await expect(loadTrustedDocuments(dir)).rejects.toThrow(/TRUSTED_DOCUMENTS_FILE .* cannot be read: EISDIR/);
  });
});

describe('resolveTrustedRequest: POST', () => {
  it('runs a listed document named by extensions.persistedQuery.sha256Hash', () => {
    const result = resolveTrustedRequest(
      docs,
      'POST',
      {
        operationName: 'Person',
        variables: { id: '12345678901' },
        extensions: { persistedQuery: { version: 1, sha256Hash: PERSON_HASH }, traceId: 'abc' },
      },
      '',
    );
    expect(expectOk(result).body).toEqual({
      query: PERSON,
      operationName: 'Person',
      variables: { id: '12345678901' },
      extensions: { traceId: 'abc' },
    });
  });

  it('drops extensions that only held persistedQuery', () => {
    const body = expectOk(
      resolveTrustedRequest(
        docs,
        'POST',
        { extensions: { persistedQuery: { version: 1, sha256Hash: HELLO_HASH } } },
        '',
      ),
    ).body;
    expect(body).toEqual({ query: HELLO });
  });

  it('runs a listed document named by documentId, bare or sha256:-prefixed, any hex case', () => {
    for (const documentId of [HELLO_HASH, `sha256:${HELLO_HASH}`, HELLO_HASH.toUpperCase()]) {
      const body = expectOk(
        resolveTrustedRequest(
          docs,
          'POST',
          { documentId, variables: { name: 'Kari' }, operationName: 'Hello' },
          '?ignored=1',
        ),
      ).body;
      expect(body).toEqual({ query: HELLO, variables: { name: 'Kari' }, operationName: 'Hello' });
    }
  });

  it('does not mutate the request body', () => {
    const request = {
      documentId: PERSON_HASH,
      extensions: { persistedQuery: { version: 1, sha256Hash: PERSON_HASH }, x: 1 },
    };
    const copy = structuredClone(request);
    const body = expectOk(resolveTrustedRequest(docs, 'POST', request, '')).body;
    expect(request).toEqual(copy);
    expect(body).not.toBe(request);
    expect(body).toEqual({ query: PERSON, extensions: { x: 1 } });
  });

  it('refuses an unknown hash with a fixed message', () => {
    for (const body of [
      { documentId: UNLISTED_HASH },
      { documentId: `sha256:${UNLISTED_HASH}` },
      { documentId: 'not-a-hash' },
      { documentId: 'md5:d41d8cd98f00b204e9800998ecf8427e' },
      { extensions: { persistedQuery: { version: 1, sha256Hash: UNLISTED_HASH } } },
    ]) {
      expect(resolveTrustedRequest(docs, 'POST', body, '')).toEqual(NOT_FOUND);
    }
  });

  it('refuses a raw query unless it is byte-for-byte a listed document', () => {
    expect(resolveTrustedRequest(docs, 'POST', { query: UNLISTED }, '')).toEqual(NOT_ALLOWED);
    expect(resolveTrustedRequest(docs, 'POST', { query: `${HELLO}\n` }, '')).toEqual(NOT_ALLOWED);
    expect(resolveTrustedRequest(docs, 'POST', { query: HELLO.replace('  ', ' ') }, '')).toEqual(NOT_ALLOWED);
    expect(resolveTrustedRequest(docs, 'POST', { query: '{ __schema { types { name } } }' }, '')).toEqual(NOT_ALLOWED);

    const body = expectOk(
      resolveTrustedRequest(docs, 'POST', { query: UNICODE, operationName: 'Æøå', variables: null }, ''),
    ).body;
    expect(body).toEqual({ query: UNICODE, operationName: 'Æøå', variables: null });
  });

  it('accepts a hash together with its own document (APQ retry) and refuses a mismatch', () => {
    const apq = { version: 1, sha256Hash: HELLO_HASH };
    expect(
      expectOk(resolveTrustedRequest(docs, 'POST', { query: HELLO, extensions: { persistedQuery: apq } }, '')).body,
    ).toEqual({ query: HELLO });
    expect(expectOk(resolveTrustedRequest(docs, 'POST', { query: HELLO, documentId: HELLO_HASH }, '')).body).toEqual({
      query: HELLO,
    });

    // A listed hash with another (even listed) document.
    const mismatch = resolveTrustedRequest(docs, 'POST', { query: PERSON, documentId: HELLO_HASH }, '');
    expect(mismatch).toMatchObject({ ok: false, status: 400, code: 'BAD_REQUEST' });
    const injected = resolveTrustedRequest(docs, 'POST', { query: UNLISTED, documentId: HELLO_HASH }, '');
    expect(injected).toMatchObject({ ok: false, status: 400, code: 'BAD_REQUEST' });
    // An APQ registration attempt of an unlisted document.
    const register = resolveTrustedRequest(
      docs,
      'POST',
      { query: UNLISTED, extensions: { persistedQuery: { version: 1, sha256Hash: UNLISTED_HASH } } },
      '',
    );
    expect(register).toEqual(NOT_ALLOWED);
    // documentId and extensions naming different documents.
    const twoIds = resolveTrustedRequest(
      docs,
      'POST',
      { documentId: PERSON_HASH, extensions: { persistedQuery: apq } },
      '',
    );
    expect(twoIds).toMatchObject({ ok: false, status: 400, code: 'BAD_REQUEST' });
  });

  it('refuses requests with neither a query nor a hash', () => {
    for (const body of [{}, { variables: {} }, { query: '' }, { query: null, documentId: null }, { extensions: {} }]) {
      expect(resolveTrustedRequest(docs, 'POST', body, '')).toMatchObject({
        ok: false,
        status: 400,
        code: 'BAD_REQUEST',
      });
    }
  });

  it('refuses batched requests', () => {
    expect(resolveTrustedRequest(docs, 'POST', [{ documentId: HELLO_HASH }], '')).toEqual({
      ok: false,
      status: 400,
      code: 'BAD_REQUEST',
      message: 'Batched requests are not supported.',
    });
  });

  it('refuses malformed persisted-query fields', () => {
    for (const body of [
      { extensions: { persistedQuery: { version: 2, sha256Hash: HELLO_HASH } } },
      { extensions: { persistedQuery: { sha256Hash: HELLO_HASH } } },
      { extensions: { persistedQuery: { version: 1 } } },
      { extensions: { persistedQuery: { version: 1, sha256Hash: 42 } } },
      { extensions: { persistedQuery: HELLO_HASH } },
      { extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: HELLO_HASH } }) },
      { documentId: 42 },
      { query: { kind: 'Document' } },
    ]) {
      expect(resolveTrustedRequest(docs, 'POST', body, '')).toMatchObject({ ok: false, code: 'BAD_REQUEST' });
    }
  });
});

describe('resolveTrustedRequest: GET', () => {
  it('runs a listed document named by documentId, keeping the other parameters', () => {
    const search = `?${new URLSearchParams({
      documentId: `sha256:${PERSON_HASH}`,
      operationName: 'Person',
      variables: JSON.stringify({ id: '12345678901' }),
    })}`;
    const result = expectOk(resolveTrustedRequest(docs, 'GET', undefined, search));
    expect(result.body).toBeUndefined();
    expect(params(result.search)).toEqual({
      query: PERSON,
      operationName: 'Person',
      variables: JSON.stringify({ id: '12345678901' }),
    });
  });

  it('runs a listed document named by the extensions parameter', () => {
    const extensions = JSON.stringify({ persistedQuery: { version: 1, sha256Hash: HELLO_HASH }, client: 'web' });
    const search = `?${new URLSearchParams({ operationName: 'Hello', variables: '{"name":"Ola"}', extensions })}`;
    const result = expectOk(resolveTrustedRequest(docs, 'GET', undefined, search));
    expect(params(result.search)).toEqual({
      operationName: 'Hello',
      variables: '{"name":"Ola"}',
      extensions: '{"client":"web"}',
      query: HELLO,
    });

    const only = `extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: HELLO_HASH } }))}`;
    expect(params(expectOk(resolveTrustedRequest(docs, 'GET', undefined, only)).search)).toEqual({ query: HELLO });
  });

  it('refuses unknown hashes, raw queries and mismatches', () => {
    expect(resolveTrustedRequest(docs, 'GET', undefined, `?documentId=${UNLISTED_HASH}`)).toEqual(NOT_FOUND);
    const raw = `?${new URLSearchParams({ query: UNLISTED })}`;
    expect(resolveTrustedRequest(docs, 'GET', undefined, raw)).toEqual(NOT_ALLOWED);
    const mismatch = `?${new URLSearchParams({ query: PERSON, documentId: HELLO_HASH })}`;
    expect(resolveTrustedRequest(docs, 'GET', undefined, mismatch)).toMatchObject({ ok: false, code: 'BAD_REQUEST' });

    const listed = `?${new URLSearchParams({ query: HELLO, variables: '{}' })}`;
    expect(params(expectOk(resolveTrustedRequest(docs, 'GET', undefined, listed)).search)).toEqual({
      query: HELLO,
      variables: '{}',
    });
  });

  it('refuses malformed or repeated parameters', () => {
    for (const search of [
      '',
      '?',
      '?operationName=Hello',
      '?extensions=%7Bnot%20json',
      '?extensions=%5B%5D',
      '?extensions=42',
      `?documentId=${HELLO_HASH}&documentId=${PERSON_HASH}`,
      `?documentId=${HELLO_HASH}&query=a&query=b`,
      `?extensions=${encodeURIComponent('{"persistedQuery":{"version":1}}')}`,
    ]) {
      expect(resolveTrustedRequest(docs, 'GET', undefined, search)).toMatchObject({
        ok: false,
        status: 400,
        code: 'BAD_REQUEST',
      });
    }
  });
});

describe('resolveTrustedRequest: garbage', () => {
  const huge = 'x'.repeat(300_000);
  const nested: Record<string, unknown> = {};
  let cursor = nested;
  for (let i = 0; i < 10_000; i++) cursor = (cursor.extensions = {}) as Record<string, unknown>;
  const odd: unknown[] = [
    null,
    undefined,
    0,
    -1,
    NaN,
    Infinity,
    1n,
    true,
    '',
    'query',
    huge,
    Symbol('s'),
    () => 1,
    [],
    [[]],
    [null],
    {},
    { query: 1 },
    { query: [] },
    { query: huge },
    { documentId: huge },
    { documentId: `sha256:${huge}` },
    { documentId: {} },
    { extensions: null },
    { extensions: [] },
    { extensions: { persistedQuery: null } },
    { extensions: { persistedQuery: [] } },
    { extensions: { persistedQuery: { version: '1', sha256Hash: HELLO_HASH } } },
    { extensions: { persistedQuery: { version: 1, sha256Hash: huge } } },
    JSON.parse('{"__proto__": {"query": "x"}, "constructor": 1}') as unknown,
    JSON.parse(`{"extensions": {"__proto__": {"persistedQuery": 1}}, "documentId": "${HELLO_HASH}"}`) as unknown,
    Object.create(null) as unknown,
    nested,
    new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
        getOwnPropertyDescriptor() {
          throw new Error('boom');
        },
      },
    ),
  ];
  const searches = [
    '',
    '?',
    '&&&',
    '%',
    '%zz',
    `?query=${huge}`,
    `?documentId=${huge}`,
    `?extensions=${huge}`,
    '?extensions=null',
    '?extensions=%7B%22persistedQuery%22%3Anull%7D',
    `?extensions=${encodeURIComponent('{"persistedQuery":{"version":1,"sha256Hash":{}}}')}`,
    '?extensions=%7B%22__proto__%22%3A%7B%7D%7D',
  ];
  const methods = ['POST', 'GET', 'post', 'get', 'PUT', '', 'DELETE'];

  it('never throws and always answers ok or a 4xx refusal', () => {
    for (const method of methods) {
      for (const body of odd) {
        for (const search of searches) {
          const result = resolveTrustedRequest(docs, method, body, search);
          if (!result.ok) {
            expect(result.status).toBeGreaterThanOrEqual(400);
            expect(result.status).toBeLessThan(500);
            expect(typeof result.code).toBe('string');
            expect(result.message.length).toBeLessThan(200);
          } else {
            // Whatever passes must carry a listed document.
            const query =
              method.toUpperCase() === 'POST'
                ? (result.body as { query: string }).query
                : new URLSearchParams(result.search).get('query');
            expect(docs.get(sha256(query ?? ''))).toBe(query);
          }
        }
      }
    }
    // Non-string method and search arguments from untyped callers.
    expect(() =>
      resolveTrustedRequest(docs, undefined as unknown as string, {}, undefined as unknown as string),
    ).not.toThrow();
    expect(() => resolveTrustedRequest(docs, 'GET', undefined, 42 as unknown as string)).not.toThrow();
  });
});

describe('resolveTrustedRequest output runs in Apollo Server', () => {
  let apollo: ApolloServer;
  beforeAll(async () => {
    apollo = new ApolloServer({
      typeDefs: 'type Query { hello(name: String): String }',
      resolvers: { Query: { hello: (_: unknown, args: { name?: string | null }) => `Hei, ${args.name ?? 'verden'}` } },
    });
    await apollo.start();
  });
  afterAll(async () => {
    await apollo.stop();
  });

  async function run(method: 'GET' | 'POST', resolved: { body: unknown; search: string }): Promise<unknown> {
    const headers = new HeaderMap([
      ['content-type', 'application/json'],
      ['apollo-require-preflight', 'true'],
    ]);
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search: resolved.search, body: resolved.body },
      context: async () => ({}),
    });
    if (result.body.kind !== 'complete') throw new Error('expected a complete body');
    return JSON.parse(result.body.string);
  }

  it('POST with documentId', async () => {
    const resolved = expectOk(
      resolveTrustedRequest(docs, 'POST', { documentId: `sha256:${HELLO_HASH}`, variables: { name: 'Kari' } }, ''),
    );
    expect(await run('POST', resolved)).toEqual({ data: { hello: 'Hei, Kari' } });
  });

  it('GET with the extensions parameter', async () => {
    const extensions = JSON.stringify({ persistedQuery: { version: 1, sha256Hash: HELLO_HASH } });
    const search = `?${new URLSearchParams({ extensions, variables: '{"name":"Ola"}', operationName: 'Hello' })}`;
    const resolved = expectOk(resolveTrustedRequest(docs, 'GET', undefined, search));
    expect(await run('GET', resolved)).toEqual({ data: { hello: 'Hei, Ola' } });
  });
});
