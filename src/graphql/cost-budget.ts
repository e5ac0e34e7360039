import { performance } from 'node:perf_hooks';

/** The adaptive budget never falls below this share of QUERY_MAX_COST_IN_FLIGHT (README "Admission control"). */
export const MIN_BUDGET_SHARE = 0.5;

/**
 * The budget is this many times what Little's law says keeps the CPU busy: the measurements are of the last second
 * and the load changes; measured (README "Admission control"), once was too little with 20 ms of KRR latency.
 */
export const HEADROOM = 2;

/** How often the budget is recomputed (ms). */
const SAMPLE_INTERVAL_MS = 250;

/** What each sample keeps of the sums before it: measurements fade over about a second. */
const DECAY = 0.6;

/** The shortest wait for KRR is taken over this many intervals (a second). */
const WAIT_INTERVALS = 4;

/** Below this many operations (faded) the measurements say too little: the budget stays as it is. */
const MIN_OPERATIONS = 8;

/** What the facade did over the last second or so, faded: the inputs of {@link costBudgetFor}. */
export interface CostBudgetSample {
  /** Operations that finished. */
  operations: number;
  /** Their summed cost (limits.ts). */
  cost: number;
  /** Their summed squared cost: cost² / cost is the cost-weighted mean cost of an operation. */
  costSquares: number;
  /** The event loop's busy time (ms). */
  busyMs: number;
  /**
   * The shortest time a KRR batch took from its first id to KRR's answer (its window and its call, ms), undefined when
   * none was answered. The shortest, not the mean: batches take longer the more operations are in flight (KRR's and
   * the connections' queues), so the mean would grow with the budget it sets; the shortest is what KRR's own latency
   * costs. Per batch, not per look-up: a look-up joining a call already under way waits only what is left of it.
   */
  shortestWaitMs: number | undefined;
}

/**
 * The cost in flight that keeps the facade's CPU busy, by Little's law: with `c` ms of event-loop time per unit of
 * cost and `W` ms of waiting for KRR (the shortest batch time), an operation of cost `k` stays in flight `c·k + W` ms,
 * so `k + W / c` in flight keep the CPU busy (`k` the cost-weighted mean cost); the budget is {@link HEADROOM} times
 * that. More adds only memory and garbage-collection work; fewer leaves the CPU idle while operations wait for KRR.
 * Clamped to [max · MIN_BUDGET_SHARE, max]; undefined when the sample holds too few operations to tell.
 */
export function costBudgetFor(sample: CostBudgetSample, max: number): number | undefined {
  if (sample.operations < MIN_OPERATIONS || sample.cost <= 0) return undefined;
  const floor = Math.ceil(max * MIN_BUDGET_SHARE);
  // An idle loop (no CPU to save) or no upstream waits measured: nothing says that fewer in flight would do.
  if (sample.busyMs <= 0 || sample.shortestWaitMs === undefined) return max;
  const meanCost = sample.costSquares / sample.cost;
  const cpuPerCost = sample.busyMs / sample.cost;
  const wait = sample.shortestWaitMs;
  return Math.min(max, Math.max(floor, Math.ceil(HEADROOM * (meanCost + wait / cpuPerCost))));
}

export interface AdaptiveCostBudgetOptions {
  /** QUERY_MAX_COST_IN_FLIGHT: the budget's ceiling and its value until measurements say otherwise. */
  max: number;
  /** Told each new budget. */
  apply: (budget: number) => void;
}

/**
 * QUERY_COST_IN_FLIGHT_MODE=adaptive: the admission budget follows {@link costBudgetFor}, recomputed every 250 ms from
 * the operations that finished, the event loop's busy time and the time KRR batches took (PersonBatcher's `onAnswered`).
 */
export class AdaptiveCostBudget {
  private sums = { operations: 0, cost: 0, costSquares: 0, busyMs: 0 };
  /** The shortest batch time of each of the last intervals (Infinity: none answered), this one's last. */
  private readonly shortestWaits: number[] = [Infinity];
  /** The event loop's busy time since the process started (ms), at the last sample. */
  private busySoFar = performance.eventLoopUtilization().active;
  private timer: NodeJS.Timeout | undefined;
  private budget: number;

  constructor(private readonly opts: AdaptiveCostBudgetOptions) {
    this.budget = opts.max;
  }

  /** The budget now. */
  get current(): number {
    return this.budget;
  }

  /** Samples every 250 ms until {@link stop}. */
  start(): this {
    this.timer ??= setInterval(() => this.sampleLoop(), SAMPLE_INTERVAL_MS);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** An admitted operation of `cost` finished. */
  operationDone(cost: number): void {
    this.sums.operations++;
    this.sums.cost += cost;
    this.sums.costSquares += cost * cost;
  }

  /** A KRR batch took `ms` from its first id to the answer (its window and its call). */
  batchAnswered(ms: number): void {
    const last = this.shortestWaits.length - 1;
    if (ms < this.shortestWaits[last]!) this.shortestWaits[last] = ms;
  }

  /** Ends an interval in which the event loop was busy `busyMs`, and applies the budget it gives. */
  sample(busyMs: number): void {
    this.sums.busyMs += busyMs;
    const shortest = Math.min(...this.shortestWaits);
    const budget = costBudgetFor(
      { ...this.sums, shortestWaitMs: shortest === Infinity ? undefined : shortest },
      this.opts.max,
    );
    if (budget !== undefined && budget !== this.budget) {
      this.budget = budget;
      this.opts.apply(budget);
    }
    for (const key of Object.keys(this.sums) as (keyof typeof this.sums)[]) this.sums[key] *= DECAY;
    if (this.shortestWaits.push(Infinity) > WAIT_INTERVALS) this.shortestWaits.shift();
  }

  private sampleLoop(): void {
    const { active } = performance.eventLoopUtilization();
    this.sample(active - this.busySoFar);
    this.busySoFar = active;
  }
}
