/**
 * `npm run bench`: the facade against direct KRR / admin API calls, on loopback, in one go.
 *
 * The sandbox simulators (`src/sandbox/main.ts`) and the facade (`src/main.ts`, whatever the code is now) each run in a
 * child process, so neither shares this load generator's CPU. Two pairs are started: one with `BENCH_LATENCY_MS` of
 * upstream latency (default 0) for the main scenarios, one with `BENCH_COALESCE_LATENCY_MS` (default 5) and a facade
 * limited to `BENCH_COALESCE_CONNECTIONS` (default 8) upstream connections for target 1.
 *
 * Per scenario: requests/s, p50/p99 latency, upstream requests per GraphQL request and token requests (from the
 * facade's /metrics before and after), and the facade's peak RSS (VmRSS polled every 100 ms). A table goes to stdout,
 * everything to bench/results/<timestamp>.json. The exit code is 0 even when a target is missed: this is a measurement.
 *
 * Redis scenario (r): the person rate limit counted in Redis (`REDIS_URL`) against the in-process one. The bench starts
 * a `redis-server` of its own (random loopback port, temporary directory, no persistence; Debian package
 * `redis-server`, or `REDIS_SERVER_PATH`; skipped with a note when missing) and a second facade with REDIS_URL, warms
 * that up with the load scenario b gave the existing facade, and runs the one-person query against both in alternating
 * slices (BENCH_REDIS_ROUNDS rounds, together BENCH_DURATION per side, so other load on the machine falls on both):
 * BENCH_CONNECTIONS connections (saturating) and 1 connection (the added latency alone). Then a MONITOR counts
 * the Redis commands the facade sends per GraphQL request (round trips) apart from those Lua runs inside Redis, over
 * checked look-ups; `INFO commandstats` before and after each measured window gives the same counts without MONITOR's
 * overhead. Both processes are stopped before the next scenario.
 *
 * Tracing scenario (o): the one-person query through the facade with tracing off and through a second facade with
 * `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a sink of the bench's own that discards (http/protobuf, BatchSpanProcessor
 * defaults), in `BENCH_TRACING_ROUNDS` (5) alternating slices, at BENCH_CONNECTIONS connections and at 1; with spans
 * exported per GraphQL request and any the SDK dropped (bench/lib/tracing.ts).
 *
 * The one-person pair (a, the direct baseline, and b) runs side by side in BENCH_BULK_ROUNDS alternating slices, as the
 * bulk pairs do.
 *
 * Load: autocannon for the saturating runs; async loops over an undici Pool where callers share fewer connections
 * (target 1) or a call is two requests (e0); a steady open-loop rate for target 4 (autocannon's `overallRate` sends each
 * connection's quota in a burst at the start of every second, which measures burst draining, not added latency).
 *
 * Bulk scenarios: 100 persons per query with 64 callers (c) and 16 (c16), 1000 with 64 (d), and 1000-person queries
 * one at a time interleaved with direct 1000-id calls (d-seq), each against direct KRR calls of as many ids, side by
 * side (c, c16 and d in BENCH_BULK_ROUNDS alternating slices, d-seq call by call); d-seq again with every field of
 * Person but digitalMailbox selected (d-seq-all, no target); then c16 and d-seq again against a
 * sandbox and facade of their own with BENCH_BULK_LATENCY_MS (20) of KRR latency. d and d-seq also run the bare hop
 * (bench/lib/bare-hop.ts: one KRR call, JSON.parse, the facade's mapping, JSON.stringify, nothing else) in the same
 * slices and interleaving (rows d-bare, d-seq-bare, no target): how much of targets 7 and 3 the hop itself costs on
 * the machine at hand, whatever a service between caller and KRR does; c (64 callers) too (c-bare), though the bare hop
 * makes a KRR call per query where the facade joins the callers' ids into calls of up to 1000.
 *
 * Every answer of every row is checked (the persons asked for present, no errors; a direct call's `personer`): a
 * response that fails the check counts as an error, never as throughput.
 *
 *   BENCH_DURATION (10 s per scenario), BENCH_WARMUP (2 s, not measured), BENCH_CONNECTIONS (64),
 *   BENCH_LATENCY_MS (0), BENCH_COALESCE_LATENCY_MS (5), BENCH_COALESCE_CONNECTIONS (8), BENCH_BULK_LATENCY_MS (20),
 *   BENCH_BULK_ROUNDS (2), BENCH_SEQUENTIAL_CALLS (30), BENCH_REDIS_ROUNDS (5), BENCH_TRACING_ROUNDS (5),
 *   REDIS_SERVER_PATH (redis-server on PATH),
 *   BENCH_FACADE (dist: the production build, run with the node flags of `npm run start:dist` as the Dockerfile does,
 *   built by `npm run bench` first, as `npm start` runs it too | tsx: the same flags with `src/main.ts` through tsx, as
 *   `npm run dev` runs it, whose keep-names helper makes every closure creation a `defineProperty` call)
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { syntheticPersonIdentifiers } from '../src/sandbox/krr-seed.js';
import {
  median,
  mergeRuns,
  percentiles,
  rotating,
  runAutocannonSampled,
  runLoops,
  runPaced,
  type LoadResult,
  type SampledResult,
} from './lib/load.js';
import { procMemoryMb, runMain, sampleRss, stopAll, waitForIdle } from './lib/processes.js';
import { delta } from './lib/prometheus.js';
import { commandDelta, REDIS_PACKAGE, redisServerPath, RedisServer, type RedisCounters } from './lib/redis.js';
import { answers, type Check } from './lib/answers.js';
import { renderTable, type Row, type Verdict } from './lib/report.js';
import { sideBySide } from './lib/side-by-side.js';
import { tracingScenario, tracingSummary } from './lib/tracing.js';
import {
  ADMIN_READ_SCOPE,
  DirectClient,
  KRR_SCOPE,
  startBareHop,
  startFacadeProcess,
  startSandboxProcess,
  type BareHopProcess,
  type FacadeProcess,
  type SandboxProcess,
} from './lib/stack.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function envNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min} (got "${raw}")`);
  return value;
}

const settings = {
  durationS: envNumber('BENCH_DURATION', 10, 1),
  warmupS: envNumber('BENCH_WARMUP', 2, 0),
  connections: envNumber('BENCH_CONNECTIONS', 64, 1),
  latencyMs: envNumber('BENCH_LATENCY_MS', 0, 0),
  coalesceLatencyMs: envNumber('BENCH_COALESCE_LATENCY_MS', 5, 0),
  coalesceConnections: envNumber('BENCH_COALESCE_CONNECTIONS', 8, 1),
  sequentialCalls: envNumber('BENCH_SEQUENTIAL_CALLS', 30, 1),
  bulkLatencyMs: envNumber('BENCH_BULK_LATENCY_MS', 20, 0),
  bulkRounds: Math.round(envNumber('BENCH_BULK_ROUNDS', 2, 1)),
  redisRounds: Math.round(envNumber('BENCH_REDIS_ROUNDS', 5, 1)),
  tracingRounds: Math.round(envNumber('BENCH_TRACING_ROUNDS', 5, 1)),
  facadeEntry: process.env.BENCH_FACADE === 'tsx' ? ('tsx' as const) : ('dist' as const),
};

const TARGETS = {
  overheadThroughput: 0.65,
  coalescingThroughput: 2,
  largeQueryLatency: 2.0,
  largeQueryLatencyGoal: 1.3,
  addedP99Ms: 5,
  peakRssMb: 200,
  hundredThroughput: 0.35,
  thousandThroughput: 0.4,
};

/** Callers of the 16-caller bulk scenario (c16): a batch job's worker pool, not a saturating crowd. */
const BULK_CALLERS = 16;

