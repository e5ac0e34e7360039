/**
 * Request bodies a caller compressed (RFC 9110 §8.4, `Content-Encoding`): a batch job's 1000-id query may come as gzip.
 * Decoded within MAX_BODY_BYTES as sent and once decoded; a coding the facade does not read gets 415 with the codings it
 * does (RFC 7694), not a misleading "not valid JSON".
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BodyBudget, readBody, type DecodeTurns } from '../../src/http/body.js';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const IDS = syntheticPersonIdentifiers(1000);
const QUERY = `query Many($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id status } }`;
const BODY = Buffer.from(JSON.stringify({ query: QUERY, variables: { ids: IDS } }));

async function post(body: Buffer, encoding?: string) {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await t.token()}`,
      ...(encoding ? { 'content-encoding': encoding } : {}),
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> };
}

const upstreamCalls = () => t.sandbox.krr.requests.length;

describe('compressed request bodies', () => {
  it('answers a query sent as gzip, deflate, brotli or gzip then brotli as it answers the plain one', async () => {
    const plain = await post(BODY);
    expect(plain.status).toBe(200);
    expect((plain.body.data as { persons: unknown[] }).persons).toHaveLength(1000);
    const encoded: [string, Buffer][] = [
      ['gzip', gzipSync(BODY)],
      ['deflate', deflateSync(BODY)],
      ['br', brotliCompressSync(BODY)],
      ['gzip, br', brotliCompressSync(gzipSync(BODY))],
    ];
    for (const [encoding, body] of encoded) {
      expect(body.length, encoding).toBeLessThan(BODY.length);
      const res = await post(body, encoding);
      expect([res.status, res.body], encoding).toEqual([200, plain.body]);
    }
  });

  it('refuses a coding it does not read with 415, naming those it does, before anything runs', async () => {
    const before = upstreamCalls();
    const res = await post(BODY, 'zstd');
    expect(res.status).toBe(415);
    expect(res.headers.get('accept-encoding')).toBe('gzip, deflate, br');
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        message: 'Unsupported Content-Encoding (content coding "zstd"): send gzip, deflate, br or none.',
        extensions: { code: 'BAD_REQUEST' },
      }),
    ]);
    expect(upstreamCalls()).toBe(before);
  });

  it('refuses a body that is not what its coding says with 400', async () => {
    const res = await post(BODY, 'gzip');
    expect(res.status).toBe(400);
    expect((res.body.errors as { message: string }[])[0]?.message).toBe(
      'The request body is not what its Content-Encoding says (not valid gzip).',
    );
  });

  it('refuses with 413 a body beyond MAX_BODY_BYTES once decoded: 32 MB in 32 KB of gzip are never held', async () => {
    const before = upstreamCalls();
    const bomb = gzipSync(
      Buffer.from(JSON.stringify({ query: QUERY, variables: { ids: IDS, pad: 'x'.repeat(32 * 1024 * 1024) } })),
    );
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await post(bomb, 'gzip');
    expect(res.status).toBe(413);
    expect((res.body.errors as { message: string }[])[0]?.message).toBe(
      'The request body exceeds 1048576 bytes once decompressed.',
    );
    expect(upstreamCalls()).toBe(before);
    // The facade goes on serving.
    expect((await post(gzipSync(BODY), 'gzip')).status).toBe(200);
  });
});

describe('decoding turns', () => {
  /** A request whose body is `body`, sent in one chunk. */
  const request = (body: Buffer, encoding?: string): IncomingMessage => {
    const req = new PassThrough() as unknown as IncomingMessage & PassThrough;
    req.headers = { 'content-length': String(body.length), ...(encoding ? { 'content-encoding': encoding } : {}) };
    setImmediate(() => req.end(body));
    return req;
  };

  it('decodes at most MAX_BODY_BYTES_IN_FLIGHT / MAX_BODY_BYTES bodies at once; the others wait, none is refused', async () => {
    const limit = 1024 * 1024;
    const budget = new BodyBudget(2 * limit + limit / 2, limit); // two and a half bodies: two turns
    let active = 0;
    let most = 0;
    let turns = 0;
    const counted: DecodeTurns = (decode) =>
      budget.decoding(async () => {
        turns++;
        most = Math.max(most, ++active);
        try {
          return await decode();
        } finally {
          active--;
        }
      });
    const bomb = gzipSync(Buffer.alloc(8 * limit, 0x20));
    const reads = [
      ...Array.from({ length: 8 }, () => readBody(request(bomb, 'gzip'), limit, counted)),
      ...Array.from({ length: 4 }, () => readBody(request(gzipSync(BODY), 'gzip'), limit, counted)),
      readBody(request(BODY), limit, counted),
    ];
    const outcomes = await Promise.allSettled(reads);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value === BODY.toString() : o.reason.status))).toEqual([
      ...Array.from({ length: 8 }, () => 413),
      ...Array.from({ length: 5 }, () => true),
    ]);
    expect(most).toBe(2);
    expect(turns).toBe(12); // the plain body takes no turn
  });

  it('gives one turn at least, when a body may be larger than the whole budget', () => {
    const budget = new BodyBudget(1024, 4096);
    expect(budget.decoding).toBeTypeOf('function');
    expect((budget.decoding as unknown as { concurrency: number }).concurrency).toBe(1);
  });
});
