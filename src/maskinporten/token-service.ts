import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import { traceTokenRequest, tracingEnabled, type TraceParent } from '../observability/tracing.js';
import {
  OAUTH_ERROR_CODE,
  UpstreamAuthError,
  UpstreamStatusError,
  UpstreamUnavailableError,
} from '../upstream/errors.js';
import { retryDecision, type UpstreamClient, type UpstreamResponse } from '../upstream/http-client.js';
import type { UpstreamRequestContext } from '../upstream/request-context.js';
import { parseRetryAfter, withRetries, type RetryOutcome } from '../upstream/retry.js';
import type { TokenProvider, TokenRequest } from '../upstream/token-provider.js';
import type { GrantCredentials } from './credentials.js';
import { buildGrant } from './grant.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/**
 * A token is not handed out in its last seconds (it must survive the trip to the resource server): this many, or a
 * quarter of its life when shorter, so a short-lived token is used at all and refreshed ahead (half-life) before it.
 */
const EXPIRY_SAFETY_MS = 5_000;
/** A replacement token obtained less than this long ago (ms) is not renewed for a 401: see TokenService.renew. */
const MIN_RENEWAL_INTERVAL_MS = 10_000;
/** After a failed background refresh, the next attempt waits this long (the cached token keeps serving meanwhile). */
const REFRESH_RETRY_MS = 5_000;
/** A failed token request is logged at warn once per cause and this long (ms); the lines between are counted. */
const FAILURE_LOG_INTERVAL_MS = 60_000;
/**
 * The authorization server's metadata is re-read once it is this old (ms), in the background, so a token endpoint that
 * moved is found even when the old one still answers (RFC 8414 metadata may change; Maskinporten sends no caching
 * headers to go by).
 */
const METADATA_MAX_AGE_MS = 60 * 60_000;
/**
 * At most one re-read of the metadata per this many ms, whatever asks for it (a token endpoint failing as a moved one
 * does, or its age): during a Maskinporten outage every token request fails that way, and must not each cost a
 * metadata request too. A read the open breaker refused unsent does not count.
 */
const METADATA_REREAD_INTERVAL_MS = 10_000;
/**
 * Failures of a token request that say its endpoint may have moved, not that Maskinporten is down: nothing listens on
 * the host, the host is not there (DNS, routes), it takes no connection. Statuses: see {@link suggestsMove}.
 */
const MOVED_NETWORK_REASONS: ReadonlySet<string> = new Set([
  'econnrefused',
  'enotfound',
  'ehostunreach',
  'enetunreach',
  'connect timeout',
]);

interface AuthorizationServerMetadata {
  issuer: string;
  token_endpoint: string;
}

interface CacheEntry {
  /** The onbehalfof registration the token was obtained through, if any (see forgetOnBehalfOf). */
  onBehalfOf?: string;
  token?: string;
  /** When `token` was obtained (ms since the epoch). */
  obtainedAt?: number;
  /** `token` replaced one a resource server refused (see TokenService.renew). */
  renewed?: boolean;
  expiresAt: number;
  /** Handed out until then: `expiresAt` less the safety margin (see {@link safetyMs}). */
  usableUntil: number;
  refreshAt: number;
  inflight?: Promise<string>;
}

/** The outcome of `TokenService.probe`. */
export type TokenProbe = { ok: true } | { ok: false; reason: string; mpCode?: string; oauthError?: string };

export interface TokenServiceOptions {
  /** As configured (`MASKINPORTEN_ISSUER`); the grant's `aud` is the issuer the metadata publishes. */
  issuer: string;
  clientId: string;
  credentials: GrantCredentials;
  http: UpstreamClient;
  metrics: Metrics;
  log: Logger;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now?: () => number;
}

/**
 * The one place Maskinporten tokens come from. Tokens are cached per (issuer, client_id, sorted scopes, resource,
 * consumer_org, iss_onbehalfof), so one customer's token is never used for another; concurrent misses for one key share a single token request; a token is refreshed in the background
 * ahead of its expiry, computed from the `expires_in` the server returned.
 */
