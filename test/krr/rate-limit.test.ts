import { describe, expect, it } from 'vitest';
import { PersonRateLimiter } from '../../src/krr/rate-limit.js';

function clock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('PersonRateLimiter', () => {
  it('lets bursts up to the capacity pass and refuses the next with the time until it refills', () => {
    const c = clock();
    const limiter = new PersonRateLimiter({ personsPerMinute: 60, now: c.now });

    expect(limiter.take('a', 50)).toEqual({ ok: true, retryAfterSeconds: 0, remaining: 10 });
    expect(limiter.take('a', 10)).toEqual({ ok: true, retryAfterSeconds: 0, remaining: 0 });
    // 60/min is one person per second.
    expect(limiter.take('a', 1)).toEqual({ ok: false, retryAfterSeconds: 1, remaining: 0 });
    expect(limiter.take('a', 5)).toEqual({ ok: false, retryAfterSeconds: 5, remaining: 0 });
  });

  it('rounds the retry delay up to whole seconds', () => {
    const c = clock();
    const limiter = new PersonRateLimiter({ personsPerMinute: 7, now: c.now });
    expect(limiter.take('a', 7).ok).toBe(true);
    // One person refills in 60/7 ≈ 8.57 s.
    expect(limiter.take('a', 1)).toEqual({ ok: false, retryAfterSeconds: 9, remaining: 0 });
    c.advance(8_000);
    expect(limiter.take('a', 1)).toEqual({ ok: false, retryAfterSeconds: 1, remaining: 0 });
    c.advance(572);
    expect(limiter.take('a', 1)).toEqual({ ok: true, retryAfterSeconds: 0, remaining: 0 });
  });

  it('refills continuously as time passes, never beyond the capacity', () => {
    const c = clock();
    const limiter = new PersonRateLimiter({ personsPerMinute: 120, now: c.now });
    expect(limiter.take('a', 120).ok).toBe(true);

    c.advance(500); // one person per 500 ms
    expect(limiter.take('a', 2)).toEqual({ ok: false, retryAfterSeconds: 1, remaining: 1 });
    expect(limiter.take('a', 1)).toEqual({ ok: true, retryAfterSeconds: 0, remaining: 0 });

    c.advance(10_000);
    expect(limiter.take('a', 20)).toEqual({ ok: true, retryAfterSeconds: 0, remaining: 0 });

    c.advance(10 * 60_000);
    expect(limiter.take('a', 0)).toEqual({ ok: true, retryAfterSeconds: 0, remaining: 120 });
    expect(limiter.take('a', 120)).toEqual({ ok: true, retryAfterSeconds: 0, remaining: 0 });
  });

  it('keeps callers independent', () => {
    const c = clock();
    const limiter = new PersonRateLimiter({ personsPerMinute: 10, now: c.now });
    expect(limiter.take('a', 10).ok).toBe(true);
    expect(limiter.take('a', 1).ok).toBe(false);
    expect(limiter.take('b', 10)).toEqual({ ok: true, retryAfterSeconds: 0, remaining: 0 });
    expect(limiter.take('c', 3)).toEqual({ ok: true, retryAfterSeconds: 0, remaining: 7 });
    expect(limiter.take('a', 1).ok).toBe(false);
  });

  it('is all or nothing: a refused request takes nothing', () => {
    const c = clock();
    const limiter = new PersonRateLimiter({ personsPerMinute: 10, now: c.now });
    expect(limiter.take('a', 7).ok).toBe(true);
    expect(limiter.take('a', 4)).toEqual({ ok: false, retryAfterSeconds: 6, remaining: 3 });
    expect(limiter.take('a', 4)).toEqual({ ok: false, retryAfterSeconds: 6, remaining: 3 });
    expect(limiter.take('a', 3)).toEqual({ ok: true, retryAfterSeconds: 0, remaining: 0 });
  });

  it('refuses a request larger than the capacity with 60 s, even with a full bucket, and takes nothing', () => {
    const c = clock();
    const limiter = new PersonRateLimiter({ personsPerMinute: 10, now: c.now });
    expect(limiter.take('a', 11)).toEqual({ ok: false, retryAfterSeconds: 60, remaining: 10 });
    c.advance(3_600_000);
    expect(limiter.take('a', 11)).toEqual({ ok: false, retryAfterSeconds: 60, remaining: 10 });
    expect(limiter.take('a', 10).ok).toBe(true);
  });

  it('always allows count 0, even for an exhausted caller, and takes nothing', () => {
    const c = clock();
    const limiter = new PersonRateLimiter({ personsPerMinute: 5, now: c.now });
    expect(limiter.take('new', 0)).toEqual({ ok: true, retryAfterSeconds: 0, remaining: 5 });
    expect(limiter.size).toBe(0); // an unknown caller asking for nothing gets no bucket
    expect(limiter.take('a', 5).ok).toBe(true);
    expect(limiter.take('a', 0)).toEqual({ ok: true, retryAfterSeconds: 0, remaining: 0 });
  });

  it('rejects a negative or fractional count and a bad configuration', () => {
    const limiter = new PersonRateLimiter({ personsPerMinute: 5 });
    expect(() => limiter.take('a', -1)).toThrow(RangeError);
    expect(() => limiter.take('a', 1.5)).toThrow(RangeError);
    expect(() => limiter.take('a', Number.NaN)).toThrow(RangeError);
    expect(() => new PersonRateLimiter({ personsPerMinute: 0 })).toThrow(RangeError);
    expect(() => new PersonRateLimiter({ personsPerMinute: 5, maxCallers: 0 })).toThrow(RangeError);
  });

  it('keeps memory bounded by evicting the least recently used buckets', () => {
    const c = clock();
    const limiter = new PersonRateLimiter({ personsPerMinute: 10, now: c.now, maxCallers: 3 });
    for (const key of ['a', 'b', 'c']) expect(limiter.take(key, 10).ok).toBe(true);
    c.advance(1_000);
    expect(limiter.take('a', 1).ok).toBe(false); // touching 'a' makes 'b' the least recently used
    expect(limiter.take('d', 1).ok).toBe(true);
    expect(limiter.size).toBe(3);
    // 'a' and 'c' were kept and are still limited; 'b' was evicted and starts over with a full bucket.
    expect(limiter.take('a', 1).ok).toBe(false);
    expect(limiter.take('c', 1).ok).toBe(false);
    expect(limiter.take('b', 10).ok).toBe(true);
    expect(limiter.size).toBe(3);

    for (let i = 0; i < 10_000; i++) limiter.take(`caller-${i}`, 1);
    expect(limiter.size).toBe(3);
  });

  it('drops buckets idle for a minute, since they are full again', () => {
    const c = clock();
    const limiter = new PersonRateLimiter({ personsPerMinute: 10, now: c.now });
    for (let i = 0; i < 100; i++) limiter.take(`caller-${i}`, 10);
    expect(limiter.size).toBe(100);
    c.advance(30_000);
    limiter.take('recent', 1);
    expect(limiter.size).toBe(101);
    c.advance(30_000);
    limiter.take('recent', 1);
    expect(limiter.size).toBe(1);
    // A dropped caller gets a full bucket, exactly what its refilled bucket would have held.
    expect(limiter.take('caller-0', 10)).toEqual({ ok: true, retryAfterSeconds: 0, remaining: 0 });
  });

  it('uses a real clock by default', () => {
    const limiter = new PersonRateLimiter({ personsPerMinute: 2 });
    expect(limiter.take('a', 2).ok).toBe(true);
    const refused = limiter.take('a', 1);
    expect(refused.ok).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(29);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(30);
  });
});
