/**
 * Upstream answers as HTTP allows them to come: compressed (RFC 9110 §8.4; a server may compress when asked for
 * `identity` only if it ignores the header, and a proxy in front of KRR may), chunked, or larger than anything the
 * facade should hold. A proxy in front of the sandbox's KRR rewrites KRR's real answers; a second facade, configured
 * as against Digdir, reads KRR through it.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { AS_IS, startKrrProxy, type KrrProxy, type Mode } from '../helpers/krr-proxy.js';

let origin: TestApp;
let proxy: KrrProxy;

beforeAll(async () => {
  origin = await startTestApp();
  proxy = await startKrrProxy(origin.sandbox.upstream.krrUrl);
});

afterAll(async () => {
  await proxy?.close();
  await origin?.close();
});

beforeEach(() => {
  proxy.mode = AS_IS;
  proxy.requests.length = 0;
});

/** Per request the proxy got, the Accept-Encoding the facade sent. */
const seen = () => proxy.requests.map((headers) => headers['accept-encoding']);

const IDS = ['11822648950', '22859197810'];
const QUERY = `query Two($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id status email { value } } }`;

/** A facade reading KRR through the proxy. */
async function throughProxy(env: Record<string, string> = {}): Promise<TestApp> {
  return startTestApp({ KRR_URL: proxy.url, ...env }, { peerOf: origin });
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
        proxy.mode = rewrite;
        const res = await app.graphql(QUERY, { ids: IDS });
        expect(res.body, name).toEqual(want);
      }
      expect(new Set(seen())).toEqual(new Set(['identity']));
    } finally {
      await app.close();
    }
  });

  it('asks for gzip, deflate or brotli with UPSTREAM_COMPRESSION=true', async () => {
    const want = await expected();
    const app = await throughProxy({ UPSTREAM_COMPRESSION: 'true' });
    try {
      proxy.mode = (body) => ({ body: gzipSync(body), encoding: 'gzip' });
      expect((await app.graphql(QUERY, { ids: IDS })).body).toEqual(want);
      expect(seen()).toEqual(['gzip, deflate, br']);
    } finally {
      await app.close();
    }
  });

  it("learns KRR's record size from an answer as decoded, not as sent (KRR_BATCH_MAX_ANSWER_BYTES)", async () => {
    // Two seeded persons' records, about 700 bytes each decoded and a few hundred gzipped: 80 000 bytes hold about 110
    // of them decoded, more than KRR_BATCH_MAX_IDS (200) as sent.
    const app = await throughProxy({ KRR_BATCH_MAX_ANSWER_BYTES: '80000' });
    try {
      proxy.mode = (body) => ({ body: gzipSync(body), encoding: 'gzip' });
      expect((await app.graphql(QUERY, { ids: IDS })).body).toEqual(await expected());
      const ids = syntheticPersonIdentifiers(1000, 21_000);
      const before = origin.sandbox.krr.requests.length;
      const res = await app.graphql<{ persons: { id: string }[] }>(QUERY, { ids });
      expect(res.body.data?.persons.map((p) => p.id)).toEqual(ids);
      const sizes = origin.sandbox.krr.requests.slice(before).map((call) => call.ids.length);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(1000);
      expect(Math.max(...sizes)).toBeLessThan(150);
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
        proxy.mode = rewrite;
        proxy.requests.length = 0;
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
        expect(seen(), `${name}: not retried`).toHaveLength(1);
        // One warning for the operator per unreadable answer, not one per person it failed.
        const warnings = app.logLines.slice(lines).filter((l) => l.includes('undecodable answer'));
        expect(warnings, name).toHaveLength(1);
        expect(JSON.parse(warnings[0] as string)).toMatchObject({ level: 40, code: 'UPSTREAM_UNAVAILABLE' });
      }
      expect(await app.upstreamRequests({ upstream: 'krr', status: 'error' })).toBe(3);
      proxy.mode = AS_IS;
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
      proxy.mode = (body, status) => {
        if (!first) return { body, status };
        first = false;
        return { body: Buffer.from('not brotli'), status: 503, encoding: 'br' };
      };
      proxy.requests.length = 0;
      expect((await app.graphql(QUERY, { ids: IDS })).body).toEqual(await expected());
      expect(seen()).toHaveLength(2);
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
      proxy.mode = (body) => ({ body: padded(body, LIMIT - body.length - 64) });
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
        proxy.mode = rewrite;
        proxy.requests.length = 0;
        const res = await app.graphql(QUERY, { ids: IDS });
        expect(res.body.data, name).toEqual({ persons: [null, null] });
        expect(res.body.errors?.[0]?.message, name).toBe(
          'The contact register (KRR) sent an answer the facade could not read (answer too large).',
        );
        expect(seen(), `${name}: not retried`).toHaveLength(1);
      }
      proxy.mode = AS_IS;
      expect((await app.graphql(QUERY, { ids: IDS })).body, 'and the next answer is read').toEqual(want);
    } finally {
      await app.close();
    }
  });

  it('refuses an answer by the Content-Length it declares, before any more of it comes', async () => {
    // A KRR that declares 50 MB, sends a few bytes and then nothing: the call fails as too large, not at its deadline.
    const sockets = new Set<Socket>();
    const krr = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('data', () =>
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 50000000\r\n\r\n{"personer":[',
        ),
      );
    });
    await new Promise<void>((resolve) => krr.listen(0, '127.0.0.1', resolve));
    const app = await startTestApp(
      { KRR_URL: `http://127.0.0.1:${(krr.address() as AddressInfo).port}`, KRR_TIMEOUT_MS: '3000' },
      { peerOf: origin },
    );
    try {
      const res = await app.graphql(QUERY, { ids: IDS });
      expect(res.body.data).toEqual({ persons: [null, null] });
      expect(res.body.errors?.[0]?.message).toBe(
        'The contact register (KRR) sent an answer the facade could not read (answer too large).',
      );
    } finally {
      await app.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => krr.close(resolve));
    }
  });
});
