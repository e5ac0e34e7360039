/**
 * The tracing scenario (o) of `npm run bench`: the one-person look-up through the facade with tracing off (the facade
 * of the other scenarios, no OTEL_* variable) and through a second facade with `OTEL_EXPORTER_OTLP_ENDPOINT` pointing
 * at a local sink that discards (the SDK's defaults otherwise: http/protobuf, BatchSpanProcessor), measured in
 * alternating slices (A B, B A, …) so drift and other load fall on both, at BENCH_CONNECTIONS connections and at 1.
 */
import { rotating, runAutocannonSampled } from './load.js';
import { startOtlpSink, type OtlpSink, type SinkCounts } from './otlp-sink.js';
import { procMemoryMb } from './processes.js';
import type { CounterSnapshot } from './prometheus.js';
import type { Row } from './report.js';
import { sideBySide } from './side-by-side.js';
import { startFacadeProcess, type FacadeProcess, type SandboxProcess } from './stack.js';

export interface TracingBenchOptions {
  root: string;
  sandbox: SandboxProcess;
  /** The facade the other scenarios use: tracing off. */
  facade: FacadeProcess;
  entry: 'tsx' | 'dist';
  durationS: number;
  warmupS: number;
  connections: number;
  rounds: number;
  latencyMs: number;
  /** One-person look-up bodies, rotated. */
  bodies: readonly string[];
  /** Checks every answer's body (HttpLoad.check). */
  check: (body: string) => boolean;
  headers: Record<string, string>;
  log(message: string): void;
}

export interface TracingComparison {
  connections: number;
  off: string;
  on: string;
  reqPerSec: { off?: number; on?: number; ratio: number };
  p50Ms: { off?: number; on?: number; addedMs: number };
  p99Ms: { off?: number; on?: number; addedMs: number };
  /** The facade's CPU per GraphQL request (µs). */
  facadeCpuUs: { off?: number; on?: number; ratio: number };
}

export interface TracingReport {
  skipped?: string;
  failed?: string;
  /** A checked look-up through the tracing facade, and the spans it exported; a problem found, else undefined. */
  check?: string;
  comparisons?: TracingComparison[];
  /** Over every measured window of the tracing facade: spans the sink received per GraphQL request. */
  spansPerRequest?: number;
  graphqlRequests?: number;
  sink?: SinkCounts;
  /** Spans the SDK dropped (its queue full), from its "Dropped N spans" warnings. */
  droppedSpans?: number;
}

/** The BatchSpanProcessor's default schedule (OTEL_BSP_SCHEDULE_DELAY), and a margin. */
const EXPORT_WAIT_MS = 6_000;

const times = (v: number) => `${v.toFixed(2)}×`;
const signed = (v: number, unit: string) => `${v >= 0 ? '+' : ''}${v.toFixed(2)}${unit}`;

