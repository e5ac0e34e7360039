import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLER_SCOPES } from '../../src/auth/scopes.js';
import { startCallerIssuer } from '../../src/sandbox/caller-issuer.js';
import type { CallerIssuer } from '../../src/sandbox/caller-issuer.js';

interface Discovery {
  issuer: string;
  jwks_uri: string;
  id_token_signing_alg_values_supported: string[];
}

describe('caller issuer', () => {
  let issuer: CallerIssuer;
  let discovery: Discovery;

  beforeAll(async () => {
    issuer = await startCallerIssuer();
    const res = await fetch(`${issuer.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    discovery = (await res.json()) as Discovery;
  });

  afterAll(async () => {
    await issuer?.close();
  });

  it('publishes a discovery document', () => {
    expect(discovery.issuer).toBe(issuer.issuer);
    expect(issuer.issuer).toBe(issuer.url);
    expect(discovery.jwks_uri).toBe(issuer.jwksUrl);
    expect(discovery.id_token_signing_alg_values_supported).toContain('RS256');
    expect(issuer.audience).toBe('digdir-graphql-facade');
  });

  it('issues a token with every caller scope by default that verifies against the jwks_uri', async () => {
    const token = await issuer.issueToken();
    expect(token.token_type).toBe('Bearer');
    expect(token.expires_in).toBe(3600);
    expect(token.scope).toBe(CALLER_SCOPES.join(' '));
    const { payload } = await jwtVerify(token.access_token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
      issuer: discovery.issuer,
      audience: 'digdir-graphql-facade',
      algorithms: ['RS256'],
      requiredClaims: ['exp', 'iat', 'jti', 'sub'],
    });
    expect(new Set(String(payload.scope).split(' '))).toEqual(new Set(CALLER_SCOPES));
    expect(payload.sub).toBe('sandbox-user');
    expect(payload.client_id).toBe('sandbox-client');
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
    expect(decodeProtectedHeader(token.access_token).kid).toBeTruthy();
  });

  it('honours the requested scope, subject, client and lifetime; a wrong audience fails', async () => {
    const token = await issuer.issueToken({
      scope: 'contactinfo.read  clients.read',
      sub: 'alice',
      clientId: 'graphiql',
      expiresInSeconds: 60,
    });
    expect(token.scope).toBe('contactinfo.read clients.read');
    expect(token.expires_in).toBe(60);
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const { payload } = await jwtVerify(token.access_token, jwks, {
      issuer: discovery.issuer,
      audience: issuer.audience,
    });
    expect(payload).toMatchObject({ scope: 'contactinfo.read clients.read', sub: 'alice', client_id: 'graphiql' });
    await expect(jwtVerify(token.access_token, jwks, { audience: 'someone-else' })).rejects.toThrow();
  });

  it('uses a custom audience', async () => {
    const other = await startCallerIssuer({ audience: 'my-api' });
    try {
      const token = await other.issueToken({ scope: 'clients.read' });
      const { payload } = await jwtVerify(token.access_token, createRemoteJWKSet(new URL(other.jwksUrl)), {
        issuer: other.issuer,
        audience: 'my-api',
      });
      expect(payload.scope).toBe('clients.read');
      // Keys differ between issuers.
      await expect(
        jwtVerify(token.access_token, createRemoteJWKSet(new URL(issuer.jwksUrl)), { audience: 'my-api' }),
      ).rejects.toThrow();
    } finally {
      await other.close();
    }
  });

  it('writes the tenant into the tenant claim, and further claims when asked', async () => {
    expect(issuer.tenantClaim).toBe('tenant');
    expect(discovery).toMatchObject({ claims_supported: expect.arrayContaining(['tenant']) });
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
    const verify = async (t: { access_token: string }) =>
      (await jwtVerify(t.access_token, jwks, { issuer: discovery.issuer, audience: issuer.audience })).payload;

    expect(await verify(await issuer.issueToken({ tenant: '910825526' }))).toMatchObject({
      tenant: '910825526',
      client_id: 'sandbox-client',
      sub: 'sandbox-user',
    });
    expect(await verify(await issuer.issueToken())).not.toHaveProperty('tenant');
    // Tests may write other shapes and nested claims; the registered claims and the tenant are not overridden.
    const custom = await verify(
      await issuer.issueToken({
        tenant: '0192:910825534',
        claims: { consumer: { ID: '0192:910825534' }, tenant: 'ignored', iss: 'ignored', client_id: 'ignored' },
        clientId: 'frontend',
      }),
    );
    expect(custom).toMatchObject({
      tenant: '0192:910825534',
      consumer: { ID: '0192:910825534' },
      iss: discovery.issuer,
      client_id: 'frontend',
    });
  });

  it('names another tenant claim when configured', async () => {
    const other = await startCallerIssuer({ tenantClaim: 'org' });
    try {
      expect(other.tenantClaim).toBe('org');
      const token = await other.issueToken({ tenant: '910825526' });
      const { payload } = await jwtVerify(token.access_token, createRemoteJWKSet(new URL(other.jwksUrl)), {
        issuer: other.issuer,
      });
      expect(payload.org).toBe('910825526');
      expect(payload).not.toHaveProperty('tenant');
    } finally {
      await other.close();
    }
  });
});
