import { describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  RETRYABLE_STATUSES,
  RetryBudget,
  backoffDelayMs,
  parseRetryAfter,
  withRetries,
  type RetryDecision,
  type RetryOutcome,
  type RetryPolicy,
} from '../../src/upstream/retry.js';

const NOW = Date.UTC(2015, 9, 21, 7, 28, 0); // Wed, 21 Oct 2015 07:28:00 GMT

class Unavailable extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** Retries thrown 5xx errors and 429/503 answers, with the answer's Retry-After (seconds) when it has one. */
function decide(outcome: RetryOutcome<{ status: number; retryAfter?: string }>): RetryDecision {
  if (!outcome.ok)
    return { retry: outcome.error instanceof Unavailable && RETRYABLE_STATUSES.has(outcome.error.status) };
  const { status, retryAfter } = outcome.value;
  if (!RETRYABLE_STATUSES.has(status)) return { retry: false };
  const retryAfterMs = parseRetryAfter(retryAfter, NOW);
  return retryAfterMs === undefined ? { retry: true } : { retry: true, retryAfterMs };
}

/** An injected sleep that records the delays and returns at once, and a clock it moves forward. */
function fakeClock(start = NOW) {
  let t = start;
  const delays: number[] = [];
  return {
    delays,
    now: () => t,
    sleep: async (ms: number) => {
      delays.push(ms);
      t += ms;
    },
  };
}

/** fn that answers with the given script, one entry per attempt; an Error entry is thrown. */
function scripted<T>(script: (T | Error)[]) {
  const attempts: number[] = [];
  const fn = async (attempt: number): Promise<T> => {
    attempts.push(attempt);
    const step = script[attempt - 1];
    if (step === undefined) throw new Error(`no script for attempt ${attempt}`);
    if (step instanceof Error) throw step;
    return step;
  };
  return { fn, attempts };
}

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 1 ', NOW)).toBe(1_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1_500);
  });

  it('reads an HTTP-date relative to now, in all three RFC 9110 forms', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Wednesday, 21-Oct-15 07:29:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Wed Oct 21 07:28:05 2015', NOW)).toBe(5_000);
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', Date.UTC(1994, 10, 6, 8, 49, 30))).toBe(7_000);
  });

  it('gives undefined for absent or garbage values', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('   ', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('10s', NOW)).toBeUndefined();
    expect(parseRetryAfter('2015', NOW)).toBe(2_015_000); // digits are seconds, never a year
    expect(parseRetryAfter('2015-10-21T07:28:30Z', NOW)).toBeUndefined();
    expect(parseRetryAfter('Wed, 31 Feb 2015 07:28:30 GMT', NOW)).toBeUndefined();
    expect(parseRetryAfter('Wed, 21 Foo 2015 07:28:30 GMT', NOW)).toBeUndefined();
    expect(parseRetryAfter('Wed, 21 Oct 2015 25:28:30 GMT', NOW)).toBeUndefined();
    expect(parseRetryAfter([], NOW)).toBeUndefined();
  });

  it('takes the first of a repeated header', () => {
    expect(parseRetryAfter(['3', '10'], NOW)).toBe(3_000);
    expect(parseRetryAfter(['Wed, 21 Oct 2015 07:28:10 GMT', '1'], NOW)).toBe(10_000);
    expect(parseRetryAfter(['nonsense', '1'], NOW)).toBeUndefined();
  });

  it('turns negative delays (a past date, a minus sign) into 0', () => {
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('-5', NOW)).toBe(0);
  });
});

describe('backoffDelayMs', () => {
  const policy: RetryPolicy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 2_000 };

  it('grows exponentially up to maxDelayMs (random = 1: the ceiling)', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 40, 2000].map((r) => backoffDelayMs(r, policy, () => 1));
    expect(ceilings).toEqual([100, 200, 400, 800, 1600, 2000, 2000, 2000, 2000]);
  });

  it('is full jitter: random scales the ceiling from 0', () => {
    expect(backoffDelayMs(1, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(200);
    expect(backoffDelayMs(6, policy, () => 0.25)).toBe(500);
  });

  it('stays in [0, ceiling] with Math.random and with an out-of-range random', () => {
    for (let retry = 1; retry <= 8; retry++) {
      const ceiling = Math.min(2_000, 100 * 2 ** (retry - 1));
      for (let i = 0; i < 50; i++) {
        const d = backoffDelayMs(retry, policy);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
    }
    expect(backoffDelayMs(1, policy, () => 7)).toBe(100);
    expect(backoffDelayMs(1, policy, () => -1)).toBe(0);
  });

  it('uses the defaults 3 / 100 / 2000', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 2_000 });
    expect([...RETRYABLE_STATUSES].sort()).toEqual([408, 429, 502, 503, 504]);
  });
});

