import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyedLock } from '../clients/keyed-lock.js';
import { LockBusyError, LockUnavailableError, type ClientLocks, type LockHold } from '../clients/locks.js';
import type { SharedStore } from './redis.js';

/** Deletes or extends the lease only while it is still ours (the token), atomically. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface LeaseOptions {
  store: SharedStore;
  /** How long a lease lives without renewal (ms): a replica that dies holding one blocks the client this long. */
  ttlMs?: number;
  /** How long a change waits for the lease, the wait in this replica's queue included (ms). */
  waitMs?: number;
}

export const DEFAULT_LEASE_TTL_MS = 10_000;
export const DEFAULT_LEASE_WAIT_MS = 5_000;

/**
 * The per-client lock shared by replicas: a lease in Redis (`SET key token NX PX ttl`), renewed every third of its
 * time while the read-modify-write runs, released by compare-and-delete. Before each write the change checks, in one
 * round trip that also renews, that the lease is still its own: a lease lost mid-operation (expired during a long
 * pause, or Redis restarted empty and another replica took it) stops the change before anything is sent.
 *
 * Changes in this replica queue locally first (one Redis lease at a time per key and replica, no polling among
 * ourselves); the wait for the lease is bounded, local queue included, and ends in a CONFLICT the caller retries.
 * A single Redis node is the scope: this is a lease for correctness among well-behaved replicas, not Redlock.
 */
export class RedisLeaseLocks implements ClientLocks {
  private readonly local = new KeyedLock();
  private readonly ttlMs: number;
  private readonly waitMs: number;

  constructor(private readonly opts: LeaseOptions) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.waitMs = opts.waitMs ?? DEFAULT_LEASE_WAIT_MS;
  }

  run<T>(key: string, task: (hold: LockHold) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.waitMs;
    return this.local.run(key, () => this.withLease(key, deadline, task));
  }

  private async withLease<T>(key: string, deadline: number, task: (hold: LockHold) => Promise<T>): Promise<T> {
    const redisKey = `${this.opts.store.prefix}lock:${createHash('sha256').update(key).digest('base64url').slice(0, 22)}`;
    const token = randomUUID();
    await this.acquire(redisKey, token, deadline);
    let lost: Error | undefined;
    const renewal = setInterval(
      () => {
        this.renew(redisKey, token).then(
          (held) => {
            if (!held) lost ??= new LockBusyError('the lease was lost');
          },
          (err: unknown) => {
            lost ??= err as Error;
          },
        );
      },
      Math.floor(this.ttlMs / 3),
    );
    renewal.unref();
    const hold: LockHold = {
      check: async () => {
        if (lost) throw lost;
        if (!(await this.renew(redisKey, token))) throw new LockBusyError('the lease was lost');
      },
    };
    try {
      return await task(hold);
    } finally {
      clearInterval(renewal);
      await this.opts.store.redis.eval(RELEASE, 1, redisKey, token).catch(() => undefined);
    }
  }

  private async acquire(key: string, token: string, deadline: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let answer: string | null;
      try {
        answer = await this.opts.store.redis.set(key, token, 'PX', this.ttlMs, 'NX');
      } catch (err) {
        // A Redis that hangs may still take the lease when it wakes, for no one: the release, queued behind the
        // SET on the same connection, gives it back then, instead of blocking the client's next change for its ttl.
        this.opts.store.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
        throw new LockUnavailableError('the lock store (Redis) cannot be reached', { cause: err });
      }
      if (answer === 'OK') return;
      const left = deadline - Date.now();
      if (left <= 0) throw new LockBusyError('another change holds the lease');
      // Capped exponential backoff with jitter: contenders on other replicas do not poll in step.
      const backoff = Math.min(200, 20 * 2 ** Math.min(attempt, 4));
      await sleep(Math.min(left, backoff / 2 + Math.random() * (backoff / 2)));
    }
  }

  /** True while the lease is ours (and extends it); throws {@link LockUnavailableError} when Redis cannot answer. */
  private async renew(key: string, token: string): Promise<boolean> {
    try {
      return (await this.opts.store.redis.eval(RENEW, 1, key, token, String(this.ttlMs))) === 1;
    } catch (err) {
      throw new LockUnavailableError('the lock store (Redis) cannot be reached', { cause: err });
    }
  }
}
