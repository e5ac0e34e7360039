import CircuitBreaker from 'opossum';

/**
 * A circuit breaker per upstream, built on opossum (nodeshift/Red Hat): it is well kept, supports Node 20, keeps its
 * statistics in a rolling window of buckets, probes a half-open circuit with exactly one call (the first call after
 * `resetTimeout` clears its "pending close" flag, so every other call is rejected until the probe settles), and reports
 * its transitions as events. Writing our own would mean re-deriving and re-testing all of that.
 *
 * How opossum is used here, and why:
 * - one opossum instance per upstream whose action is `(fn) => fn()`, so one breaker guards every call to the upstream;
 * - `timeout: false`: deadlines belong to the HTTP layer (undici timeouts, the request deadline), not the breaker;
 * - which rejections count is decided per call by `isFailure`. Opossum's typed `errorFilter(err)` ("true: don't count")
 *   sees only the error, so a rejection that is not a failure is wrapped in `NotCounted` inside the action, filtered by
 *   type, and unwrapped again before the caller sees it. A filtered error counts as a success (also for the probe:
 *   the upstream did answer);
 * - the open check is done here before calling opossum: opossum counts a call it rejects as a "fire" in its window,
 *   so a busy open breaker would dilute the error rate it looks at once closed again. Rejected calls never reach it;
 * - `enableSnapshots: false`: nothing listens to snapshots, and it saves a timer. What remains (the bucket rotation
 *   interval and the reset timer) is unref'd by opossum and cleared by `shutdown()`.
 *
 * Opossum's rules that callers should know: the breaker opens when failures are MORE than `errorThresholdPercentage`
 * of the calls in the window (exactly 50 % with the default does not open it), and only once the window holds at least
 * `volumeThreshold` calls. Closing does not clear the window: failures from before the opening still count until they
 * age out of it, so a failure soon after recovery may re-open the breaker at once.
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

/** The breaker is open (or its half-open probe is under way): the upstream was not called. */
export class BreakerOpenError extends Error {
  constructor(readonly upstream: string) {
    super(`${upstream} circuit breaker is open`);
    this.name = 'BreakerOpenError';
  }
}

export interface BreakerOptions {
  /** Upstream name. */
  name: string;
  /** Default 50: the breaker opens when more than this share of the calls in the window failed. */
  errorThresholdPercentage?: number;
  /** Default 10 calls in the window before it may open. */
  volumeThreshold?: number;
  /** Default 10_000, in 10 buckets. */
  rollingWindowMs?: number;
  /** Default 5_000 (open → half-open). */
  resetTimeoutMs?: number;
  onStateChange?(state: BreakerState): void;
}

/** Carries a rejection that must not count as a failure through opossum (see the top comment). */
class NotCounted {
  constructor(readonly error: unknown) {}
}

type Action = (fn: () => Promise<unknown>, isFailure: (error: unknown) => boolean) => Promise<unknown>;

const action: Action = async (fn, isFailure) => {
  try {
    return await fn();
  } catch (error) {
    if (countsAsFailure(isFailure, error)) throw error;
    throw new NotCounted(error);
  }
};

function countsAsFailure(isFailure: (error: unknown) => boolean, error: unknown): boolean {
  try {
    return isFailure(error);
  } catch {
    return true;
  }
}

const everyRejection = (): boolean => true;

export class UpstreamBreaker {
  readonly name: string;
  private readonly breaker: CircuitBreaker<Parameters<Action>, unknown>;

  constructor(opts: BreakerOptions) {
    this.name = opts.name;
    this.breaker = new CircuitBreaker<Parameters<Action>, unknown>(action, {
      name: opts.name,
      timeout: false,
      errorThresholdPercentage: opts.errorThresholdPercentage ?? 50,
      volumeThreshold: opts.volumeThreshold ?? 10,
      rollingCountTimeout: opts.rollingWindowMs ?? 10_000,
      rollingCountBuckets: 10,
      resetTimeout: opts.resetTimeoutMs ?? 5_000,
      enableSnapshots: false,
      errorFilter: (error: unknown) => error instanceof NotCounted,
    });
    const onStateChange = opts.onStateChange;
    if (onStateChange) {
      const report = (state: BreakerState) => () => {
        // A metrics hook must not break the breaker: opossum emits from inside its own promise handling.
        try {
          onStateChange(state);
        } catch {
          /* ignored */
        }
      };
      this.breaker.on('open', report('open'));
      this.breaker.on('halfOpen', report('half-open'));
      this.breaker.on('close', report('closed'));
    }
  }

  /**
   * Runs fn through the breaker. `isFailure(error)` decides which rejections count as failures (default: all). While
   * open, rejects at once with BreakerOpenError without calling fn. Half-open: lets one probe through; success closes,
   * failure re-opens. After `shutdown()`, fn is called unguarded.
   */
  async run<T>(fn: () => Promise<T>, isFailure: (error: unknown) => boolean = everyRejection): Promise<T> {
    const b = this.breaker;
    if (b.isShutdown) return fn();
    // Open, or half-open with the probe already taken: the same test opossum makes, made before it counts a "fire".
    if (!b.closed && !b.pendingClose) throw new BreakerOpenError(this.name);
    try {
      return (await b.fire(fn, isFailure)) as T;
    } catch (error) {
      if (error instanceof NotCounted) throw error.error;
      if (typeof error === 'object' && error !== null && CircuitBreaker.isOurError(error as Error)) {
        const code = (error as { code?: unknown }).code;
        if (code === 'EOPENBREAKER') throw new BreakerOpenError(this.name);
        if (code === 'ESHUTDOWN') return fn();
      }
      throw error;
    }
  }

  get state(): BreakerState {
    if (this.breaker.opened) return 'open';
    if (this.breaker.halfOpen) return 'half-open';
    return 'closed';
  }

  /** Clears opossum's timers and listeners; later calls run unguarded. */
  shutdown(): void {
    if (!this.breaker.isShutdown) this.breaker.shutdown();
  }
}
