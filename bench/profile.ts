/**
 * `npm run bench:profile`: where the facade spends its CPU on bulk look-ups. The production build (`dist/`, run with
 * the node flags of `npm run start:dist` as the Dockerfile does) runs with `--cpu-prof` against the sandbox simulators
 * (0 ms upstream latency), one facade process per scenario:
 *
 *   p100   100-person queries (PROFILE_PERSONS, e.g. 1000 for the bench's d row: p1000x64 with PROFILE_CALLERS=64)
 *          from PROFILE_CALLERS (16) concurrent callers for PROFILE_DURATION (10) seconds
 *   p1000  1000-person queries one at a time, PROFILE_SEQUENTIAL (60) of them
 *
 * Both ask for the bench's fields of each person unless PROFILE_FIELDS gives another selection. With
 * PROFILE_KRR=independent the facade talks to bench/independent-krr/server.mjs instead of the simulator: the KRR of
 * issue 16's outside check, whose answers carry every field with timestamps older than 18 months.
 *
 * Every answer is checked (1000 or 100 persons, no errors). For each scenario the self time of the facade's top
 * functions and a breakdown by where the code lives (our src/ files, each dependency, node internals, GC) go to stdout,
 * counted over the measured window only (start-up and warm-up left out); the whole `.cpuprofile` files stay in
 * bench/results/profiles/ for Chrome DevTools or speedscope.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { syntheticPersonIdentifiers } from '../src/sandbox/krr-seed.js';
import { answers } from './lib/answers.js';
import { percentiles } from './lib/load.js';
import { cpuTicks, runMain, stopAll, USER_HZ } from './lib/processes.js';
import {
  DirectClient,
  KRR_SCOPE,
  startFacadeProcess,
  startSandboxProcess,
  withIndependentKrr,
  type SandboxProcess,
} from './lib/stack.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback) || fallback;
const DURATION_S = num('PROFILE_DURATION', 10);
const CALLERS = num('PROFILE_CALLERS', 16);
const SEQUENTIAL = num('PROFILE_SEQUENTIAL', 60);
const PERSONS = Math.min(1000, num('PROFILE_PERSONS', 100));
const KRR = process.env.PROFILE_KRR ?? 'simulator';
if (KRR !== 'simulator' && KRR !== 'independent') throw new Error('PROFILE_KRR must be simulator or independent');
/** More node flags for the facade, e.g. PROFILE_NODE_FLAGS="--max-semi-space-size=32" to try a heap setting. */
const EXTRA_FLAGS = (process.env.PROFILE_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
/**
 * The bench's selection unless PROFILE_FIELDS names another, e.g. every field of Person (docs/benchmarks.md, "Selecting
 * more fields").
 */
const PERSON_FIELDS = process.env.PROFILE_FIELDS ?? 'id status email { value stale } mobilePhone { value stale }';
const QUERY = `query Persons($ids: [PersonIdentifier!]!) { persons(ids: $ids) { ${PERSON_FIELDS} } }`;

const log = (message: string) => console.log(`[profile ${new Date().toISOString().slice(11, 19)}] ${message}`);

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  /** Microseconds of CLOCK_MONOTONIC, the clock of `process.hrtime` in this process too (Linux). */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Only the samples taken between `fromUs` and `toUs` (the measured window: start-up and warm-up left out). */
function within(profile: CpuProfile, fromUs: number, toUs: number): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= fromUs && at <= toUs) {
      samples.push(id);
      timeDeltas.push(delta);
    }
  });
  return { ...profile, samples, timeDeltas };
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Self time per function and per place (file or package), in ms, from a V8 `.cpuprofile`. */
function summarise(profile: CpuProfile): { total: number; functions: [string, number][]; places: [string, number][] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const functions = new Map<string, number>();
  const places = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of selfMs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    total += ms;
    const place = placeOf(frame.url, frame.functionName);
    const name = `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
    places.set(place, (places.get(place) ?? 0) + ms);
  }
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  return { total, functions: top(functions, 30), places: top(places, 20) };
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
}

function placeOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const path = shortUrl(url);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return pkg[1] as string;
  return path;
}

async function checkedPost(pool: Pool, headers: Record<string, string>, ids: string[]): Promise<number> {
  const t0 = performance.now();
  const res = await pool.request({
    method: 'POST',
    path: '/graphql',
    headers,
    body: JSON.stringify({ query: QUERY, variables: { ids } }),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200 || !answers.persons(ids.length)(text)) {
    throw new Error(`a checked answer was wrong: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
  }
  return performance.now() - t0;
}

