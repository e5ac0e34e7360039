import type { IncomingHttpHeaders } from 'node:http';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { scopesFromClaims, type Caller } from './caller.js';

export type AuthResult = { ok: true; caller: Caller } | { ok: false; status: 401 | 503; message: string };

export interface AuthenticatorOptions {
  issuer: string;
  audience: string;
  /** Skips OIDC discovery when given. */
  jwksUrl?: string;
  /** Discovery and JWKS fetches; defaults to global fetch. */
  fetchTimeoutMs?: number;
}

/**
 * Verifies callers' bearer JWTs against `AUTH_ISSUER`: signature from the issuer's JWKS (found through OIDC
 * discovery unless `AUTH_JWKS_URL` is set), algorithms pinned, `exp` required, issuer and audience checked.
 */
/** Verified tokens remembered (bounded): a caller sends the same token with every request until it expires. */
const VERIFIED_CACHE_SIZE = 10_000;

export class Authenticator {
  private keys?: Promise<JWTVerifyGetKey>;
  /** token → caller and expiry (ms); insertion order doubles as eviction order. */
  private readonly verified = new Map<string, { caller: Caller; expiresAt: number }>();

  constructor(private readonly opts: AuthenticatorOptions) {}

  async authenticate(headers: IncomingHttpHeaders): Promise<AuthResult> {
    const match = /^Bearer[ ]+([A-Za-z0-9\-_.]+)$/i.exec(headers.authorization ?? '');
    const token = match?.[1];
    if (!token) return { ok: false, status: 401, message: 'A bearer token is required (Authorization: Bearer <JWT>).' };
    const known = this.verified.get(token);
    if (known && known.expiresAt > Date.now()) return { ok: true, caller: known.caller };
    let keys: JWTVerifyGetKey;
    try {
      keys = await this.jwks();
    } catch {
      return { ok: false, status: 503, message: 'The token issuer cannot be reached to verify the token.' };
    }
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        algorithms: ['RS256', 'ES256'],
        requiredClaims: ['exp'],
        clockTolerance: 5,
      });
      const rawClientId = payload.client_id ?? payload.azp;
      const clientId = typeof rawClientId === 'string' ? rawClientId : undefined;
      const caller: Caller = {
        subject: payload.sub ?? clientId ?? 'unknown',
        clientId,
        scopes: scopesFromClaims(payload as Record<string, unknown>),
      };
      this.remember(token, caller, (payload.exp ?? 0) * 1000);
      return { ok: true, caller };
    } catch {
      return { ok: false, status: 401, message: 'The bearer token is invalid or expired.' };
    }
  }

  private remember(token: string, caller: Caller, expiresAt: number): void {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, { caller, expiresAt });
  }

  private jwks(): Promise<JWTVerifyGetKey> {
    if (!this.keys) {
      this.keys = this.discoverJwksUrl()
        .then((url) => createRemoteJWKSet(new URL(url), { timeoutDuration: this.opts.fetchTimeoutMs ?? 5_000 }))
        .catch((err: unknown) => {
          this.keys = undefined; // retry discovery on the next request
          throw err;
        });
    }
    return this.keys;
  }

  private async discoverJwksUrl(): Promise<string> {
    if (this.opts.jwksUrl) return this.opts.jwksUrl;
    const url = `${this.opts.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const res = await fetch(url, { signal: AbortSignal.timeout(this.opts.fetchTimeoutMs ?? 5_000) });
    if (!res.ok) throw new Error(`discovery answered HTTP ${res.status}`);
    const doc = (await res.json()) as { jwks_uri?: unknown };
    if (typeof doc.jwks_uri !== 'string') throw new Error('discovery document lacks jwks_uri');
    return doc.jwks_uri;
  }
}
