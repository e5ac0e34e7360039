/**
 * `npm run bench:mesh`: the facade beside an off-the-shelf GraphQL gateway over the same KRR, and both beside direct
 * KRR calls. The gateway is GraphQL Mesh as its docs set it up for a REST API: `mesh-compose` makes a supergraph from
 * an OpenAPI description of KRR (bench/mesh/krr-openapi.yaml), and Hive Gateway's runtime serves it on node:http, its
 * defaults otherwise (bench/mesh/). Its packages are installed into bench/mesh/node_modules on the first run and when
 * its own lock file changes (the root `npm ci` never installs them).
 *
 * Against the sandbox's KRR simulator (0 ms latency), the bench's queries with the bench's fields (Mesh's: the same KRR
 * fields, and the two timestamps a caller needs to judge the 18-month rule itself). Every answer of every side is
 * checked (the persons asked for present, no errors). Beside them for the bulk rows, the bare hop (bench/lib/bare-hop.ts:
 * one KRR call, the facade's parsing and mapping, `JSON.stringify`, nothing else): what any service between caller and
 * KRR costs against this KRR on this machine, a floor and no product. Throughput scenarios run the sides in alternating
 * slices; the sequential one interleaves single calls. Figures per side: requests/s (or p50), CPU of its process per request,
 * its peak RSS. A results JSON goes to bench/results/mesh-<time>.json. There are no targets here.
 *
 * With BENCH_KRR=independent every side talks to bench/independent-krr/server.mjs instead: a KRR written from the
 * reference alone (node:http and jose, nothing of ours), cheaper per call than the simulator, as an outside check would
 * set one up. The simulator still serves Maskinporten and the caller tokens.
 *
 * Settings: BENCH_DURATION (8 s per side and scenario), BENCH_BULK_ROUNDS (2 slices per side), BENCH_WARMUP (2 s),
 * BENCH_SEQUENTIAL_CALLS (20), BENCH_KRR (`simulator` or `independent`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { syntheticPersonIdentifiers } from '../src/sandbox/krr-seed.js';
import { answers, type Check } from './lib/answers.js';
import { mergeRuns, percentiles, rotating, runAutocannonSampled, type SampledResult } from './lib/load.js';
import { cpuTicks, runMain, sampleRss, spawnNode, stopAll, USER_HZ, waitForIdle } from './lib/processes.js';
import {
  DirectClient,
  KRR_SCOPE,
  startBareHop,
  startFacadeProcess,
  startSandboxProcess,
  withIndependentKrr,
} from './lib/stack.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MESH_DIR = join(ROOT, 'bench', 'mesh');
const RESULTS = join(ROOT, 'bench', 'results');
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback) || fallback;
const DURATION_S = num('BENCH_DURATION', 8);
const ROUNDS = num('BENCH_BULK_ROUNDS', 2);
const WARMUP_S = num('BENCH_WARMUP', 2);
const SEQUENTIAL = num('BENCH_SEQUENTIAL_CALLS', 20);
const KRR = process.env.BENCH_KRR ?? 'simulator';
if (KRR !== 'simulator' && KRR !== 'independent') throw new Error('BENCH_KRR must be simulator or independent');

const FIELDS = 'id status email { value stale } mobilePhone { value stale }';
const MESH_FIELDS =
  'personidentifikator status kontaktinformasjon { epostadresse epostadresse_oppdatert mobiltelefonnummer mobiltelefonnummer_oppdatert }';
const ids = syntheticPersonIdentifiers(90_000);
const groupsOf = (n: number) =>
  Array.from({ length: Math.min(10_000, 90_000 / n) }, (_, i) => ids.slice(i * n, (i + 1) * n));
const bodiesOf = (n: number) => {
  const groups = groupsOf(n);
  return {
    direct: groups.map((g) => JSON.stringify({ personidentifikatorer: g })),
    facade: groups.map((g) =>
      n === 1
        ? JSON.stringify({
            query: `query P($id: PersonIdentifier!) { person(id: $id) { ${FIELDS} } }`,
            variables: { id: g[0] },
          })
        : JSON.stringify({
            query: `query P($ids: [PersonIdentifier!]!) { persons(ids: $ids) { ${FIELDS} } }`,
            variables: { ids: g },
          }),
    ),
    mesh: groups.map((g) =>
      JSON.stringify({
        query: `query P($ids: [String]!) { hentPersoner(input: { personidentifikatorer: $ids }) { personer { ${MESH_FIELDS} } } }`,
        variables: { ids: g },
      }),
    ),
    // The bare hop reads `variables.ids` of the facade's body and answers as the facade does to `persons`.
    bare: groups.map((g) => JSON.stringify({ variables: { ids: g } })),
  };
};
const checksOf = (n: number): Record<SideName, Check> => ({
  direct: answers.krr(n),
  facade: n === 1 ? answers.person : answers.persons(n),
  mesh: answers.mesh(n),
  bare: answers.persons(n),
});

type SideName = 'direct' | 'facade' | 'mesh' | 'bare';
/** The bare hop answers only `persons` (a list): it has no row of one person. */
const sidesFor = (n: number): SideName[] =>
  n === 1 ? ['direct', 'facade', 'mesh'] : ['direct', 'facade', 'mesh', 'bare'];
