import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { pino, type Logger } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  Authenticator,
  type AuthFailureReason,
  type AuthResult,
  type AuthenticatorOptions,
} from '../../src/auth/authenticator.js';
import { bearerChallenge, challengeValue } from '../../src/auth/refusal.js';

/**
 * Caller-token time rules (DESIGN.md "Caller authorization"): tokens are signed here with keys served by a small local
 * JWKS, and the clock is a fake `Date` so every bound can be hit to the second.
 */

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'digdir-graphql-facade';
/** A whole second, so that `exp`, `iat` and `nbf` line up exactly with the verifier's clock. */
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const now = () => Math.floor(Date.now() / 1000);
const DAY = 86_400;
const YEAR = 365 * DAY;

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(kid: string, alg: 'RS256' | 'ES256' = 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

let served: SigningKey[] = [];
let jwksServer: Server;
let jwksUrl: string;
let keyA: SigningKey;
let keyB: SigningKey;
let rsaKey: SigningKey;

beforeAll(async () => {
  [keyA, keyB, rsaKey] = await Promise.all([signingKey('a'), signingKey('b'), signingKey('rsa', 'RS256')]);
  jwksServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: served.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
});

beforeEach(() => {
  served = [keyA, rsaKey];
  vi.useFakeTimers({ toFake: ['Date'], now: T0 });
});

afterEach(() => {
  vi.useRealTimers();
});

interface Claims {
  iat?: number;
  exp?: number;
  nbf?: number;
}

async function tokenWith(claims: Claims, key: SigningKey = keyA): Promise<string> {
  const jwt = new SignJWT({ scope: 'contactinfo.read clients.read', client_id: 'client-1' })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('user-1');
  if (claims.iat !== undefined) jwt.setIssuedAt(claims.iat);
  if (claims.exp !== undefined) jwt.setExpirationTime(claims.exp);
  if (claims.nbf !== undefined) jwt.setNotBefore(claims.nbf);
  return jwt.sign(key.privateKey);
}

function authenticator(opts: Partial<AuthenticatorOptions> = {}): Authenticator {
  return new Authenticator({ issuer: ISSUER, audience: AUDIENCE, jwksUrl, ...opts });
}

const call = (auth: Authenticator, token: string): Promise<AuthResult> =>
  auth.authenticate({ authorization: `Bearer ${token}` });

async function expectAccepted(auth: Authenticator, token: string): Promise<void> {
  const result = await call(auth, token);
  expect(result).toMatchObject({ ok: true, caller: { subject: 'user-1', clientId: 'client-1' } });
}

/** Refused like any invalid token: 401, and the message never repeats the token or a part of it. */
async function expectRefused(auth: Authenticator, token: string): Promise<void> {
  const result = await call(auth, token);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.status).toBe(401);
  expect(result.message).toMatch(/^The bearer token is invalid/);
  for (const part of token.split('.')) expect(result.message).not.toContain(part);
}

/** Moves the fake clock to `seconds` after T0. */
const at = (seconds: number) => vi.setSystemTime(T0 + seconds * 1000);

describe('Authenticator: a well-formed token', () => {
  it('is accepted with its caller, scopes and client id (RS256 and ES256)', async () => {
    const auth = authenticator();
    for (const key of [keyA, rsaKey]) {
      const result = await call(auth, await tokenWith({ iat: now(), exp: now() + 3600 }, key));
      expect(result.ok).toBe(true);
      if (!result.ok) continue;
      expect(result.caller.subject).toBe('user-1');
      expect(result.caller.clientId).toBe('client-1');
      expect([...result.caller.scopes].sort()).toEqual(['clients.read', 'contactinfo.read']);
    }
  });

  it('needs exp', async () => {
    await expectRefused(authenticator(), await tokenWith({ iat: now() }));
  });
});

