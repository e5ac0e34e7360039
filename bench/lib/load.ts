/**
 * Load generators: autocannon (programmatic) for HTTP endpoints, and async loops over an undici Pool for callers that
 * share fewer connections than there are callers. Latencies are collected per response (hrtime, sub-millisecond) so
 * percentiles are exact rather than autocannon's integer-millisecond histogram.
 */
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';
import { Pool, type Dispatcher } from 'undici';

export interface LoadResult {
  /** Successful (2xx) responses. */
  ok: number;
  /** Non-2xx responses. */
  non2xx: number;
  /** 2xx responses whose body the load's `check` refused (not counted in `ok`). */
  wrongBodies?: number;
  /** Requests that failed without a response (reset, timeout). */
  errors: number;
  elapsedS: number;
  reqPerSec: number;
  latencyMs: Percentiles;
}

export interface Percentiles {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function percentiles(samples: number[]): Percentiles {
  if (samples.length === 0) return { mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    mean: sum / sorted.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

export function median(samples: number[]): number {
  return percentiles(samples).p50;
}

export interface HttpLoad {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** A new body per request (rotating through precomputed bodies), or none. */
  body?: () => string;
  connections: number;
  durationS: number;
  /** Requests per second over all connections (autocannon `overallRate`); unlimited when absent. */
  overallRate?: number;
  /**
   * Whether a 2xx response's body is the right answer (persons present, no errors): a response it refuses counts in
   * `wrongBodies`, not as a success, so a fast error can never pass for a fast answer.
   */
  check?: (body: string) => boolean;
}

/** A run's result with every latency sample (ms) it was computed from. */
export interface SampledResult {
  result: LoadResult;
  samplesMs: number[];
}

/** Several runs as one: counts and time summed, percentiles over every sample. */
export function mergeRuns(runs: SampledResult[]): LoadResult {
  const samples = runs.flatMap((r) => r.samplesMs);
  const sum = (pick: (r: LoadResult) => number) => runs.reduce((total, r) => total + pick(r.result), 0);
  const elapsedS = sum((r) => r.elapsedS);
  const ok = sum((r) => r.ok);
  return {
    ok,
    non2xx: sum((r) => r.non2xx),
    wrongBodies: sum((r) => r.wrongBodies ?? 0),
    errors: sum((r) => r.errors),
    elapsedS,
    reqPerSec: ok / elapsedS,
    latencyMs: percentiles(samples),
  };
}

/** One autocannon run, with its latency samples. */
export function runAutocannonSampled(load: HttpLoad): Promise<SampledResult> {
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let wrongBodies = 0;
  const started = performance.now();
  const nextBody = load.body;
  const check = load.check;
  /** Set by onResponse (which autocannon calls before its 'response' event) when a body is refused. */
  let refused = false;
  const request: Partial<autocannon.Request> = {
    ...(nextBody ? { setupRequest: (req: autocannon.Request) => ({ ...req, body: nextBody() }) } : {}),
    ...(check
      ? {
          onResponse: (status: number, body: string) => {
            refused = status >= 200 && status < 300 && !check(body);
          },
        }
      : {}),
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: load.url,
        method: load.method,
        headers: load.headers,
        connections: load.connections,
        pipelining: 1,
        duration: load.durationS,
        timeout: 30,
        ...(load.overallRate ? { overallRate: load.overallRate } : {}),
        ...(nextBody || check ? { requests: [request as autocannon.Request] } : {}),
      },
      (err: unknown) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const elapsedS = (performance.now() - started) / 1000;
        resolve({
          result: {
            ok,
            non2xx,
            wrongBodies,
            errors,
            elapsedS,
            reqPerSec: ok / elapsedS,
            latencyMs: percentiles(latencies),
          },
          samplesMs: latencies,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (refused) {
        refused = false;
        wrongBodies++;
      } else if (statusCode >= 200 && statusCode < 300) {
        ok++;
        latencies.push(responseTime);
      } else {
        non2xx++;
      }
    });
    instance.on('reqError', () => {
      errors++;
    });
  });
}

/**
 * `concurrency` callers, each calling `call` in a loop until `durationS` has passed; `call` resolves true on success.
 * Latency is measured around each call.
 */
export async function runLoops(opts: {
  concurrency: number;
  durationS: number;
  call: () => Promise<boolean>;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + opts.durationS * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        if (await opts.call()) {
          latencies.push(performance.now() - t0);
          ok++;
        } else {
          non2xx++;
        }
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  const elapsedS = (performance.now() - started) / 1000;
  return { ok, non2xx, errors, elapsedS, reqPerSec: ok / elapsedS, latencyMs: percentiles(latencies) };
}

/**
 * An open-loop load at a steady `rate` (requests/s, spread evenly, checked every millisecond) over an undici Pool of
 * `connections`: unlike autocannon's `overallRate`, which lets each connection send its whole per-second quota at the
 * start of every second, the server sees a smooth arrival rate. Latency runs from the moment a request is handed to the
 * pool, so time queued for a busy connection counts (no coordinated omission).
 */
export async function runPaced(opts: {
  origin: string;
  connections: number;
  rate: number;
  durationS: number;
  request: () => Dispatcher.RequestOptions;
  /** As HttpLoad's `check`. */
  check?: (body: string) => boolean;
}): Promise<LoadResult> {
  const pool = new Pool(opts.origin, { connections: opts.connections });
  const latencies: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let wrongBodies = 0;
  const total = Math.max(1, Math.floor(opts.rate * opts.durationS));
  const pending = new Set<Promise<void>>();
  const fire = () => {
    const t0 = performance.now();
    const p = pool.request(opts.request()).then(
      async (res) => {
        const body = await res.body.text();
        const success = res.statusCode >= 200 && res.statusCode < 300;
        if (success && opts.check && !opts.check(body)) {
          wrongBodies++;
        } else if (success) {
          ok++;
          latencies.push(performance.now() - t0);
        } else {
          non2xx++;
        }
      },
      () => {
        errors++;
      },
    );
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * opts.rate));
      while (sent < due) {
        sent++;
        fire();
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.all(pending);
  const elapsedS = (performance.now() - started) / 1000;
  await pool.close();
  return { ok, non2xx, wrongBodies, errors, elapsedS, reqPerSec: ok / elapsedS, latencyMs: percentiles(latencies) };
}

/** A function returning the given items in turn, forever. */
export function rotating<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new Error('nothing to rotate');
  let i = 0;
  return () => items[i++ % items.length] as T;
}
