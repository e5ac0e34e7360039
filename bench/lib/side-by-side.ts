/**
 * Two or more facades ("sides") under the same load, measured side by side in alternating slices (A B, B A, A B, …)
 * that add up to `durationS` each: whatever else the machine does meanwhile, and any drift over the scenario, falls on
 * every side alike. Used by the Redis scenario (r, bench/run.ts) and the tracing scenario (o, bench/lib/tracing.ts).
 */
import { mergeRuns, rotating, runAutocannonSampled, type SampledResult } from './load.js';
import { cpuTicks, sampleRss, USER_HZ, waitForIdle } from './processes.js';
import { delta, type CounterSnapshot } from './prometheus.js';
import type { Row } from './report.js';
import type { FacadeProcess } from './stack.js';

/** One side of a side-by-side comparison. */
export interface Side {
  id: string;
  name: string;
  facade: FacadeProcess;
  details: Record<string, unknown>;
}

/** What a scenario measures per slice besides the common figures (e.g. the commands Redis ran). */
export interface SliceHook {
  /**
   * Called before each slice of side `side` (after its /metrics scrape, before the CPU ticks are read); resolves to a
   * function called after the slice (after the CPU ticks are read, before the closing /metrics scrape).
   */
  beforeSlice(side: number): Promise<() => Promise<void>>;
  /** Fields added to side `side`'s row details, after `cpuS`. */
  details(side: number): Record<string, unknown>;
}

export interface SideBySideOptions<S extends readonly Side[]> {
  sides: S;
  /** Connections of the autocannon load on each side. */
  connections: number;
  /** Slices per side. */
  rounds: number;
  /** Measured seconds per side, over all its slices. */
  durationS: number;
  /** Seconds of load each side gets, one after the other, before the first slice (not measured); none when 0. */
  warmupS?: number;
  /** The load: POSTs to `<facade>/graphql` of these bodies, rotated, with these headers. */
  headers: Record<string, string>;
  bodies: readonly string[];
  /** Checks every answer's body (HttpLoad.check). */
  check: (body: string) => boolean;
  /** Processes besides the side's facade whose CPU seconds each slice counts (name → pid); waited on to go idle too. */
  processes: Record<string, number>;
  hook?: SliceHook;
  /** The line logged before the first slice. */
  describe(sides: S, sliceS: number): string;
  log(message: string): void;
}

/**
 * Runs `rounds` rounds, each one slice per side (in order on even rounds, in reverse on odd ones), each slice followed
 * by a wait until the facades and `processes` are idle. Per side: latencies over every slice, /metrics counters, CPU
 * seconds of the facade, `processes` and the bench (the load generator), and peak RSS of the facade, summed (or the
 * maximum) over the slices; one Row per side, in the order of `sides`.
 */
export async function sideBySide<const S extends readonly Side[]>(
  opts: SideBySideOptions<S>,
): Promise<{ [K in keyof S]: Row }> {
  const { sides, rounds, hook } = opts;
  const sliceS = opts.durationS / rounds;
  opts.log(opts.describe(sides, sliceS));
  const pids = [...sides.map((side) => side.facade.child.pid), ...Object.values(opts.processes)];
  const load = (side: Side, durationS: number) =>
    runAutocannonSampled({
      url: `${side.facade.url}/graphql`,
      method: 'POST',
      headers: opts.headers,
      body: rotating(opts.bodies),
      connections: opts.connections,
      durationS,
      check: opts.check,
    });
  const idle = () =>
    waitForIdle(pids, {
      progress: async () => {
        let total = 0;
        for (const side of sides) total += (await side.facade.scrape()).graphql;
        return total;
      },
    });
  const acc = sides.map(() => ({
    runs: [] as SampledResult[],
    counters: undefined as CounterSnapshot | undefined,
    cpuS: {} as Record<string, number>,
    peakRssMb: undefined as number | undefined,
    settleMs: [] as number[],
  }));
  if ((opts.warmupS ?? 0) > 0) for (const side of sides) await load(side, opts.warmupS as number);
  const settleBeforeMs = await idle();
  const order = sides.map((_, i) => i);
  for (let round = 0; round < rounds; round++) {
    for (const i of round % 2 === 0 ? order : [...order].reverse()) {
      const side = sides[i] as Side;
      const a = acc[i] as (typeof acc)[number];
      const cpuPids = { facade: side.facade.child.pid, ...opts.processes };
      const before = await side.facade.scrape();
      const afterSlice = await hook?.beforeSlice(i);
      const ticksBefore = Object.entries(cpuPids).map(([name, pid]) => [name, pid, cpuTicks(pid)] as const);
      const benchBefore = process.cpuUsage();
      const rss = sampleRss(side.facade.child.pid);
      a.runs.push(await load(side, sliceS));
      a.settleMs.push(await idle());
      const peak = rss.stop();
      if (peak !== undefined) a.peakRssMb = Math.max(a.peakRssMb ?? 0, peak);
      const own = process.cpuUsage(benchBefore);
      a.cpuS.bench = (a.cpuS.bench ?? 0) + (own.user + own.system) / 1e6;
      for (const [name, pid, t0] of ticksBefore) {
        const t1 = cpuTicks(pid);
        if (t0 !== undefined && t1 !== undefined) a.cpuS[name] = (a.cpuS[name] ?? 0) + (t1 - t0) / USER_HZ;
      }
      await afterSlice?.();
      const d = delta(await side.facade.scrape(), before);
      a.counters = a.counters ? sumCounters(a.counters, d) : d;
    }
  }
  return sides.map((side, i): Row => {
    const a = acc[i] as (typeof acc)[number];
    const result = mergeRuns(a.runs);
    const d = a.counters as CounterSnapshot;
    return {
      id: side.id,
      name: side.name,
      kind: 'facade',
      reqPerSec: result.reqPerSec,
      p50Ms: result.latencyMs.p50,
      p99Ms: result.latencyMs.p99,
      upstreamPerRequest: d.graphql > 0 ? (d.krr + d.admin) / d.graphql : undefined,
      tokenRequests: d.tokenPosts,
      peakRssMb: a.peakRssMb,
      errors: result.non2xx + (result.wrongBodies ?? 0) + result.errors + d.graphqlNotSuccess,
      details: {
        ...side.details,
        rounds,
        sliceS,
        load: result,
        slices: a.runs.map((r) => r.result),
        counters: d,
        cpuS: a.cpuS,
        ...hook?.details(i),
        settleBeforeMs,
        settleAfterMs: a.settleMs,
      },
    };
  }) as { [K in keyof S]: Row };
}

function sumCounters(x: CounterSnapshot, y: CounterSnapshot): CounterSnapshot {
  const out = { ...x };
  for (const key of Object.keys(out) as (keyof CounterSnapshot)[]) out[key] += y[key];
  return out;
}
