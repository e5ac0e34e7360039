/**
 * Caches take a document on its second sight (graphql/second-sight.ts): documents each sent once (ids written into the
 * query text) are parsed and answered, and kept by none of the facade's caches.
 */
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import { buildSchema } from 'graphql';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Admission, RequestAdmission } from '../../src/graphql/admission.js';
import { DEFAULT_QUERY_LIMITS } from '../../src/graphql/limits.js';
import { SecondSight, SecondSightCache, mayCacheDocument } from '../../src/graphql/second-sight.js';
import { mayHoldPersonalId } from '../../src/observability/personal-ids.js';
import { startTestApp } from '../helpers/app.js';

describe('SecondSight', () => {
  it('answers false on a key’s first sight and true on its next ones', () => {
    const sight = new SecondSight();
    expect(sight.seenBefore('a')).toBe(false);
    expect(sight.seenBefore('b')).toBe(false);
    expect(sight.seenBefore('a')).toBe(true);
    expect(sight.seenBefore('a')).toBe(true);
    expect(sight.seenBefore('b')).toBe(true);
    expect(sight.seenBefore('')).toBe(false);
    expect(sight.seenBefore('')).toBe(true);
  });

  it('tells apart keys that differ in one character anywhere, odd characters and long keys included', () => {
    const sight = new SecondSight();
    const base = `{ person(id: "11822648950") { status } } ${'x'.repeat(20_000)} æøå \u{1F600} \0`;
    expect(sight.seenBefore(base)).toBe(false);
    for (const i of [0, 14, 25, 10_000, base.length - 1]) {
      const other = base.slice(0, i) + String.fromCharCode(base.charCodeAt(i) ^ 1) + base.slice(i + 1);
      expect(sight.seenBefore(other)).toBe(false);
    }
    expect(sight.seenBefore(base)).toBe(true);
  });

  it('forgets a key whose slot another took since (it gets in on a later sight), and nothing else', () => {
    const one = new SecondSight(1);
    expect(one.seenBefore('a')).toBe(false);
    expect(one.seenBefore('b')).toBe(false);
    expect(one.seenBefore('a')).toBe(false);
    expect(one.seenBefore('a')).toBe(true);
    // The default table: 100 distinct keys between two sights of a key leave it remembered nearly always.
    const sight = new SecondSight();
    let remembered = 0;
    for (let k = 0; k < 100; k++) {
      sight.seenBefore(`key ${k}`);
      for (let i = 0; i < 100; i++) sight.seenBefore(`filler ${k} ${i}`);
      if (sight.seenBefore(`key ${k}`)) remembered++;
    }
    expect(remembered).toBeGreaterThanOrEqual(95);
  });

  it('takes a power of two as its size', () => {
    expect(() => new SecondSight(1000)).toThrow(/power of two/);
  });
});

describe('SecondSightCache', () => {
  it('stores a value the second time its key is set, and passes get and delete through', async () => {
    const cache = new SecondSightCache(new InMemoryLRUCache<string>());
    await cache.set('k', 'first');
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('k', 'second');
    expect(await cache.get('k')).toBe('second');
    await cache.delete('k');
    expect(await cache.get('k')).toBeUndefined();
    await cache.set('k', 'third'); // seen before: stored at once
    expect(await cache.get('k')).toBe('third');
  });

  it('never stores a value its refuse predicate turns away, however often it is set', async () => {
    const cache = new SecondSightCache(new InMemoryLRUCache<string>(), (value) => mayHoldPersonalId(value));
    for (let i = 0; i < 3; i++) await cache.set('k', '{ person(id: "11822648950") { status } }');
    expect(await cache.get('k')).toBeUndefined();
    for (let i = 0; i < 2; i++) await cache.set('v', 'query P($id: PersonIdentifier!) { person(id: $id) { status } }');
    expect(await cache.get('v')).toBeDefined();
  });
});