export class TokenService implements TokenProvider {
  private readonly cache = new Map<string, CacheEntry>();
  /** The authorization server's metadata as last read, and when (`now`). */
  private metadata?: { value: AuthorizationServerMetadata; readAt: number };
  /** The metadata read under way, which every caller needing it joins. */
  private metadataRead?: Promise<AuthorizationServerMetadata>;
  /** The token endpoint it names failed as a moved one does: re-read before its next use (see discover). */
  private metadataSuspect = false;
  /** When (`now`) the metadata was last re-read (its first read aside): see METADATA_REREAD_INTERVAL_MS. */
  private metadataRereadAt = -Infinity;
  private readonly now: () => number;
  /** Per cause of failure: when it was last logged, and how many since then were not. */
  private readonly failuresLogged = new Map<string, { at: number; suppressed: number }>();
  /** Until when (ms, `now`) Maskinporten asked for no token request (its Retry-After). */
  private quietUntil = 0;

  constructor(private readonly opts: TokenServiceOptions) {
    this.now = opts.now ?? Date.now;
  }

  async getToken(req: TokenRequest, context?: UpstreamRequestContext): Promise<string> {
    const key = this.cacheKey(req);
    const now = this.now();
    const entry = this.cache.get(key);
    if (entry?.token && now < entry.usableUntil) {
      if (now >= entry.refreshAt && !entry.inflight) {
        this.opts.metrics.tokenCache.inc({ result: 'refresh' });
        entry.refreshAt = now + REFRESH_RETRY_MS; // overwritten on success; spaces out retries on failure
        this.fetch(key, req).catch((err: unknown) => {
          this.opts.log.warn({ err: describe(err) }, 'background token refresh failed; the cached token stays in use');
        });
      } else {
        this.opts.metrics.tokenCache.inc({ result: 'hit' });
      }
      return entry.token;
    }
    if (entry?.inflight) {
      this.opts.metrics.tokenCache.inc({ result: 'coalesced' });
      return entry.inflight;
    }
    this.opts.metrics.tokenCache.inc({ result: 'miss' });
    return this.fetch(key, req, context);
  }

  /**
   * A token in place of `refused`, which a resource server answered 401: the cached one if it is already another, else
   * a fresh one (one request for concurrent renewals). The refused token stays cached until its replacement comes: one
   * 401 (a resource server's hiccup) while Maskinporten cannot be reached fails that call, not every call until the
   * token would have expired.
   */
  renew(req: TokenRequest, refused: string, context?: UpstreamRequestContext): Promise<string> {
    const key = this.cacheKey(req);
    const entry = this.cache.get(key);
    const now = this.now();
    if (entry?.token && entry.token !== refused && now < entry.usableUntil) {
      this.opts.metrics.tokenCache.inc({ result: 'hit' });
      return Promise.resolve(entry.token);
    }
    // A replacement refused too, while fresh: the refusal is not the token's age, and another would fare no better.
    // Answered with the refused one itself (no retry), so a resource server that refuses every token costs Maskinporten
    // one request per interval, not one per call. Not once the token is in its last seconds (a token living under
    // 10 s gets there within the interval): then the refusal may be its age, and a fresh one is what helps.
    if (
      entry?.token === refused &&
      entry.renewed &&
      now - (entry.obtainedAt ?? 0) < MIN_RENEWAL_INTERVAL_MS &&
      now < entry.usableUntil
    ) {
      this.opts.metrics.tokenCache.inc({ result: 'hit' });
      return Promise.resolve(refused);
    }
    this.opts.metrics.tokenCache.inc({ result: entry?.inflight ? 'coalesced' : 'miss' });
    return this.fetch(key, req, context, true);
  }

  /** Drops `token` (the next `getToken` fetches a new one), unless a newer token already replaced it. */
  invalidate(req: TokenRequest, token: string): void {
    const entry = this.cache.get(this.cacheKey(req));
    if (entry?.token === token) {
      entry.token = undefined;
      entry.expiresAt = 0;
      entry.usableUntil = 0;
    }
  }