const CLIENT_ID = '3f6a2c1e-8b4d-4f7a-9c2e-1d5b7a9e0c41';
const PERSON_FIELDS = 'id status email { value stale } mobilePhone { value stale }';
const PERSON_QUERY = `query Person($id: PersonIdentifier!) { person(id: $id) { ${PERSON_FIELDS} } }`;
const PERSONS_QUERY = `query Persons($ids: [PersonIdentifier!]!) { persons(ids: $ids) { ${PERSON_FIELDS} } }`;
/** Every field of Person but digitalMailbox (another KRR scope): what a caller copying the whole type asks for. */
const CONTACT_POINT_ALL = '{ value updatedAt lastVerifiedAt lastValidatedAt duplicated stale }';
const PERSON_ALL_FIELDS = `id status reserved reservedAt notificationStatus language languageUpdatedAt email ${CONTACT_POINT_ALL} mobilePhone ${CONTACT_POINT_ALL}`;
const PERSONS_ALL_QUERY = `query Persons($ids: [PersonIdentifier!]!) { persons(ids: $ids) { ${PERSON_ALL_FIELDS} } }`;
const CLIENT_QUERY = `{ client(id: "${CLIENT_ID}") { id name jwks { keys { kid } } } }`;

// Distinct ids per request, rotating through one pool of ids: every request in flight at one time asks for other ids
// (a facade that coalesces identical look-ups across requests gets no free ride; 90 disjoint 1000-id sets for 64
// connections), and the pool stays within the KRR simulator's 100 000 generated persons, all generated before the
// first measurement (prewarmKrr).
const ids = syntheticPersonIdentifiers(90_000);
const chunk = (list: string[], size: number) =>
  Array.from({ length: Math.floor(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));
const singleIds = ids.slice(0, 10_000);
const hundreds = chunk(ids.slice(0, 20_000), 100);
const thousands = chunk(ids, 1000);
const krrBody = (list: string[]) => JSON.stringify({ personidentifikatorer: list });
const bodies = {
  krr1: singleIds.map((id) => krrBody([id])),
  krr100: hundreds.map(krrBody),
  krr1000: thousands.map(krrBody),
  person: singleIds.map((id) => JSON.stringify({ query: PERSON_QUERY, variables: { id } })),
  persons100: hundreds.map((list) => JSON.stringify({ query: PERSONS_QUERY, variables: { ids: list } })),
  persons1000: thousands.map((list) => JSON.stringify({ query: PERSONS_QUERY, variables: { ids: list } })),
  persons1000All: thousands.map((list) => JSON.stringify({ query: PERSONS_ALL_QUERY, variables: { ids: list } })),
  client: [JSON.stringify({ query: CLIENT_QUERY })],
};

const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const ms = (v: number) => `${v.toFixed(2)} ms`;
const times = (v: number) => `${v.toFixed(2)}×`;
const verdict = (ok: boolean): Verdict => (ok ? 'PASS' : 'MISS');

function krrPath(sandbox: SandboxProcess): string {
  return `${sandbox.vars.KRR_URL}/rest/v2/personer`;
}

function facadeHeaders(sandbox: SandboxProcess): Record<string, string> {
  return { 'content-type': 'application/json', authorization: `Bearer ${sandbox.callerToken}` };
}

function directHeaders(token: string): Record<string, string> {
  return { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` };
}

/** A load of `durationS` seconds; called once for the warm-up and once measured. */
type Load = (durationS: number) => Promise<LoadResult>;

function rowFrom(result: LoadResult): Pick<Row, 'reqPerSec' | 'p50Ms' | 'p99Ms'> {
  return { reqPerSec: result.reqPerSec, p50Ms: result.latencyMs.p50, p99Ms: result.latencyMs.p99 };
}

/**
 * A direct run (no facade): one cached token from the bench's own TokenService, valid for the whole run; warm-up, then
 * the measured load. `upstreamPerCall`: HTTP requests per logical call.
 */
async function direct(
  id: string,
  name: string,
  client: DirectClient,
  sandbox: SandboxProcess,
  scope: string,
  upstreamPerCall: number,
  load: (token: string) => Load,
  details: Record<string, unknown> = {},
): Promise<Row> {
  log(`${id}: ${name}`);
  const tokensBefore = await client.tokenRequests();
  const run = load(await client.token([scope], settings.warmupS + settings.durationS + 15));
  const idle = () => waitForIdle([sandbox.child.pid]);
  if (settings.warmupS > 0) await run(settings.warmupS);
  const settleBeforeMs = await idle();
  const result = await run(settings.durationS);
  const settleAfterMs = await idle();
  return {
    id,
    name,
    kind: 'direct',
    ...rowFrom(result),
    upstreamPerRequest: upstreamPerCall,
    tokenRequests: (await client.tokenRequests()) - tokensBefore,
    errors: result.non2xx + result.errors + (result.wrongBodies ?? 0),
    details: { ...details, load: result, settleBeforeMs, settleAfterMs },
  };
}

/** A facade run: warm-up, then the measured load with counters from /metrics before and after and RSS polled. */
async function viaFacade(
  id: string,
  name: string,
  facade: FacadeProcess,
  sandbox: SandboxProcess,
  run: Load,
  details: Record<string, unknown> = {},
): Promise<Row> {
  log(`${id}: ${name}`);
  // Requests the load generator abandoned when it stopped still run in the facade: wait for them (and count them).
  const idle = () =>
    waitForIdle([facade.child.pid, sandbox.child.pid], { progress: async () => (await facade.scrape()).graphql });
  if (settings.warmupS > 0) await run(settings.warmupS);
  const settleBeforeMs = await idle();
  const before = await facade.scrape();
  const rss = sampleRss(facade.child.pid);
  const result = await run(settings.durationS);
  const settleAfterMs = await idle();
  const peakRssMb = rss.stop();
  const d = delta(await facade.scrape(), before);
  return {
    id,
    name,
    kind: 'facade',
    ...rowFrom(result),
    upstreamPerRequest: d.graphql > 0 ? (d.krr + d.admin) / d.graphql : undefined,
    tokenRequests: d.tokenPosts,
    peakRssMb,
    errors: result.non2xx + result.errors + (result.wrongBodies ?? 0) + d.graphqlNotSuccess,
    details: { ...details, load: result, counters: d, settleBeforeMs, settleAfterMs },
  };
}

/** autocannon POSTs of rotating bodies, every answer checked. */
function cannon(
  url: string,
  headers: Record<string, string>,
  bodies: readonly string[],
  connections: number,
  check: Check,
): Load {
  const sampled = sampledCannon(url, headers, bodies, connections, check);
  return async (durationS) => (await sampled(durationS)).result;
}

/** As {@link cannon}, with every latency sample (for runs merged from slices). */
function sampledCannon(
  url: string,
  headers: Record<string, string>,
  bodies: readonly string[],
  connections: number,
  check: Check,
): (durationS: number) => Promise<SampledResult> {
  const body = rotating(bodies);
  return (durationS) => runAutocannonSampled({ url, method: 'POST', headers, body, connections, durationS, check });
}

/** A steady open-loop rate of rotating POST bodies (target 4). */
function paced(
  url: string,
  headers: Record<string, string>,
  bodies: readonly string[],
  rate: number,
  check: Check,
): Load {
  const { origin, pathname } = new URL(url);
  const body = rotating(bodies);
  return (durationS) =>
    runPaced({
      origin,
      connections: settings.connections,
      rate,
      durationS,
      request: () => ({ method: 'POST', path: pathname, headers, body: body() }),
      check,
    });
}

/** Asks the KRR simulator for every benchmark id once, in 1000-id calls (it keeps the generated persons). */
async function prewarmKrr(sandbox: SandboxProcess, client: DirectClient, which: string[]): Promise<void> {
  const headers = directHeaders(await client.token([KRR_SCOPE], 60));
  for (const list of chunk(which, 1000)) {
    const res = await fetch(krrPath(sandbox), { method: 'POST', headers, body: krrBody(list) });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`KRR simulator answered HTTP ${res.status} while warming up`);
  }
}

/** One request through the facade, checked: data present, no errors. Returns a note when something is off. */
async function checkFacade(facade: FacadeProcess, sandbox: SandboxProcess, body: string): Promise<string | undefined> {
  const res = await fetch(`${facade.url}/graphql`, { method: 'POST', headers: facadeHeaders(sandbox), body });
  const text = await res.text();
  let json: { data?: unknown; errors?: { message?: string; extensions?: { code?: string } }[] };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    return `HTTP ${res.status}, not JSON`;
  }
  if (res.status !== 200 || json.errors?.length || json.data == null) {
    const first = json.errors?.[0];
    return `HTTP ${res.status}: ${first?.extensions?.code ?? ''} ${first?.message ?? 'no data'}`.trim();
  }
  return undefined;
}

/** A sandbox, a facade against it and a direct client of the same sandbox (the baselines). */
interface Stack {
  sandbox: SandboxProcess;
  facade: FacadeProcess;
  direct: DirectClient;
  latencyMs: number;
}

/**
 * Direct `n`-id KRR calls against `n`-person queries through the facade (`persons(ids:)`; for 1, `person(id:)`),
 * `connections` callers each, every answer checked, side by side: after a warm-up of each, BENCH_BULK_ROUNDS rounds of
 * one slice each (direct first on even rounds, the facade first on odd ones), BENCH_DURATION per side in all, so
 * whatever else the machine does meanwhile falls on both alike. Pushes both rows (`baselineId`, default `<id>0`, then
 * `<id>`) and returns the facade's, its ratio filled in.
 */
async function throughputPair(
  stack: Stack,
  id: string,
  n: 1 | 100 | 1000,
  connections: number,
  rows: Row[],
  names: { baselineId?: string; direct?: string; facade?: string } = {},
  bare?: BareHopProcess,
) {
  const lat = `${stack.latencyMs} ms`;
  const callers = `${connections} callers`;
  const rounds = settings.bulkRounds;
  const sliceS = settings.durationS / rounds;
  const baselineId = names.baselineId ?? `${id}0`;
  log(
    `${baselineId} vs ${id}: ${n} ids/persons per call, ${callers}, ${rounds} alternating slices of ${sliceS} s [${lat}]`,
  );
  const token = await stack.direct.token([KRR_SCOPE], settings.warmupS + settings.durationS * 2 + 60);
  const krr = n === 1 ? bodies.krr1 : n === 100 ? bodies.krr100 : bodies.krr1000;
  const persons = n === 1 ? bodies.person : n === 100 ? bodies.persons100 : bodies.persons1000;
  const loads = [
    sampledCannon(krrPath(stack.sandbox), directHeaders(token), krr, connections, answers.krr(n)),
    sampledCannon(
      `${stack.facade.url}/graphql`,
      facadeHeaders(stack.sandbox),
      persons,
      connections,
      n === 1 ? answers.person : answers.persons(n),
    ),
    ...(bare
      ? [sampledCannon(`${bare.url}/graphql`, facadeHeaders(stack.sandbox), persons, connections, answers.persons(n))]
      : []),
  ];
  const idle = () =>
    waitForIdle([stack.facade.child.pid, stack.sandbox.child.pid, ...(bare ? [bare.child.pid] : [])], {
      progress: async () => (await stack.facade.scrape()).graphql,
    });
  if (settings.warmupS > 0) for (const load of loads) await load(settings.warmupS);
  await idle();
  const tokensBefore = await stack.direct.tokenRequests();
  const before = await stack.facade.scrape();
  const rss = sampleRss(stack.facade.child.pid);
  const bareRss = bare && sampleRss(bare.child.pid);
  const runs: SampledResult[][] = loads.map(() => []);
  const order = loads.map((_, side) => side);
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? order : [...order].reverse()) {
      runs[side]?.push(await (loads[side] as (s: number) => Promise<SampledResult>)(sliceS));
      await idle();
    }
  }
  const peakRssMb = rss.stop();
  const d = delta(await stack.facade.scrape(), before);
  const [direct, viaFacade, viaBare] = runs.map((r) => mergeRuns(r)) as [LoadResult, LoadResult, LoadResult?];
  const failed = (r: LoadResult) => r.non2xx + r.errors + (r.wrongBodies ?? 0);
  const base: Row = {
    id: baselineId,
    name: names.direct ?? `direct KRR, ${n} ids/call, ${callers} [${lat}]`,
    kind: 'direct',
    ...rowFrom(direct),
    upstreamPerRequest: 1,
    tokenRequests: (await stack.direct.tokenRequests()) - tokensBefore,
    errors: failed(direct),
    details: { connections, rounds, sliceS, load: direct },
  };
  const row: Row = {
    id,
    name: names.facade ?? `facade persons(ids) ×${n}, ${callers} [${lat}]`,
    kind: 'facade',
    ...rowFrom(viaFacade),
    upstreamPerRequest: d.graphql > 0 ? (d.krr + d.admin) / d.graphql : undefined,
    tokenRequests: d.tokenPosts,
    peakRssMb,
    errors: failed(viaFacade) + d.graphqlNotSuccess,
    baseline: base.id,
    ratio: times((viaFacade.reqPerSec ?? 0) / (direct.reqPerSec || NaN)),
    details: { connections, rounds, sliceS, load: viaFacade, counters: d },
  };
  rows.push(base, row);
  if (viaBare) {
    rows.push({
      id: `${id}-bare`,
      name: `bare hop (no facade) ×${n}, ${callers} [${lat}]`,
      kind: 'reference',
      ...rowFrom(viaBare),
      upstreamPerRequest: 1,
      errors: failed(viaBare),
      baseline: base.id,
      ratio: times((viaBare.reqPerSec ?? 0) / (direct.reqPerSec || NaN)),
      // Not peakRssMb, which is the facade's (target 5): the bare hop has no admission control or heap budget of its own.
      details: { connections, rounds, sliceS, load: viaBare, bareHopPeakRssMb: bareRss?.stop() },
    });
  }
  return row;
}

/**
 * BENCH_SEQUENTIAL_CALLS 1000-id calls one at a time, direct and through the facade interleaved (after 5 not
 * measured), every answer checked; pushes both rows and returns the facade's with `ratioValue` (p50 / direct p50).
 * The facade's queries select the bench's fields of each person, or with `everyField` every field but digitalMailbox.
 */
async function sequentialPair(
  stack: Stack,
  id: string,
  rows: Row[],
  opts: { everyField?: boolean; bare?: BareHopProcess } = {},
): Promise<Row & { ratioValue: number }> {
  const { everyField = false, bare } = opts;
  const n = settings.sequentialCalls;
  const lat = `${stack.latencyMs} ms`;
  const selection = everyField ? ', every field' : '';
  log(
    `${id}: ${n} sequential 1000-id calls each (after 5 not measured), direct and facade interleaved [${lat}${selection}]`,
  );
  const krrTarget = new URL(krrPath(stack.sandbox));
  const krrPool = new Pool(krrTarget.origin, { connections: 1 });
  const facadePool = new Pool(stack.facade.url, { connections: 1 });
  const barePool = bare && new Pool(bare.url, { connections: 1 });
  const tokensBefore = await stack.direct.tokenRequests();
  const krrHeaders = directHeaders(await stack.direct.token([KRR_SCOPE], 120));
  const nextKrr = rotating(bodies.krr1000);
  const nextFacade = rotating(everyField ? bodies.persons1000All : bodies.persons1000);
  // The bench's selection, the one the bare hop answers, whatever the facade is asked.
  const nextBare = rotating(bodies.persons1000);
  const timed = async (pool: Pool, path: string, headers: Record<string, string>, body: string) => {
    const t0 = performance.now();
    const res = await pool.request({ method: 'POST', path, headers, body });
    const text = await res.body.text();
    return { ms: performance.now() - t0, status: res.statusCode, text };
  };
  const directMs: number[] = [];
  const facadeMs: number[] = [];
  const bareMs: number[] = [];
  let failures = 0;
  let bareFailures = 0;
  const before = await stack.facade.scrape();
  const rss = sampleRss(stack.facade.child.pid);
  for (let i = -5; i < n; i++) {
    const dr = await timed(krrPool, krrTarget.pathname, krrHeaders, nextKrr());
    const fr = await timed(facadePool, '/graphql', facadeHeaders(stack.sandbox), nextFacade());
    if (dr.status !== 200 || fr.status !== 200 || !answers.krr(1000)(dr.text) || !answers.persons(1000)(fr.text)) {
      failures++;
    }
    // The bare hop failing (or gone) counts against its own row only, never stops the facade's.
    const br =
      barePool && (await timed(barePool, '/graphql', facadeHeaders(stack.sandbox), nextBare()).catch(() => undefined));
    if (barePool && (br?.status !== 200 || !answers.persons(1000)(br.text))) bareFailures++;
    if (i < 0) continue; // warm-up
    directMs.push(dr.ms);
    facadeMs.push(fr.ms);
    if (br?.status === 200) bareMs.push(br.ms);
  }
  const peakRssMb = rss.stop();
  const counters = delta(await stack.facade.scrape(), before);
  await Promise.all([krrPool.close(), facadePool.close(), barePool?.close()]);
  const ratioValue = median(facadeMs) / median(directMs);
  const dp = percentiles(directMs);
  const fp = percentiles(facadeMs);
  const row: Row & { ratioValue: number } = {
    id,
    name: `facade persons ×1000${selection}, sequential ×${n} [${lat}]`,
    kind: 'facade',
    p50Ms: fp.p50,
    p99Ms: fp.p99,
    upstreamPerRequest: counters.graphql > 0 ? (counters.krr + counters.admin) / counters.graphql : undefined,
    tokenRequests: counters.tokenPosts,
    peakRssMb,
    baseline: `${id}0`,
    ratio: `${times(ratioValue)} p50`,
    errors: failures,
    ...(failures > 0 ? { note: `${failures} calls failed or answered incompletely` } : {}),
    details: { latencyMs: fp, samplesMs: facadeMs, counters },
    ratioValue,
  };
  rows.push(
    {
      id: `${id}0`,
      name: `direct KRR 1000 ids, sequential ×${n} [${lat}${everyField ? ', beside every field' : ''}]`,
      kind: 'direct',
      p50Ms: dp.p50,
      p99Ms: dp.p99,
      upstreamPerRequest: 1,
      tokenRequests: (await stack.direct.tokenRequests()) - tokensBefore,
      details: { latencyMs: dp, samplesMs: directMs },
    },
    row,
  );
  if (bare) {
    const bp = percentiles(bareMs);
    rows.push({
      id: `${id}-bare`,
      name: `bare hop (no facade) ×1000, sequential ×${n} [${lat}]`,
      kind: 'reference',
      p50Ms: bp.p50,
      p99Ms: bp.p99,
      upstreamPerRequest: 1,
      baseline: `${id}0`,
      ratio: `${times(median(bareMs) / median(directMs))} p50`,
      errors: bareFailures,
      details: { latencyMs: bp, samplesMs: bareMs },
    });
  }
  return row;
}

/**
 * The bulk scenarios again against a sandbox with BENCH_BULK_LATENCY_MS of KRR latency (a facade and direct client of
 * their own, stopped before this returns): 100 persons with 16 callers, and 1000 persons one at a time.
 */
async function bulkWithLatency(rows: Row[], peakHwm: Record<string, number | undefined>): Promise<void> {
  const latencyMs = settings.bulkLatencyMs;
  log(`starting a sandbox with ${latencyMs} ms KRR latency and a facade against it`);
  const sandbox = await startSandboxProcess(`sandbox-${latencyMs}ms`, ROOT, latencyMs);
  const facade = await startFacadeProcess(`facade-${latencyMs}ms`, ROOT, sandbox, { entry: settings.facadeEntry });
  const client = await DirectClient.create(sandbox);
  try {
    await prewarmKrr(sandbox, client, ids.slice(0, 40_000));
    const stack: Stack = { sandbox, facade, direct: client, latencyMs };
    // The same load b and c gave the main facade first, so both compare with the same code paths compiled.
    await cannon(
      `${facade.url}/graphql`,
      facadeHeaders(sandbox),
      bodies.persons100,
      BULK_CALLERS,
      answers.persons(100),
    )(settings.warmupS + settings.durationS);
    await throughputPair(stack, `c16-${latencyMs}ms`, 100, BULK_CALLERS, rows);
    await sequentialPair(stack, `d-seq-${latencyMs}ms`, rows);
    peakHwm[`facade-${latencyMs}ms`] = procMemoryMb(facade.child.pid, 'VmHWM');
  } finally {
    log(`stopping the ${latencyMs} ms processes`);
    await Promise.all([facade.child.stop(), sandbox.child.stop(), client.close()]);
  }
}

/** What the Redis scenario found, for the summary lines and the JSON. */
interface RedisReport {
  skipped?: string;
  failed?: string;
  redisVersion?: string;
  check?: string;
  /** Rate-limit decisions the facade with REDIS_URL made in process because Redis did not answer (should be 0). */
  fallbacks?: number;
  comparisons?: RedisComparison[];
  roundTrips?: RoundTrips;
}

interface RedisComparison {
  connections: number;
  inProcess: string;
  redis: string;
  p50Ms: { inProcess?: number; redis?: number; addedMs: number; ratio: number };
  p99Ms: { inProcess?: number; redis?: number; addedMs: number; ratio: number };
  reqPerSec: { inProcess?: number; redis?: number; ratio: number };
  /** From INFO commandstats over the measured window: commands executed per GraphQL request, Lua's included. */
  redisCommandsPerRequest?: number;
  /** The same window: calls of the commands the MONITOR saw clients send, per GraphQL request. */
  roundTripsPerRequest?: number;
  /** CPU time per GraphQL request (µs) in each process, in-process vs Redis windows. */
  cpuUsPerRequest: { inProcess: Record<string, number>; redis: Record<string, number> };
}

interface RoundTrips {
  method: string;
  requests: number;
  /** GraphQL requests the facade counted meanwhile (/metrics). */
  graphqlRequests: number;
  failures: number;
  perRequest: number;
  fromClients: Record<string, number>;
  fromScripts: Record<string, number>;
  /** Commands executed in Redis per GraphQL request, those inside Lua included. */
  commandsPerRequest: number;
}

const ROUND_TRIP_REQUESTS = 2_000;
const ROUND_TRIP_CONCURRENCY = 8;

/** The commands one measured window ran in Redis, less the bench's own INFO. */
function windowCommands(d: RedisCounters): RedisCounters {
  const calls = { ...d.calls };
  const own = calls.info ?? 0;
  delete calls.info;
  return { total: d.total - own, calls };
}

/**
 * The Redis scenario: a redis-server and a facade with REDIS_URL of the bench's own, the one-person query against the
 * existing facade (in-process rate limit) and that one, one after the other, at 64 connections and at 1; then the
 * round trips per request under MONITOR. Both are stopped before this returns, whatever happens.
 */
async function redisScenario(
  sandbox: SandboxProcess,
  facade: FacadeProcess,
  rows: Row[],
  peakHwm: Record<string, number | undefined>,
): Promise<RedisReport> {
  if (!redisServerPath()) {
    const reason = `redis-server is not installed (Debian package ${REDIS_PACKAGE}: apt-get install ${REDIS_PACKAGE})`;
    log(`r: the Redis scenario is skipped: ${reason}`);
    return { skipped: reason };
  }
  let redis: RedisServer | undefined;
  let facadeRedis: FacadeProcess | undefined;
  const report: RedisReport = {};
  try {
    log('r: starting redis-server and a facade with REDIS_URL');
    redis = await RedisServer.start('redis-server');
    facadeRedis = await startFacadeProcess('facade-redis', ROOT, sandbox, {
      entry: settings.facadeEntry,
      env: { REDIS_URL: redis.url },
    });
    const server = redis;
    const withRedis = facadeRedis;
    report.redisVersion = server.version;
    log(
      `redis-server ${server.version} pid ${server.child.pid} at ${server.url} (dir ${server.dir}), ` +
        `facade-redis pid ${withRedis.child.pid} at ${withRedis.url}`,
    );

    // The same checks as the other scenarios, and proof that the decision was made in Redis, not in process.
    const fallbacksBefore = (await withRedis.scrape()).rateLimitFallbacks;
    const before = await server.counters();
    report.check = await checkFacade(withRedis, sandbox, bodies.person[0] as string);
    const used = commandDelta(await server.counters(), before);
    if (!report.check && (used.calls.evalsha ?? 0) + (used.calls.eval ?? 0) === 0) {
      report.check = 'the look-up ran no script in Redis: the rate limit is not counted there';
    }
    if (report.check) log(`CHECK FAILED: the person query with REDIS_URL: ${report.check}; its numbers are not valid`);

    // The existing facade has already served scenario b (and more): the new one first gets the same load, so both
    // compare with the same code paths compiled, not a cold JIT.
    const warmS = settings.warmupS + settings.durationS;
    log(`r: warming facade-redis up as b warmed the existing facade (${warmS} s, ${settings.connections} connections)`);
    await cannon(
      `${withRedis.url}/graphql`,
      facadeHeaders(sandbox),
      bodies.person,
      settings.connections,
      answers.person,
    )(warmS);

    const lat = `${settings.latencyMs} ms`;
    const pairs: { connections: number; inProcess: Row; redis: Row }[] = [];
    for (const [suffix, connections] of [
      ['', settings.connections],
      ['1', 1],
    ] as const) {
      const conns = `${connections} conn${connections === 1 ? '' : 's'}`;
      const redisCommands = [0, 1].map((): RedisCounters => ({ total: 0, calls: {} }));
      const [inProcess, viaRedis] = await sideBySide({
        sides: [
          {
            id: `r${suffix}${suffix ? '-' : ''}0`,
            name: `facade person(id), in-process rate limit, ${conns} [${lat}]`,
            facade,
            details: { connections, rateLimit: 'in-process' },
          },
          {
            id: `r${suffix}`,
            name: `facade person(id), REDIS_URL rate limit, ${conns} [${lat}]`,
            facade: withRedis,
            details: { connections, rateLimit: 'redis' },
          },
        ],
        connections,
        rounds: settings.redisRounds,
        durationS: settings.durationS,
        warmupS: settings.warmupS,
        headers: facadeHeaders(sandbox),
        bodies: bodies.person,
        check: answers.person,
        processes: { sandbox: sandbox.child.pid, redis: server.child.pid },
        // The commands Redis ran per slice, less the bench's own INFO, summed per side.
        hook: {
          async beforeSlice(side) {
            const commandsBefore = await server.counters();
            return async () => {
              const commands = windowCommands(commandDelta(await server.counters(), commandsBefore));
              const sum = redisCommands[side] as RedisCounters;
              sum.total += commands.total;
              for (const [name, n] of Object.entries(commands.calls)) sum.calls[name] = (sum.calls[name] ?? 0) + n;
            };
          },
          details: (side) => ({ redisCommands: redisCommands[side] }),
        },
        describe: (sides, sliceS) =>
          `${sides[0].id} vs ${sides[1].id}: ${sides[0].name} vs ${sides[1].name}, ` +
          `${settings.redisRounds} alternating slices of ${sliceS.toFixed(1)} s each`,
        log,
      });
      const added = (viaRedis.p50Ms ?? NaN) - (inProcess.p50Ms ?? NaN);
      Object.assign(viaRedis, {
        baseline: inProcess.id,
        ratio:
          `p50 ${added >= 0 ? '+' : ''}${ms(added)} (${times((viaRedis.p50Ms ?? NaN) / (inProcess.p50Ms ?? NaN))}), ` +
          `${times((viaRedis.reqPerSec ?? 0) / (inProcess.reqPerSec ?? NaN))} req/s`,
      });
      rows.push(inProcess, viaRedis);
      pairs.push({ connections, inProcess, redis: viaRedis });
    }

    // Round trips: checked look-ups with a MONITOR attached (not during the measured windows: it slows Redis down).
    log(`r-rt: ${ROUND_TRIP_REQUESTS} checked look-ups through facade-redis with a Redis MONITOR attached`);
    const graphqlBefore = await withRedis.scrape();
    const counted = await server.monitor(() => checkedLookups(withRedis, sandbox, ROUND_TRIP_REQUESTS));
    const graphqlRequests = delta(await withRedis.scrape(), graphqlBefore).graphql;
    const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    const sent = sum(counted.fromClients);
    report.roundTrips = {
      method:
        `MONITOR over ${ROUND_TRIP_REQUESTS} one-person look-ups, ` +
        `${ROUND_TRIP_CONCURRENCY} at a time, each body checked`,
      requests: ROUND_TRIP_REQUESTS,
      graphqlRequests,
      failures: counted.result,
      perRequest: sent / graphqlRequests,
      fromClients: counted.fromClients,
      fromScripts: counted.fromScripts,
      commandsPerRequest: (sent + sum(counted.fromScripts)) / graphqlRequests,
    };
    if (counted.result > 0) log(`CHECK FAILED: ${counted.result} of the round-trip look-ups failed`);

    const clientCommands = new Set(Object.keys(counted.fromClients));
    report.comparisons = pairs.map(({ connections, inProcess, redis: r }) => {
      const w = r.details?.redisCommands as RedisCounters | undefined;
      const graphql = (r.details?.counters as { graphql?: number } | undefined)?.graphql ?? 0;
      const roundTrips = w ? Object.entries(w.calls).filter(([name]) => clientCommands.has(name)) : [];
      return {
        connections,
        inProcess: inProcess.id,
        redis: r.id,
        p50Ms: {
          inProcess: inProcess.p50Ms,
          redis: r.p50Ms,
          addedMs: (r.p50Ms ?? NaN) - (inProcess.p50Ms ?? NaN),
          ratio: (r.p50Ms ?? NaN) / (inProcess.p50Ms ?? NaN),
        },
        p99Ms: {
          inProcess: inProcess.p99Ms,
          redis: r.p99Ms,
          addedMs: (r.p99Ms ?? NaN) - (inProcess.p99Ms ?? NaN),
          ratio: (r.p99Ms ?? NaN) / (inProcess.p99Ms ?? NaN),
        },
        reqPerSec: {
          inProcess: inProcess.reqPerSec,
          redis: r.reqPerSec,
          ratio: (r.reqPerSec ?? NaN) / (inProcess.reqPerSec ?? NaN),
        },
        cpuUsPerRequest: { inProcess: cpuPerRequest(inProcess), redis: cpuPerRequest(r) },
        ...(w && graphql > 0
          ? {
              redisCommandsPerRequest: w.total / graphql,
              roundTripsPerRequest: roundTrips.reduce((a, [, n]) => a + n, 0) / graphql,
            }
          : {}),
      };
    });

    report.fallbacks = (await withRedis.scrape()).rateLimitFallbacks - fallbacksBefore;
    if (report.fallbacks > 0) {
      for (const { redis: r } of pairs) {
        r.note = `${report.fallbacks} rate-limit decisions fell back to in-process (Redis did not answer)`;
      }
    }
    peakHwm['facade-redis'] = procMemoryMb(withRedis.child.pid, 'VmHWM');
  } catch (err) {
    report.failed = err instanceof Error ? err.message : String(err);
    log(`r: the Redis scenario FAILED: ${report.failed}`);
  } finally {
    log('stopping the Redis scenario processes');
    await Promise.all([facadeRedis?.child.stop(), redis?.stop()]);
  }
  return report;
}

/** CPU µs per GraphQL request by process, from a row's `cpuS` and /metrics counters. */
function cpuPerRequest(row: Row): Record<string, number> {
  const cpuS = (row.details?.cpuS ?? {}) as Record<string, number | undefined>;
  const graphql = (row.details?.counters as { graphql?: number } | undefined)?.graphql ?? 0;
  const out: Record<string, number> = {};
  for (const [name, s] of Object.entries(cpuS)) if (s !== undefined && graphql > 0) out[name] = (s * 1e6) / graphql;
  return out;
}

/** `n` one-person look-ups, ROUND_TRIP_CONCURRENCY at a time, each answer checked (the person asked for, no errors). */
async function checkedLookups(facade: FacadeProcess, sandbox: SandboxProcess, n: number): Promise<number> {
  const pool = new Pool(facade.url, { connections: ROUND_TRIP_CONCURRENCY });
  const headers = facadeHeaders(sandbox);
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < n) {
      const id = singleIds[next++ % singleIds.length] as string;
      try {
        const res = await pool.request({
          method: 'POST',
          path: '/graphql',
          headers,
          body: JSON.stringify({ query: PERSON_QUERY, variables: { id } }),
        });
        const body = JSON.parse(await res.body.text()) as { data?: { person?: { id?: string } }; errors?: unknown[] };
        if (res.statusCode !== 200 || body.errors?.length || body.data?.person?.id !== id) failures++;
      } catch {
        failures++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: ROUND_TRIP_CONCURRENCY }, worker));
  } finally {
    await pool.close();
  }
  return failures;
}

/** The Redis scenario's lines under the table. */
function redisSummary(report: RedisReport): string[] {
  if (report.skipped) return [`SKIPPED  Redis scenario: ${report.skipped}`];
  if (report.failed) return [`FAILED   Redis scenario: ${report.failed}`];
  const lines = ['Redis rate limit (REDIS_URL) vs in-process, one-person look-up, in alternating slices of this run:'];
  const n = (v: number | undefined, digits = 2) => (v === undefined ? '—' : v.toFixed(digits));
  for (const c of report.comparisons ?? []) {
    const sign = (v: number) => (v >= 0 ? '+' : '');
    lines.push(
      `  ${String(c.connections).padStart(3)} conn${c.connections === 1 ? ' ' : 's'} (${c.inProcess} vs ${c.redis}): ` +
        `p50 ${n(c.p50Ms.inProcess)} → ${n(c.p50Ms.redis)} ms (${sign(c.p50Ms.addedMs)}${n(c.p50Ms.addedMs)} ms, ` +
        `${times(c.p50Ms.ratio)}); p99 ${n(c.p99Ms.inProcess)} → ${n(c.p99Ms.redis)} ms ` +
        `(${sign(c.p99Ms.addedMs)}${n(c.p99Ms.addedMs)} ms, ${times(c.p99Ms.ratio)}); req/s ` +
        `${n(c.reqPerSec.inProcess, 0)} → ${n(c.reqPerSec.redis, 0)} (${times(c.reqPerSec.ratio)}); ` +
        `Redis round trips/request ${n(c.roundTripsPerRequest, 3)}, ` +
        `commands/request ${n(c.redisCommandsPerRequest, 3)}`,
    );
    const cpuLine = Object.keys({ ...c.cpuUsPerRequest.inProcess, ...c.cpuUsPerRequest.redis })
      .map((name) => `${name} ${n(c.cpuUsPerRequest.inProcess[name], 0)} → ${n(c.cpuUsPerRequest.redis[name], 0)}`)
      .join(', ');
    lines.push(`        CPU µs per request (in-process → Redis): ${cpuLine}`);
  }
  const rt = report.roundTrips;
  if (rt) {
    const per = (counts: Record<string, number>) =>
      Object.entries(counts)
        .sort(([, a], [, b]) => b - a)
        .map(([name, count]) => `${name} ${(count / rt.graphqlRequests).toFixed(3)}`)
        .join(', ') || 'none';
    lines.push(
      `  Redis round trips per GraphQL request: ${rt.perRequest.toFixed(3)} (${per(rt.fromClients)}); inside Lua, ` +
        `no round trip: ${per(rt.fromScripts)}; ${rt.commandsPerRequest.toFixed(3)} commands executed per request ` +
        `(${rt.method}, ${rt.graphqlRequests} GraphQL requests, ${rt.failures} failed)`,
    );
  }
  lines.push(
    `  redis-server ${report.redisVersion ?? '?'}, rate-limit fallbacks to in-process: ${report.fallbacks ?? '?'}`,
  );
  if (report.check) lines.push(`WARNING  check person with REDIS_URL: ${report.check}`);
  if ((report.fallbacks ?? 0) > 0) lines.push('WARNING  Redis did not answer some decisions: the r rows are not valid');
  if ((rt?.failures ?? 0) > 0) lines.push(`WARNING  ${rt?.failures} round-trip look-ups failed`);
  return lines;
}

async function main(): Promise<void> {
  const started = performance.now();
  const startedAt = new Date();
  log(
    `duration ${settings.durationS} s + warm-up ${settings.warmupS} s per scenario, ${settings.connections} connections, ` +
      `upstream latency ${settings.latencyMs} ms (target 1: ${settings.coalesceLatencyMs} ms, ` +
      `${settings.coalesceConnections} upstream connections), facade via ${settings.facadeEntry}, ` +
      `node ${process.version} for every process`,
  );

  log('starting the sandbox processes');
  const [main, coalesce] = await Promise.all([
    startSandboxProcess('sandbox', ROOT, settings.latencyMs),
    startSandboxProcess('sandbox-5ms', ROOT, settings.coalesceLatencyMs),
  ]);
  log('starting the facades');
  const [facade, facadeLimited] = await Promise.all([
    startFacadeProcess('facade', ROOT, main, { entry: settings.facadeEntry }),
    startFacadeProcess('facade-8conn', ROOT, coalesce, {
      entry: settings.facadeEntry,
      env: { UPSTREAM_CONNECTIONS: String(settings.coalesceConnections) },
    }),
  ]);
  const [directMain, directLimited] = await Promise.all([DirectClient.create(main), DirectClient.create(coalesce)]);
  log(`facade pid ${facade.child.pid} at ${facade.url}, facade-8conn pid ${facadeLimited.child.pid}`);

  // Every id once through each KRR simulator, so no scenario pays for generating the persons it asks for.
  await Promise.all([prewarmKrr(main, directMain, ids), prewarmKrr(coalesce, directLimited, singleIds)]);

  const checks: Record<string, string | undefined> = {
    person: await checkFacade(facade, main, bodies.person[0] as string),
    persons100: await checkFacade(facade, main, bodies.persons100[0] as string),
    persons1000: await checkFacade(facade, main, bodies.persons1000[0] as string),
    client: await checkFacade(facade, main, bodies.client[0] as string),
    personLimited: await checkFacade(facadeLimited, coalesce, bodies.person[0] as string),
  };
  for (const [name, problem] of Object.entries(checks)) {
    if (problem) log(`CHECK FAILED: the ${name} query does not answer cleanly (${problem}); its numbers are not valid`);
  }

  const rows: Row[] = [];
  const peakHwm: Record<string, number | undefined> = {};
  const lat = `${settings.latencyMs} ms`;
  const C = settings.connections;
  const krrUrl = krrPath(main);
  const graphqlUrl = `${facade.url}/graphql`;
  const callerHeaders = facadeHeaders(main);

  // Target 1: 64 callers, 5 ms upstream latency, direct and facade both limited to 8 upstream connections. The direct
  // callers share an undici Pool of 8 connections; the facade gets UPSTREAM_CONNECTIONS=8 and 64 autocannon connections.
  {
    const { origin, pathname } = new URL(krrPath(coalesce));
    const pool = new Pool(origin, { connections: settings.coalesceConnections });
    const body = rotating(bodies.krr1);
    const base = await direct(
      't1-0',
      `direct KRR 1 id, ${C} callers share ${settings.coalesceConnections} conns [${settings.coalesceLatencyMs} ms]`,
      directLimited,
      coalesce,
      KRR_SCOPE,
      1,
      (token) => (durationS) =>
        runLoops({
          concurrency: C,
          durationS,
          call: async () => {
            const res = await pool.request({
              method: 'POST',
              path: pathname,
              headers: directHeaders(token),
              body: body(),
            });
            const text = await res.body.text();
            return res.statusCode === 200 && answers.krr(1)(text);
          },
        }),
      { concurrency: C, upstreamConnections: settings.coalesceConnections },
    );
    await pool.close();
    const row = await viaFacade(
      't1',
      `facade person, UPSTREAM_CONNECTIONS=${settings.coalesceConnections} [${settings.coalesceLatencyMs} ms]`,
      facadeLimited,
      coalesce,
      cannon(`${facadeLimited.url}/graphql`, facadeHeaders(coalesce), bodies.person, C, answers.person),
      { connections: C },
    );
    const ratio = (row.reqPerSec ?? 0) / (base.reqPerSec ?? NaN);
    Object.assign(row, {
      baseline: 't1-0',
      ratio: times(ratio),
      target: `≥ ${TARGETS.coalescingThroughput}× req/s`,
      targetNo: 1,
      verdict: verdict(ratio >= TARGETS.coalescingThroughput),
    });
    rows.push(base, row);
    peakHwm['facade-8conn'] = procMemoryMb(facadeLimited.child.pid, 'VmHWM');
    log('stopping the target-1 processes');
    await Promise.all([facadeLimited.child.stop(), coalesce.child.stop(), directLimited.close()]);
  }

  // (a) the baseline and (b) the one-person query, side by side in alternating slices as the bulk pairs are (run one
  // after the other, a machine whose speed drifts moved this ratio by ±0.15); target 2 when the upstream latency is 0.
  const mainStack: Stack = { sandbox: main, facade, direct: directMain, latencyMs: settings.latencyMs };
  const b = await throughputPair(mainStack, 'b', 1, C, rows, {
    baselineId: 'a',
    direct: `direct KRR, 1 id/call [${lat}] (baseline)`,
    facade: `facade person(id) [${lat}]`,
  });
  const a = rows.find((r) => r.id === 'a') as Row;
  {
    const ratio = (b.reqPerSec ?? 0) / (a.reqPerSec ?? NaN);
    Object.assign(b, {
      ratio: times(ratio),
      target: `≥ ${TARGETS.overheadThroughput}× req/s`,
      targetNo: 2,
      verdict: settings.latencyMs === 0 ? verdict(ratio >= TARGETS.overheadThroughput) : 'n/a',
      ...(settings.latencyMs === 0 ? {} : { note: 'target 2 is defined for 0 ms upstream latency' }),
    });
  }

  // Target 4: p99 added by the facade at half its maximum one-person throughput (b); the same steady rate direct.
  {
    const rate = Math.max(1, Math.round((b.reqPerSec ?? 0) / 2));
    const base = await direct(
      't4-0',
      `direct KRR 1 id, steady ${rate} req/s [${lat}]`,
      directMain,
      main,
      KRR_SCOPE,
      1,
      (token) => paced(krrUrl, directHeaders(token), bodies.krr1, rate, answers.krr(1)),
      { rate, connections: C },
    );
    const row = await viaFacade(
      't4',
      `facade person(id), steady ${rate} req/s [${lat}]`,
      facade,
      main,
      paced(graphqlUrl, callerHeaders, bodies.person, rate, answers.person),
      { rate, connections: C },
    );
    const added = (row.p99Ms ?? NaN) - (base.p99Ms ?? NaN);
    Object.assign(row, {
      baseline: 't4-0',
      ratio: `${added >= 0 ? '+' : ''}${ms(added)} p99`,
      target: `≤ +${TARGETS.addedP99Ms} ms p99`,
      targetNo: 4,
      verdict: verdict(added <= TARGETS.addedP99Ms),
    });
    rows.push(base, row);
  }

  // (r) the person rate limit in Redis against in process.
  const redis = await redisScenario(main, facade, rows, peakHwm);

  // (o) OpenTelemetry tracing on against off.
  const tracing = await tracingScenario(
    {
      root: ROOT,
      sandbox: main,
      facade,
      entry: settings.facadeEntry,
      durationS: settings.durationS,
      warmupS: settings.warmupS,
      connections: settings.connections,
      rounds: settings.tracingRounds,
      latencyMs: settings.latencyMs,
      bodies: bodies.person,
      check: answers.person,
      headers: callerHeaders,
      log,
    },
    rows,
    peakHwm,
  );

  // (c) 100 persons per query with 64 and 16 callers, (d) 1000 persons per query with 64, under load; target 3 and
  // the bulk targets 6 and 7; then the same bulk scenarios with BENCH_BULK_LATENCY_MS of upstream latency.
  const bulkTarget = (row: Row, targetNo: number, min: number) => {
    const ratio = (row.reqPerSec ?? 0) / (rows.find((r) => r.id === row.baseline)?.reqPerSec ?? NaN);
    const failed = (row.errors ?? 0) > 0;
    Object.assign(row, {
      target: `≥ ${min}× req/s`,
      targetNo,
      verdict: settings.latencyMs === 0 ? (failed ? 'MISS' : verdict(ratio >= min)) : 'n/a',
      ...(settings.latencyMs === 0 ? {} : { note: `target ${targetNo} is defined for 0 ms upstream latency` }),
    });
  };
  // Targets 6 (64 callers), 7 and 3 beside the bare hop (bench/lib/bare-hop.ts): what the hop itself costs here.
  // A reference, not a measurement of the facade: when it cannot start, its rows are left out and the run goes on.
  const bare = await startBareHop('bare-hop', ROOT, main).catch((err: unknown) => {
    log(`the bare hop did not start, rows c-bare, d-bare and d-seq-bare are left out: ${String(err)}`);
    return undefined;
  });
  const c = await throughputPair(mainStack, 'c', 100, C, rows, {}, bare);
  bulkTarget(c, 6, TARGETS.hundredThroughput);
  const c16 = await throughputPair(mainStack, 'c16', 100, BULK_CALLERS, rows);
  bulkTarget(c16, 6, TARGETS.hundredThroughput);
  const d = await throughputPair(mainStack, 'd', 1000, C, rows, {}, bare);
  bulkTarget(d, 7, TARGETS.thousandThroughput);
  const seq = await sequentialPair(mainStack, 'd-seq', rows, { bare });
  Object.assign(seq, {
    target: `≤ ${TARGETS.largeQueryLatency}× p50 (lasting goal ${TARGETS.largeQueryLatencyGoal}×)`,
    targetNo: 3,
    verdict: (seq.errors ?? 0) > 0 ? 'MISS' : verdict(seq.ratioValue <= TARGETS.largeQueryLatency),
  });
  for (const row of [c, d, seq]) {
    const floor = rows.find((r) => r.id === `${row.id}-bare`);
    const failed = floor?.errors ? ` (${floor.errors} of its answers failed or were wrong)` : '';
    if (floor?.ratio)
      row.note = [row.note, `the bare hop, no facade: ${floor.ratio}${failed}`].filter(Boolean).join('; ');
  }
  await bare?.child.stop();
  // No target: how far a caller that selects every field is from the bench's selection (DateTime fields cost most).
  await sequentialPair(mainStack, 'd-seq-all', rows, { everyField: true });

  // (e) a client with its JWKS. The direct baseline asks the admin API for both at once, as a client knowing the id
  // would (the facade has to ask one after the other: jwks is a field of the client).
  {
    const adminUrl = new URL(main.vars.ADMIN_API_URL as string);
    const pool = new Pool(adminUrl.origin, { connections: C });
    const base = adminUrl.pathname.replace(/\/+$/, '');
    const get = async (path: string, token: string) => {
      const res = await pool.request({
        method: 'GET',
        path,
        headers: { accept: 'application/json', authorization: `Bearer ${token}` },
      });
      await res.body.text();
      return res.statusCode === 200;
    };
    const e0 = await direct(
      'e0',
      'direct admin GET client ‖ GET jwks [0 ms]',
      directMain,
      main,
      ADMIN_READ_SCOPE,
      2,
      (token) => (durationS) =>
        runLoops({
          concurrency: C,
          durationS,
          call: async () => {
            const [client, jwks] = await Promise.all([
              get(`${base}/clients/${CLIENT_ID}`, token),
              get(`${base}/clients/${CLIENT_ID}/jwks`, token),
            ]);
            return client && jwks;
          },
        }),
      { concurrency: C },
    );
    await pool.close();
    const e = await viaFacade(
      'e',
      'facade client { jwks } [0 ms]',
      facade,
      main,
      cannon(graphqlUrl, callerHeaders, bodies.client, C, answers.client),
    );
    Object.assign(e, { baseline: 'e0', ratio: times((e.reqPerSec ?? 0) / (e0.reqPerSec ?? NaN)) });
    rows.push(e0, e);
  }

  if (settings.bulkLatencyMs !== settings.latencyMs) await bulkWithLatency(rows, peakHwm);

  // Target 5: the facade's peak RSS over the whole run (VmHWM: the kernel's high-water mark, start-up included).
  peakHwm.facade = procMemoryMb(facade.child.pid, 'VmHWM');
  {
    const sampled = Math.max(...rows.map((r) => r.peakRssMb ?? 0));
    const perScenario = rows
      .filter((r) => r.peakRssMb !== undefined)
      .map((r) => `${r.id} ${(r.peakRssMb ?? 0).toFixed(0)}`)
      .join(', ');
    const hwm = Math.max(...Object.values(peakHwm).map((v) => v ?? 0));
    const peak = Math.max(sampled, hwm);
    rows.push({
      id: 't5',
      name: 'facade peak RSS, whole run (VmHWM of every facade)',
      kind: 'summary',
      peakRssMb: peak > 0 ? peak : undefined,
      target: `≤ ${TARGETS.peakRssMb} MB`,
      targetNo: 5,
      verdict: peak > 0 ? verdict(peak <= TARGETS.peakRssMb) : 'n/a',
      ...(perScenario ? { note: `peak VmRSS (MB) per scenario: ${perScenario}` } : {}),
      details: { vmHwmMb: peakHwm, sampledPeakMb: sampled },
    });
  }

  const elapsedS = (performance.now() - started) / 1000;
  console.log('');
  console.log(renderTable(rows));
  console.log('');
  console.log(
    'req/s: 2xx responses per second; p50/p99: client-side latency (ms); up/req: KRR + admin HTTP requests per GraphQL ' +
      'request (facade /metrics); tokens: Maskinporten token requests during the scenario; RSS: facade peak (VmRSS, 100 ms).',
  );
  console.log('');
  for (const line of redisSummary(redis)) console.log(line);
  for (const line of tracingSummary(tracing)) console.log(line);
  const failing = rows.filter((r) => (r.errors ?? 0) > 0);
  for (const r of failing) console.log(`WARNING  ${r.id}: ${r.errors} failed requests or GraphQL errors`);
  for (const [name, problem] of Object.entries(checks)) {
    if (problem) console.log(`WARNING  check ${name}: ${problem}`);
  }
  const targets = rows.filter((r) => r.targetNo !== undefined).sort((x, y) => (x.targetNo ?? 0) - (y.targetNo ?? 0));
  for (const r of targets) {
    const label = r.verdict === 'MISS' ? 'MISS' : r.verdict === 'PASS' ? 'PASS' : 'N/A ';
    const value = r.targetNo === 5 ? `${(r.peakRssMb ?? NaN).toFixed(0)} MB` : (r.ratio ?? '');
    console.log(
      `${label}  target ${r.targetNo}: ${r.name}: ${value} (target ${r.target})${r.note ? ` — ${r.note}` : ''}`,
    );
  }

  const results = {
    startedAt: startedAt.toISOString(),
    elapsedS,
    settings,
    targets: TARGETS,
    environment: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      totalMemMb: Math.round(totalmem() / 1e6),
      ...gitInfo(),
    },
    checks,
    redis,
    tracing,
    queries: { person: PERSON_QUERY, persons: PERSONS_QUERY, client: CLIENT_QUERY },
    rows,
  };
  const dir = join(ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`results written to ${relative(ROOT, file)}; whole run ${elapsedS.toFixed(0)} s`);

  await directMain.close();
  await stopAll();
}

function gitInfo(): { gitCommit?: string; gitDirtyFiles?: number } {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT, encoding: 'utf8' });
    return { gitCommit: commit, gitDirtyFiles: dirty.split('\n').filter(Boolean).length };
  } catch {
    return {};
  }
}

runMain(main, log);
