import { KeyedLock } from './keyed-lock.js';

/**
 * The per-client lock around read-modify-writes of the admin API (JWKS sets, `updateClient`'s GET-merge-PUT): the API
 * only replaces whole objects, so two interleaved edits lose one of them. In one process a queue per key does it; with
 * several replicas the lock is a lease in Redis (state/lease.ts).
 */
export interface ClientLocks {
  /** Runs `task` holding the lock on `key`; `task` calls `hold.check()` right before each write it sends. */
  run<T>(key: string, task: (hold: LockHold) => Promise<T>): Promise<T>;
}

export interface LockHold {
  /** Throws {@link LockBusyError} (lost) or {@link LockUnavailableError} when the lock is no longer held. */
  check(): Promise<void>;
}

/** Someone else holds the lock past the wait, or this change lost its hold: a CONFLICT the caller retries. */
export class LockBusyError extends Error {
  override name = 'LockBusyError';
}

/** The lock store cannot be reached: nothing was written, the change is refused until it is back. */
export class LockUnavailableError extends Error {
  override name = 'LockUnavailableError';
}

const HELD: LockHold = { check: () => Promise.resolve() };

/** One process, one replica: a FIFO queue per key, held until the task settles (it cannot be lost). */
export function inProcessLocks(): ClientLocks {
  const queue = new KeyedLock();
  return { run: (key, task) => queue.run(key, () => task(HELD)) };
}

/**
 * The lock key of one client's resource (`client`: its settings, `jwks`: its key set, `onbehalfof`: one registration).
 * The admin API reads client ids (UUIDs) ignoring case, so `5b2d…` and `5B2D…` name one client and must share one
 * lock (and one Redis lease). Every id is lower-cased, UUID or not: the admin API's case rule for its older ids is not
 * documented, and serializing two ids that differ only in case costs a wait, never a lost update. The id sent upstream
 * is not changed.
 */
export function lockKey(kind: 'client' | 'jwks' | 'onbehalfof', clientId: string, onBehalfOfId?: string): string {
  const key = `${kind}:${clientId.toLowerCase()}`;
  return onBehalfOfId === undefined ? key : `${key}/${onBehalfOfId.toLowerCase()}`;
}
