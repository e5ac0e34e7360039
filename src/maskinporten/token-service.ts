import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import { traceTokenRequest, tracingEnabled, type TraceParent } from '../observability/tracing.js';
import { UpstreamAuthError, UpstreamUnavailableError } from '../upstream/errors.js';
import { retryDecision, type UpstreamClient } from '../upstream/http-client.js';
import type { UpstreamRequestContext } from '../upstream/request-context.js';
import { withRetries } from '../upstream/retry.js';
import type { TokenProvider, TokenRequest } from '../upstream/token-provider.js';
import type { GrantCredentials } from './credentials.js';
import { buildGrant } from './grant.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** A token is not handed out in its last seconds: it must survive the trip to the resource server. */
const EXPIRY_SAFETY_MS = 5_000;
/** A replacement token obtained less than this long ago (ms) is not renewed for a 401: see TokenService.renew. */
const MIN_RENEWAL_INTERVAL_MS = 10_000;
/** After a failed background refresh, the next attempt waits this long (the cached token keeps serving meanwhile). */
const REFRESH_RETRY_MS = 5_000;

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
  private metadata?: Promise<AuthorizationServerMetadata>;
  private readonly now: () => number;

  constructor(private readonly opts: TokenServiceOptions) {
    this.now = opts.now ?? Date.now;
  }

  async getToken(req: TokenRequest, context?: UpstreamRequestContext): Promise<string> {
    const key = this.cacheKey(req);
    const now = this.now();
    const entry = this.cache.get(key);
    if (entry?.token && now < entry.expiresAt - EXPIRY_SAFETY_MS) {
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
    if (entry?.token && entry.token !== refused && now < entry.expiresAt - EXPIRY_SAFETY_MS) {
      this.opts.metrics.tokenCache.inc({ result: 'hit' });
      return Promise.resolve(entry.token);
    }
    // A replacement refused too, while fresh: the refusal is not the token's age, and another would fare no better.
    // Answered with the refused one itself (no retry), so a resource server that refuses every token costs Maskinporten
    // one request per interval, not one per call.
    if (entry?.token === refused && entry.renewed && now - (entry.obtainedAt ?? 0) < MIN_RENEWAL_INTERVAL_MS) {
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
      // Not an answer of Maskinporten's (e.g. the key cannot sign): its kind only, a message might quote a file.
      return { ok: false, reason: `token request failed (${err instanceof Error ? err.name : 'error'})` };
    }
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
      entry = { expiresAt: 0, refreshAt: 0, onBehalfOf: req.onBehalfOf };
      this.cache.set(key, entry);
    }
    if (entry.inflight) return entry.inflight;
    const target = entry;
    const requested = tracingEnabled
      ? traceTokenRequest(req, context, (trace) => this.requestToken(req, context, trace))
      : this.requestToken(req, context);
    const inflight = requested
      .then(({ token, expiresInSeconds, obtainedAt }) => {
        target.token = token;
        target.obtainedAt = obtainedAt;
        target.renewed = renewal;
        target.expiresAt = obtainedAt + expiresInSeconds * 1000;
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
    // MASKINPORTEN_TIMEOUT_MS is the deadline of the whole token request: discovery, every attempt, every wait.
    const deadlineAt = this.opts.http.deadlineFromNow();
    const metadata = await this.discover(deadlineAt);
    let obtainedAt = this.now();
    let res;
    try {
      // Each attempt signs a fresh grant: a repeated jti would be refused as "used before" (MP-012).
      res = await withRetries(
        async (attempt) => {
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
          decide: retryDecision,
          budget: context?.retryBudget,
          onRetry: () => this.opts.http.countRetry(),
        },
      );
    } catch (err) {
      throw new UpstreamAuthError(
        err instanceof UpstreamUnavailableError
          ? `Maskinporten is unavailable (${err.reason})`
          : 'token request failed',
      );
    }
    const body = (res.body ?? {}) as Record<string, unknown>;
    if (res.status !== 200) {
      const mpCode = extractMpCode(body);
      const oauthError = typeof body.error === 'string' ? body.error : undefined;
      this.opts.log.warn(
        {
          status: res.status,
          mpCode,
          oauthError,
          scopes: req.scopes,
          consumerOrg: req.consumerOrg,
          onBehalfOf: req.onBehalfOf,
        },
        'Maskinporten refused the token request',
      );
      throw new UpstreamAuthError(`Maskinporten refused the token request (HTTP ${res.status})`, mpCode, oauthError);
    }
    const token = body.access_token;
    const expiresIn = Number(body.expires_in);
    if (typeof token !== 'string' || token.length === 0 || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new UpstreamAuthError('Maskinporten answered without a usable access_token/expires_in');
    }
    this.opts.log.debug({ scopes: req.scopes, expiresIn }, 'Maskinporten token obtained');
    return { token, expiresInSeconds: expiresIn, obtainedAt };
  }

  /** `deadlineAt`: of the token request that found no metadata (others joining it wait no longer than it). */
  private discover(deadlineAt?: number): Promise<AuthorizationServerMetadata> {
    if (!this.metadata) {
      this.metadata = this.fetchMetadata(deadlineAt).catch((err: unknown) => {
        this.metadata = undefined; // retried by the next caller
        throw err;
      });
    }
    return this.metadata;
  }

  private async fetchMetadata(deadlineAt?: number): Promise<AuthorizationServerMetadata> {
    const issuer = new URL(this.opts.issuer);
    const path = issuer.pathname.replace(/\/+$/, '');
    const url = new URL(`/.well-known/oauth-authorization-server${path}`, issuer.origin).toString();
    let res;
    try {
      res = await this.opts.http.request({ method: 'GET', path: url, retry: true, deadlineAt });
    } catch (err) {
      // The network's reason (econnrefused, enotfound, timeout): what an operator checks first.
      const why = err instanceof UpstreamUnavailableError ? ` (${err.reason}, ${url})` : ` (${url})`;
      throw new UpstreamAuthError(`Maskinporten metadata is unavailable${why}`);
    }
    const body = (res.body ?? {}) as Partial<AuthorizationServerMetadata>;
    if (res.status !== 200 || typeof body.issuer !== 'string' || typeof body.token_endpoint !== 'string') {
      throw new UpstreamAuthError(`Maskinporten metadata could not be read (HTTP ${res.status})`);
    }
    if (stripSlash(body.issuer) !== stripSlash(this.opts.issuer)) {
      throw new UpstreamAuthError('Maskinporten metadata names another issuer than MASKINPORTEN_ISSUER');
    }
    return { issuer: body.issuer, token_endpoint: body.token_endpoint };
  }
}

/**
 * When to refresh, in seconds after the token was obtained: two minutes before expiry for long tokens, half-way for
 * short ones (the nais/texas rule), so a refresh has time to be retried before the token runs out.
 */
export function refreshAfterSeconds(expiresInSeconds: number): number {
  return expiresInSeconds >= 240 ? expiresInSeconds - 120 : expiresInSeconds / 2;
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

function stripSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
