import { createHash } from 'node:crypto';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from 'pino';
import type { PersonLimiter, RateLimitDecision } from '../krr/rate-limit.js';
import type { SharedStore } from './redis.js';

const WINDOW_SECONDS = 60;

export interface SharedRateLimiterOptions {
  store: SharedStore;
  personsPerMinute: number;
  log: Logger;
  /** Counted each time a decision is made by the per-replica fallback because Redis could not answer. */
  onFallback: () => void;
  /** Names the counters in Redis (default `persons`): limits of different kinds never share a key. */
  name?: string;
}

/**
 * Persons per caller per minute, counted in Redis so the limit holds across every replica (rate-limiter-flexible:
 * one atomic Lua INCRBY+PEXPIRE per decision, a fixed 60 s window per caller). When Redis cannot answer (down,
 * restarting, slower than the command timeout) the library's insurance limiter decides instead: the same limit,
 * counted in this replica only, with a metric and a warning, so look-ups keep working through an outage.
 *
 * rate-limiter-flexible rather than a hand-written script: its Lua is atomic and widely used, it speaks ioredis and
 * Valkey, and its insurance limiter is exactly the fallback the facade needs.
 */
export class SharedPersonRateLimiter implements PersonLimiter {
  private readonly limiter: RateLimiterRedis;
  private readonly perMinute: number;
  private warnedAt = 0;

  constructor(private readonly opts: SharedRateLimiterOptions) {
    this.perMinute = opts.personsPerMinute;
    const fallback = new FallbackLimiter({ points: this.perMinute, duration: WINDOW_SECONDS }, () => this.fellBack());
    this.limiter = new RateLimiterRedis({
      storeClient: opts.store.redis,
      keyPrefix: `${opts.store.prefix}${opts.name ?? 'persons'}`,
      points: this.perMinute,
      duration: WINDOW_SECONDS,
      // Do not wait for a reconnect: decide in this replica at once.
      rejectIfRedisNotReady: true,
      insuranceLimiter: fallback,
    });
  }

  async take(callerKey: string, count: number): Promise<RateLimitDecision> {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
    if (count === 0) return { ok: true, retryAfterSeconds: 0, remaining: this.perMinute };
    if (count > this.perMinute) return { ok: false, retryAfterSeconds: WINDOW_SECONDS, remaining: 0 };
    // Caller keys are caller-chosen text (sub, client_id): hashed, so a Redis key is short and plain whatever they are.
    const key = createHash('sha256').update(callerKey).digest('base64url').slice(0, 22);
    try {
      const res = await this.limiter.consume(key, count);
      return { ok: true, retryAfterSeconds: 0, remaining: res.remainingPoints };
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      // All or nothing, as in the in-process limiter: a refused request gives its persons back.
      await this.limiter.reward(key, count).catch(() => undefined);
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)),
        remaining: Math.max(0, refusal.remainingPoints),
      };
    }
  }

  private fellBack(): void {
    this.opts.onFallback();
    const now = Date.now();
    if (now - this.warnedAt > 60_000) {
      this.warnedAt = now;
      this.opts.log.warn('Redis unavailable: person rate limits are counted per replica until it answers again');
    }
  }
}

/** The insurance limiter: rate-limiter-flexible calls it whenever Redis fails; it tells who asked. */
class FallbackLimiter extends RateLimiterMemory {
  constructor(
    opts: { points: number; duration: number },
    private readonly onUse: () => void,
  ) {
    super(opts);
  }

  override consume(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    this.onUse();
    return super.consume(key, points, options);
  }
}
