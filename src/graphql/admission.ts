import { GraphQLError, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { LRUCache } from 'lru-cache';
import { limitRefusal, measureOperation, type OperationMeasure, type QueryLimits } from './limits.js';
import { SecondSight, mayCacheDocument } from './second-sight.js';

/**
 * Four 1000-person queries of a few fields (cost ~3000 each) at once, or one maximal operation (QUERY_MAX_COST) alone,
 * while 64 concurrent one-person queries (cost ~3) never wait. More at once only adds memory and GC work (64
 * concurrent 1000-person queries ran at the same rate with 12 000 as with 25 000, in 160 MB instead of 175 MB). Fewer
 * is a trade (README "Admission control"): with KRR answering at once two keep the CPU busy and 6500 gave 1.17× the
 * throughput of 12 000, but with 20 ms of KRR latency the operations admitted spend their turn waiting on KRR and 6500
 * gave 0.65×. The adaptive budget (cost-budget.ts) makes that trade as the load goes, between half of this and all.
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
  /** Told of each operation whose caller went away while it waited (it never ran). */
  onAbandoned?: () => void;
  /** Told of each admitted operation's weight (its cost, at most maxCostInFlight) once it is released. */
  onReleased?: (weight: number) => void;
}

interface Waiter {
  weight: number;
  enqueuedAt: number;
  admit: () => void;
  timer: NodeJS.Timeout;
}

/**
 * The caller's connection as admission sees it: whether it is `gone` now, and a `signal()` that aborts when it goes,
 * asked for only by an operation that has to wait. Not an AbortSignal per request: on Node 20 making one takes 4–5 µs
 * (0.1 µs on Node 24), 3 % of the facade's CPU for one-person queries in `npm run bench:profile`.
 */
export interface Departure {
  readonly gone: boolean;
  signal(): AbortSignal;
}

/** The caller went away while its operation waited for admission: it never ran, and there is nobody to answer. */
export class AdmissionAbandoned extends Error {
  constructor() {
    super('the caller went away while its operation waited for admission');
    this.name = 'AdmissionAbandoned';
  }
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
  private limit: number;

  /** The summed cost of the operations admitted and not yet released. */
  get costInFlight(): number {
    return this.inFlight;
  }

  /** Operations waiting for their turn. */
  get waiting(): number {
    return this.queue.length;
  }

  /** The summed cost admitted at once now: maxCostInFlight, or less while an adaptive budget says so (cost-budget.ts). */
  get budget(): number {
    return this.limit;
  }

  constructor(private readonly opts: AdmissionOptions) {
    this.limit = opts.maxCostInFlight;
  }

  /** Sets the budget (clamped to 1..maxCostInFlight); waiters it now has room for are admitted. */
  setBudget(budget: number): void {
    this.limit = Math.min(Math.max(budget, 1), this.opts.maxCostInFlight);
    this.admitWaiting();
  }