describe('Authenticator: iat not in the future beyond the clock skew (default 30 s)', () => {
  it('accepts iat up to exactly now + 30 s, refuses now + 31 s', async () => {
    const auth = authenticator();
    await expectAccepted(auth, await tokenWith({ iat: now() + 30, exp: now() + 30 + 3600 }));
    await expectRefused(auth, await tokenWith({ iat: now() + 31, exp: now() + 31 + 3600 }));
  });

  it('refuses a token issued ten years ahead, even with an ordinary lifetime', async () => {
    const iat = now() + 10 * YEAR;
    const auth = authenticator();
    await expectRefused(auth, await tokenWith({ iat, exp: iat + 3600 }));
    const result = await call(auth, await tokenWith({ iat, exp: iat + 3600 }));
    expect(result).toMatchObject({ ok: false, status: 401, message: expect.stringMatching(/future \(iat\)/) });
  });

  it('follows clockSkewSeconds', async () => {
    const strict = authenticator({ clockSkewSeconds: 0 });
    await expectAccepted(strict, await tokenWith({ iat: now(), exp: now() + 60 }));
    await expectRefused(strict, await tokenWith({ iat: now() + 1, exp: now() + 60 }));
    const lenient = authenticator({ clockSkewSeconds: 300 });
    await expectAccepted(lenient, await tokenWith({ iat: now() + 300, exp: now() + 360 }));
    await expectRefused(lenient, await tokenWith({ iat: now() + 301, exp: now() + 360 }));
  });
});

describe('Authenticator: lifetime at most maxTokenLifetimeSeconds (default 86400 s)', () => {
  it('with iat: accepts exp − iat of exactly 86400 s, refuses 86401 s', async () => {
    const auth = authenticator();
    await expectAccepted(auth, await tokenWith({ iat: now(), exp: now() + DAY }));
    await expectRefused(auth, await tokenWith({ iat: now(), exp: now() + DAY + 1 }));
  });

  it('with iat in the past: the whole lifetime counts, not what is left of it', async () => {
    const auth = authenticator();
    await expectAccepted(auth, await tokenWith({ iat: now() - DAY + 1, exp: now() + 1 }));
    await expectRefused(auth, await tokenWith({ iat: now() - DAY, exp: now() + 1 }));
    await expectRefused(auth, await tokenWith({ iat: 0, exp: now() + 60 }));
  });

  it('refuses exp a hundred years ahead, with or without iat', async () => {
    const auth = authenticator();
    await expectRefused(auth, await tokenWith({ iat: now(), exp: now() + 100 * YEAR }));
    await expectRefused(auth, await tokenWith({ exp: now() + 100 * YEAR }));
    const result = await call(auth, await tokenWith({ iat: now(), exp: now() + 100 * YEAR }));
    expect(result).toMatchObject({ ok: false, status: 401, message: expect.stringMatching(/lifetime/) });
  });

  it('without iat: accepts exp − now of exactly 86400 s, refuses 86401 s', async () => {
    const auth = authenticator();
    await expectAccepted(auth, await tokenWith({ exp: now() + DAY }));
    await expectRefused(auth, await tokenWith({ exp: now() + DAY + 1 }));
  });

  it('follows maxTokenLifetimeSeconds', async () => {
    const auth = authenticator({ maxTokenLifetimeSeconds: 600 });
    await expectAccepted(auth, await tokenWith({ iat: now(), exp: now() + 600 }));
    await expectRefused(auth, await tokenWith({ iat: now(), exp: now() + 601 }));
    await expectAccepted(auth, await tokenWith({ exp: now() + 600 }));
    await expectRefused(auth, await tokenWith({ exp: now() + 601 }));
  });
});

describe('Authenticator: nbf and exp, with the clock skew', () => {
  it('accepts nbf up to exactly now + 30 s, refuses now + 31 s and a year ahead', async () => {
    const auth = authenticator();
    await expectAccepted(auth, await tokenWith({ iat: now(), nbf: now() + 30, exp: now() + 3600 }));
    await expectRefused(auth, await tokenWith({ iat: now(), nbf: now() + 31, exp: now() + 3600 }));
    await expectRefused(auth, await tokenWith({ iat: now(), nbf: now() + YEAR, exp: now() + 3600 }));
  });

  it('accepts exp until 30 s have passed after it, and refuses it then', async () => {
    const auth = authenticator();
    await expectAccepted(auth, await tokenWith({ iat: now() - 100, exp: now() - 29 }));
    await expectRefused(auth, await tokenWith({ iat: now() - 100, exp: now() - 30 }));
  });
});

