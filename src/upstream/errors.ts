import { GraphQLError } from 'graphql';
import type { UpstreamName } from '../observability/metrics.js';

/**
 * Upstream failures, and the one place they become GraphQL errors. Messages are written for the caller: they never
 * carry an upstream URL, an upstream body, a token or a personal id.
 */

/** 5xx, timeout, connection refused or reset, breaker open: the upstream could not answer. */
export class UpstreamUnavailableError extends Error {
  constructor(
    readonly upstream: UpstreamName,
    readonly reason: string,
    readonly status?: number,
    /** The upstream's Retry-After, in ms, when it sent one. */
    readonly retryAfterMs?: number,
    /** For the log and the health report only (it may name a URL): never shown to a caller. */
    message?: string,
  ) {
    super(message ?? `${upstream} is unavailable (${reason})`);
  }
}

/**
 * An OAuth `error` code as RFC 6749 §5.2 writes them (`invalid_grant`, `invalid_scope`): a token of its own, passed
 * on to callers; anything else in that field (free text, an id) is not. The token span (observability/tracing.ts, which
 * imports nothing of this module's) applies the same pattern.
 */
export const OAUTH_ERROR_CODE = /^[a-z_]{1,64}$/;

/**
 * Why an answer that came could not be read. Not retried: the same request gets the same body (a retry cannot shrink
 * it or make it decodable), and each attempt would hold the memory again.
 */
const UNREADABLE_ANSWER_REASONS = [
  'answer too large',
  'undecodable answer',
  'unreadable answer',
  'two different records for this person',
  'a record without a readable id',
] as const;
export type UnreadableAnswer = (typeof UNREADABLE_ANSWER_REASONS)[number];
const UNREADABLE_ANSWERS: ReadonlySet<string> = new Set(UNREADABLE_ANSWER_REASONS);

export function isUnreadableAnswer(err: UpstreamUnavailableError): boolean {
  return UNREADABLE_ANSWERS.has(err.reason);
}

/**
 * A change sent upstream whose outcome is not known, so a retry could make it twice (a second client) or lose what it
 * gave (a rotated secret): the upstream accepted it (2xx) but its answer could not be read (`accepted`: the change was
 * probably made), or no readable answer came after it was sent (timeout, connection reset: it may have been made).
 * Never for calls that cannot have reached the upstream (connection refused, breaker open) or that it refused.
 */
export class UpstreamOutcomeUnknownError extends Error {
  constructor(
    readonly upstream: UpstreamName,
    readonly reason: string,
    readonly accepted: boolean,
  ) {
    super(`${upstream} change outcome unknown (${reason})`);
  }
}

/**
 * The facade stopped a call at the end of its shutdown grace (SHUTDOWN_GRACE_MS): it was under way, so a change may
 * have been made. Not retried.
 */
export const STOPPED_BY_SHUTDOWN = 'the facade is shutting down';
/** A call asked for after that: never sent. */
export const NOT_SENT_SHUTDOWN = 'the facade is shutting down, not sent';

export function isShutdownStop(err: UpstreamUnavailableError): boolean {
  return err.reason === STOPPED_BY_SHUTDOWN || err.reason === NOT_SENT_SHUTDOWN;
}

/** Why a call can have failed before any of it reached the upstream: nothing was changed. */
const NOT_SENT_REASONS: ReadonlySet<string> = new Set([
  NOT_SENT_SHUTDOWN,
  'circuit open',
  'connect timeout',
  'econnrefused',
  'enotfound',
  'eai_again',
  'ehostunreach',
  'enetunreach',
  'und_err_connect_timeout',
]);

/**
 * Statuses after which a change may have been made all the same: the server failed while carrying it out (500), or a
 * gateway got no good answer from it (502) or none in time (504). A 503 says it was not taken on.
 */
const OUTCOME_UNKNOWN_STATUSES: ReadonlySet<number> = new Set([500, 502, 504]);

/**
 * A failure of a write to `upstream` as what is known of its outcome: an UpstreamUnavailableError of that upstream
 * without an answer (none, or one that could not be read) after the request may have been sent, or with a 500, 502 or
 * 504, becomes {@link UpstreamOutcomeUnknownError}; everything else (another status, a refused connection, an open
 * breaker, and another upstream's failure: Maskinporten's token before anything was sent) is returned as it is.
 */
export function writeFailure(err: unknown, upstream: UpstreamName): unknown {
  if (!(err instanceof UpstreamUnavailableError) || err.upstream !== upstream || NOT_SENT_REASONS.has(err.reason)) {
    return err;
  }
  if (err.status !== undefined && !OUTCOME_UNKNOWN_STATUSES.has(err.status)) return err;
  return new UpstreamOutcomeUnknownError(err.upstream, err.reason, false);
}