describe('RetryBudget', () => {
  it('hands out maxRetries retries (default 3)', () => {
    const budget = new RetryBudget();
    expect([budget.tryTake(), budget.tryTake(), budget.tryTake(), budget.tryTake()]).toEqual([true, true, true, false]);
    expect(budget.used).toBe(3);
    expect(budget.remaining).toBe(0);
    const one = new RetryBudget(1);
    expect(one.remaining).toBe(1);
    expect(one.tryTake()).toBe(true);
    expect(one.tryTake()).toBe(false);
    expect(one.used).toBe(1);
  });
});

describe('withRetries', () => {
  it('succeeds after two retryable failures', async () => {
    const clock = fakeClock();
    const { fn, attempts } = scripted([new Unavailable(503), new Unavailable(502), { status: 200 }]);
    const result = await withRetries(fn, { decide, now: clock.now, sleep: clock.sleep, random: () => 1 });
    expect(result).toEqual({ status: 200 });
    expect(attempts).toEqual([1, 2, 3]);
    expect(clock.delays).toEqual([100, 200]);
  });

  it('stops at maxAttempts and throws the last error', async () => {
    const clock = fakeClock();
    const last = new Unavailable(504);
    const { fn, attempts } = scripted([new Unavailable(503), new Unavailable(503), last, { status: 200 }]);
    await expect(withRetries(fn, { decide, now: clock.now, sleep: clock.sleep, random: () => 0.5 })).rejects.toBe(last);
    expect(attempts).toEqual([1, 2, 3]);
    expect(clock.delays).toHaveLength(2);
  });

  it('stops at maxAttempts and returns the last value', async () => {
    const clock = fakeClock();
    const { fn, attempts } = scripted([{ status: 503 }, { status: 429 }, { status: 200 }]);
    const policy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 2 };
    const result = await withRetries(fn, { decide, policy, now: clock.now, sleep: clock.sleep, random: () => 0.5 });
    expect(result).toEqual({ status: 429 });
    expect(attempts).toEqual([1, 2]);
  });

  it('does not retry when decide says no', async () => {
    const clock = fakeClock();
    const decideSpy = vi.fn(decide);
    const notFound = scripted([{ status: 404 }, { status: 200 }]);
    expect(await withRetries(notFound.fn, { decide: decideSpy, sleep: clock.sleep, random: () => 0.5 })).toEqual({
      status: 404,
    });
    expect(notFound.attempts).toEqual([1]);

    const bug = new TypeError('bug');
    const thrown = scripted<{ status: number }>([bug, { status: 200 }]);
    await expect(withRetries(thrown.fn, { decide: decideSpy, sleep: clock.sleep, random: () => 0.5 })).rejects.toBe(
      bug,
    );
    expect(thrown.attempts).toEqual([1]);
    expect(decideSpy).toHaveBeenCalledTimes(2);
    expect(clock.delays).toEqual([]);
  });

  it('honours a Retry-After of 1 s', async () => {
    const clock = fakeClock();
    const { fn, attempts } = scripted([{ status: 429, retryAfter: '1' }, { status: 200 }]);
    const result = await withRetries(fn, { decide, now: clock.now, sleep: clock.sleep, random: () => 1 });
    expect(result).toEqual({ status: 200 });
    expect(attempts).toEqual([1, 2]);
    expect(clock.delays).toEqual([1_000]); // max(backoff 100, Retry-After 1000)
  });

  it('takes the backoff when it is longer than the Retry-After', async () => {
    const clock = fakeClock();
    const policy = { maxAttempts: 2, baseDelayMs: 1_500, maxDelayMs: 2_000 };
    const { fn } = scripted([{ status: 503, retryAfter: '1' }, { status: 200 }]);
    await withRetries(fn, { decide, policy, now: clock.now, sleep: clock.sleep, random: () => 1 });
    expect(clock.delays).toEqual([1_500]);
  });

  it('does not retry when Retry-After is longer than maxDelayMs * 5: never sooner than the upstream asked', async () => {
    const clock = fakeClock();
    const { fn, attempts } = scripted([{ status: 503, retryAfter: '3600' }, { status: 200 }]);
    const result = await withRetries(fn, { decide, now: clock.now, sleep: clock.sleep, random: () => 0.5 });
    expect(result).toEqual({ status: 503, retryAfter: '3600' });
    expect(attempts).toEqual([1]);
    expect(clock.delays).toEqual([]);
  });

  it('honours a Retry-After of exactly maxDelayMs * 5', async () => {
    const clock = fakeClock();
    const { fn } = scripted([{ status: 503, retryAfter: '10' }, { status: 200 }]);
    await withRetries(fn, { decide, now: clock.now, sleep: clock.sleep, random: () => 0.5 });
    expect(clock.delays).toEqual([10_000]);
  });

  it('does not retry when the Retry-After reaches beyond the deadline', async () => {
    const clock = fakeClock();
    const { fn, attempts } = scripted([{ status: 503, retryAfter: '5' }, { status: 200 }]);
    const onRetry = vi.fn();
    const result = await withRetries(fn, {
      decide,
      deadlineAt: NOW + 4_000,
      now: clock.now,
      sleep: clock.sleep,
      onRetry,
    });
    expect(result).toEqual({ status: 503, retryAfter: '5' });
    expect(attempts).toEqual([1]);
    expect(clock.delays).toEqual([]);
    expect(onRetry).not.toHaveBeenCalled();
  });

  it('never sleeps past the deadline, and stops once it has passed', async () => {
    const clock = fakeClock();
    const policy = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 2_000 };
    const script = [new Unavailable(503), new Unavailable(503), new Unavailable(503), { status: 200 }];
    const { fn, attempts } = scripted(script);
    const run = withRetries(fn, {
      decide,
      policy,
      deadlineAt: NOW + 1_500,
      now: clock.now,
      sleep: clock.sleep,
      random: () => 1,
    });
    await expect(run).rejects.toBeInstanceOf(Unavailable);
    expect(clock.delays).toEqual([1_000, 500]); // the second backoff (2000) is cut to the time left
    expect(attempts).toEqual([1, 2, 3]); // the third attempt starts at the deadline, a fourth would start after it
  });

  it('stops retries across two concurrent calls once their shared budget is spent', async () => {
    const budget = new RetryBudget(3);
    const clock = fakeClock();
    const a = scripted(Array.from({ length: 5 }, () => new Unavailable(503)));
    const b = scripted(Array.from({ length: 5 }, () => new Unavailable(503)));
    const policy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 5 };
    const opts = { decide, policy, budget, now: clock.now, sleep: clock.sleep, random: () => 0.5 };
    const results = await Promise.allSettled([withRetries(a.fn, opts), withRetries(b.fn, opts)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    // 2 first attempts + 3 retries between them, instead of 2 × 5 attempts.
    expect(a.attempts.length + b.attempts.length).toBe(5);
    expect(a.attempts.length).toBeGreaterThanOrEqual(2);
    expect(b.attempts.length).toBeGreaterThanOrEqual(2);
    expect(budget.used).toBe(3);
    expect(budget.remaining).toBe(0);
  });

  it('does not retry at all with a spent budget', async () => {
    const budget = new RetryBudget(0);
    const { fn, attempts } = scripted([new Unavailable(503), { status: 200 }]);
    await expect(withRetries(fn, { decide, budget, sleep: fakeClock().sleep })).rejects.toBeInstanceOf(Unavailable);
    expect(attempts).toEqual([1]);
  });

  it('calls onRetry with the retry number and the delay', async () => {
    const clock = fakeClock();
    const onRetry = vi.fn();
    const { fn } = scripted([new Unavailable(502), { status: 503, retryAfter: '2' }, { status: 200 }]);
    await withRetries(fn, { decide, now: clock.now, sleep: clock.sleep, random: () => 0.5, onRetry });
    expect(onRetry.mock.calls).toEqual([[{ retry: 1, delayMs: 50 }], [{ retry: 2, delayMs: 2_000 }]]);
    expect(clock.delays).toEqual([50, 2_000]);
  });

  it('sleeps for real by default', async () => {
    const started = performance.now();
    const { fn } = scripted([new Unavailable(503), { status: 200 }]);
    const policy = { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 20 };
    expect(await withRetries(fn, { decide, policy, random: () => 1 })).toEqual({ status: 200 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
  });
});
