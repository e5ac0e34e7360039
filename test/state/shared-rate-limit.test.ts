/**
 * The shared person rate limit when Redis hangs or fails mid-decision (found by a red-team run against a real Redis
 * frozen with SIGSTOP): a refund Redis cannot take is never turned into extra room in the per-replica fallback, and a
 * Redis that hangs costs one command timeout, not one per decision.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { connectSharedStore, type SharedStore } from '../../src/state/redis.js';
import { SharedPersonRateLimiter } from '../../src/state/shared-rate-limit.js';
import { requireRedisServer, startRedis, type RedisServer } from '../helpers/redis.js';

/** The limiter's pause after Redis fails a decision (2 s in production), shortened so the test need not wait it. */
const PAUSE_MS = 1_000;

describe.skipIf(!requireRedisServer())('SharedPersonRateLimiter against a Redis that hangs', () => {
  let server: RedisServer;
  let store: SharedStore;
  let prefix = 0;

  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(async () => {
    server.resume();
    await store?.close();
  });

  /** A limiter of `perMinute` on a fresh key space, and the Redis commands it sends, counted. */
  async function limiter(perMinute: number, onCommand: (sent: number) => void = () => undefined) {
    store = await connectSharedStore(server.url, `t${prefix++}:`, createLogger({ level: 'silent' }));
    let sent = 0;
    const send = store.redis.sendCommand.bind(store.redis);
    store.redis.sendCommand = ((...args: Parameters<typeof send>) => {
      onCommand(++sent);
      return send(...args);
    }) as typeof send;
    let fallbacks = 0;
    const shared = new SharedPersonRateLimiter({
      store,
      personsPerMinute: perMinute,
      log: createLogger({ level: 'silent' }),
      onFallback: () => fallbacks++,
      redisPauseMs: PAUSE_MS,
    });
    return { shared, sent: () => sent, fallbacks: () => fallbacks };
  }

  it('gives a refusal made in Redis no room in the fallback when its refund cannot reach Redis', async () => {
    // The refund of the second take (the second command it sends) goes out to a frozen Redis.
    let freezeAt = Infinity;
    const { shared, sent } = await limiter(10, (n) => n === freezeAt && server.pause());
    expect((await shared.take('caller', 10)).ok).toBe(true);
    freezeAt = sent() + 2;
    expect((await shared.take('caller', 10)).ok).toBe(false);
    let granted = 0;
    for (let i = 0; i < 4; i++) if ((await shared.take('caller', 10)).ok) granted += 10;
    expect(granted, 'persons granted by the fallback while Redis hangs').toBeLessThanOrEqual(10);
  });

  it('asks a hanging Redis once, then decides in the replica until it tries again', async () => {
    const { shared, sent, fallbacks } = await limiter(1000);
    expect((await shared.take('caller', 1)).ok).toBe(true);
    const before = sent();
    server.pause();
    for (let i = 0; i < 10; i++) expect((await shared.take('caller', 1)).ok).toBe(true);
    expect(sent() - before, 'commands sent to the hanging Redis').toBe(1);
    expect(fallbacks()).toBe(10);
    server.resume();
    // The pause over, Redis is asked again and decides once more.
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS + 100));
    expect((await shared.take('caller', 1)).ok).toBe(true);
    expect((await shared.take('caller', 1)).ok).toBe(true);
    expect(fallbacks()).toBe(10);
  });
});