/** A 4xx answer the calling domain did not handle itself. `body` is kept for mapping only, never shown. */
export class UpstreamStatusError extends Error {
  constructor(
    readonly upstream: UpstreamName,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${upstream} answered HTTP ${status}`);
  }
}

/** A Maskinporten token could not be obtained; `mpCode` is the documented code (e.g. `MP-200`) when known. */
export class UpstreamAuthError extends Error {
  constructor(
    readonly reason: string,
    readonly mpCode?: string,
    readonly oauthError?: string,
    /** What to fix, for the caller (supplier mode: which customer, which delegation or registration). */
    readonly hint?: string,
    /** The HTTP status Maskinporten answered, when it answered. */
    readonly status?: number,
  ) {
    super(reason);
  }

  withHint(hint: string): UpstreamAuthError {
    return new UpstreamAuthError(this.reason, this.mpCode, this.oauthError, hint, this.status);
  }
}

const UPSTREAM_LABEL: Record<UpstreamName, string> = {
  krr: 'The contact register (KRR)',
  admin: 'The ID-porten admin API',
  maskinporten: 'Maskinporten',
};

/** Maps any error thrown below the resolvers to the error contract (DESIGN.md "Error contract"). */
export function toGraphQLError(err: unknown): GraphQLError {
  if (err instanceof GraphQLError) return err;
  if (err instanceof UpstreamAuthError) {
    // A configuration to fix (Maskinporten's outages are UpstreamUnavailableError): say what it answered, if anything.
    const oauthError = err.oauthError && OAUTH_ERROR_CODE.test(err.oauthError) ? err.oauthError : undefined;
    const code =
      [err.mpCode, oauthError].filter(Boolean).join(' ') ||
      (err.status ? `HTTP ${err.status}` : 'a configuration error, see the log');
    return new GraphQLError(`Could not obtain a Maskinporten token (${code}).${err.hint ? ` ${err.hint}` : ''}`, {
      extensions: {
        code: 'UPSTREAM_AUTH_FAILED',
        upstream: 'maskinporten',
        ...(err.mpCode ? { mpCode: err.mpCode } : {}),
        ...(oauthError ? { oauthError } : {}),
        ...(err.status && !err.mpCode && !oauthError ? { status: err.status } : {}),
        ...(err.hint ? { hint: err.hint } : {}),
      },
      originalError: err,
    });
  }
  if (err instanceof UpstreamOutcomeUnknownError) {
    // Not "try again later": a retry could make the change twice. The caller checks first.
    const message = err.accepted
      ? `${UPSTREAM_LABEL[err.upstream]} accepted the change, but its answer could not be read (${err.reason}): the change was probably made. Check its result (for example, query clients) before retrying.`
      : `${UPSTREAM_LABEL[err.upstream]} gave no readable answer to the change (${err.reason}): the change may have been made. Check (for example, query clients) before retrying.`;
    return new GraphQLError(message, {
      extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: err.upstream, outcome: 'UNKNOWN' },
      originalError: err,
    });
  }
  if (err instanceof UpstreamUnavailableError) {
    // An answer that could not be read comes back the same way: "try again later" would mislead.
    const message = isUnreadableAnswer(err)
      ? `${UPSTREAM_LABEL[err.upstream]} sent an answer the facade could not read (${err.reason}).`
      : isShutdownStop(err)
        ? `The facade is shutting down and ${err.reason === NOT_SENT_SHUTDOWN ? 'did not call' : 'stopped waiting for'} ${UPSTREAM_LABEL[err.upstream].replace(/^The /, 'the ')}; try again (another replica answers).`
        : `${UPSTREAM_LABEL[err.upstream]} is unavailable right now; try again later.`;
    const retryAfterSeconds =
      err.retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(err.retryAfterMs / 1000));
    return new GraphQLError(message, {
      extensions: {
        code: 'UPSTREAM_UNAVAILABLE',
        upstream: err.upstream,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      },
      originalError: err,
    });
  }
  if (err instanceof UpstreamStatusError) {
    // Neither is about the ids or input sent: the whole call failed, as it will again.
    if (err.status === 401) {
      return new GraphQLError(`${UPSTREAM_LABEL[err.upstream]} refused the facade's Maskinporten token (HTTP 401).`, {
        extensions: { code: 'UPSTREAM_AUTH_FAILED', upstream: err.upstream, status: err.status },
        originalError: err,
      });
    }
    if (err.status >= 300 && err.status < 400) {
      return new GraphQLError(
        `${UPSTREAM_LABEL[err.upstream]} answered with a redirect (HTTP ${err.status}), which the facade does not follow.`,
        {
          extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: err.upstream, status: err.status },
          originalError: err,
        },
      );
    }
    if (err.status === 403) {
      return new GraphQLError(`${UPSTREAM_LABEL[err.upstream]} refused access.`, {
        extensions: { code: 'FORBIDDEN', upstream: err.upstream },
        originalError: err,
      });
    }
    return new GraphQLError(`${UPSTREAM_LABEL[err.upstream]} rejected the request (HTTP ${err.status}).`, {
      extensions: { code: 'UPSTREAM_REJECTED', upstream: err.upstream, status: err.status },
      originalError: err,
    });
  }
  return new GraphQLError('Internal server error', {
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
    originalError: err instanceof Error ? err : new Error(String(err)),
  });
}
