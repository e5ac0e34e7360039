import { parse } from 'graphql';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDocument, DEFAULT_DOCUMENT_LIMITS, jsonDepthExceeds } from '../../src/graphql/document-limits.js';

const limits = DEFAULT_DOCUMENT_LIMITS;

describe('checkDocument', () => {
  it('accepts ordinary documents', () => {
    const ids = Array.from({ length: 1000 }, () => '"11822648950"').join(', ');
    for (const query of [
      '{ person(id: "11822648950") { status email { value stale } } }',
      `query Lookup($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }`,
      `{ persons(ids: [${ids}]) { id } }`,
      'mutation { addClientJwk(input: {clientId: "a", key: {kid: "k", kty: "RSA", alg: "RS256", n: "AQAB", e: "AQAB"}}) { userErrors { message } } }',
      '# a comment with ((((((( brackets\n{ __typename }',
      '{ a: __typename } fragment F on Query { __typename }',
      'query { x(s: "brackets [[[[ in a string", b: """ and {{{{ in a block \\""" string """) }',
      'query Q($f: Float = -12.5e-3) { __typename }',
    ]) {
      expect(checkDocument(query, limits), query.slice(0, 40)).toBeUndefined();
    }
  });

  it('refuses a literal nested deeper than the limit before the parser recurses into it', () => {
    const deep = `{ persons(ids: ${'['.repeat(2400)}"1"${']'.repeat(2400)}) { id } }`;
    expect(() => parse(deep)).toThrow(); // graphql-js itself: stack overflow or syntax error, after recursing
    expect(checkDocument(deep, limits)?.message).toMatch(/nests brackets more than 64 levels/);
    const objects = `{ a(b: ${'{c: '.repeat(100)}1${'}'.repeat(100)}) }`;
    expect(checkDocument(objects, limits)?.message).toMatch(/nests/);
    expect(checkDocument(`{ a(b: ${'['.repeat(60)}1${']'.repeat(60)}) }`, limits)).toBeUndefined();
  });

  it('refuses long names: operation, fragment, alias, field, argument, variable; and long numbers', () => {
    const long = 'a'.repeat(129);
    for (const query of [
      `query ${long} { __typename }`,
      `{ ...${long} } fragment ${long} on Query { __typename }`,
      `{ ${long}: __typename }`,
      `{ ${long} }`,
      `query($${long}: Int) { __typename }`,
      `{ a(x: ${'9'.repeat(200)}) }`,
    ]) {
      expect(checkDocument(query, limits)?.message, query.slice(0, 30)).toMatch(/longer than 128/);
    }
    expect(checkDocument(`query ${'a'.repeat(128)} { __typename }`, limits)).toBeUndefined();
  });

  it('refuses documents over the size limit, and never quotes the document', () => {
    const big = `{ __typename }${' '.repeat(limits.maxDocumentBytes)}`;
    const refused = checkDocument(big, limits);
    expect(refused?.message).toMatch(/maximum is 100000/);
    const secret = `query lookup_11822648950_${'x'.repeat(200)} { __typename }`;
    expect(checkDocument(secret, limits)?.message).not.toMatch(/1182264/);
  });

  it('is linear: a 100 000-character document of any shape is measured, not recursed into', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '(', ')', '"', '#', '\n', 'a', '1', ' ', '\\', '-') }),
        (source) => {
          const result = checkDocument(source.repeat(Math.ceil(1000 / Math.max(1, source.length))), limits);
          expect(result === undefined || typeof result.message === 'string').toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('jsonDepthExceeds', () => {
  it('measures nesting without recursion', () => {
    expect(jsonDepthExceeds(null, 1)).toBe(false);
    expect(jsonDepthExceeds({ ids: ['1', '2'] }, 2)).toBe(false);
    expect(jsonDepthExceeds({ ids: ['1', '2'] }, 1)).toBe(true);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonDepthExceeds(deep, 64)).toBe(true);
  });
});