describe('Authenticator: the verified-token cache', () => {
  it('never uses an entry after verification time + max lifetime, even when exp is later', async () => {
    const auth = authenticator({ maxTokenLifetimeSeconds: 3600 });
    // iat at the skew's edge makes exp (T0 + 3630) later than verification + max lifetime (T0 + 3600).
    const token = await tokenWith({ iat: now() + 30, exp: now() + 30 + 3600 });
    await expectAccepted(auth, token);
    // The issuer withdraws the key: a token verified afresh now fails, a remembered one does not (yet).
    served = [keyB];
    at(3599);
    await expectRefused(auth, await tokenWith({ iat: now(), exp: now() + 60 }));
    await expectAccepted(auth, token); // remembered
    at(3600);
    await expectRefused(auth, token); // verified again: its key is gone
  });

  it('never uses an entry after exp', async () => {
    const auth = authenticator({ clockSkewSeconds: 0 });
    const token = await tokenWith({ iat: now(), exp: now() + 100 });
    await expectAccepted(auth, token);
    served = [keyB];
    at(99);
    await expectAccepted(auth, token); // remembered
    at(100);
    await expectRefused(auth, token);
  });

  it('remembers neither a refused token nor one accepted within the skew after its exp', async () => {
    const auth = authenticator();
    const verified = (auth as unknown as { verified: Map<string, unknown> }).verified;
    await expectRefused(auth, await tokenWith({ iat: now() + 31, exp: now() + 3600 }));
    await expectRefused(auth, await tokenWith({ iat: now(), exp: now() + DAY + 1 }));
    await expectAccepted(auth, await tokenWith({ iat: now() - 100, exp: now() - 10 }));
    expect(verified.size).toBe(0);
    await expectAccepted(auth, await tokenWith({ iat: now(), exp: now() + 60 }));
    expect(verified.size).toBe(1);
  });

  it('knows a token by the header it came in: another spelling is checked afresh, a bare token is still refused', async () => {
    const auth = authenticator();
    const token = await tokenWith({ iat: now(), exp: now() + 3600 });
    await expectAccepted(auth, token);
    for (const authorization of [`bearer ${token}`, `Bearer  ${token}`, `BEARER ${token}`]) {
      expect((await auth.authenticate({ authorization })).ok, authorization.slice(0, 8)).toBe(true);
    }
    // A remembered token never stands in for the scheme, nor for a malformed header that holds it.
    expect(await auth.authenticate({ authorization: token })).toMatchObject({ ok: false, reason: 'missing' });
    expect(await auth.authenticate({ authorization: `Bearer ${token} ` })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(await auth.authenticate({ authorization: `Bearer\t${token}` })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    // Each spelling expires with the token all the same.
    served = [keyB];
    at(3600 + 31);
    expect((await auth.authenticate({ authorization: `bearer ${token}` })).ok).toBe(false);
  });

  it('stays bounded in size', async () => {
    const auth = authenticator();
    const verified = (auth as unknown as { verified: Map<string, unknown> }).verified;
    const tokens = await Promise.all(
      Array.from({ length: 10_050 }, (_, i) => tokenWith({ iat: now() - (i % 60), exp: now() + 3600 })),
    );
    for (const token of tokens) expect((await call(auth, token)).ok).toBe(true);
    expect(verified.size).toBe(10_000);
  }, 60_000);
});

describe('Authenticator options', () => {
  it('refuses a non-positive lifetime or a negative skew', () => {
    expect(() => authenticator({ maxTokenLifetimeSeconds: 0 })).toThrow(RangeError);
    expect(() => authenticator({ maxTokenLifetimeSeconds: Number.NaN })).toThrow(RangeError);
    expect(() => authenticator({ clockSkewSeconds: -1 })).toThrow(RangeError);
    expect(() => authenticator({ clockSkewSeconds: 1.5 })).toThrow(RangeError);
  });
});

/** A pino logger whose lines land in `lines`, parsed. */
function captureLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      cb();
    },
  });
  return { log: pino({ level: 'info' }, destination), lines };
}