interface Endpoint {
  url: string;
  headers: Record<string, string>;
  pid: number;
}

const log = (message: string) => console.log(`[bench:mesh ${new Date().toISOString().slice(11, 19)}] ${message}`);

/**
 * bench/mesh's packages (when missing, or older than its lock file: npm writes node_modules/.package-lock.json at each
 * install) and the supergraph composed from the OpenAPI description (every run).
 */
function prepareMesh(): string {
  const installed = join(MESH_DIR, 'node_modules', '.package-lock.json');
  if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(MESH_DIR, 'package-lock.json')).mtimeMs) {
    log('installing GraphQL Mesh into bench/mesh/node_modules (npm ci)');
    execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: MESH_DIR, stdio: 'inherit' });
  }
  const supergraph = join(RESULTS, 'mesh-supergraph.graphql');
  execFileSync(join(MESH_DIR, 'node_modules', '.bin', 'mesh-compose'), ['-o', supergraph], {
    cwd: MESH_DIR,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return supergraph;
}

interface SideFigures {
  reqPerSec?: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  peakRssMb?: number;
  failed: number;
}

/** `n` ids a request from `connections` callers, the sides in alternating slices, DURATION_S per side in all. */
async function throughput(sides: Record<SideName, Endpoint>, n: number, connections: number) {
  const bodies = bodiesOf(n);
  const checks = checksOf(n);
  const each = sidesFor(n).map((name) => {
    const { url, headers, pid } = sides[name];
    const body = rotating(bodies[name]);
    const check = checks[name];
    return {
      name,
      pid,
      load: (durationS: number) =>
        runAutocannonSampled({ url, method: 'POST', headers, body, connections, durationS, check }),
      runs: [] as SampledResult[],
      ticks: 0,
      /** Undefined where /proc is unavailable, as the CPU figure is NaN there. */
      peakRssMb: undefined as number | undefined,
    };
  });
  const pids = each.map((side) => side.pid);
  for (const side of each) await side.load(WARMUP_S);
  await waitForIdle(pids);
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 === 0 ? each : [...each].reverse()) {
      const t0 = cpuTicks(side.pid) ?? NaN;
      const rss = sampleRss(side.pid);
      side.runs.push(await side.load(DURATION_S / ROUNDS));
      const peak = rss.stop();
      if (peak !== undefined) side.peakRssMb = Math.max(side.peakRssMb ?? 0, peak);
      side.ticks += (cpuTicks(side.pid) ?? NaN) - t0;
      await waitForIdle(pids);
    }
  }
  return Object.fromEntries(
    each.map((side): [SideName, SideFigures] => {
      const merged = mergeRuns(side.runs);
      const ok = side.runs.reduce((sum, run) => sum + run.result.ok, 0);
      return [
        side.name,
        {
          reqPerSec: merged.reqPerSec,
          p50Ms: merged.latencyMs.p50,
          p99Ms: merged.latencyMs.p99,
          cpuUsPerRequest: (side.ticks / USER_HZ / Math.max(ok, 1)) * 1e6,
          peakRssMb: side.peakRssMb,
          failed: merged.non2xx + merged.errors + (merged.wrongBodies ?? 0),
        },
      ];
    }),
  ) as Partial<Record<SideName, SideFigures>>;
}

