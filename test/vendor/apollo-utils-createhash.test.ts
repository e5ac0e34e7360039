import { createHash as cryptoCreateHash, type BinaryToTextEncoding } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VENDORED = resolve(ROOT, 'vendor/apollo-utils-createhash/index.js');

interface HashLike {
  update(data: string | Buffer, inputEncoding?: BufferEncoding): HashLike;
  digest(): Buffer;
  digest(encoding: BinaryToTextEncoding): string;
}
type CreateHash = (kind: string) => HashLike;

/** The module Apollo Server's own `require('@apollo/utils.createhash')` finds. */
const apolloRequire = createRequire(createRequire(import.meta.url).resolve('@apollo/server'));
const { createHash } = apolloRequire('@apollo/utils.createhash') as { createHash: CreateHash };

describe('@apollo/utils.createhash (vendor/apollo-utils-createhash)', () => {
  it('is the copy Apollo Server loads (package.json overrides)', () => {
    expect(apolloRequire.resolve('@apollo/utils.createhash')).toBe(VENDORED);
  });

  const texts = [
    '',
    'query Persons($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id status } }',
    '# Ærlig talt: ø, å, 日本, 😀\n{ __typename }',
    'a lone surrogate \ud800 in the middle',
    'x'.repeat(300_000),
  ];

  it.each(['sha256', 'sha1', 'sha512', 'md5'])('hashes one string as node:crypto does (%s)', (kind) => {
    for (const text of texts) {
      const expected = cryptoCreateHash(kind).update(text);
      const copy = cryptoCreateHash(kind).update(text);
      expect(createHash(kind).update(text).digest('hex')).toBe(expected.digest('hex'));
      expect(createHash(kind).update(text).digest('base64')).toBe(copy.digest('base64'));
      expect(createHash(kind).update(text).digest().equals(cryptoCreateHash(kind).update(text).digest())).toBe(true);
    }
  });

  it('hashes several updates, buffers and encoded input as node:crypto does', () => {
    const cases: [string, (h: HashLike) => HashLike][] = [
      ['nothing', (h) => h],
      ['two strings', (h) => h.update('query ').update('{ a }')],
      ['a buffer', (h) => h.update(Buffer.from([0, 1, 2, 255]))],
      ['a string then a buffer', (h) => h.update('ab').update(Buffer.from('cd'))],
      ['hex input', (h) => h.update('c3a6', 'hex')],
      ['latin1 input', (h) => h.update('æøå', 'latin1')],
      ['base64 input then a string', (h) => h.update('AAEC', 'base64').update('tail')],
    ];
    for (const [name, feed] of cases) {
      const theirs = (
        feed(cryptoCreateHash('sha256') as unknown as HashLike) as unknown as ReturnType<typeof cryptoCreateHash>
      ).digest('hex');
      expect(feed(createHash('sha256')).digest('hex'), name).toBe(theirs);
    }
  });

  it('refuses to be used after its digest, as node:crypto does', () => {
    for (const feed of [(h: HashLike) => h.update('one'), (h: HashLike) => h.update('one').update('two')]) {
      const ours = feed(createHash('sha256'));
      const theirs = feed(cryptoCreateHash('sha256') as unknown as HashLike);
      ours.digest('hex');
      theirs.digest('hex');
      for (const use of [(h: HashLike) => h.update('more'), (h: HashLike) => h.digest('hex')]) {
        expect(() => use(theirs)).toThrow(expect.objectContaining({ code: 'ERR_CRYPTO_HASH_FINALIZED' }));
        expect(() => use(ours)).toThrow(expect.objectContaining({ code: 'ERR_CRYPTO_HASH_FINALIZED' }));
      }
    }
  });

  it('accepts the algorithm names node:crypto accepts and refuses the ones it refuses', () => {
    expect(createHash('SHA256').update('x').digest('hex')).toBe(cryptoCreateHash('sha256').update('x').digest('hex'));
    expect(createHash('RSA-SHA256').update('x').digest('hex')).toBe(
      cryptoCreateHash('sha256').update('x').digest('hex'),
    );
    expect(() => createHash('no-such-hash')).toThrow(/Digest method not supported/);
  });
});
