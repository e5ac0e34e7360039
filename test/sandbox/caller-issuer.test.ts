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
});