/** A token as an attacker or a misconfigured client would send it: any header, any claims, any key. */
async function forged(
  opts: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: CryptoKey; alg?: string } = {},
): Promise<string> {
  const alg = opts.alg ?? 'ES256';
  const claims = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    iat: now(),
    exp: now() + 600,
    scope: 'contactinfo.read',
    client_id: 'client-1',
    ...opts.claims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg, kid: 'a', typ: 'JWT', ...opts.header })
    .sign(opts.key ?? keyA.privateKey);
}

/** A port nothing listens on (a server was there a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The grammar of RFC 6750 §3: error_description holds %x20-21 / %x23-5B / %x5D-7E only. */
const INVALID_TOKEN_CHALLENGE = /^Bearer error="invalid_token", error_description="[\x20\x21\x23-\x5b\x5d-\x7e]+"$/;

describe('Authenticator: each refusal says why (RFC 6750 challenge, same message in the body)', () => {
  const unsigned = (header: object, claims: object) =>
    `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

  const cases: [string, AuthFailureReason, string, () => Promise<string>][] = [
    [
      'not a JWT',
      'malformed',
      'The bearer token is invalid: it is not a well-formed JWT (three base64url parts: a JSON header, JSON claims, a signature).',
      async () => 'not-a-jwt',
    ],
    [
      'three parts that are not JSON',
      'malformed',
      'The bearer token is invalid: it is not a well-formed JWT (three base64url parts: a JSON header, JSON claims, a signature).',
      async () => 'abc.def.ghi',
    ],
    [
      'alg none',
      'algorithm',
      'The bearer token is invalid: its signing algorithm (alg) is not accepted; RS256 or ES256 is.',
      async () => unsigned({ alg: 'none', typ: 'JWT' }, { iss: ISSUER, aud: AUDIENCE, exp: now() + 60 }),
    ],
    [
      'HS256 (a shared secret)',
      'algorithm',
      'The bearer token is invalid: its signing algorithm (alg) is not accepted; RS256 or ES256 is.',
      async () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime(now() + 60)
          .sign(new TextEncoder().encode('x'.repeat(32))),
    ],
    [
      'a kid the issuer does not publish',
      'unknown_key',
      'The bearer token is invalid: it is signed with a key (kid) the issuer does not publish in its JWKS.',
      async () => forged({ header: { kid: 'b' }, key: keyB.privateKey }),
    ],
    [
      "a published kid, another key's signature",
      'signature',
      'The bearer token is invalid: its signature does not verify.',
      async () => forged({ header: { kid: 'a' }, key: keyB.privateKey }),
    ],
    [
      'another issuer',
      'issuer',
      'The bearer token is invalid: it is issued by another issuer (iss) than the one this service accepts.',
      async () => forged({ claims: { iss: 'https://elsewhere.test' } }),
    ],
    [
      'another audience',
      'audience',
      'The bearer token is invalid: it is meant for another audience (aud) than this service.',
      async () => forged({ claims: { aud: 'some-other-api' } }),
    ],
    [
      'expired',
      'expired',
      'The bearer token is invalid: it has expired (exp).',
      async () => tokenWith({ iat: now() - 600, exp: now() - 60 }),
    ],
    [
      'not valid yet',
      'not_yet_valid',
      'The bearer token is invalid: it is not valid yet (nbf).',
      async () => tokenWith({ iat: now(), nbf: now() + 600, exp: now() + 3600 }),
    ],
    [
      'issued in the future',
      'issued_in_future',
      'The bearer token is invalid: it is issued in the future (iat).',
      async () => tokenWith({ iat: now() + 600, exp: now() + 3600 }),
    ],
    [
      'a lifetime beyond the maximum',
      'lifetime',
      'The bearer token is invalid: its lifetime (exp - iat, or exp - now without iat) exceeds the 86400 seconds accepted.',
      async () => tokenWith({ iat: now(), exp: now() + 2 * DAY }),
    ],
    [
      'no exp',
      'claims',
      'The bearer token is invalid: its exp claim is missing or not valid.',
      async () => tokenWith({ iat: now() }),
    ],
  ];

  for (const [name, reason, message, make] of cases) {
    it(`${name}: 401 ${reason}`, async () => {
      const token = await make();
      const result = await call(authenticator(), token);
      expect(result).toEqual({
        ok: false,
        status: 401,
        reason,
        message,
        challenge: `Bearer error="invalid_token", error_description="${message}"`,
      });
      if (result.ok) return;
      expect(result.challenge).toMatch(INVALID_TOKEN_CHALLENGE);
      for (const part of token.split('.').filter((p) => p.length > 8)) {
        expect(result.message).not.toContain(part);
        expect(result.challenge).not.toContain(part);
      }
    });
  }

  it('no token, or another scheme: a challenge without an error code (RFC 6750 §3.1)', async () => {
    const auth = authenticator();
    for (const authorization of [undefined, '', 'Basic dXNlcjpwYXNz', 'Bearerx.y.z', 'Digest username="a"']) {
      expect(await auth.authenticate({ authorization })).toEqual({
        ok: false,
        status: 401,
        reason: 'missing',
        message: 'A bearer token is required (Authorization: Bearer <JWT>).',
        challenge: 'Bearer realm="digdir-graphql-facade"',
      });
    }
  });

  it('a token hint (sandbox mode) is said after a missing, expired or unknown-key token, and only there', async () => {
    const hint = 'Sandbox mode: get a token with POST /sandbox/caller-token.';
    const auth = authenticator({ tokenHint: hint });
    const missing = await auth.authenticate({});
    expect(missing).toMatchObject({
      reason: 'missing',
      message: `A bearer token is required (Authorization: Bearer <JWT>). ${hint}`,
    });
    const tokens: [AuthFailureReason, string][] = [
      ['expired', await tokenWith({ iat: now() - 600, exp: now() - 60 })],
      ['unknown_key', await forged({ header: { kid: 'b' }, key: keyB.privateKey })],
      ['signature', await forged({ header: { kid: 'a' }, key: keyB.privateKey })],
      ['audience', await forged({ claims: { aud: 'some-other-api' } })],
    ];
    for (const [reason, token] of tokens) {
      const result = await call(auth, token);
      expect(result).toMatchObject({ ok: false, reason });
      if (result.ok) continue;
      expect(result.message.endsWith(hint)).toBe(reason === 'expired' || reason === 'unknown_key');
      // Said in the challenge too: the hint is written as an error_description may be.
      expect(result.challenge).toBe(`Bearer error="invalid_token", error_description="${result.message}"`);
    }
  });

  it('Bearer with nothing, or with characters no JWT has: malformed', async () => {
    const auth = authenticator();
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer a"b.c.d', 'Bearer a.b.c\\', 'Bearer a b']) {
      expect(await auth.authenticate({ authorization })).toMatchObject({ status: 401, reason: 'malformed' });
    }
  });
});

describe('Authenticator: the issuer keys out of reach is 503, not the caller’s fault', () => {
  const MESSAGE =
    "The token issuer's signing keys (OIDC discovery or JWKS) cannot be fetched to verify the token; try again shortly.";

  it('JWKS unreachable: 503 without a challenge, and readiness tells', async () => {
    const auth = authenticator({ jwksUrl: `http://127.0.0.1:${await closedPort()}/jwks` });
    expect(auth.keysStatus()).toBe('not checked yet');
    const result = await call(auth, await tokenWith({ iat: now(), exp: now() + 60 }));
    expect(result).toEqual({ ok: false, status: 503, reason: 'keys_unavailable', message: MESSAGE });
    expect(auth.keysStatus()).toBe('issuer keys unavailable: JWKS could not be fetched (ECONNREFUSED)');
  });

  it('a token that cannot be good is still 401 while the keys are out of reach: malformed, or an algorithm not allowed', async () => {
    const auth = authenticator({ jwksUrl: `http://127.0.0.1:${await closedPort()}/jwks` });
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = b64({ iss: ISSUER, aud: AUDIENCE, exp: now() + 60 });
    for (const [token, reason] of [
      ['garbage', 'malformed'],
      ['a.b.c', 'malformed'],
      [`${b64({ alg: 'RS256' })}.${b64('claims')}`, 'malformed'],
      [`${b64({ alg: 'RS256' })}.${claims}.sig.x.y`, 'malformed'],
      [`${b64({ alg: 'none' })}.${claims}.`, 'algorithm'],
      [`${b64({ alg: 'HS256' })}.${claims}.c2ln`, 'algorithm'],
      [`${b64({ typ: 'JWT' })}.${claims}.c2ln`, 'algorithm'],
    ] as const) {
      expect(await call(auth, token), token).toMatchObject({ ok: false, status: 401, reason });
    }
    expect(auth.keysStatus(), 'the keys were never needed').toBe('not checked yet');
  });

  it('JWKS answering 500 or something that is not a JWKS: 503', async () => {
    let answer: [number, string] = [500, '{}'];
    const failing = createServer((_req, res) => {
      res.writeHead(answer[0], { 'content-type': 'application/json' });
      res.end(answer[1]);
    });
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/jwks`;
      const token = await tokenWith({ iat: now(), exp: now() + 60 });
      expect(await call(authenticator({ jwksUrl: url }), token)).toMatchObject({ status: 503 });
      answer = [200, '{"keys": "none"}'];
      const auth = authenticator({ jwksUrl: url });
      expect(await call(auth, token)).toMatchObject({ status: 503, reason: 'keys_unavailable' });
      expect(auth.keysStatus()).toBe('issuer keys unavailable: JWKS is not a valid JSON Web Key Set');
    } finally {
      await new Promise<void>((resolve) => failing.close(() => resolve()));
    }
  });

  it('OIDC discovery unreachable: 503; once the keys are had again, readiness says ok', async () => {
    const down = authenticator({ jwksUrl: undefined, issuer: `http://127.0.0.1:${await closedPort()}` });
    const result = await call(down, await tokenWith({ iat: now(), exp: now() + 60 }));
    expect(result).toMatchObject({ ok: false, status: 503, reason: 'keys_unavailable', message: MESSAGE });
    expect(down.keysStatus()).toMatch(/^issuer keys unavailable: OIDC discovery could not be fetched/);
    const up = authenticator();
    await expectAccepted(up, await tokenWith({ iat: now(), exp: now() + 60 }));
    expect(up.keysStatus()).toBe('ok');
  });
});