  /**
   * Drops every token obtained through the onbehalfof registration `id` of our client: it was just deleted or changed
   * through the facade, and a cached token would go on acting for the customer until it expires.
   */
  forgetOnBehalfOf(id: string): void {
    for (const [key, entry] of this.cache) if (entry.onBehalfOf === id) this.cache.delete(key);
  }

  /**
   * Reads the authorization server's metadata ahead of the first request, so the first caller waits for one token
   * request only. A failure is logged, not fatal: discovery is retried on demand.
   */
  async warmUp(): Promise<void> {
    try {
      await this.discover();
    } catch (err) {
      this.opts.log.warn({ err: describe(err) }, 'Maskinporten metadata not available yet; retried on first use');
    }
  }

  /**
   * Whether a token for `req` can be had now (readiness), and if not why, without secrets: the MP code and OAuth error
   * Maskinporten answered and what failed, e.g. `MP-123 invalid_grant: Maskinporten refused the token request (HTTP
   * 400)`, or `Maskinporten is unavailable (breaker open)`. Never the token, the grant or Maskinporten's own text.
   */
  async probe(req: TokenRequest): Promise<TokenProbe> {
    try {
      await this.getToken(req);
      return { ok: true };
    } catch (err) {
      if (err instanceof UpstreamAuthError) {
        const code = [err.mpCode, err.oauthError].filter(Boolean).join(' ');
        const reason = code ? `${code}: ${err.reason}` : err.reason;
        return { ok: false, reason, mpCode: err.mpCode, oauthError: err.oauthError };
      }
      // Maskinporten's outage (or a redirect): what the token service wrote, never Maskinporten's text.
      if (err instanceof UpstreamUnavailableError || err instanceof UpstreamStatusError) {
        return { ok: false, reason: err.message };
      }
      // Not an answer of Maskinporten's (e.g. the key cannot sign): its kind only, a message might quote a file.
      return { ok: false, reason: `token request failed (${err instanceof Error ? err.name : 'error'})` };
    }
  }

  /**
   * One warning per cause of failure and {@link FAILURE_LOG_INTERVAL_MS}, so an outage shows at LOG_LEVEL=info without
   * a line per query; `suppressed` counts the failures since the last line. Never a token, a grant or a key.
   */
  private logFailure(err: unknown, req: TokenRequest): void {
    let fields: Record<string, unknown>;
    let message: string;
    if (err instanceof UpstreamUnavailableError) {
      fields = { reason: err.reason, status: err.status, retryAfterMs: err.retryAfterMs, detail: err.message };
      message = 'Maskinporten is unavailable: no token; callers are told to try again later';
    } else if (err instanceof UpstreamStatusError) {
      fields = { reason: 'redirect', status: err.status };
      message = 'Maskinporten answered with a redirect, which the facade does not follow';
    } else if (err instanceof UpstreamAuthError) {
      fields = { reason: err.reason, status: err.status, mpCode: err.mpCode, oauthError: err.oauthError };
      message = 'Maskinporten refused the token request';
    } else {
      fields = { reason: err instanceof Error ? err.name : 'error' };
      message = 'Maskinporten token request failed';
    }
    const cause = JSON.stringify([message, fields.reason, fields.status, fields.mpCode, fields.oauthError]);
    this.warnOncePerInterval(
      cause,
      { ...fields, scopes: req.scopes, consumerOrg: req.consumerOrg, onBehalfOf: req.onBehalfOf },
      message,
    );
  }

  /** `message` at warn, unless `cause` was logged less than {@link FAILURE_LOG_INTERVAL_MS} ago (then counted). */
  private warnOncePerInterval(cause: string, fields: Record<string, unknown>, message: string): void {
    const now = this.now();
    const last = this.failuresLogged.get(cause);
    if (last && now - last.at < FAILURE_LOG_INTERVAL_MS) {
      last.suppressed += 1;
      return;
    }
    this.failuresLogged.set(cause, { at: now, suppressed: 0 });
    this.opts.log.warn(
      { upstream: 'maskinporten', ...fields, ...(last?.suppressed ? { suppressed: last.suppressed } : {}) },
      message,
    );
  }