/**
 * SEQUENTIAL 1000-id requests per side one at a time, the sides interleaved, after 3 not measured (their answers are
 * checked all the same).
 */
async function sequential(sides: Record<SideName, Endpoint>) {
  const bodies = bodiesOf(1000);
  const checks = checksOf(1000);
  const each = sidesFor(1000).map((name) => {
    const { url, headers, pid } = sides[name];
    const { origin, pathname } = new URL(url);
    return {
      name,
      pid,
      pool: new Pool(origin, { connections: 1 }),
      request: { method: 'POST' as const, path: pathname, headers },
      body: rotating(bodies[name]),
      samples: [] as number[],
      ticks: 0,
      failed: 0,
    };
  });
  for (let call = -3; call < SEQUENTIAL; call++) {
    for (const side of each) {
      const t0 = cpuTicks(side.pid) ?? NaN;
      const started = performance.now();
      const res = await side.pool.request({ ...side.request, body: side.body() });
      const text = await res.body.text();
      const tookMs = performance.now() - started;
      const ok = res.statusCode === 200 && checks[side.name](text);
      if (!ok) side.failed++;
      if (call < 0) continue;
      side.ticks += (cpuTicks(side.pid) ?? NaN) - t0;
      if (ok) side.samples.push(tookMs);
    }
  }
  await Promise.all(each.map((side) => side.pool.close()));
  return Object.fromEntries(
    each.map((side): [SideName, SideFigures] => {
      const { p50, p99 } = percentiles(side.samples);
      const cpuUsPerRequest = (side.ticks / USER_HZ / SEQUENTIAL) * 1e6;
      return [side.name, { p50Ms: p50, p99Ms: p99, cpuUsPerRequest, failed: side.failed }];
    }),
  ) as Partial<Record<SideName, SideFigures>>;
}

const pad = (cells: string[], widths: number[]) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');

type Figures = Partial<Record<SideName, SideFigures>>;