describe('mayCacheDocument', () => {
  it('refuses a text with a run of 11 digits or more anywhere, and takes any other', () => {
    for (const text of [
      '{ person(id: "11822648950") { status } }',
      '{ persons(ids: ["1", "22859197810"]) { id } }',
      '# asked for 118226489500\n{ me { subject } }',
      'query lookup_11822648950 { me { subject } }',
      '{ person(id: "118226 48950") { status } }',
      '{ person(id: "\\u0031\\u0031\\u0038\\u0032\\u0032\\u0036\\u0034\\u0038\\u0039\\u0035\\u0030") { status } }',
      '{ person(id: "\\u{31}1822648950") { status } }',
    ]) {
      expect(mayCacheDocument(text), text).toBe(false);
    }
    for (const text of [
      'query P($id: PersonIdentifier!) { person(id: $id) { status } }',
      '{ client(id: "3f6a2c1e-8b4d-4f7a-9c2e-1d5b7a9e0c41") { id } }',
      '{ persons(ids: ["1182264895"]) { id } }',
    ]) {
      expect(mayCacheDocument(text), text).toBe(true);
    }
  });
});

describe('RequestAdmission keeps a measured document on its second sight', () => {
  const schema = buildSchema('type Query { person(id: String!): String }');
  const door = new RequestAdmission(
    new Admission({ maxCostInFlight: 10, queueTimeoutMs: 1 }),
    schema,
    DEFAULT_QUERY_LIMITS,
  );
  const kept = () => (door as unknown as { documents: { size: number } }).documents.size;

  it('measures each of 1000 distinct documents and keeps none; keeps one sent twice', () => {
    for (let i = 0; i < 1000; i++) {
      expect(door.measure({ query: `{ person(id: "${i}") }`, operationName: null, variables: null })).toBeDefined();
    }
    expect(kept()).toBe(0);
    const query = 'query P($id: String!) { person(id: $id) }';
    expect(door.measure({ query, operationName: null, variables: { id: 'a' } })).toBeDefined();
    expect(kept()).toBe(0);
    expect(door.measure({ query, operationName: null, variables: { id: 'b' } })).toBeDefined();
    expect(kept()).toBe(1);
  });

  it("measures a document with a person's id in its text every time, and never keeps it", () => {
    const before = kept();
    for (let i = 0; i < 3; i++) {
      expect(
        door.measure({ query: '{ person(id: "11822648950") }', operationName: null, variables: null }),
      ).toBeDefined();
    }
    expect(kept()).toBe(before);
  });
});

describe('through the app', () => {
  it('answers a look-up with the id in its text (never kept) as the same look-up with a variable (kept, compiled)', async () => {
    const t = await startTestApp({}, { compileAfterRuns: 1 });
    try {
      const token = await t.token();
      const ids = ['11822648950', '22859197810', '04846697271'];
      const fields = 'id status reserved email { value stale } mobilePhone { value stale }';
      for (const id of [...ids, ...ids, ...ids]) {
        const inline = await t.graphql(`{ person(id: "${id}") { ${fields} } }`, undefined, { token });
        const variable = await t.graphql(
          `query P($id: PersonIdentifier!) { person(id: $id) { ${fields} } }`,
          { id },
          { token },
        );
        expect(inline.body.errors).toBeUndefined();
        expect((inline.body.data as { person: { id: string } }).person.id).toBe(id);
        expect(inline.body).toEqual(variable.body);
      }
    } finally {
      await t.close();
    }
  });

  it('never registers a persisted query (APQ) with a person id in its text: its hash alone is not found again', async () => {
    const t = await startTestApp();
    try {
      const token = await t.token();
      const post = async (body: Record<string, unknown>) => {
        const res = await fetch(`${t.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
        return (await res.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
      };
      const apq = (query: string) => ({
        persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') },
      });
      const inline = '{ person(id: "22859197810") { id status } }';
      const withVariable = 'query P($id: PersonIdentifier!) { person(id: $id) { id status } }';
      const answer = { data: { person: { id: '22859197810', status: 'ACTIVE' } } };
      // Registered and answered: the caller sent the text with its hash.
      expect(await post({ query: inline, extensions: apq(inline) })).toEqual(answer);
      expect(
        await post({ query: withVariable, extensions: apq(withVariable), variables: { id: '22859197810' } }),
      ).toEqual(answer);
      // By hash alone: the text holding an id was never kept; the one with a variable was.
      const byHash = await post({ extensions: apq(inline) });
      expect(byHash.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
      expect(await post({ extensions: apq(withVariable), variables: { id: '22859197810' } })).toEqual(answer);
    } finally {
      await t.close();
    }
  });
});