  private cacheKey(req: TokenRequest): string {
    const scopes = [...new Set(req.scopes)].sort();
    return JSON.stringify([
      this.opts.issuer,
      this.opts.clientId,
      scopes,
      req.resource ?? '',
      req.consumerOrg ?? '',
      req.onBehalfOf ?? '',
    ]);
  }

  /** Starts (or joins) the token request for `key`; the entry is created synchronously so later callers join it. */
  private fetch(key: string, req: TokenRequest, context?: UpstreamRequestContext, renewal = false): Promise<string> {
    let entry = this.cache.get(key);
    if (!entry) {
      entry = { expiresAt: 0, usableUntil: 0, refreshAt: 0, onBehalfOf: req.onBehalfOf };
      this.cache.set(key, entry);
    }
    if (entry.inflight) return entry.inflight;
    const target = entry;
    const requested = tracingEnabled
      ? traceTokenRequest(req, context, (trace) => this.requestToken(req, context, trace))
      : this.requestToken(req, context);
    const inflight = requested
      .catch((err: unknown) => {
        this.logFailure(err, req);
        throw err;
      })
      .then(({ token, expiresInSeconds, obtainedAt }) => {
        target.token = token;
        target.obtainedAt = obtainedAt;
        target.renewed = renewal;
        target.expiresAt = obtainedAt + expiresInSeconds * 1000;
        target.usableUntil = target.expiresAt - safetyMs(expiresInSeconds);
        target.refreshAt = obtainedAt + refreshAfterSeconds(expiresInSeconds) * 1000;
        return token;
      })
      .finally(() => {
        target.inflight = undefined;
      });
    target.inflight = inflight;
    return inflight;
  }

  /** `context`: the GraphQL request that found no token; a background refresh has none. `trace`: the token span. */
  private async requestToken(
    req: TokenRequest,
    context?: UpstreamRequestContext,
    trace?: TraceParent,
  ): Promise<{ token: string; expiresInSeconds: number; obtainedAt: number }> {
    const quietMs = this.quietUntil - this.now();
    if (quietMs > 0) {
      throw new UpstreamUnavailableError(
        'maskinporten',
        'rate limited',
        429,
        quietMs,
        'Maskinporten is unavailable (it asked for no token request before its Retry-After)',
      );
    }
    try {
      return await this.requestTokenNow(req, context, trace);
    } catch (err) {
      // Maskinporten's Retry-After holds for every request that follows, not only for one request's own retries.
      if (err instanceof UpstreamUnavailableError && err.retryAfterMs !== undefined && err.retryAfterMs > 0) {
        this.quietUntil = Math.max(this.quietUntil, this.now() + err.retryAfterMs);
      }
      throw err;
    }
  }

