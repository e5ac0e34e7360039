import { setTimeout as delay } from 'node:timers/promises';

/**
 * Retries for upstream calls, only where the caller says it is safe (idempotent calls, retryable outcomes): capped
 * exponential backoff with full jitter, Retry-After honoured, one retry budget per GraphQL request and an optional
 * deadline. This module knows nothing about HTTP clients: `decide()` classifies each outcome.
 */

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 2_000 });

/**
 * Statuses worth another try: rate limited, a request the upstream timed out before it was processed (408), or a
 * gateway/service that may answer on the next attempt.
 */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 502, 503, 504]);

/**
 * A Retry-After is honoured up to this many times `maxDelayMs`; a longer one ends the retries (never sooner than the
 * upstream asked: it would only be refused again, and add load where the upstream asked for less).
 */
const RETRY_AFTER_CAP_FACTOR = 5;

/** One budget per GraphQL request, shared by all its upstream calls, so retries cannot multiply load during an outage. */
export class RetryBudget {
  #used = 0;

  constructor(readonly maxRetries = 3) {}

  /** Takes one retry from the budget; false (and nothing taken) when it is spent. */
  tryTake(): boolean {
    if (this.#used >= this.maxRetries) return false;
    this.#used += 1;
    return true;
  }

  get used(): number {
    return this.#used;
  }

  get remaining(): number {
    return Math.max(0, this.maxRetries - this.#used);
  }
}

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

// RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient must still accept.
const IMF_FIXDATE = /^[a-z]{3}, (\d{2}) ([a-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const RFC850_DATE = /^[a-z]{6,9}, (\d{2})-([a-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) gmt$/i;
const ASCTIME_DATE = /^[a-z]{3} ([a-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/i;

/** An HTTP-date as epoch ms, or undefined. Strict on shape: `Date.parse` alone accepts too much. */
function parseHttpDate(text: string, nowMs: number): number | undefined {
  let parts: [day: string, month: string, year: number, h: string, m: string, s: string] | undefined;
  let match = IMF_FIXDATE.exec(text);
  if (match) {
    const [, day = '', month = '', year = '', h = '', m = '', s = ''] = match;
    parts = [day, month, Number(year), h, m, s];
  } else if ((match = RFC850_DATE.exec(text))) {
    const [, day = '', month = '', yy = '', h = '', m = '', s = ''] = match;
    // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
    const nowYear = new Date(nowMs).getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + Number(yy);
    if (year > nowYear + 50) year -= 100;
    parts = [day, month, year, h, m, s];
  } else if ((match = ASCTIME_DATE.exec(text))) {
    const [, month = '', day = '', h = '', m = '', s = '', year = ''] = match;
    parts = [day.trim(), month, Number(year), h, m, s];
  }
  if (!parts) return undefined;
  const [day, monthName, year, h, m, s] = parts;
  const month = MONTHS[monthName.toLowerCase()];
  if (month === undefined) return undefined;
  const [dd, hh, mm, ss] = [Number(day), Number(h), Number(m), Number(s)];
  if (dd < 1 || dd > 31 || hh > 23 || mm > 59 || ss > 60) return undefined;
  const ms = Date.UTC(year, month, dd, hh, mm, Math.min(ss, 59));
  // Reject dates that roll over (31 Feb → 3 Mar).
  return new Date(ms).getUTCDate() === dd ? ms : undefined;
}

/** Retry-After as delay in ms: delta-seconds or an HTTP-date (relative to nowMs); undefined when absent/invalid; negative → 0. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  // The field is a singleton; when it is repeated anyway, the first one counts.
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    // delta-seconds (RFC: 1*DIGIT); a fraction or a minus sign is read leniently rather than thrown away.
    const ms = Math.round(Number(text) * 1000);
    return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
  }
  const at = parseHttpDate(text, nowMs);
  return at === undefined ? undefined : Math.max(0, at - nowMs);
}

/** Full-jitter backoff for retry number `retry` (1-based): random in [0, min(maxDelayMs, baseDelayMs * 2^(retry-1))]. */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(retry) - 1);
  const ceiling = Math.max(0, Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent));
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(r * ceiling);
}

export interface RetryDecision {
  retry: boolean;
  /** The upstream's Retry-After, already parsed (see `parseRetryAfter`). */
  retryAfterMs?: number;
}

export type RetryOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface RetryOptions<T> {
  policy?: RetryPolicy;
  /** When given, each retry takes one; an empty budget stops retrying. */
  budget?: RetryBudget;
  decide(outcome: RetryOutcome<T>): RetryDecision;
  /** Epoch ms: never sleep past it; stop retrying when the next attempt would start after it. */
  deadlineAt?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Metrics hook, called once a retry is committed, just before its sleep. */
  onRetry?(info: { retry: number; delayMs: number }): void;
}

const defaultSleep = (ms: number): Promise<void> => delay(ms);

/**
 * Runs fn(attempt) (attempt 1-based) until decide() says stop or attempts/budget/deadline run out; returns the last
 * value or throws the last error. The delay is max(backoff, Retry-After), capped by the deadline; a Retry-After longer
 * than maxDelayMs * 5 or than the time left before the deadline means: do not retry (never sooner than it says).
 */
export async function withRetries<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions<T>): Promise<T> {
  const policy = opts.policy ?? DEFAULT_RETRY_POLICY;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));

  for (let attempt = 1; ; attempt++) {
    let outcome: RetryOutcome<T>;
    try {
      outcome = { ok: true, value: await fn(attempt) };
    } catch (error) {
      outcome = { ok: false, error };
    }

    const delayMs = attempt < maxAttempts ? nextDelay(outcome, attempt, policy, opts, now) : undefined;
    if (delayMs === undefined || (opts.budget && !opts.budget.tryTake())) {
      if (outcome.ok) return outcome.value;
      throw outcome.error;
    }
    opts.onRetry?.({ retry: attempt, delayMs });
    if (delayMs > 0) await sleep(delayMs);
  }
}

/** The sleep before the next attempt, or undefined when there is to be no next attempt. */
function nextDelay<T>(
  outcome: RetryOutcome<T>,
  attempt: number,
  policy: RetryPolicy,
  opts: RetryOptions<T>,
  now: () => number,
): number | undefined {
  const decision = opts.decide(outcome);
  if (!decision.retry) return undefined;

  const retryAfter = decision.retryAfterMs !== undefined && decision.retryAfterMs >= 0 ? decision.retryAfterMs : 0;
  if (retryAfter > policy.maxDelayMs * RETRY_AFTER_CAP_FACTOR) return undefined;
  let delayMs = Math.max(backoffDelayMs(attempt, policy, opts.random), retryAfter);

  if (opts.deadlineAt !== undefined) {
    const left = opts.deadlineAt - now();
    if (left <= 0 || retryAfter > left) return undefined;
    delayMs = Math.min(delayMs, left);
  }
  return delayMs;
}
