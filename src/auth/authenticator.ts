import type { IncomingHttpHeaders } from 'node:http';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import { scopesFromClaims, type Caller } from './caller.js';
import { discoverJwksUrl, KeyDocumentUnavailable, remoteKeySet } from './key-documents.js';
import { bearerChallenge, claimsForLog, refusalMessage, RefusalLog, type AuthFailureReason } from './refusal.js';

export type { AuthFailureReason } from './refusal.js';

export type AuthResult =
  | { ok: true; caller: Caller }
  | {
      ok: false;
      /** 401: the token is missing or refused; 503: the issuer's keys cannot be had to verify it. */
      status: 401 | 503;
      reason: AuthFailureReason;
      /** For the caller: the GraphQL error's message, and the challenge's `error_description`. */
      message: string;
      /** 401: the `WWW-Authenticate` value (RFC 6750 §3). */
      challenge?: string;
    };

export interface AuthenticatorOptions {
  issuer: string;
  audience: string;
  /** Skips OIDC discovery when given. */
  jwksUrl?: string;
  /** Discovery and JWKS fetches, each; default 5000 ms. */
  fetchTimeoutMs?: number;
  /**
   * `AUTH_MAX_TOKEN_LIFETIME_SECONDS` (default 86400): the longest lifetime a caller token may claim, `exp − iat`, or
   * `exp − now` when it has no `iat`. Also the longest a verified token is remembered without being verified again.
   */
  maxTokenLifetimeSeconds?: number;
  /** `AUTH_CLOCK_SKEW_SECONDS` (default 30): leeway for `exp`, `nbf` and an `iat` in the future. */
  clockSkewSeconds?: number;
  /**
   * `AUTH_SCOPE_PREFIX` (comma-separated, see `parseScopePrefixes`): a granted scope starting with one of these is
   * also read without it (`api://facade/contactinfo.read` → `contactinfo.read`).
   */
  scopePrefixes?: readonly string[];
  /** Where refusals are logged (info; keys unavailable: warn), at most one line per reason per second. */
  log?: Logger;
  /**
   * Said after the message of a missing, expired or unknown-key token: where to get a good one (sandbox mode, whose
   * issuer has new keys at every start, so that tokens from before a restart fail with an unknown kid).
   */
  tokenHint?: string;
  /** The throttle's interval (tests); default 1000 ms. */
  refusalLogIntervalMs?: number;
}

export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 86_400;
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;

/** The refusals {@link AuthenticatorOptions.tokenHint} is said after: the caller needs another token. */
const HINTED: ReadonlySet<AuthFailureReason> = new Set(['missing', 'expired', 'unknown_key']);

/** The signature algorithms a caller token may use. */
const ALGORITHMS = ['RS256', 'ES256'];

/** Verified tokens remembered (bounded): a caller sends the same token with every request until it expires. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Verifies callers' bearer JWTs against `AUTH_ISSUER`: signature from the issuer's JWKS (found through OIDC
 * discovery unless `AUTH_JWKS_URL` is set), algorithms pinned, `exp` required, issuer and audience checked, `nbf` and
 * `iat` not in the future (beyond the clock skew), lifetime at most `maxTokenLifetimeSeconds`.
 */
export class Authenticator {
  private keys?: Promise<JWTVerifyGetKey>;
  /**
   * `Authorization` header → caller and the time (ms) after which the entry is not used: min(exp, verification time +
   * max lifetime). Insertion order doubles as eviction order.
   */
  private readonly verified = new Map<string, { caller: Caller; expiresAt: number }>();
  private readonly maxLifetime: number;
  private readonly skew: number;
  private readonly scopePrefixes: readonly string[];
  private readonly refusals: RefusalLog;
  /** Why the issuer's keys could not be fetched the last time they were needed; undefined once they were. */
  private keysError?: string;
  private keysChecked = false;

