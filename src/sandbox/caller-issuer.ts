import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { CALLER_SCOPES } from '../auth/scopes.js';
import { close, listen, sendJson } from './http-util.js';

/** The sandbox's stand-in for the facade's `AUTH_ISSUER`: who may call the facade in sandbox mode. */
export interface CallerIssuer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** Equal to `url` (no trailing slash), as in the discovery document and every token's `iss`. */
  issuer: string;
  /** `${url}/jwks`. */
  jwksUrl: string;
  /** Every token's `aud`; default `digdir-graphql-facade`. */
  audience: string;
  /** The claim `tenant` is written into; default `tenant`. */
  tenantClaim: string;
  issueToken(opts?: {
    /** Space separated; default every caller scope. */
    scope?: string;
    /** Default `sandbox-user`. */
    sub?: string;
    /** Default `sandbox-client`. */
    clientId?: string;
    /** Default 3600. */
    expiresInSeconds?: number;
    /** Another audience than the issuer's default (negative tests). */
    audience?: string;
    /**
     * The customer organisation the caller acts for, written as the claim `tenantClaim` exactly as given (the
     * `POST /sandbox/caller-token` route admits 9 digits only; tests may pass other shapes).
     */
    tenant?: string;
    /** More claims (tests: e.g. a nested tenant claim); the registered ones (iss, aud, sub, iat, exp, jti) are set anyway. */
    claims?: Record<string, unknown>;
  }): Promise<{ access_token: string; token_type: 'Bearer'; expires_in: number; scope: string }>;
  close(): Promise<void>;
}

export const DEFAULT_CALLER_AUDIENCE = 'digdir-graphql-facade';
export const DEFAULT_TENANT_CLAIM = 'tenant';

export async function startCallerIssuer(
  opts: { audience?: string; tenantClaim?: string; port?: number; host?: string } = {},
): Promise<CallerIssuer> {
  const audience = opts.audience ?? DEFAULT_CALLER_AUDIENCE;
  const tenantClaim = opts.tenantClaim ?? DEFAULT_TENANT_CLAIM;
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwks = { keys: [{ ...publicJwk, kid, alg: 'RS256', use: 'sig' }] };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error' });
      else res.destroy();
    }
  });
  const url = await listen(server, opts.port ?? 0, opts.host ?? '127.0.0.1');
  const issuer = url;
  const jwksUrl = `${url}/jwks`;
  const discovery = {
    issuer,
    jwks_uri: jwksUrl,
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['none'],
    response_types_supported: ['token'],
    subject_types_supported: ['public'],
    scopes_supported: [...CALLER_SCOPES],
    claims_supported: ['iss', 'aud', 'sub', 'client_id', 'scope', 'iat', 'exp', 'jti', tenantClaim],
  };

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', url).pathname;
    const isGet = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/.well-known/openid-configuration' || path === '/.well-known/oauth-authorization-server') {
      if (!isGet) return sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'GET' });
      return sendJson(res, 200, discovery);
    }
    if (path === '/jwks') {
      if (!isGet) return sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'GET' });
      return sendJson(res, 200, jwks);
    }
    sendJson(res, 404, { error: 'not_found' });
  }

  return {
    url,
    issuer,
    jwksUrl,
    audience,
    tenantClaim,
    async issueToken(tokenOpts = {}) {
      const scope = (tokenOpts.scope ?? CALLER_SCOPES.join(' ')).trim().split(/\s+/).filter(Boolean).join(' ');
      const expiresIn = tokenOpts.expiresInSeconds ?? 3600;
      const iat = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        ...tokenOpts.claims,
        client_id: tokenOpts.clientId ?? 'sandbox-client',
        scope,
        ...(tokenOpts.tenant !== undefined ? { [tenantClaim]: tokenOpts.tenant } : {}),
      };
      const accessToken = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(tokenOpts.audience ?? audience)
        .setSubject(tokenOpts.sub ?? 'sandbox-user')
        .setIssuedAt(iat)
        .setExpirationTime(iat + expiresIn)
        .setJti(randomUUID())
        .sign(privateKey);
      return { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, scope };
    },
    close: () => close(server),
  };
}