function table(results: { scenario: string; figures: Figures }[]): string {
  const header = [
    'scenario',
    'direct',
    'facade',
    'Mesh',
    'bare hop',
    'facade/direct',
    'Mesh/direct',
    'bare/direct',
    'facade/Mesh',
    'CPU µs/req facade | Mesh | bare',
    'peak RSS MB facade | Mesh',
    'failed d / f / M / b',
  ];
  const rows = results.map(({ scenario, figures: { direct, facade, mesh, bare } }) => {
    const rate = (f?: SideFigures) =>
      !f ? '—' : f.reqPerSec === undefined ? `${f.p50Ms.toFixed(1)} ms` : `${Math.round(f.reqPerSec)}/s`;
    // Higher is better in every ratio: throughput over throughput, or the other side's p50 over this one's.
    const better = (a?: SideFigures, b?: SideFigures) =>
      !a || !b
        ? '—'
        : `${(a.reqPerSec === undefined ? b.p50Ms / a.p50Ms : a.reqPerSec / (b.reqPerSec as number)).toFixed(2)}×`;
    return [
      scenario,
      rate(direct),
      rate(facade),
      rate(mesh),
      rate(bare),
      better(facade, direct),
      better(mesh, direct),
      better(bare, direct),
      better(facade, mesh),
      [facade, mesh, bare].map((f) => (f ? Math.round(f.cpuUsPerRequest) : '—')).join(' | '),
      `${facade?.peakRssMb?.toFixed(0) ?? '—'} | ${mesh?.peakRssMb?.toFixed(0) ?? '—'}`,
      [direct, facade, mesh, bare].map((f) => f?.failed ?? '—').join(' / '),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [pad(header, widths), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => pad(r, widths))].join(
    '\n',
  );
}

runMain(async () => {
  await mkdir(RESULTS, { recursive: true });
  const supergraph = prepareMesh();
  // Mesh forwards one fixed token: the run's own sandbox issues hour-long ones, so that it outlives the run (the facade
  // and the direct client renew theirs).
  process.env.ACCESS_TOKEN_TTL_SECONDS = '3600';
  const simulators = await startSandboxProcess('sandbox', ROOT, 0);
  const independent = KRR === 'independent' ? await withIndependentKrr(ROOT, simulators) : undefined;
  const sandbox = independent?.sandbox ?? simulators;
  const krrPid = (independent?.krr ?? simulators.child).pid;
  log(
    `KRR: ${KRR === 'independent' ? `the independent one (bench/independent-krr) at ${sandbox.vars.KRR_URL}` : 'the simulator'}`,
  );
  const direct = await DirectClient.create(sandbox);
  const token = await direct.token([KRR_SCOPE], 1800);
  const facade = await startFacadeProcess('facade', ROOT, sandbox, { entry: 'dist' });
  const bare = await startBareHop('bare-hop', ROOT, sandbox);
  const meshEnv = {
    ...process.env,
    NODE_ENV: 'production',
    SUPERGRAPH: supergraph,
    KRR_URL: sandbox.vars.KRR_URL,
    KRR_TOKEN: token,
  };
  const mesh = spawnNode('mesh', ['gateway.mjs'], meshEnv, MESH_DIR);
  const meshUrl = (await mesh.waitForLine((line) => line.startsWith('MESH_URL='), 60_000)).slice('MESH_URL='.length);
  const json = { 'content-type': 'application/json' };
  const sides: Record<SideName, Endpoint> = {
    direct: {
      url: `${sandbox.vars.KRR_URL}/rest/v2/personer`,
      headers: { ...json, authorization: `Bearer ${token}` },
      pid: krrPid,
    },
    facade: {
      url: `${facade.url}/graphql`,
      headers: { ...json, authorization: `Bearer ${sandbox.callerToken}` },
      pid: facade.child.pid,
    },
    mesh: { url: meshUrl, headers: json, pid: mesh.pid },
    bare: { url: `${bare.url}/graphql`, headers: json, pid: bare.child.pid },
  };
  const results: { scenario: string; figures: Figures }[] = [];
  for (const [n, connections] of [
    [1, 64],
    [100, 16],
    [100, 64],
    [1000, 64],
  ] as const) {
    const scenario = `${n} ${n === 1 ? 'person' : 'persons'}, ${connections} callers`;
    log(`${scenario}: ${ROUNDS} alternating slices of ${DURATION_S / ROUNDS} s a side`);
    results.push({ scenario, figures: await throughput(sides, n, connections) });
  }
  log(`1000 persons one at a time: ${SEQUENTIAL} calls a side, interleaved`);
  results.push({ scenario: '1000 persons, one at a time (p50)', figures: await sequential(sides) });
  console.log(`\n${table(results)}\n`);
  console.log(
    "Ratios: higher is better (requests/s over requests/s; one at a time, the other side's p50 over this one's).\n",
  );
  const file = join(RESULTS, `mesh-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(
    file,
    `${JSON.stringify({ node: process.version, krr: KRR, durationS: DURATION_S, rounds: ROUNDS, results }, null, 2)}\n`,
  );
  log(`wrote ${file}`);
  await direct.close();
  await stopAll();
}, log);