  constructor(private readonly opts: AuthenticatorOptions) {
    this.maxLifetime = opts.maxTokenLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
    this.skew = opts.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
    this.scopePrefixes = [...(opts.scopePrefixes ?? [])];
    if (this.scopePrefixes.some((p) => typeof p !== 'string' || p.length === 0 || /\s/.test(p)))
      throw new RangeError('scopePrefixes must be non-empty strings without whitespace.');
    this.refusals = new RefusalLog(opts.log, opts.refusalLogIntervalMs);
    if (!Number.isSafeInteger(this.maxLifetime) || this.maxLifetime <= 0)
      throw new RangeError('maxTokenLifetimeSeconds must be a positive whole number of seconds.');
    if (!Number.isSafeInteger(this.skew) || this.skew < 0)
      throw new RangeError('clockSkewSeconds must be a whole number of seconds, zero or more.');
  }

  async authenticate(headers: IncomingHttpHeaders): Promise<AuthResult> {
    const authorization = headers.authorization ?? '';
    // Known by the header as sent (only a header that passed the checks below is remembered): a caller sends the same
    // one with every request, and both regular expressions below ran over it each time before the look-up.
    const known = this.verified.get(authorization);
    if (known) {
      if (known.expiresAt > Date.now()) return { ok: true, caller: known.caller };
      this.verified.delete(authorization);
    }
    // No credentials, or another scheme (Basic, …): RFC 6750 §3.1 wants a challenge without an error code.
    if (!/^Bearer(?:[ \t]|$)/i.test(authorization)) return this.refuse('missing');
    const token = /^Bearer[ ]+([A-Za-z0-9\-_.]+)$/i.exec(authorization)?.[1];
    if (!token) return this.refuse('malformed');
    // What needs no key is judged first: a token that cannot be good is the caller's fault (401) even while the
    // issuer's keys are out of reach (which would be 503, "try again").
    const shape = shapeRefusal(token);
    if (shape) return this.refuse(shape, token);
    let keys: JWTVerifyGetKey;
    try {
      keys = await this.jwks();
    } catch (err) {
      return this.keysUnavailable(token, err);
    }
    let payload: JWTPayload;
    const verifiedAt = Date.now();
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['exp'],
        // exp, nbf: refused beyond the skew; iat: checked below (jose checks only that it is a number here).
        clockTolerance: this.skew,
        currentDate: new Date(verifiedAt),
      }));
    } catch (err) {
      // The issuer's discovery document or JWKS could not be had: the token cannot be judged, 503.
      if (err instanceof KeyDocumentUnavailable) return this.keysUnavailable(token, err);
      const { reason, claim } = reasonOf(err);
      return this.refuse(reason, token, { claim });
    }
    const refusal = this.checkTimes(payload, Math.floor(verifiedAt / 1000));
    if (refusal) return this.refuse(refusal, token);

    const rawClientId = payload.client_id ?? payload.azp;
    const clientId = typeof rawClientId === 'string' ? rawClientId : undefined;
    const caller: Caller = {
      subject: payload.sub ?? clientId ?? 'unknown',
      clientId,
      scopes: scopesFromClaims(payload as Record<string, unknown>, this.scopePrefixes),
      claims: payload as Readonly<Record<string, unknown>>,
    };
    this.remember(
      authorization,
      caller,
      Math.min((payload.exp as number) * 1000, verifiedAt + this.maxLifetime * 1000),
    );
    return { ok: true, caller };
  }

  /**
   * The caller-token issuer for readiness: `ok` once its keys were fetched (or served from jose's cache), the last
   * failure otherwise (no URL, no token), `not checked yet` before the first token needed them.
   */
  keysStatus(): string {
    if (this.keysError) return `issuer keys unavailable: ${this.keysError}`;
    return this.keysChecked ? 'ok' : 'not checked yet';
  }

  /** Writes the refusals the log throttle still holds (shutdown). */
  flushLog(): void {
    this.refusals.flush();
  }

  private refuse(reason: AuthFailureReason, token?: string, detail: { claim?: string } = {}): AuthResult {
    const hint = this.opts.tokenHint && HINTED.has(reason) ? ` ${this.opts.tokenHint}` : '';
    const message = refusalMessage(reason, { ...detail, maxLifetime: this.maxLifetime }) + hint;
    this.refusals.record(reason, { status: 401, ...claimsForLog(token) });
    return { ok: false, status: 401, reason, message, challenge: bearerChallenge(reason, message) };
  }

  private keysUnavailable(token: string, err: unknown): AuthResult {
    const error = err instanceof KeyDocumentUnavailable ? err.message : 'OIDC discovery failed';
    this.keysChecked = true;
    this.keysError = error;
    this.refusals.record('keys_unavailable', { status: 503, error, ...claimsForLog(token) });
    return { ok: false, status: 503, reason: 'keys_unavailable', message: refusalMessage('keys_unavailable') };
  }

  /** `iat` not in the future beyond the skew; lifetime (exp − iat, or exp − now without iat) within the maximum. */
  private checkTimes(payload: JWTPayload, now: number): AuthFailureReason | undefined {
    const { exp, iat } = payload;
    // jose has checked that exp is present and both are numbers; a non-finite value is refused all the same.
    if (typeof exp !== 'number' || !Number.isFinite(exp)) return 'claims';
    if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat))) return 'claims';
    if (iat !== undefined && iat > now + this.skew) return 'issued_in_future';
    if (exp - (iat ?? now) > this.maxLifetime) return 'lifetime';
    return undefined;
  }

  /** `authorization`: the header as sent, which held a token verified now. */
  private remember(authorization: string, caller: Caller, expiresAt: number): void {
    if (expiresAt <= Date.now()) return; // accepted within the skew after exp: verified again each time
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(authorization, { caller, expiresAt });
  }

  private jwks(): Promise<JWTVerifyGetKey> {
    if (!this.keys) {
      const timeoutMs = this.opts.fetchTimeoutMs ?? 5_000;
      this.keys = (
        this.opts.jwksUrl ? Promise.resolve(new URL(this.opts.jwksUrl)) : discoverJwksUrl(this.opts.issuer, timeoutMs)
      )
        .then((url) => this.watched(remoteKeySet(url, { timeoutMs })))
        .catch((err: unknown) => {
          this.keys = undefined; // retry discovery on the next request
          throw err;
        });
    }
    return this.keys;
  }

  /**
   * The remote JWKS, with a failure to fetch it (unreachable, timeout, not 200, not a JWKS: `KeyDocumentUnavailable`,
   * 503) remembered for readiness; a key that is not there stays the token's fault (401).
   */
  private watched(remote: JWTVerifyGetKey): JWTVerifyGetKey {
    return async (header, token) => {
      try {
        const key = await remote(header, token);
        this.keysChecked = true;
        this.keysError = undefined;
        return key;
      } catch (err) {
        this.keysChecked = true;
        if (!(err instanceof KeyDocumentUnavailable)) this.keysError = undefined;
        throw err;
      }
    };
  }
}