  /**
   * Resolves to a release function (call it once the operation's response is ready; further calls do nothing).
   * Rejects with OVERLOADED when the turn does not come within the queue timeout, and with {@link AdmissionAbandoned}
   * when the caller is gone before its turn (`departure`): under overload, callers that timed out and left would
   * otherwise still take their turn, look up their persons, write audit records of persons nobody received, and
   * delay the callers still waiting.
   */
  acquire(cost: number, departure?: Departure): Promise<() => void> {
    if (departure?.gone) {
      this.opts.onAbandoned?.();
      return Promise.reject(new AdmissionAbandoned());
    }
    const weight = Math.min(Math.max(cost, 1), this.opts.maxCostInFlight);
    if (this.queue.length === 0 && this.fits(weight)) {
      this.opts.onAdmitted?.(0);
      return Promise.resolve(this.take(weight));
    }
    const gone = departure?.signal();
    return new Promise((resolve, reject) => {
      const leave = (reason: Error) => {
        clearTimeout(waiter.timer);
        gone?.removeEventListener('abort', onGone);
        this.queue.splice(this.queue.indexOf(waiter), 1);
        reject(reason);
        this.admitWaiting(); // a large waiter leaving may let smaller ones behind it in
      };
      const onGone = () => {
        this.opts.onAbandoned?.();
        leave(new AdmissionAbandoned());
      };
      const waiter: Waiter = {
        weight,
        enqueuedAt: performance.now(),
        admit: () => {
          clearTimeout(waiter.timer);
          gone?.removeEventListener('abort', onGone);
          this.opts.onAdmitted?.((performance.now() - waiter.enqueuedAt) / 1000);
          resolve(this.take(weight));
        },
        timer: setTimeout(() => {
          this.opts.onRefused?.();
          leave(overloaded());
        }, this.opts.queueTimeoutMs),
      };
      gone?.addEventListener('abort', onGone, { once: true });
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
      this.opts.onReleased?.(weight);
      this.admitWaiting();
    };
  }

  /** Nothing in flight admits anything: an operation costlier than the budget runs alone. */
  private fits(weight: number): boolean {
    return this.inFlight === 0 || this.inFlight + weight <= this.limit;
  }

  private admitWaiting(): void {
    for (;;) {
      const next = this.queue[0];
      if (!next || !this.fits(next.weight)) return;
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

/** A request's GraphQL-over-HTTP fields as sent, before Apollo parses them. */
export interface RawOperation {
  query: unknown;
  operationName: unknown;
  /** The parsed JSON body's `variables` (POST), or their JSON text (GET). */
  variables: unknown;
}

/** Parsed documents kept for measuring, by weight: the source (two bytes a character) and the tree as JSON. */
const MEASURED_DOCUMENTS_BYTES = 4 * 1024 * 1024;

/**
 * Admission at the door: an operation waits for its turn before Apollo builds anything for it. Measured from the raw
 * request (its document parsed once and cached, without locations), so what waits is the request as read, and what
 * an admitted operation makes (its context, Apollo's request, KRR's answer, the result) is made after the wait.
 *
 * Why not wait inside Apollo (it did, in `didResolveOperation`): whatever waits there for a while is moved to V8's old
 * generation, and everything the operation then attaches to it (the persons, the result tree) is kept alive by it
 * until the next full collection; with 64 callers of 1000-person queries that made each scavenge copy about 4 MB and
 * cost a third of the facade's CPU (docs/benchmarks.md). An operation measured here is within the query limits;
 * one that cannot be measured here (a persisted query sent by hash alone, a document that does not parse, variables
 * that are not JSON, limits exceeded) is left to Apollo, which refuses it or admits it after validation
 * (`GraphQLContext.admitted` tells the two apart).
 */
export class RequestAdmission {
  private readonly documents = new LRUCache<string, DocumentNode | false>({
    maxSize: MEASURED_DOCUMENTS_BYTES,
    sizeCalculation: (document, query) => 2 * query.length + (document ? JSON.stringify(document).length : 64),
  });
  private readonly sight = new SecondSight();

  constructor(
    private readonly admission: Admission,
    private readonly schema: GraphQLSchema,
    private readonly limits: QueryLimits,
    /** Told of each operation refused (OVERLOADED) at the door: Apollo never sees it, so its metrics do not either. */
    private readonly onRefused?: (operationType: string, waitedSeconds: number) => void,
  ) {}

  /**
   * Waits for the operation's turn and answers its release (call it once the response is ready), or undefined when
   * its cost cannot be told here. Rejects with OVERLOADED when its turn does not come within the queue timeout, and
   * with AdmissionAbandoned when the caller is gone before its turn (`departure`).
   */
  async enter(operation: RawOperation, departure?: Departure): Promise<(() => void) | undefined> {
    const measure = this.measure(operation);
    if (!measure) return undefined;
    const waiting = performance.now();
    try {
      return await this.admission.acquire(measure.cost, departure);
    } catch (err) {
      if (!(err instanceof AdmissionAbandoned)) {
        this.onRefused?.(measure.operationType, (performance.now() - waiting) / 1000);
      }
      throw err;
    }
  }

  /** Whether operations wait for admission now: the facade is at the capacity QUERY_MAX_COST_IN_FLIGHT gives it. */
  get busy(): boolean {
    return this.admission.waiting > 0;
  }

  /** The operation's measure, when it can be measured here and is within the limits. */
  measure(operation: RawOperation): OperationMeasure | undefined {
    if (typeof operation.query !== 'string') return undefined;
    const document = this.parsed(operation.query);
    if (!document) return undefined;
    const variables = variablesOf(operation.variables);
    if (variables === undefined) return undefined;
    const measure = measureOperation({
      schema: this.schema,
      document,
      operationName: typeof operation.operationName === 'string' ? operation.operationName : null,
      variables,
    });
    // Apollo refuses it after validation, with the same check: a refused operation never waits in line.
    return limitRefusal(measure, this.limits) ? undefined : measure;
  }

  private parsed(query: string): DocumentNode | false {
    let document = this.documents.get(query);
    if (document === undefined) {
      try {
        document = parse(query, { noLocation: true, maxTokens: this.limits.maxTokens });
      } catch {
        document = false; // Apollo answers the syntax error
      }
      // Kept on its second sight, never with a person's id in its text (graphql/second-sight.ts).
      if (mayCacheDocument(query) && this.sight.seenBefore(query)) this.documents.set(query, document);
    }
    return document;
  }
}

/** The variables as measureOperation takes them; undefined when they are neither absent nor a JSON object. */
function variablesOf(raw: unknown): Record<string, unknown> | null | undefined {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') {
    try {
      return variablesOf(JSON.parse(raw) as unknown);
    } catch {
      return undefined;
    }
  }
  return typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
}
