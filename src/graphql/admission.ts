import { GraphQLError } from 'graphql';

/**
 * Four 1000-person queries of a few fields (cost ~3000 each) at once, or one maximal operation (QUERY_MAX_COST) alone:
 * enough to keep the CPU busy (more at once only adds memory and GC work: 64 concurrent 1000-person queries ran at the
 * same rate with 12 000 as with 25 000, in 160 MB instead of 175 MB), while 64 concurrent one-person queries (cost ~3)
 * never wait.
 */
export const DEFAULT_MAX_COST_IN_FLIGHT = 12_000;

export interface AdmissionOptions {
  /** The summed cost (limits.ts) of the operations executing at once; more waits its turn. */
  maxCostInFlight: number;
  /** How long an operation may wait for its turn before it is refused with 503 OVERLOADED (ms). */
  queueTimeoutMs: number;
  /** Told how long each admitted operation waited (seconds). */
  onAdmitted?: (waitedSeconds: number) => void;
  onRefused?: () => void;
}

interface Waiter {
  weight: number;
  enqueuedAt: number;
  admit: () => void;
  timer: NodeJS.Timeout;
}

/**
 * Admission control: a first-come, first-served weighted semaphore over operation cost. Memory and CPU go with what
 * executes at once, so a burst of large queries (64 callers × 1000 persons) queues here, holding only its parsed
 * request, instead of holding every upstream answer and result tree at once. An operation costlier than the whole
 * budget runs alone. A waiter that is not admitted within the timeout is refused: shedding load beats piling it up.
 */
export class Admission {
  private inFlight = 0;
  private readonly queue: Waiter[] = [];

  /** The summed cost of the operations admitted and not yet released. */
  get costInFlight(): number {
    return this.inFlight;
  }

  /** Operations waiting for their turn. */
  get waiting(): number {
    return this.queue.length;
  }

  constructor(private readonly opts: AdmissionOptions) {}

  /** Resolves to a release function (call it once the operation's response is ready; further calls do nothing). */
  acquire(cost: number): Promise<() => void> {
    const weight = Math.min(Math.max(cost, 1), this.opts.maxCostInFlight);
    if (this.queue.length === 0 && this.inFlight + weight <= this.opts.maxCostInFlight) {
      this.opts.onAdmitted?.(0);
      return Promise.resolve(this.take(weight));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        weight,
        enqueuedAt: performance.now(),
        admit: () => {
          clearTimeout(waiter.timer);
          this.opts.onAdmitted?.((performance.now() - waiter.enqueuedAt) / 1000);
          resolve(this.take(weight));
        },
        timer: setTimeout(() => {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          this.opts.onRefused?.();
          reject(overloaded());
          this.admitWaiting(); // a large waiter leaving may let smaller ones behind it in
        }, this.opts.queueTimeoutMs),
      };
      this.queue.push(waiter);
    });
  }

  private take(weight: number): () => void {
    this.inFlight += weight;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= weight;
      this.admitWaiting();
    };
  }

  private admitWaiting(): void {
    for (;;) {
      const next = this.queue[0];
      if (!next || this.inFlight + next.weight > this.opts.maxCostInFlight) return;
      this.queue.shift();
      next.admit();
    }
  }
}

function overloaded(): GraphQLError {
  return new GraphQLError('The service is busy: try again shortly.', {
    extensions: { code: 'OVERLOADED', http: { status: 503 } },
  });
}
