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
  /** How long decisions stay in the replica after Redis failed one (ms); default REDIS_PAUSE_MS (tests set less). */
  redisPauseMs?: number;
}

/**
 * After Redis failed a decision (down, or slower than the command timeout), how long decisions stay in this replica
 * before one request tries Redis again: a Redis that hangs rather than refuses would otherwise cost every decision the
 * whole command timeout, while the request holds its admission.
 */
const REDIS_PAUSE_MS = 2_000;

/**
 * Persons per caller per minute, counted in Redis so the limit holds across every replica (rate-limiter-flexible:
 * one atomic Lua INCRBY+PEXPIRE per decision, a fixed 60 s window per caller). When Redis cannot answer (down,
 * restarting, slower than the command timeout) the library's insurance limiter decides instead: the same limit,
 * counted in this replica only, with a metric and a warning, so look-ups keep working through an outage; for
 * REDIS_PAUSE_MS after such a failure every decision is made here at once, then one request tries Redis again.
 *
 * rate-limiter-flexible rather than a hand-written script: its Lua is atomic and widely used, it speaks ioredis and
 * Valkey, and its insurance limiter is exactly the fallback the facade needs.
 */
export class SharedPersonRateLimiter implements PersonLimiter {
  private readonly limiter: RateLimiterRedis;
  /** The same counters without the fallback: a refund Redis cannot take is lost, never handed to the fallback. */
  private readonly redisOnly: RateLimiterRedis;
  private readonly fallback: FallbackLimiter;
  private readonly perMinute: number;
  private warnedAt = 0;
  /** Until when decisions are made in this replica without asking Redis (ms since the epoch). */
  private skipRedisUntil = 0;
  /** A request is trying Redis again after a pause: the others decide here until it knows. */
  private probing = false;

  constructor(private readonly opts: SharedRateLimiterOptions) {
    this.perMinute = opts.personsPerMinute;
    this.fallback = new FallbackLimiter({ points: this.perMinute, duration: WINDOW_SECONDS }, () => this.fellBack());
    const redis = {
      storeClient: opts.store.redis,
      keyPrefix: `${opts.store.prefix}${opts.name ?? 'persons'}`,
      points: this.perMinute,
      duration: WINDOW_SECONDS,
      // Do not wait for a reconnect: decide in this replica at once.
      rejectIfRedisNotReady: true,
    };
    this.limiter = new RateLimiterRedis({ ...redis, insuranceLimiter: this.fallback });
    this.redisOnly = new RateLimiterRedis(redis);
  }

  async take(callerKey: string, count: number): Promise<RateLimitDecision> {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
    if (count === 0) return { ok: true, retryAfterSeconds: 0, remaining: this.perMinute };
    if (count > this.perMinute) return { ok: false, retryAfterSeconds: WINDOW_SECONDS, remaining: 0 };
    // Caller keys are caller-chosen text (sub, client_id): hashed, so a Redis key is short and plain whatever they are.
    const key = createHash('sha256').update(callerKey).digest('base64url').slice(0, 22);
    const viaRedis = this.redisUsable();
    let decided: RateLimiterRes | undefined;
    try {
      decided = await (viaRedis ? this.limiter : this.fallback).consume(key, count);
      return { ok: true, retryAfterSeconds: 0, remaining: decided.remainingPoints };
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      decided = refusal;
      // All or nothing, as in the in-process limiter: a refused request gives its persons back, to whichever counted
      // them (the fallback's refund to Redis would be extra room in the fallback).
      const counted = this.fallback.decided(refusal) ? this.fallback : this.redisOnly;
      await counted.reward(key, count).catch(() => undefined);
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)),
        remaining: Math.max(0, refusal.remainingPoints),
      };
    } finally {
      if (viaRedis) this.redisAnswered(decided !== undefined && !this.fallback.decided(decided));
    }
  }

  /** Whether this decision asks Redis: not within a pause, and after one only the request that tries it again. */
  private redisUsable(): boolean {
    if (this.probing || Date.now() < this.skipRedisUntil) return false;
    if (this.skipRedisUntil > 0) this.probing = true;
    return true;
  }

  private redisAnswered(answered: boolean): void {
    this.probing = false;
    this.skipRedisUntil = answered ? 0 : Date.now() + (this.opts.redisPauseMs ?? REDIS_PAUSE_MS);
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

/** The insurance limiter: rate-limiter-flexible calls it whenever Redis fails; it tells who asked, and what it decided. */
class FallbackLimiter extends RateLimiterMemory {
  private readonly decisions = new WeakSet<RateLimiterRes>();

  constructor(
    opts: { points: number; duration: number },
    private readonly onUse: () => void,
  ) {
    super(opts);
  }

  /** Whether `res` is this limiter's decision (not Redis's). */
  decided(res: RateLimiterRes): boolean {
    return this.decisions.has(res);
  }

  override consume(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    this.onUse();
    return super.consume(key, points, options).then(
      (res) => this.mark(res),
      (err: unknown) => {
        throw err instanceof RateLimiterRes ? this.mark(err) : err;
      },
    );
  }

  private mark(res: RateLimiterRes): RateLimiterRes {
    this.decisions.add(res);
    return res;
  }
}