describe('Authenticator: refusals are logged, throttled, with iss, aud and client id only', () => {
  it('logs the reason and the unverified iss, aud and client_id, never the token, sub or personal claims', async () => {
    const { log, lines } = captureLog();
    const auth = authenticator({ log });
    const token = await forged({
      claims: { aud: 'some-other-api', pid: '11822648950', sub: 'pairwise-sub-xyz', client_id: 'caller-client' },
    });
    await call(auth, token);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'caller token refused',
      reason: 'audience',
      status: 401,
      iss: ISSUER,
      aud: 'some-other-api',
      clientId: 'caller-client',
      count: 1,
    });
    const text = JSON.stringify(lines);
    for (const part of token.split('.')) expect(text).not.toContain(part);
    expect(text).not.toContain('11822648950');
    expect(text).not.toContain('pairwise-sub-xyz');
    expect(text).not.toContain('"sub"');
  });

  it('reads azp when there is no client_id, and bounds long or odd values', async () => {
    const { log, lines } = captureLog();
    const auth = authenticator({ log });
    const audiences = Array.from({ length: 50 }, (_, i) => `aud-${i}`);
    await call(auth, await forged({ claims: { client_id: undefined, azp: 'x'.repeat(5000), aud: audiences } }));
    const line = lines[0] as { clientId: string; aud: string[] };
    expect(line.clientId.length).toBeLessThanOrEqual(121);
    expect(line.aud).toHaveLength(6);
    expect(line.aud[5]).toBe('… 45 more');
    await call(auth, await forged({ claims: { iss: 'evil\n{"level":60}' } }));
    expect(lines[1]).toMatchObject({ reason: 'issuer', iss: 'evil?{"level":60}' });
  });

  it('a flood of bad tokens: one line per reason per interval, then one line with the count', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'], now: T0 });
    const { log, lines } = captureLog();
    const auth = authenticator({ log });
    const flood = async (n: number) => {
      for (let i = 0; i < n; i++) await auth.authenticate({ authorization: `Bearer garbage${i}` });
    };
    const seen = () => lines.map((l) => [l.reason, l.count]);
    await flood(500);
    await auth.authenticate({ authorization: 'Basic x' });
    expect(seen()).toEqual([
      ['malformed', 1],
      ['missing', 1],
    ]);
    vi.advanceTimersByTime(999);
    expect(lines).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(seen().slice(2)).toEqual([['malformed', 499]]); // the one 'missing' had its line already
    // While the flood goes on: a line a second, each with the refusals since the previous one.
    await flood(3);
    expect(lines).toHaveLength(3);
    vi.advanceTimersByTime(1_000);
    expect(seen().slice(3)).toEqual([['malformed', 3]]);
    // A quiet second ends the window: the next refusal has its line at once.
    vi.advanceTimersByTime(1_000);
    expect(lines).toHaveLength(4);
    await flood(1);
    expect(seen().slice(4)).toEqual([['malformed', 1]]);
    expect(lines.every((l) => l.msg === 'caller token refused' && l.level === 30)).toBe(true);
  });

  it('keys out of reach are logged at warn with why, throttled the same way; flushLog writes what is pending', async () => {
    const { log, lines } = captureLog();
    const auth = authenticator({ log, jwksUrl: `http://127.0.0.1:${await closedPort()}/jwks` });
    const token = await tokenWith({ iat: now(), exp: now() + 60 });
    await call(auth, token);
    await call(auth, token);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      reason: 'keys_unavailable',
      status: 503,
      error: 'JWKS could not be fetched (ECONNREFUSED)',
      iss: ISSUER,
      count: 1,
    });
    auth.flushLog();
    expect(lines[1]).toMatchObject({ reason: 'keys_unavailable', count: 1 });
  });
});

