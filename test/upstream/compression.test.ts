/**
 * Upstream answers as HTTP allows them to come: compressed (RFC 9110 §8.4; a server may compress when asked for
 * `identity` only if it ignores the header, and a proxy in front of KRR may), chunked, or larger than anything the
 * facade should hold. A proxy in front of the sandbox's KRR rewrites KRR's real answers; a second facade, configured
 * as against Digdir, reads KRR through it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** How the proxy sends KRR's answer on: its body, the Content-Encoding it claims, and whether it is sent chunked. */
interface Rewrite {
  body: Buffer;
  status?: number;
  encoding?: string;
  chunked?: boolean;
}
type Mode = (answer: Buffer, status: number) => Rewrite;

const AS_IS: Mode = (body, status) => ({ body, status });
let mode: Mode = AS_IS;
/** Per request the proxy got, the Accept-Encoding the facade sent. */
let seen: (string | undefined)[] = [];

let origin: TestApp;
let proxy: Server;
let proxyUrl: string;

beforeAll(async () => {
  origin = await startTestApp();
  const target = origin.sandbox.upstream.krrUrl.replace(/\/+$/, '');
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(req.headers['accept-encoding']);
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'accept']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      request(`${target}${req.url ?? '/'}`, { method: req.method as 'POST', headers, body: Buffer.concat(chunks) })
        .then(async (answer) => {
          const out = mode(Buffer.from(await answer.body.arrayBuffer()), answer.statusCode);
          res.writeHead(out.status ?? answer.statusCode, {
            'content-type': 'application/json',
            ...(out.encoding ? { 'content-encoding': out.encoding } : {}),
            ...(out.chunked ? {} : { 'content-length': String(out.body.length) }),
          });
          if (!out.chunked) return res.end(out.body);
          // Several chunks, none announcing the size.
          for (let at = 0; at < out.body.length; at += 16_384) res.write(out.body.subarray(at, at + 16_384));
          res.end();
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await origin?.close();
});

beforeEach(() => {
  mode = AS_IS;
  seen = [];
});

const IDS = ['11822648950', '22859197810'];
const QUERY = `query Two($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id status email { value } } }`;

/** A facade reading KRR through the proxy. */
async function throughProxy(env: Record<string, string> = {}): Promise<TestApp> {
  return startTestApp({ KRR_URL: proxyUrl, ...env }, { peerOf: origin });
}

async function expected() {
  const res = await origin.graphql(QUERY, { ids: IDS });
  expect(res.body.errors).toBeUndefined();
  return res.body;
}

describe('compressed upstream answers', () => {
  it('asks for identity by default, and reads answers compressed anyway: gzip, deflate (zlib and raw), brotli, two codings', async () => {
    const want = await expected();
    const app = await throughProxy();
    try {
      const rewrites: Record<string, Mode> = {
        gzip: (body) => ({ body: gzipSync(body), encoding: 'gzip' }),
        'x-gzip, chunked': (body) => ({ body: gzipSync(body), encoding: 'X-GZIP', chunked: true }),
        deflate: (body) => ({ body: deflateSync(body), encoding: 'deflate' }),
        'raw deflate': (body) => ({ body: deflateRawSync(body), encoding: 'deflate' }),
        br: (body) => ({ body: brotliCompressSync(body), encoding: 'br' }),
        'gzip then br': (body) => ({ body: brotliCompressSync(gzipSync(body)), encoding: 'gzip, br' }),
        'identity listed': (body) => ({ body: gzipSync(body), encoding: 'identity, gzip' }),
      };
      for (const [name, rewrite] of Object.entries(rewrites)) {
        mode = rewrite;
        const res = await app.graphql(QUERY, { ids: IDS });
        expect(res.body, name).toEqual(want);
      }
      expect(new Set(seen)).toEqual(new Set(['identity']));
    } finally {
      await app.close();
    }
  });

  it('asks for gzip, deflate or brotli with UPSTREAM_COMPRESSION=true', async () => {
    const want = await expected();
    const app = await throughProxy({ UPSTREAM_COMPRESSION: 'true' });
    try {
      mode = (body) => ({ body: gzipSync(body), encoding: 'gzip' });
      expect((await app.graphql(QUERY, { ids: IDS })).body).toEqual(want);
      expect(seen).toEqual(['gzip, deflate, br']);
    } finally {
      await app.close();
    }
  });

  it('fails a call whose answer cannot be decoded, once and without a retry, and says why', async () => {
    const app = await throughProxy();
    try {
      await app.graphql(QUERY, { ids: IDS }); // the token is cached: every later call reaches the proxy once
      const cases: Record<string, Mode> = {
        'an unknown coding': (body) => ({ body, encoding: 'zstd' }),
        'a corrupt gzip body': (body) => ({ body: gzipSync(body).subarray(0, 30), encoding: 'gzip' }),
        'plain text called gzip': (body) => ({ body, encoding: 'gzip' }),
      };
      for (const [name, rewrite] of Object.entries(cases)) {
        mode = rewrite;
        seen = [];
        const lines = app.logLines.length;
        const res = await app.graphql(QUERY, { ids: IDS });
        expect(res.body.data, name).toEqual({ persons: [null, null] });
        expect(
          res.body.errors?.map((e) => [e.message, e.extensions]),
          name,
        ).toEqual(
          IDS.map(() => [
            'The contact register (KRR) sent an answer the facade could not read (undecodable answer).',
            { code: 'UPSTREAM_UNAVAILABLE', upstream: 'krr' },
          ]),
        );
        expect(seen, `${name}: not retried`).toHaveLength(1);
        // One warning for the operator per unreadable answer, not one per person it failed.
        const warnings = app.logLines.slice(lines).filter((l) => l.includes('undecodable answer'));
        expect(warnings, name).toHaveLength(1);
        expect(JSON.parse(warnings[0] as string)).toMatchObject({ level: 40, code: 'UPSTREAM_UNAVAILABLE' });
      }
      expect(await app.upstreamRequests({ upstream: 'krr', status: 'error' })).toBe(3);
      mode = AS_IS;
      expect((await app.graphql(QUERY, { ids: IDS })).body).toEqual(await expected());
    } finally {
      await app.close();
    }
  });

  it('retries a 503 whatever its body claims to be', async () => {
    const app = await throughProxy();
    try {
      await app.graphql(QUERY, { ids: IDS });
      let first = true;
      mode = (body, status) => {
        if (!first) return { body, status };
        first = false;
        return { body: Buffer.from('not brotli'), status: 503, encoding: 'br' };
      };
      seen = [];
      expect((await app.graphql(QUERY, { ids: IDS })).body).toEqual(await expected());
      expect(seen).toHaveLength(2);
    } finally {
      await app.close();
    }
  });
});

describe('upstream answers too large', () => {
  const LIMIT = 64 * 1024;
  /** A KRR answer padded to `bytes`, still valid JSON of the documented shape. */
  const padded = (answer: Buffer, bytes: number): Buffer => {
    const text = answer.toString('utf8');
    return Buffer.from(`${text.slice(0, -1)},"padding":"${'a'.repeat(bytes)}"}`);
  };

  it('reads an answer up to UPSTREAM_MAX_RESPONSE_BYTES, and refuses one beyond: announced, chunked or decompressed', async () => {
    const want = await expected();
    const app = await throughProxy({ UPSTREAM_MAX_RESPONSE_BYTES: String(LIMIT) });
    try {
      await app.graphql(QUERY, { ids: IDS });
      mode = (body) => ({ body: padded(body, LIMIT - body.length - 64) });
      expect((await app.graphql(QUERY, { ids: IDS })).body, 'just below the limit').toEqual(want);

      const cases: Record<string, Mode> = {
        'by its Content-Length': (body) => ({ body: padded(body, LIMIT) }),
        'chunked, by its bytes': (body) => ({ body: padded(body, LIMIT), chunked: true }),
        // 32 MB of JSON in about 32 KB of gzip: decoding stops at the limit, the 32 MB are never held.
        'a decompression bomb': (body) => ({ body: gzipSync(padded(body, 32 * 1024 * 1024)), encoding: 'gzip' }),
        'a bomb under brotli': (body) => ({
          body: brotliCompressSync(padded(body, 32 * 1024 * 1024)),
          encoding: 'br',
        }),
      };
      for (const [name, rewrite] of Object.entries(cases)) {
        mode = rewrite;
        seen = [];
        const res = await app.graphql(QUERY, { ids: IDS });
        expect(res.body.data, name).toEqual({ persons: [null, null] });
        expect(res.body.errors?.[0]?.message, name).toBe(
          'The contact register (KRR) sent an answer the facade could not read (answer too large).',
        );
        expect(seen, `${name}: not retried`).toHaveLength(1);
      }
      mode = AS_IS;
      expect((await app.graphql(QUERY, { ids: IDS })).body, 'and the next answer is read').toEqual(want);
    } finally {
      await app.close();
    }
  });
});