async function profileScenario(
  name: string,
  sandbox: SandboxProcess,
  dir: string,
  drive: (pool: Pool, headers: Record<string, string>) => Promise<number[]>,
  warmUp?: (pool: Pool, headers: Record<string, string>) => Promise<unknown>,
): Promise<void> {
  const profileDir = join(dir, name);
  await mkdir(profileDir, { recursive: true });
  const facade = await startFacadeProcess(`facade-${name}`, ROOT, sandbox, {
    entry: 'dist',
    nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, ...EXTRA_FLAGS],
  });
  const pool = new Pool(facade.url, { connections: CALLERS });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${sandbox.callerToken}` };
  await warmUp?.(pool, headers);
  const ticksBefore = cpuTicks(facade.child.pid) ?? NaN;
  const fromUs = monotonicUs();
  const samples = await drive(pool, headers);
  const toUs = monotonicUs();
  const cpuMsPerQuery = (((cpuTicks(facade.child.pid) ?? NaN) - ticksBefore) * (1000 / USER_HZ)) / samples.length;
  await pool.close();
  await facade.child.stop(10_000);
  const files = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'));
  const file = join(profileDir, files.sort().at(-1) as string);
  const profile = within(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, fromUs, toUs);
  const { total, functions, places } = summarise(profile);
  const lat = percentiles(samples);
  console.log(
    `\n== ${name}: ${samples.length} checked queries, p50 ${lat.p50.toFixed(2)} ms, p99 ${lat.p99.toFixed(2)} ms`,
  );
  console.log(`   facade CPU per query ${cpuMsPerQuery.toFixed(3)} ms (profiler overhead included)`);
  console.log(
    `   profile ${relative(ROOT, file)}: ${total.toFixed(0)} ms sampled in the measured window (idle included)`,
  );
  const busy = total - (places.find(([p]) => p === '(idle)')?.[1] ?? 0);
  console.log('   self time by place (% of busy time):');
  for (const [place, ms] of places) {
    if (place !== '(idle)') console.log(`     ${((ms / busy) * 100).toFixed(1).padStart(5)} %  ${place}`);
  }
  console.log('   top functions by self time (% of busy time):');
  for (const [fn, ms] of functions) {
    if (!fn.startsWith('(idle)')) console.log(`     ${((ms / busy) * 100).toFixed(1).padStart(5)} %  ${fn}`);
  }
}

async function main(): Promise<void> {
  const dir = join(ROOT, 'bench', 'results', 'profiles', new Date().toISOString().replace(/[:.]/g, '-'));
  const simulators = await startSandboxProcess('sandbox', ROOT, 0);
  const sandbox = KRR === 'independent' ? (await withIndependentKrr(ROOT, simulators)).sandbox : simulators;
  log(`KRR: ${KRR === 'independent' ? `the independent one at ${sandbox.vars.KRR_URL}` : 'the simulator'}`);
  const direct = await DirectClient.create(sandbox);
  const ids = syntheticPersonIdentifiers(40_000);
  const token = await direct.token([KRR_SCOPE], 60);
  for (let i = 0; i < ids.length; i += 1000) {
    const res = await fetch(`${sandbox.vars.KRR_URL}/rest/v2/personer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ personidentifikatorer: ids.slice(i, i + 1000) }),
    });
    await res.arrayBuffer();
  }
  await direct.close();

  /** CALLERS concurrent callers of PERSONS-person queries for `seconds`; the latency of each. */
  const concurrent = async (pool: Pool, headers: Record<string, string>, seconds: number) => {
    const samples: number[] = [];
    const end = performance.now() + seconds * 1000;
    let next = 0;
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (performance.now() < end) {
          const start = (next++ * PERSONS) % (ids.length - PERSONS);
          samples.push(await checkedPost(pool, headers, ids.slice(start, start + PERSONS)));
        }
      }),
    );
    return samples;
  };
  const name = PERSONS === 100 ? 'p100' : `p${PERSONS}x${CALLERS}`;
  await profileScenario(
    name,
    sandbox,
    dir,
    (pool, headers) => {
      log(`${name}: ${CALLERS} callers, ${PERSONS} persons each, ${DURATION_S} s`);
      return concurrent(pool, headers, DURATION_S);
    },
    (pool, headers) => concurrent(pool, headers, 2),
  );

  await profileScenario(
    'p1000',
    sandbox,
    dir,
    async (pool, headers) => {
      log(`p1000: ${SEQUENTIAL} sequential 1000-person queries`);
      const samples: number[] = [];
      for (let i = 0; i < SEQUENTIAL; i++) {
        const start = (i * 1000) % ids.length;
        samples.push(await checkedPost(pool, headers, ids.slice(start, start + 1000)));
      }
      return samples;
    },
    async (pool, headers) => {
      for (let i = 0; i < 10; i++) await checkedPost(pool, headers, ids.slice(i * 1000, i * 1000 + 1000));
    },
  );
  await stopAll();
}

runMain(main, log);
