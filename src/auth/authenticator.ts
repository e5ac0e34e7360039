import type { IncomingHttpHeaders } from 'node:http';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { scopesFromClaims, type Caller } from './caller.js';

export type AuthResult = { ok: true; caller: Caller } | { ok: false; status: 401 | 503; message: string };

export interface AuthenticatorOptions {
  issuer: string;
  audience: string;
  /** Skips OIDC discovery when given. */
  jwksUrl?: string;
  /** Discovery and JWKS fetches; defaults to global fetch. */
  fetchTimeoutMs?: number;
  /**
   * `AUTH_MAX_TOKEN_LIFETIME_SECONDS` (default 86400): the longest lifetime a caller token may claim, `exp − iat`, or
   * `exp − now` when it has no `iat`. Also the longest a verified token is remembered without being verified again.
   */
  maxTokenLifetimeSeconds?: number;
  /** `AUTH_CLOCK_SKEW_SECONDS` (default 30): leeway for `exp`, `nbf` and an `iat` in the future. */
  clockSkewSeconds?: number;
}

export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 86_400;
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;

/** Verified tokens remembered (bounded): a caller sends the same token with every request until it expires. */
const VERIFIED_CACHE_SIZE = 10_000;

const INVALID = 'The bearer token is invalid or expired.';

/**
 * Verifies callers' bearer JWTs against `AUTH_ISSUER`: signature from the issuer's JWKS (found through OIDC
 * discovery unless `AUTH_JWKS_URL` is set), algorithms pinned, `exp` required, issuer and audience checked, `nbf` and
 * `iat` not in the future (beyond the clock skew), lifetime at most `maxTokenLifetimeSeconds`.
 */
export class Authenticator {
  private keys?: Promise<JWTVerifyGetKey>;
  /**
   * token → caller and the time (ms) after which the entry is not used: min(exp, verification time + max lifetime).
   * Insertion order doubles as eviction order.
   */
  private readonly verified = new Map<string, { caller: Caller; expiresAt: number }>();
  private readonly maxLifetime: number;
  private readonly skew: number;

  constructor(private readonly opts: AuthenticatorOptions) {
    this.maxLifetime = opts.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
    this.skew = opts.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
    if (!Number.isSafeInteger(this.maxLifetime) || this.maxLifetime <= 0)
      throw new RangeError('maxTokenLifetimeSeconds must be a positive whole number of seconds.');
    if (!Number.isSafeInteger(this.skew) || this.skew < 0)
      throw new RangeError('clockSkewSeconds must be a whole number of seconds, zero or more.');
  }

  async authenticate(headers: IncomingHttpHeaders): Promise<AuthResult> {
    const match = /^Bearer[ ]+([A-Za-z0-9\-_.]+)$/i.exec(headers.authorization ?? '');
    const token = match?.[1];
    if (!token) return { ok: false, status: 401, message: 'A bearer token is required (Authorization: Bearer <JWT>).' };
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAt > Date.now()) return { ok: true, caller: known.caller };
      this.verified.delete(token);
    }
    let keys: JWTVerifyGetKey;
    try {
      keys = await this.jwks();
    } catch {
      return { ok: false, status: 503, message: 'The token issuer cannot be reached to verify the token.' };
    }
    let payload: JWTPayload;
    const verifiedAt = Date.now();
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        algorithms: ['RS256', 'ES256'],
        requiredClaims: ['exp'],
        // exp, nbf: refused beyond the skew; iat: checked below (jose checks only that it is a number here).
        clockTolerance: this.skew,
        currentDate: new Date(verifiedAt),
      }));
    } catch {
      return { ok: false, status: 401, message: INVALID };
    }
    const refusal = this.checkTimes(payload, Math.floor(verifiedAt / 1000));
    if (refusal) return { ok: false, status: 401, message: refusal };

    const rawClientId = payload.client_id ?? payload.azp;
    const clientId = typeof rawClientId === 'string' ? rawClientId : undefined;
    const caller: Caller = {
      subject: payload.sub ?? clientId ?? 'unknown',
      clientId,
      scopes: scopesFromClaims(payload as Record<string, unknown>),
      claims: payload as Readonly<Record<string, unknown>>,
    };
    this.remember(token, caller, Math.min((payload.exp as number) * 1000, verifiedAt + this.maxLifetime * 1000));
    return { ok: true, caller };
  }

  /** `iat` not in the future beyond the skew; lifetime (exp − iat, or exp − now without iat) within the maximum. */
  private checkTimes(payload: JWTPayload, now: number): string | undefined {
    const { exp, iat } = payload;
    // jose has checked that exp is present and both are numbers; a non-finite value is refused all the same.
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return INVALID;
    if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) return INVALID;
    if (iat !== undefined && iat > now + this.skew)
      return 'The bearer token is invalid: it is issued in the future (iat).';
    if (exp - (iat ?? now) > this.maxLifetime) {
      const measure = iat === undefined ? 'exp − now, as it has no iat' : 'exp − iat';
      return `The bearer token is invalid: its lifetime (${measure}) exceeds the ${this.maxLifetime} seconds accepted.`;
    }
    return undefined;
  }

  private remember(token: string, caller: Caller, expiresAt: number): void {
    if (expiresAt <= Date.now()) return; // accepted within the skew after exp: verified again each time
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