  private async requestTokenNow(
    req: TokenRequest,
    context?: UpstreamRequestContext,
    trace?: TraceParent,
  ): Promise<{ token: string; expiresInSeconds: number; obtainedAt: number }> {
    // MASKINPORTEN_TIMEOUT_MS is the deadline of the whole token request: discovery, every attempt, every wait.
    const deadlineAt = this.opts.http.deadlineFromNow();
    let metadata = await this.discover(deadlineAt);
    // An endpoint that seems to have moved (the last attempt's too) has the metadata re-read before its next use; it
    // is tried again only where the metadata may now name another.
    const moved = (outcome: RetryOutcome<UpstreamResponse>) =>
      suggestsMove(outcome) && this.tokenEndpointFailed(metadata);
    let obtainedAt = this.now();
    let res;
    try {
      // Each attempt signs a fresh grant: a repeated jti would be refused as "used before" (MP-012).
      res = await withRetries(
        async (attempt) => {
          // After an attempt that found the endpoint moved, the metadata re-read (or as re-read meanwhile): its
          // token_endpoint and its issuer (the grant's aud) together, never one without the other.
          if (attempt > 1) metadata = await this.discover(deadlineAt);
          obtainedAt = this.now();
          const assertion = await buildGrant(this.opts.credentials, {
            clientId: this.opts.clientId,
            audience: metadata.issuer,
            scopes: [...new Set(req.scopes)],
            resource: req.resource,
            consumerOrg: req.consumerOrg,
            onBehalfOf: req.onBehalfOf,
            nowSeconds: Math.floor(obtainedAt / 1000),
          });
          return this.opts.http.request({
            method: 'POST',
            path: metadata.token_endpoint,
            form: { grant_type: JWT_BEARER, assertion },
            context,
            deadlineAt,
            ...(trace ? { trace, attempt } : {}),
          });
        },
        {
          deadlineAt,
          decide: (outcome) => (moved(outcome) ? { retry: true } : retryDecision(outcome)),
          budget: context?.retryBudget,
          onRetry: () => this.opts.http.countRetry(),
        },
      );
    } catch (err) {
      moved({ ok: false, error: err });
      // Unreachable, 5xx, a timeout, an unreadable answer: Maskinporten's outage, not our configuration.
      if (err instanceof UpstreamUnavailableError) throw maskinportenOutage(err, `Maskinporten is unavailable`);
      throw new UpstreamAuthError('token request failed');
    }
    moved({ ok: true, value: res });
    const transient = transientAnswer(res, 'token request');
    if (transient) throw transient;
    const body = (res.body ?? {}) as Record<string, unknown>;
    if (res.status !== 200) {
      const mpCode = extractMpCode(body);
      // Only an OAuth error code is passed on: the field is Maskinporten's text, and could hold anything.
      const oauthError = typeof body.error === 'string' && OAUTH_ERROR_CODE.test(body.error) ? body.error : undefined;
      throw new UpstreamAuthError(
        `Maskinporten refused the token request (HTTP ${res.status})`,
        mpCode,
        oauthError,
        undefined,
        res.status,
      );
    }
    const token = body.access_token;
    // RFC 6750 §2.1: what may follow "Bearer " in a header. Anything else (CR/LF, spaces) would fail every call
    // locally, as a network error counted against the resource server's breaker.
    if (typeof token !== 'string' || !B64TOKEN.test(token)) {
      throw unreadable('Maskinporten answered without a usable access_token');
    }
    if (body.token_type !== undefined && (typeof body.token_type !== 'string' || !/^bearer$/i.test(body.token_type))) {
      throw unreadable('Maskinporten answered with a token_type other than Bearer');
    }
    const expiresInSeconds = lifetimeSeconds(body.expires_in, token);
    if (expiresInSeconds === undefined) {
      throw unreadable('Maskinporten answered without a usable expires_in');
    }
    this.opts.log.debug({ scopes: req.scopes, expiresIn: expiresInSeconds }, 'Maskinporten token obtained');
    return { token, expiresInSeconds, obtainedAt };
  }

  /**
   * The metadata to send a token request by. Read when there is none yet (a failure thrown: retried by the next
   * caller). Once held, never throws: re-read (at most every {@link METADATA_REREAD_INTERVAL_MS}) when its token
   * endpoint failed as a moved one does, waited for, and when it is {@link METADATA_MAX_AGE_MS} old, in the background
   * (it still works, as far as anyone knows); a re-read that fails leaves the metadata held in use. `deadlineAt`: of the
   * token request that reads (others joining the read wait no longer than it).
   */
  private discover(deadlineAt?: number): Promise<AuthorizationServerMetadata> {
    const held = this.metadata;
    if (!held) return this.readMetadata(deadlineAt);
    const now = this.now();
    if (!this.metadataSuspect && now - held.readAt < METADATA_MAX_AGE_MS) return Promise.resolve(held.value);
    if (!this.metadataRead) {
      if (now - this.metadataRereadAt < METADATA_REREAD_INTERVAL_MS) return Promise.resolve(held.value);
      this.reread(this.metadataSuspect ? deadlineAt : undefined);
    }
    if (!this.metadataSuspect || !this.metadataRead) return Promise.resolve(held.value);
    return this.metadataRead.catch(() => this.metadata?.value ?? held.value);
  }

