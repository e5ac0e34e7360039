/**
 * Runs tasks one at a time per key (in arrival order), different keys in parallel. The admin API only replaces whole
 * key sets, so concurrent read-modify-writes of one client's JWKS must not interleave or a key would be lost.
 * In-process only: several replicas need the lock elsewhere (documented in README).
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