export async function tracingScenario(
  opts: TracingBenchOptions,
  rows: Row[],
  peakHwm: Record<string, number | undefined>,
): Promise<TracingReport> {
  const { log } = opts;
  let sink: OtlpSink | undefined;
  let traced: FacadeProcess | undefined;
  const report: TracingReport = {};
  try {
    log('o: starting an OTLP sink and a facade with OTEL_EXPORTER_OTLP_ENDPOINT');
    sink = await startOtlpSink();
    traced = await startFacadeProcess('facade-otel', opts.root, opts.sandbox, {
      entry: opts.entry,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url },
    });
    const on = traced;
    const exporter = sink;
    log(`facade-otel pid ${on.child.pid} at ${on.url}, exporting to ${exporter.url}`);

    // One checked look-up, and the spans it exported (after the batch processor's schedule).
    const res = await fetch(`${on.url}/graphql`, {
      method: 'POST',
      headers: opts.headers,
      body: opts.bodies[0] as string,
    });
    const body = (await res.json()) as { data?: unknown; errors?: unknown[] };
    if (res.status !== 200 || body.errors?.length || body.data == null) report.check = `HTTP ${res.status}, errors`;
    await sleep(EXPORT_WAIT_MS);
    if (!report.check && exporter.counts().spans < 4) {
      report.check = `the look-up exported ${exporter.counts().spans} spans (expected at least 4)`;
    }
    if (report.check) log(`CHECK FAILED: the person query with tracing on: ${report.check}; its numbers are not valid`);

    const warmS = opts.warmupS + opts.durationS;
    log(`o: warming facade-otel up as b warmed the existing facade (${warmS} s, ${opts.connections} connections)`);
    await runAutocannonSampled({
      url: `${on.url}/graphql`,
      method: 'POST',
      headers: opts.headers,
      body: rotating(opts.bodies),
      connections: opts.connections,
      durationS: warmS,
      check: opts.check,
    });
    await sleep(EXPORT_WAIT_MS);

    const sinkBefore = exporter.counts();
    const graphqlBefore = (await on.scrape()).graphql;
    const lat = `${opts.latencyMs} ms`;
    report.comparisons = [];
    for (const [suffix, connections] of [
      ['', opts.connections],
      ['1', 1],
    ] as const) {
      const conns = `${connections} conn${connections === 1 ? '' : 's'}`;
      const [offRow, onRow] = await sideBySide({
        sides: [
          {
            id: `o${suffix}${suffix ? '-' : ''}0`,
            name: `facade person(id), tracing off, ${conns} [${lat}]`,
            facade: opts.facade,
            details: { connections, tracing: 'off' },
          },
          {
            id: `o${suffix}`,
            name: `facade person(id), tracing on (OTLP, batch), ${conns} [${lat}]`,
            facade: on,
            details: { connections, tracing: 'on', exporter: 'http/protobuf, BatchSpanProcessor defaults' },
          },
        ],
        connections,
        rounds: opts.rounds,
        durationS: opts.durationS,
        headers: opts.headers,
        bodies: opts.bodies,
        check: opts.check,
        processes: { sandbox: opts.sandbox.child.pid },
        describe: (sides, sliceS) =>
          `${sides[0].id} vs ${sides[1].id}: ${opts.rounds} alternating slices of ${sliceS.toFixed(1)} s, ` +
          `${connections} connection${connections === 1 ? '' : 's'}`,
        log,
      });
      const cpu = (row: Row) => {
        const cpuS = (row.details?.cpuS as Record<string, number> | undefined)?.facade;
        const graphql = (row.details?.counters as CounterSnapshot | undefined)?.graphql ?? 0;
        return cpuS !== undefined && graphql > 0 ? (cpuS * 1e6) / graphql : undefined;
      };
      const comparison: TracingComparison = {
        connections,
        off: offRow.id,
        on: onRow.id,
        reqPerSec: { off: offRow.reqPerSec, on: onRow.reqPerSec, ratio: ratio(onRow.reqPerSec, offRow.reqPerSec) },
        p50Ms: { off: offRow.p50Ms, on: onRow.p50Ms, addedMs: (onRow.p50Ms ?? NaN) - (offRow.p50Ms ?? NaN) },
        p99Ms: { off: offRow.p99Ms, on: onRow.p99Ms, addedMs: (onRow.p99Ms ?? NaN) - (offRow.p99Ms ?? NaN) },
        facadeCpuUs: { off: cpu(offRow), on: cpu(onRow), ratio: ratio(cpu(onRow), cpu(offRow)) },
      };
      Object.assign(onRow, {
        baseline: offRow.id,
        ratio:
          `${times(comparison.reqPerSec.ratio)} req/s, p50 ${signed(comparison.p50Ms.addedMs, ' ms')}, ` +
          `CPU/req ${times(comparison.facadeCpuUs.ratio)}`,
      });
      rows.push(offRow, onRow);
      report.comparisons.push(comparison);
    }

    // Spans still queued are exported on the processor's schedule: wait for them before counting.
    await sleep(EXPORT_WAIT_MS);
    const sinkAfter = exporter.counts();
    report.graphqlRequests = (await on.scrape()).graphql - graphqlBefore;
    report.sink = {
      requests: sinkAfter.requests - sinkBefore.requests,
      bytes: sinkAfter.bytes - sinkBefore.bytes,
      spans: sinkAfter.spans - sinkBefore.spans,
    };
    report.spansPerRequest = report.graphqlRequests > 0 ? report.sink.spans / report.graphqlRequests : undefined;
    report.droppedSpans = on.child.output
      .map((line) => /Dropped (\d+) spans/.exec(line)?.[1])
      .reduce((sum, n) => sum + (n ? Number(n) : 0), 0);
    peakHwm['facade-otel'] = procMemoryMb(on.child.pid, 'VmHWM');
  } catch (err) {
    report.failed = err instanceof Error ? err.message : String(err);
    log(`o: the tracing scenario FAILED: ${report.failed}`);
  } finally {
    log('stopping the tracing scenario processes');
    await Promise.all([traced?.child.stop(), sink?.close()]);
  }
  return report;
}

function ratio(a: number | undefined, b: number | undefined): number {
  return (a ?? NaN) / (b ?? NaN);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The tracing scenario's lines under the table. */
export function tracingSummary(report: TracingReport): string[] {
  if (report.skipped) return [`SKIPPED  tracing scenario: ${report.skipped}`];
  if (report.failed) return [`FAILED   tracing scenario: ${report.failed}`];
  const n = (v: number | undefined, digits = 2) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits));
  const lines = ['OpenTelemetry tracing on (OTLP http/protobuf to a discarding sink) vs off, one-person look-up:'];
  for (const c of report.comparisons ?? []) {
    lines.push(
      `  ${String(c.connections).padStart(3)} conn${c.connections === 1 ? ' ' : 's'} (${c.off} vs ${c.on}): ` +
        `req/s ${n(c.reqPerSec.off, 0)} → ${n(c.reqPerSec.on, 0)} (${times(c.reqPerSec.ratio)}); ` +
        `p50 ${n(c.p50Ms.off)} → ${n(c.p50Ms.on)} ms (${signed(c.p50Ms.addedMs, ' ms')}); ` +
        `p99 ${n(c.p99Ms.off)} → ${n(c.p99Ms.on)} ms (${signed(c.p99Ms.addedMs, ' ms')}); ` +
        `facade CPU/request ${n(c.facadeCpuUs.off, 0)} → ${n(c.facadeCpuUs.on, 0)} µs (${times(c.facadeCpuUs.ratio)})`,
    );
  }
  const sink = report.sink;
  lines.push(
    // Per request a server, an operation and an audit-write span; KRR call spans are shared by the batched requests.
    `  spans exported per GraphQL request: ${n(report.spansPerRequest, 3)} (${sink?.spans ?? '—'} spans in ` +
      `${sink?.requests ?? '—'} export requests, ${sink ? (sink.bytes / 1e6).toFixed(1) : '—'} MB, for ` +
      `${report.graphqlRequests ?? '—'} requests); dropped by the SDK (queue full): ${report.droppedSpans ?? '—'}`,
  );
  if (report.check) lines.push(`WARNING  check person with tracing on: ${report.check}`);
  if ((report.droppedSpans ?? 0) > 0) {
    lines.push('WARNING  the SDK dropped spans: the "on" rows measured less than every span exported');
  }
  return lines;
}