/** The refusal reason of an error jose's `jwtVerify` threw. */
/** Whether `token` is a compact JWS with a JSON header and claims and an allowed `alg`, told without any key. */
function shapeRefusal(token: string): AuthFailureReason | undefined {
  let alg: string | undefined;
  try {
    if (token.split('.').length !== 3) return 'malformed';
    alg = decodeProtectedHeader(token).alg;
    decodeJwt(token);
  } catch {
    return 'malformed';
  }
  return alg !== undefined && ALGORITHMS.includes(alg) ? undefined : 'algorithm';
}

function reasonOf(err: unknown): { reason: AuthFailureReason; claim?: string } {
  if (err instanceof errors.JWTExpired) return { reason: 'expired' };
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing' && err.claim !== 'iss' && err.claim !== 'aud')
      return { reason: 'claims', claim: err.claim };
    switch (err.claim) {
      case 'iss':
        return { reason: 'issuer' };
      case 'aud':
        return { reason: 'audience' };
      case 'nbf':
        return err.reason === 'check_failed' ? { reason: 'not_yet_valid' } : { reason: 'claims', claim: 'nbf' };
      default:
        return { reason: 'claims', claim: err.claim };
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return { reason: 'algorithm' };
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys)
    return { reason: 'unknown_key' };
  if (err instanceof errors.JWSSignatureVerificationFailed) return { reason: 'signature' };
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JOSENotSupported)
    return { reason: 'malformed' };
  // Anything else (a key the platform cannot import, …): the token could not be verified.
  return { reason: 'signature' };
}
