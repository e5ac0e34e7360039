/**
 * How many requests the HTTP server is handling, so that a shutdown can wait for the ones its grace cut short: once
 * their upstream calls are stopped they still answer their callers, write their audit records and release their locks.
 * A counter, not a set of promises: it is on every request's path.
 */
export class InFlightRequests {
  private count = 0;
  private readonly waiters: (() => void)[] = [];

  get size(): number {
    return this.count;
  }

  begin(): void {
    this.count++;
  }

  end(): void {
    if (--this.count === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves true once no request is left, or false after `ms`. */
  idle(ms: number): Promise<boolean> {
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      timer.unref();
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
