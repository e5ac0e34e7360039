/**
 * `npm run soak`: a bounded mixed load against the facade in sandbox mode, with upstream faults switched on and off,
 * reporting RSS over time and the errors seen. Memory must be flat after warm-up.
 *
 *   SOAK_REQUESTS (200000), SOAK_CONCURRENCY (32), SOAK_FAULT_PERIOD_MS (5000)
 */
import { Pool } from 'undici';
import { startApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { syntheticPersonIdentifiers } from '../src/sandbox/krr-seed.js';

const total = Number(process.env.SOAK_REQUESTS ?? 200_000);
const concurrency = Number(process.env.SOAK_CONCURRENCY ?? 32);
const faultPeriodMs = Number(process.env.SOAK_FAULT_PERIOD_MS ?? 5_000);

const app = await startApp(
  loadConfig({
    SANDBOX: 'true',
    PORT: '0',
    LOG_LEVEL: 'error',
    AUDIT_LOG_FILE: '/dev/null',
    RATE_LIMIT_PERSONS_PER_MINUTE: '100000000',
  }),
);
const sandbox = app.sandbox!;
const token = (await sandbox.callerIssuer.issueToken()).access_token;
const ids = syntheticPersonIdentifiers(200);
const operations = [
  { query: '{ person(id: "11822648950") { status email { value stale } } }' },
  {
    query: 'query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id status } }',
    variables: { ids: ids.slice(0, 50) },
  },
  { query: '{ clients { id name jwks { keys { kid } } } }' },
  { query: '{ person(id: "11822648951") { status } }' }, // invalid id: BAD_USER_INPUT
];

const pool = new Pool(app.url, { connections: concurrency });
const outcomes = new Map<string, number>();
const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
const samples: { t: number; rssMb: number; heapMb: number; done: number }[] = [];
const started = Date.now();
let sent = 0;
let done = 0;

// Faults on and off: a KRR outage, admin 503s with Retry-After, then calm.
const phases = [
  () => sandbox.krr.faults.setPersistent({ kind: 'status', status: 503 }),
  () => sandbox.krr.faults.setPersistent(undefined),
  () => sandbox.admin.faults.setPersistent({ kind: 'status', status: 503, retryAfter: '1' }),
  () => sandbox.admin.faults.setPersistent(undefined),
];
let phase = 0;
const faultTimer = setInterval(() => phases[phase++ % phases.length]!(), faultPeriodMs);
const sampler = setInterval(() => {
  const memory = process.memoryUsage();
  samples.push({
    t: Math.round((Date.now() - started) / 1000),
    rssMb: Math.round(memory.rss / 1e6),
    heapMb: Math.round(memory.heapUsed / 1e6),
    done,
  });
  const last = samples.at(-1)!;
  console.log(`t=${last.t}s done=${last.done} rss=${last.rssMb} MB heapUsed=${last.heapMb} MB`);
}, 2_000);

async function worker(): Promise<void> {
  while (sent < total) {
    const op = operations[sent++ % operations.length]!;
    try {
      const res = await pool.request({
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(op),
      });
      const body = (await res.body.json()) as { errors?: { extensions?: { code?: string } }[] };
      count(body.errors?.length ? `${res.statusCode} ${body.errors[0]?.extensions?.code}` : `${res.statusCode} ok`);
    } catch (err) {
      count(`client error ${(err as Error).message}`);
    }
    done++;
  }
}

await Promise.all(Array.from({ length: concurrency }, worker));
clearInterval(faultTimer);
clearInterval(sampler);
const seconds = (Date.now() - started) / 1000;
const warm = samples.filter((s) => s.t >= 10);
const rss = warm.map((s) => s.rssMb);
const heap = warm.map((s) => s.heapMb);
console.log('\nSoak finished');
console.log(`requests ${done} in ${seconds.toFixed(0)} s (${Math.round(done / seconds)} req/s)`);
console.log(
  `RSS after warm-up: first ${rss[0] ?? '-'} MB, min ${Math.min(...rss)} MB, max ${Math.max(...rss)} MB, last ${rss.at(-1) ?? '-'} MB`,
);
console.log(
  `heapUsed after warm-up: min ${Math.min(...heap)} MB, max ${Math.max(...heap)} MB, last ${heap.at(-1) ?? '-'} MB`,
);
console.log('(the sandbox simulators and this load generator share the process and its RSS)');
console.log('outcomes:');
for (const [key, n] of [...outcomes].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(8)}  ${key}`);
await pool.close();
await app.close();
