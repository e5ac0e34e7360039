import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Authenticator, type AuthResult, type AuthenticatorOptions } from '../../src/auth/authenticator.js';

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