  /** One read of the metadata at a time; what it reads is taken by every later token request. */
  private readMetadata(deadlineAt?: number): Promise<AuthorizationServerMetadata> {
    this.metadataRead ??= this.fetchMetadata(deadlineAt)
      .then((value) => {
        const before = this.metadata?.value;
        this.metadata = { value, readAt: this.now() };
        this.metadataSuspect = false;
        if (before && (before.token_endpoint !== value.token_endpoint || before.issuer !== value.issuer)) {
          this.opts.log.info(
            {
              upstream: 'maskinporten',
              tokenEndpoint: value.token_endpoint,
              issuer: value.issuer,
              previous: { tokenEndpoint: before.token_endpoint, issuer: before.issuer },
            },
            'Maskinporten metadata re-read names another token endpoint or issuer: token requests go by it now',
          );
        }
        return value;
      })
      .finally(() => {
        this.metadataRead = undefined;
      });
    return this.metadataRead;
  }

  /** A re-read of metadata already held: counted for the interval, a failure logged (the held metadata stays). */
  private reread(deadlineAt?: number): void {
    const previous = this.metadataRereadAt;
    this.metadataRereadAt = this.now();
    this.readMetadata(deadlineAt).catch((err: unknown) => {
      // Refused unsent by the open breaker: nothing reached Maskinporten, and its half-open probe should be a re-read.
      if (err instanceof UpstreamUnavailableError && err.reason === 'circuit open') this.metadataRereadAt = previous;
      this.warnOncePerInterval(
        JSON.stringify(['metadata re-read', err instanceof UpstreamUnavailableError ? err.reason : describe(err)]),
        { reason: describe(err), tokenEndpoint: this.metadata?.value.token_endpoint },
        'Maskinporten metadata could not be re-read; token requests keep going to the token endpoint read before',
      );
    });
  }

  /**
   * After an attempt at `used.token_endpoint` that failed as a moved endpoint does (see {@link suggestsMove}): marks
   * the metadata for a re-read before its next use, and says whether another attempt may go elsewhere (the metadata was
   * re-read meanwhile and names another endpoint, or a re-read is under way or allowed now).
   */
  private tokenEndpointFailed(used: AuthorizationServerMetadata): boolean {
    const held = this.metadata?.value;
    if (held !== used && held?.token_endpoint !== used.token_endpoint) return true;
    this.metadataSuspect = true;
    return this.metadataRead !== undefined || this.now() - this.metadataRereadAt >= METADATA_REREAD_INTERVAL_MS;
  }

  private async fetchMetadata(deadlineAt?: number): Promise<AuthorizationServerMetadata> {
    const issuer = new URL(this.opts.issuer);
    const path = issuer.pathname.replace(/\/+$/, '');
    const url = new URL(`/.well-known/oauth-authorization-server${path}`, issuer.origin).toString();
    let res;
    try {
      res = await this.opts.http.request({ method: 'GET', path: url, retry: true, deadlineAt });
    } catch (err) {
      // The network's reason (econnrefused, enotfound, timeout) and where: what an operator checks first.
      if (err instanceof UpstreamUnavailableError) {
        throw maskinportenOutage(err, `Maskinporten metadata is unavailable`, url);
      }
      throw new UpstreamAuthError(`Maskinporten metadata is unavailable (${url})`);
    }
    const transient = transientAnswer(res, 'metadata');
    if (transient) throw transient;
    const body = (res.body ?? {}) as Partial<AuthorizationServerMetadata>;
    if (res.status !== 200) {
      // 404 and the like: the issuer's address is not Maskinporten's (MASKINPORTEN_ISSUER).
      throw new UpstreamAuthError(
        `Maskinporten metadata could not be read (HTTP ${res.status}, ${url}): check MASKINPORTEN_ISSUER`,
        undefined,
        undefined,
        undefined,
        res.status,
      );
    }
    if (typeof body.issuer !== 'string' || typeof body.token_endpoint !== 'string') {
      throw unreadable(`Maskinporten metadata could not be read (HTTP ${res.status}, ${url})`);
    }
    try {
      return checkMetadata(this.opts.issuer, { issuer: body.issuer, token_endpoint: body.token_endpoint });
    } catch (err) {
      // A configuration to fix, said at start-up (warmUp) and on each first use: never retried into success.
      this.opts.log.error({ err: describe(err) }, 'Maskinporten metadata refused');
      throw err;
    }
  }
}

