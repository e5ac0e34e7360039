/**
 * The caller issuer's discovery document and JWKS (src/auth/key-documents.ts), read from a local server: bounded in
 * size and time, redirects not followed, re-read on age and on an unknown kid as jose's remote key set does, one read
 * for many waiting verifications, and without loading Node's own fetch.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, errors, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  KEYS_COOLDOWN_MS,
  KEYS_MAX_AGE_MS,
  KeyDocumentUnavailable,
  MAX_KEY_DOCUMENT_BYTES,
  discoverJwksUrl,
  fetchKeyDocument,
  remoteKeySet,
} from '../../src/auth/key-documents.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Key {
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function key(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

const sign = (k: Key) =>
  new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: k.kid }).setExpirationTime('5m').sign(k.privateKey);

let handler: (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let base: string;
let reads: number;
let keyA: Key;
let keyB: Key;
let published: Key[];

beforeAll(async () => {
  [keyA, keyB] = await Promise.all([key('a'), key('b')]);
  server = createServer((req, res) => {
    reads++;
    handler(req, res);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
});

beforeEach(() => {
  reads = 0;
  published = [keyA];
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: published.map((k) => k.jwk) }));
  };
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (err: unknown) => (err instanceof KeyDocumentUnavailable ? err.message : `other: ${String(err)}`),
  );

describe('fetchKeyDocument', () => {
  it('reads JSON, and says what failed for each way a read fails, never the URL', async () => {
    const url = new URL(`${base}/jwks?x=1`);
    expect(await fetchKeyDocument('JWKS', url, 2_000)).toEqual({ keys: [keyA.jwk] });

    handler = (_req, res) => res.writeHead(500).end('{}');
    expect(await failure(fetchKeyDocument('JWKS', url, 2_000))).toBe('JWKS answered HTTP 500');
    handler = (_req, res) => res.writeHead(302, { location: `${base}/elsewhere` }).end();
    expect(await failure(fetchKeyDocument('JWKS', url, 2_000))).toBe('JWKS answered HTTP 302');
    handler = (_req, res) => res.writeHead(200).end('<html>');
    expect(await failure(fetchKeyDocument('JWKS', url, 2_000))).toBe('JWKS answer is not JSON');
    handler = (_req, res) => res.writeHead(200).end();
    expect(await failure(fetchKeyDocument('JWKS', url, 2_000))).toBe('JWKS answer is not JSON');
    // A byte order mark is dropped, as fetch's json() drops it.
    handler = (_req, res) => res.writeHead(200).end(Buffer.from(`\ufeff${JSON.stringify({ keys: [] })}`));
    expect(await fetchKeyDocument('JWKS', url, 2_000)).toEqual({ keys: [] });

    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((done) => closed.close(() => done()));
    expect(await failure(fetchKeyDocument('JWKS', new URL(`http://127.0.0.1:${port}/jwks`), 2_000))).toBe(
      'JWKS could not be fetched (ECONNREFUSED)',
    );
  });

  it('gives up on an answer larger than 1 MiB, as it streams in or by its length', async () => {
    const url = new URL(`${base}/jwks`);
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // Without a length, in pieces, and more than ever read: the read stops at the bound.
      const piece = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const more = () => {
        while (sent < 64 * MAX_KEY_DOCUMENT_BYTES && res.write(piece)) sent += piece.length;
        if (sent < 64 * MAX_KEY_DOCUMENT_BYTES && !res.destroyed) res.once('drain', more);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      more();
    };
    expect(await failure(fetchKeyDocument('JWKS', url, 5_000))).toBe('JWKS answer is larger than 1 MiB');
    handler = (_req, res) => res.writeHead(200).end(`{"keys":[],"pad":"${'x'.repeat(MAX_KEY_DOCUMENT_BYTES)}"}`);
    expect(await failure(fetchKeyDocument('OIDC discovery', url, 5_000))).toBe(
      'OIDC discovery answer is larger than 1 MiB',
    );
    handler = (_req, res) => res.writeHead(200).end(`{"keys":[],"pad":"${'x'.repeat(MAX_KEY_DOCUMENT_BYTES - 30)}"}`);
    expect(await fetchKeyDocument('JWKS', url, 5_000)).toMatchObject({ keys: [] });
  });

  it('decodes an answer sent gzip, deflate or br (by the issuer or a proxy before it), and asks for identity', async () => {
    // RFC 9110 §12.5.3: a request without Accept-Encoding takes any coding, and a proxy or CDN may compress anyway.
    const url = new URL(`${base}/jwks`);
    const doc = JSON.stringify({ keys: [keyA.jwk] });
    const asked: (string | undefined)[] = [];
    for (const [coding, encode] of [
      ['gzip', gzipSync],
      ['x-gzip', gzipSync],
      ['deflate', deflateSync],
      ['deflate', deflateRawSync], // raw deflate, as some servers send it
      ['br', brotliCompressSync],
      ['gzip, br', (b: Buffer) => brotliCompressSync(gzipSync(b))],
    ] as const) {
      handler = (req, res) => {
        asked.push(req.headers['accept-encoding']);
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding });
        res.end(encode(Buffer.from(doc)));
      };
      expect(await fetchKeyDocument('JWKS', url, 2_000), coding).toEqual({ keys: [keyA.jwk] });
    }
    expect(new Set(asked)).toEqual(new Set(['identity']));

    // The discovery document too.
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks` })));
    };
    expect((await discoverJwksUrl(base, 2_000)).href).toBe(`${base}/jwks`);
  });

  it('refuses a compressed answer larger than 1 MiB once decoded (a bomb is not inflated), corrupt, or in another coding', async () => {
    const url = new URL(`${base}/jwks`);
    // 16 MiB of JSON whitespace: about 16 KB as gzip, well under the limit as sent.
    const bomb = gzipSync(Buffer.alloc(16 * MAX_KEY_DOCUMENT_BYTES, 0x20), { level: 9 });
    expect(bomb.length).toBeLessThan(MAX_KEY_DOCUMENT_BYTES);
    const sent = (coding: string, body: Buffer) => (_req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding });
      res.end(body);
    };
    handler = sent('gzip', bomb);
    expect(await failure(fetchKeyDocument('JWKS', url, 5_000))).toBe('JWKS answer is larger than 1 MiB once decoded');
    handler = sent('br', Buffer.from('{"keys":[]}'));
    expect(await failure(fetchKeyDocument('JWKS', url, 2_000))).toBe('JWKS answer is not valid br');
    handler = sent('zstd', Buffer.from('{"keys":[]}'));
    expect(await failure(fetchKeyDocument('JWKS', url, 2_000))).toBe(
      'JWKS answer is in a content coding not decoded here (content coding "zstd")',
    );
  });

  it('times out on a server that answers nothing, or headers without the body', async () => {
    const url = new URL(`${base}/jwks`);
    handler = () => undefined;
    expect(await failure(fetchKeyDocument('JWKS', url, 300))).toBe('JWKS request timed out');
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":');
    };
    expect(await failure(fetchKeyDocument('JWKS', url, 300))).toBe('JWKS request timed out');
  });
});

describe('discoverJwksUrl', () => {
  it("reads jwks_uri from the issuer's discovery document, with or without a trailing slash", async () => {
    const paths: string[] = [];
    handler = (req, res) => {
      paths.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer: `${base}/idp`, jwks_uri: `${base}/idp/jwks` }));
    };
    expect((await discoverJwksUrl(`${base}/idp`, 2_000)).href).toBe(`${base}/idp/jwks`);
    expect((await discoverJwksUrl(`${base}/idp/`, 2_000)).href).toBe(`${base}/idp/jwks`);
    expect(paths).toEqual(['/idp/.well-known/openid-configuration', '/idp/.well-known/openid-configuration']);
  });

  it('a document without a usable jwks_uri is a discovery failure', async () => {
    for (const doc of ['{}', '{"jwks_uri": 7}', '{"jwks_uri": "not a url"}', 'null']) {
      handler = (_req, res) => res.writeHead(200).end(doc);
      expect(await failure(discoverJwksUrl(base, 2_000))).toMatch(/^OIDC discovery document (lacks|has an invalid)/);
    }
  });
});

describe('remoteKeySet', () => {
  let clock: number;
  const keysAt = () => remoteKeySet(new URL(`${base}/jwks`), { timeoutMs: 2_000, now: () => clock });
  const verify = async (keys: ReturnType<typeof keysAt>, k: Key) =>
    (await jwtVerify(await sign(k), keys)).protectedHeader.kid;

  beforeEach(() => {
    clock = 1_000_000;
  });

  it('reads the set once for many verifications at once, then not again until it is 10 minutes old', async () => {
    const keys = keysAt();
    const kids = await Promise.all(Array.from({ length: 20 }, () => verify(keys, keyA)));
    expect(kids).toEqual(Array(20).fill('a'));
    expect(reads).toBe(1);
    clock += KEYS_MAX_AGE_MS - 1;
    await verify(keys, keyA);
    expect(reads).toBe(1);
    clock += 1;
    await verify(keys, keyA);
    expect(reads).toBe(2);
  });

  it('an unknown kid reads the set again (a rotation), at most once in 30 s; a kid still absent is jose’s error', async () => {
    const keys = keysAt();
    await verify(keys, keyA);
    published = [keyA, keyB];
    // Within the cooldown of the first read: not read again, the kid is unknown.
    await expect(verify(keys, keyB)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(reads).toBe(1);
    clock += KEYS_COOLDOWN_MS;
    expect(await verify(keys, keyB)).toBe('b');
    expect(reads).toBe(2);
    clock += KEYS_COOLDOWN_MS;
    published = [keyB];
    const stranger = await key('c');
    await expect(verify(keys, stranger)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(reads).toBe(3);
    // Key a is gone from the issuer's set now: refused once the set is read again.
    clock += KEYS_MAX_AGE_MS;
    await expect(verify(keys, keyA)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });

  it('a set that cannot be read, or is not a JWKS, throws KeyDocumentUnavailable; the next call reads again', async () => {
    const keys = keysAt();
    handler = (_req, res) => res.writeHead(200).end('{"keys": "none"}');
    expect(await failure(verify(keys, keyA))).toBe('JWKS is not a valid JSON Web Key Set');
    handler = (_req, res) => res.writeHead(503).end();
    expect(await failure(verify(keys, keyA))).toBe('JWKS answered HTTP 503');
    handler = (_req, res) => res.writeHead(200).end(JSON.stringify({ keys: [keyA.jwk] }));
    expect(await verify(keys, keyA)).toBe('a');
    expect(reads).toBe(3);
  });
});

describe("verifying a caller's token", () => {
  it("loads no part of Node's own fetch (its undici and web streams)", async () => {
    handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        req.url?.startsWith('/.well-known/')
          ? JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks` })
          : JSON.stringify({ keys: [keyA.jwk] }),
      );
    };
    const token = await new SignJWT({ scope: 'contactinfo.read' })
      .setProtectedHeader({ alg: 'ES256', kid: 'a' })
      .setIssuer(base)
      .setAudience('facade')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(keyA.privateKey);
    // A process of its own: this one has loaded fetch long ago (vitest, the other tests).
    const script = `
      import { Authenticator } from './src/auth/authenticator.ts';
      const auth = new Authenticator({ issuer: process.env.ISSUER, audience: 'facade' });
      const result = await auth.authenticate({ authorization: 'Bearer ' + process.env.TOKEN });
      const loaded = process.moduleLoadList.filter((m) => /undici|webstreams[/](readable|writable|transform)stream/.test(m));
      console.log(JSON.stringify({ ok: result.ok, loaded }));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { cwd: ROOT, env: { ...process.env, ISSUER: base, TOKEN: token }, timeout: 60_000 },
    );
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '')).toEqual({ ok: true, loaded: [] });
  });
});
