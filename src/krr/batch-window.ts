import { performance, type EventLoopUtilization } from 'node:perf_hooks';

/**
 * At or above this share of the last interval spent running JavaScript, the facade counts as busy: a batch then waits
 * KRR_BATCH_WINDOW_MS for more ids, as fewer, larger calls save CPU the facade is short of. Below it, the CPU is there
 * to spare and the window would only add latency (about 2.5 ms of a lone one-person query's 3.5). Not a half: target 4
 * of the bench runs one-person queries at half the facade's top rate, where a half switched the window on and off
 * every few intervals (the facade's p50 there 2.9–4.0 ms, with three quarters 1.9–2.8 ms; side by side, 64 callers of
 * one-person queries answered no fewer with three quarters, and 16 of 100-person queries as many).
 */
export const BUSY_LOOP_UTILIZATION = 0.75;

/** How often the event loop's utilization is sampled (ms). */
const SAMPLE_INTERVAL_MS = 100;

/** The event loop's utilization over the last sample interval (0 to 1), read without cost. */
export class LoopUtilization {
  /** Of the last complete interval. */
  current = 0;
  private last: EventLoopUtilization = performance.eventLoopUtilization();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = SAMPLE_INTERVAL_MS) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Ends the current interval (the timer does, every `intervalMs`). */
  sample(): void {
    const now = performance.eventLoopUtilization();
    this.current = performance.eventLoopUtilization(now, this.last).utilization;
    this.last = now;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export interface BatchWindowSignals {
  /** Operations wait for admission (QUERY_MAX_COST_IN_FLIGHT is taken). */
  admissionBusy: () => boolean;
  /** The event loop's recent utilization (0 to 1). */
  loopUtilization: () => number;
  /** KRR connections (UPSTREAM_CONNECTIONS): with as many calls under way, another would wait for one. */
  connections: number;
}

/**
 * KRR_BATCH_WINDOW_MODE=busy: whether a batch opening now waits the window for more ids. It does while the facade is
 * short of something a larger batch saves: CPU (operations wait for admission, or the event loop was busy) or KRR
 * connections (a call sent now would only queue for one, while its batch could still gather ids).
 */
export function collectWhenBusy(signals: BatchWindowSignals): (callsInFlight: number) => boolean {
  return (callsInFlight) =>
    callsInFlight >= signals.connections ||
    signals.admissionBusy() ||
    signals.loopUtilization() >= BUSY_LOOP_UTILIZATION;
}
