/** `POST /sandbox/caller-token` of a facade in sandbox mode: scope and tenant from the JSON body. */
import { gzipSync } from 'node:zlib';
import { createRemoteJWKSet, generateKeyPair, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLER_SCOPES } from '../../src/auth/scopes.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
}, 30_000);

afterAll(async () => {
  await t?.close();
});

async function callerToken(body?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${t.url}/sandbox/caller-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function claims(token: unknown): Promise<JWTPayload> {
  const issuer = t.sandbox.callerIssuer;
  const { payload } = await jwtVerify(String(token), createRemoteJWKSet(new URL(issuer.jwksUrl)), {
    issuer: issuer.issuer,
    audience: issuer.audience,
  });
  return payload;
}

describe('POST /sandbox/caller-token', () => {
  it('puts a 9-digit tenant into the claim the sandbox tenants name, with the scope asked for', async () => {
    const res = await callerToken(JSON.stringify({ tenant: '910825534', scope: 'contactinfo.read' }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', scope: 'contactinfo.read' });
    const payload = await claims(res.body.access_token);
    expect(payload[t.sandbox.tenants.claim]).toBe('910825534');
    expect(payload.tenant).toBe('910825534');
    expect(payload.scope).toBe('contactinfo.read');
  });

  it('keeps its other behaviour: no body or no tenant gives every scope and no tenant claim', async () => {
    for (const body of [undefined, '', '{}', JSON.stringify({ scope: CALLER_SCOPES.join(' ') })]) {
      const res = await callerToken(body);
      expect(res.status).toBe(200);
      const payload = await claims(res.body.access_token);
      expect(new Set(String(payload.scope).split(' '))).toEqual(new Set(CALLER_SCOPES));
      expect(payload).not.toHaveProperty('tenant');
    }
    expect((await fetch(`${t.url}/sandbox/caller-token`)).status).toBe(405);
  });

  it('refuses a tenant that is not a 9-digit string, and bodies that are not a JSON object', async () => {
    for (const tenant of ['91082553', '9108255345', '0192:910825534', ' 910825534', 910825534, null, ['910825534']]) {
      const res = await callerToken(JSON.stringify({ tenant }));
      expect(res.status, JSON.stringify(tenant)).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(String(res.body.error_description)).toContain('tenant');
      expect(res.body).not.toHaveProperty('access_token');
    }
    for (const body of ['null', '[]', '"910825534"', '{"scope": 5}', 'not json']) {
      expect((await callerToken(body)).status, body).toBe(400);
    }
  });

  it('refuses a body it cannot read instead of reading it as empty (which would give every scope)', async () => {
    const asked = Buffer.from(JSON.stringify({ scope: 'contactinfo.read' }));
    const cases: { encoding?: string; body: Buffer; status: number }[] = [
      { encoding: 'zstd', body: asked, status: 415 },
      { encoding: 'gzip', body: asked, status: 400 },
      { body: Buffer.alloc(17 * 1024, 0x20), status: 413 },
      { encoding: 'gzip', body: gzipSync(Buffer.alloc(17 * 1024, 0x20)), status: 413 },
    ];
    for (const { encoding, body, status } of cases) {
      const res = await fetch(`${t.url}/sandbox/caller-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(encoding ? { 'content-encoding': encoding } : {}) },
        body,
      });
      const answer = (await res.json()) as Record<string, unknown>;
      expect(res.status, `${encoding} ${body.length}`).toBe(status);
      expect(answer.error).toBe('invalid_request');
      expect(answer).not.toHaveProperty('access_token');
      if (status === 415) expect(res.headers.get('accept-encoding')).toBe('gzip, deflate, br');
    }
    // A gzip body it can read is read: the scope asked for, not every scope.
    const res = await fetch(`${t.url}/sandbox/caller-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(asked),
    });
    expect(((await res.json()) as { scope?: string }).scope).toBe('contactinfo.read');
  });
});

describe('a refused token in sandbox mode', () => {
  const hint = 'Sandbox mode: get a token with POST /sandbox/caller-token';
  const ask = (headers: Record<string, string>) =>
    fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: '{ me { scopes } }' }),
    });

  it('says where to get one when none came', async () => {
    const res = await ask({});
    expect(res.status).toBe(401);
    const body = (await res.json()) as { errors: { message: string }[] };
    expect(body.errors[0]?.message).toContain(hint);
    // RFC 6750 §3.1: no error code and no description when no token came.
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="digdir-graphql-facade"');
  });

  it("and for a token from before a restart: the issuer's claims, a kid it no longer publishes", async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const issuer = t.sandbox.callerIssuer;
    const token = await new SignJWT({ scope: 'contactinfo.read' })
      .setProtectedHeader({ alg: 'RS256', kid: 'from-before-a-restart' })
      .setIssuer(issuer.issuer)
      .setAudience(issuer.audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const res = await ask({ authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { errors: { message: string }[] };
    expect(body.errors[0]?.message).toMatch(/\(kid\) the issuer does not publish in its JWKS\. Sandbox mode: /);
    expect(res.headers.get('www-authenticate')).toContain(hint);
  });
});