/**
 * How long before its expiry a token is no longer handed out: 5 s, or a quarter of its life when that is shorter. Its
 * refresh point (half-life at most, {@link refreshAfterSeconds}) thus always comes before: with 5 s for every token, one
 * living 10 s or less was never refreshed ahead (callers waited for a token request) and one of 5 s never used.
 */
export function safetyMs(expiresInSeconds: number): number {
  return Math.min(EXPIRY_SAFETY_MS, (expiresInSeconds * 1000) / 4);
}

/**
 * When to refresh, in seconds after the token was obtained: two minutes before expiry for long tokens, half-way for
 * short ones (the nais/texas rule), so a refresh has time to be retried before the token runs out.
 */
export function refreshAfterSeconds(expiresInSeconds: number): number {
  return expiresInSeconds >= 240 ? expiresInSeconds - 120 : expiresInSeconds / 2;
}

/** RFC 6750 §2.1 b64token: the characters a bearer token may have in an Authorization header. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Maskinporten's default token lifetime (reference §1: "client default is 120 s"), for an answer without expires_in. */
const DEFAULT_EXPIRES_IN_SECONDS = 120;

/**
 * The token's lifetime in seconds from when it came: `expires_in` (RFC 6749 §5.1 only RECOMMENDS it), capped at the
 * life the token itself states when it is a JWT whose `iat` and `exp` can be read (a too large expires_in would outlive
 * the token); without expires_in that life, else Maskinporten's default. `exp − iat` and not `exp −` our clock: a
 * facade whose clock runs ahead of Maskinporten's by a token's life threw every token away as expired (each query a
 * new grant, every one refused). Undefined for an expires_in given but unusable (0, negative, not a number).
 */
function lifetimeSeconds(expiresIn: unknown, token: string): number | undefined {
  let seconds: number | undefined;
  if (expiresIn !== undefined && expiresIn !== null) {
    seconds = typeof expiresIn === 'number' || typeof expiresIn === 'string' ? Number(expiresIn) : NaN;
    if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  }
  const life = jwtLife(token);
  if (life !== undefined) seconds = seconds === undefined ? life : Math.min(seconds, life);
  return seconds ?? DEFAULT_EXPIRES_IN_SECONDS;
}

/** `exp − iat` (seconds) of a JWT-shaped token when both can be read and it is positive; no signature check (our
 * bookkeeping only). */
function jwtLife(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown; iat?: unknown };
    const { exp, iat } = claims ?? {};
    if (typeof exp !== 'number' || typeof iat !== 'number') return undefined;
    const life = exp - iat;
    return Number.isFinite(life) && life > 0 ? life : undefined;
  } catch {
    return undefined;
  }
}

/** `error_uri` ends in the code (`…/errors/MP-200`); older answers name it in the description. */
function extractMpCode(body: Record<string, unknown>): string | undefined {
  for (const field of [body.error_uri, body.error_description]) {
    if (typeof field === 'string') {
      const match = /MP-\d{3}/.exec(field);
      if (match) return match[0];
    }
  }
  return undefined;
}

/**
 * An answer that is Maskinporten's trouble, not ours: 429 (still, after the retries the deadline allowed; with its
 * Retry-After) and a redirect, which the facade does not follow. Undefined for any other answer.
 */