describe('Authenticator: scopePrefixes (AUTH_SCOPE_PREFIX)', () => {
  const scoped = (scope: unknown, claim: 'scope' | 'scp' = 'scope') =>
    forged({ claims: { [claim]: scope, scope: claim === 'scope' ? scope : undefined } });

  it('reads a prefixed scope also without its prefix; unprefixed scopes keep working', async () => {
    const auth = authenticator({ scopePrefixes: ['api://facade/', 'myorg:facade/'] });
    const result = await call(
      auth,
      await scoped('api://facade/contactinfo.read myorg:facade/clients.read digitalpost.read'),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect([...result.caller.scopes].sort()).toEqual([
      'api://facade/contactinfo.read',
      'clients.read',
      'contactinfo.read',
      'digitalpost.read',
      'myorg:facade/clients.read',
    ]);
    const scp = await call(auth, await scoped(['api://facade/onbehalfof.write'], 'scp'));
    expect(scp.ok && [...scp.caller.scopes].sort()).toEqual(['api://facade/onbehalfof.write', 'onbehalfof.write']);
  });

  it('without prefixes, a prefixed scope grants nothing of ours', async () => {
    const result = await call(authenticator(), await scoped('api://facade/contactinfo.read'));
    expect(result.ok && [...result.caller.scopes]).toEqual(['api://facade/contactinfo.read']);
  });

  it('refuses an empty prefix or one with whitespace', () => {
    expect(() => authenticator({ scopePrefixes: [''] })).toThrow(RangeError);
    expect(() => authenticator({ scopePrefixes: ['api://x/ y'] })).toThrow(RangeError);
  });
});

describe('challengeValue', () => {
  it('keeps only what an RFC 6750 quoted value may hold', () => {
    expect(challengeValue('a "quoted" \\ value\r\nInjected: yes æøå\u0000')).toBe(
      "a 'quoted' / value??Injected: yes ????",
    );
    expect(challengeValue('x'.repeat(400))).toHaveLength(300);
    expect(bearerChallenge('expired', 'it is "late"')).toBe(
      `Bearer error="invalid_token", error_description="it is 'late'"`,
    );
  });
});
