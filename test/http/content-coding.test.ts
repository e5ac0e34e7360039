import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ContentCodingError, contentCodings, decodeBody } from '../../src/http/content-coding.js';

const JSON_TEXT = Buffer.from('{"personer":[{"personidentifikator":"11822648950"}]}');

async function refusal(body: Buffer, codings: string[], maxBytes = 1024): Promise<string> {
  const err = await decodeBody(body, codings, maxBytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ContentCodingError);
  return (err as ContentCodingError).problem;
}

describe('Content-Encoding', () => {
  it('lists the codings in the order applied, lower case, identity and empty parts left out, repeated headers joined', () => {
    expect(contentCodings(undefined)).toEqual([]);
    expect(contentCodings('')).toEqual([]);
    expect(contentCodings('identity')).toEqual([]);
    expect(contentCodings(' GZip ,, identity,br ')).toEqual(['gzip', 'br']);
    expect(contentCodings(['gzip', 'br'])).toEqual(['gzip', 'br']);
  });

  it('undoes them last applied first', async () => {
    const body = brotliCompressSync(gzipSync(JSON_TEXT));
    expect((await decodeBody(body, ['gzip', 'br'], 1024)).equals(JSON_TEXT)).toBe(true);
    expect(await refusal(body, ['br', 'gzip'])).toBe('corrupt');
  });

  it('passes an empty body labelled compressed (a 204 some servers still label gzip) as empty', async () => {
    expect((await decodeBody(Buffer.alloc(0), ['gzip'], 1024)).length).toBe(0);
  });

  it('stops decoding at the limit, at any step', async () => {
    const big = Buffer.alloc(4096, 0x20);
    expect((await decodeBody(gzipSync(big), ['gzip'], 4096)).length).toBe(4096);
    expect(await refusal(gzipSync(big), ['gzip'], 4095)).toBe('too large');
    expect(await refusal(deflateSync(gzipSync(big)), ['gzip', 'deflate'], 4095)).toBe('too large');
  });

  it('refuses unknown codings and more codings than servers stack, without decoding', async () => {
    expect(await refusal(JSON_TEXT, ['compress-me'])).toBe('unsupported coding');
    expect(await refusal(JSON_TEXT, ['zstd'])).toBe('unsupported coding');
    const long = await decodeBody(JSON_TEXT, ['x'.repeat(10_000)], 1024).catch((e: Error) => e.message);
    expect(long).toBe(`content coding "${'x'.repeat(32)}…"`);
    const layered = gzipSync(gzipSync(gzipSync(gzipSync(JSON_TEXT))));
    expect(await refusal(layered, ['gzip', 'gzip', 'gzip', 'gzip'])).toBe('unsupported coding');
    expect(
      (await decodeBody(gzipSync(gzipSync(gzipSync(JSON_TEXT))), ['gzip', 'gzip', 'gzip'], 1024)).equals(JSON_TEXT),
    ).toBe(true);
  });
});
