/**
 * Per-caller limit on person look-ups: a token bucket per caller of capacity `personsPerMinute`, refilled continuously
 * at `personsPerMinute` per minute. In-process only: each replica keeps its own buckets.
 */

export interface RateLimitDecision {
  ok: boolean;
  /** 0 when ok; otherwise whole seconds until the request could pass (rounded up). */
  retryAfterSeconds: number;
  /** Whole persons left in the caller's bucket after this decision. */
  remaining: number;
}

/** Persons per caller per minute: {@link PersonRateLimiter} in this process, or one shared by replicas (state/). */
export interface PersonLimiter {
  /** Takes `count` persons from the caller's allowance, all or nothing. */
  take(callerKey: string, count: number): RateLimitDecision | Promise<RateLimitDecision>;
}

export interface PersonRateLimiterOptions {
  /** Bucket capacity and refill per minute; a positive integer. */
  personsPerMinute: number;
  /** Milliseconds on a clock that does not go backwards; default `performance.now()`. */
  now?: () => number;
  /** Most buckets kept; the least recently used beyond this are evicted. Default 100 000. */
  maxCallers?: number;
}

const MINUTE_MS = 60_000;

/**
 * Token amounts are kept in units of 1/60 000 person, so that one millisecond refills exactly `personsPerMinute`
 * units and whole-person arithmetic stays exact with an integer clock.
 */
const UNITS_PER_PERSON = MINUTE_MS;

interface Bucket {
  units: number;
  last: number;
}

/** Persons per minute per caller (a token bucket of capacity `personsPerMinute`, refilled continuously). */
export class PersonRateLimiter implements PersonLimiter {
  private readonly perMinute: number;
  private readonly capacityUnits: number;
  private readonly now: () => number;
  private readonly maxCallers: number;
  /** Insertion order is recency order: a touched bucket is moved to the end. */
  private readonly buckets = new Map<string, Bucket>();

  constructor(opts: PersonRateLimiterOptions) {
    if (!Number.isSafeInteger(opts.personsPerMinute) || opts.personsPerMinute < 1) {
      throw new RangeError('personsPerMinute must be a positive integer');
    }
    const maxCallers = opts.maxCallers ?? 100_000;
    if (!Number.isSafeInteger(maxCallers) || maxCallers < 1) {
      throw new RangeError('maxCallers must be a positive integer');
    }
    this.perMinute = opts.personsPerMinute;
    this.capacityUnits = opts.personsPerMinute * UNITS_PER_PERSON;
    this.now = opts.now ?? (() => performance.now());
    this.maxCallers = maxCallers;
  }

  /** Number of buckets held (callers seen in the last minute, at most `maxCallers`). */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * Takes `count` persons from the caller's bucket, all or nothing: a refused request takes nothing.
   *
   * A request for more persons than the whole capacity (`count > personsPerMinute`) can never pass, however long the
   * caller waits; it is refused with `retryAfterSeconds = 60` and the caller is expected to split it into requests of
   * at most `personsPerMinute` persons. `count = 0` is always ok and takes nothing.
   */
  take(callerKey: string, count: number): RateLimitDecision {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
    const now = this.now();
    this.evictIdle(now);

    let bucket = this.buckets.get(callerKey);
    if (bucket) {
      this.buckets.delete(callerKey);
      const elapsed = Math.max(0, now - bucket.last);
      bucket.units = Math.min(this.capacityUnits, bucket.units + elapsed * this.perMinute);
      bucket.last = now;
    } else {
      if (count === 0) return { ok: true, retryAfterSeconds: 0, remaining: this.perMinute };
      bucket = { units: this.capacityUnits, last: now };
    }
    this.buckets.set(callerKey, bucket);
    this.evictOverflow();

    const needed = count * UNITS_PER_PERSON;
    if (count > this.perMinute) {
      return { ok: false, retryAfterSeconds: MINUTE_MS / 1000, remaining: this.remaining(bucket) };
    }
    if (bucket.units >= needed) {
      bucket.units -= needed;
      return { ok: true, retryAfterSeconds: 0, remaining: this.remaining(bucket) };
    }
    const waitMs = (needed - bucket.units) / this.perMinute;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), remaining: this.remaining(bucket) };
  }

  private remaining(bucket: Bucket): number {
    return Math.floor(bucket.units / UNITS_PER_PERSON);
  }

  /** Drops buckets idle for a minute or more: they are full again, and a new bucket starts full. */
  private evictIdle(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.last < MINUTE_MS) break; // the rest were used more recently
      this.buckets.delete(key);
    }
  }

  /** Keeps memory bounded: beyond `maxCallers`, the least recently used buckets go, full or not. */
  private evictOverflow(): void {
    while (this.buckets.size > this.maxCallers) {
      const oldest = this.buckets.keys().next();
      if (oldest.done) return;
      this.buckets.delete(oldest.value);
    }
  }
}
