/**
 * The per-client lease when Redis hangs while a change asks for it (found by a red-team run: Redis frozen with SIGSTOP
 * during `SET NX PX` took the lease when it woke, for no one, and the client's next change waited 5 s for a CONFLICT).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockUnavailableError } from '../../src/clients/locks.js';
import { createLogger } from '../../src/observability/logger.js';
import { connectSharedStore, type SharedStore } from '../../src/state/redis.js';
import { RedisLeaseLocks } from '../../src/state/lease.js';
import { requireRedisServer, startRedis, type RedisServer } from '../helpers/redis.js';

describe.skipIf(!requireRedisServer())('RedisLeaseLocks against a Redis that hangs', () => {
  let server: RedisServer;
  let store: SharedStore;

  beforeAll(async () => {
    server = await startRedis();
    store = await connectSharedStore(server.url, 'lease-test:', createLogger({ level: 'silent' }));
  });
  afterAll(async () => {
    server?.resume();
    await store?.close();
    await server?.close();
  });

  it('leaves no lease behind when Redis takes the SET after the change gave up on it', async () => {
    // A short wait: a lease left behind (10 s) would refuse the next change as busy.
    const locks = new RedisLeaseLocks({ store, waitMs: 1_000 });
    server.pause();
    const refused = await locks.run('client:a', async () => 'ran').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(LockUnavailableError);
    server.resume();
    expect(await locks.run('client:a', async () => 'ran')).toBe('ran');
  });
});