function transientAnswer(
  res: UpstreamResponse,
  what: 'metadata' | 'token request',
): UpstreamUnavailableError | UpstreamStatusError | undefined {
  if (res.status === 429) {
    return new UpstreamUnavailableError(
      'maskinporten',
      'rate limited',
      429,
      parseRetryAfter(res.headers['retry-after'], Date.now()),
      `Maskinporten is unavailable (rate limited, ${what})`,
    );
  }
  if (res.status >= 300 && res.status < 400) return new UpstreamStatusError('maskinporten', res.status, undefined);
  return undefined;
}

/**
 * Whether a token request's outcome says its endpoint may have moved: 404 or 410 (the path is no longer there), a
 * redirect (not followed), or a host that takes no connection ({@link MOVED_NETWORK_REASONS}). Not a 5xx or a timeout:
 * an endpoint that is there and in trouble.
 */
function suggestsMove(outcome: RetryOutcome<UpstreamResponse>): boolean {
  if (outcome.ok) {
    const { status } = outcome.value;
    return status === 404 || status === 410 || (status >= 300 && status < 400);
  }
  return outcome.error instanceof UpstreamUnavailableError && MOVED_NETWORK_REASONS.has(outcome.error.reason);
}

/** An answer that came and cannot be used (HTML, cut short, no token): Maskinporten's trouble, reported as such. */
function unreadable(detail: string): UpstreamUnavailableError {
  return new UpstreamUnavailableError('maskinporten', 'unreadable answer', 200, undefined, detail);
}

/**
 * The metadata the token service relies on, checked: its `issuer` the one MASKINPORTEN_ISSUER names (RFC 8414 §3.3),
 * a trailing slash of difference tolerated (deployments set it either way; the grant's `aud` is the metadata's own
 * `issuer`, so that difference never reaches Maskinporten: refusing it only failed every token request of a working
 * configuration), and a `token_endpoint` that is an absolute URL, https when the issuer is (no downgrade; its host may
 * differ, as RFC 8414 allows).
 */
export function checkMetadata(
  configuredIssuer: string,
  metadata: { issuer: string; token_endpoint: string },
): AuthorizationServerMetadata {
  if (withoutTrailingSlashes(metadata.issuer) !== withoutTrailingSlashes(configuredIssuer)) {
    throw new UpstreamAuthError(
      `Maskinporten metadata names the issuer ${JSON.stringify(metadata.issuer)}, MASKINPORTEN_ISSUER is ` +
        `${JSON.stringify(configuredIssuer)}: set MASKINPORTEN_ISSUER to the metadata's issuer`,
    );
  }
  let endpoint: URL;
  try {
    endpoint = new URL(metadata.token_endpoint);
  } catch {
    throw new UpstreamAuthError('Maskinporten metadata has a token_endpoint that is not an absolute URL');
  }
  if (endpoint.protocol !== 'https:' && endpoint.protocol !== 'http:') {
    throw new UpstreamAuthError('Maskinporten metadata has a token_endpoint that is not an http(s) URL');
  }
  if (new URL(configuredIssuer).protocol === 'https:' && endpoint.protocol !== 'https:') {
    throw new UpstreamAuthError(
      'Maskinporten metadata has a token_endpoint over http for an https issuer: refused (grants are sent only over https)',
    );
  }
  return { issuer: metadata.issuer, token_endpoint: metadata.token_endpoint };
}

const withoutTrailingSlashes = (url: string) => url.replace(/\/+$/, '');

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** An upstream failure of a Maskinporten call, named as Maskinporten's, its log message saying what failed and why. */
function maskinportenOutage(err: UpstreamUnavailableError, what: string, where?: string): UpstreamUnavailableError {
  const why = where ? `${err.reason}, ${where}` : err.reason;
  return new UpstreamUnavailableError('maskinporten', err.reason, err.status, err.retryAfterMs, `${what} (${why})`);
}
