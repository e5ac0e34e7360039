/**
 * Random large documents and variables through the whole app, run as production runs it (its own process, started as
 * `npm start` starts it: the build with the Dockerfile's node flags, the heap capped at 128 MB): the process stays up,
 * every answer is a structured refusal or a result, memory stays bounded, and the audit log grows with the persons
 * revealed only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCommandOf } from '../../bench/lib/node-command.js';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const IDS = syntheticPersonIdentifiers(3000, 100);

let child: ChildProcess;
let url: string;
let dir: string;
let auditFile: string;
let token: string;
let exited: number | null | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`the facade exited with ${exited}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the facade did not start');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fuzz-'));
  auditFile = join(dir, 'audit.jsonl');
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // `npm start`'s command: the build, with the Dockerfile's node flags.
  const start = nodeCommandOf(ROOT, 'start');
  child = spawn(process.execPath, start.args, {
    cwd: ROOT,
    env: {
      ...start.env,
      PATH: process.env.PATH,
      SANDBOX: 'true',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      AUDIT_LOG_FILE: auditFile,
      RATE_LIMIT_PERSONS_PER_MINUTE: '100000000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.on('exit', (code) => (exited = code));
  await waitUntilUp(Date.now() + 30_000);
  const res = await fetch(`${url}/sandbox/caller-token`, { method: 'POST' });
  token = ((await res.json()) as { access_token: string }).access_token;
}, 40_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

/** One request body: a document, an operation name and variables, each possibly enormous or odd. */
const name = fc.oneof(
  fc.constant('Q'),
  fc.integer({ min: 1, max: 300_000 }).map((n) => `N${'x'.repeat(n)}`),
  fc.constant('lookup_11822648950'),
);
const ids = fc.integer({ min: 0, max: 3000 }).map((n) => IDS.slice(0, n));
const nested = fc.integer({ min: 1, max: 5000 }).map((n) => `${'['.repeat(n)}"11822648950"${']'.repeat(n)}`);
const selection = fc.constantFrom(
  'id status',
  'id email { value stale } mobilePhone { value }',
  'id digitalMailbox { address }',
  '__typename',
);
const document = fc.oneof(
  fc.tuple(name, selection).map(([n, s]) => `query ${n}($ids: [PersonIdentifier!]!) { persons(ids: $ids) { ${s} } }`),
  fc.tuple(ids, selection).map(([list, s]) => `{ persons(ids: ${JSON.stringify(list)}) { ${s} } }`),
  nested.map((literal) => `{ persons(ids: ${literal}) { id } }`),
  fc
    .integer({ min: 1, max: 3000 })
    .map((n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: __typename`).join(' ')} }`),
  fc.integer({ min: 1, max: 200_000 }).map((n) => `{ person(id: "11822648950") { status } } # ${'z'.repeat(n)}`),
  fc.integer({ min: 1, max: 2_000 }).map((n) => `${'{ '.repeat(n)}__typename${' }'.repeat(n)}`),
  fc.string({ maxLength: 2000 }),
);
const variables = fc.oneof(
  ids.map((list) => ({ ids: list })),
  fc.integer({ min: 1, max: 3_000 }).map((n) => {
    let value: unknown = ['11822648950'];
    for (let i = 0; i < n; i++) value = [value];
    return { ids: value };
  }),
  fc.integer({ min: 1, max: 50_000 }).map((n) => ({ ids: IDS.slice(0, 10), junk: 'j'.repeat(n) })),
  fc.jsonValue({ maxDepth: 6 }),
);
const request = fc.record({ query: document, operationName: fc.option(name, { nil: undefined }), variables });

async function send(body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as unknown };
}

function rssMiB(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8')
    .then((s) => Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024)
    .catch(() => 0);
}

describe('random large documents and variables', () => {
  it('never take the process down, always get a structured answer, and keep memory and audit bounded', async () => {
    let peak = 0;
    let persons = 0;
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 4, maxLength: 4 }), async (batch) => {
        // Four at once: the facade handles concurrent callers; each answer is checked on its own.
        const answers = await Promise.all(batch.map(send));
        for (const { status, json } of answers) {
          expect([200, 400, 413, 503]).toContain(status);
          const body = json as {
            data?: { persons?: unknown[] | null; person?: unknown } | null;
            errors?: { extensions?: { code?: string } }[];
          };
          expect(body.data !== undefined || (body.errors?.length ?? 0) > 0).toBe(true);
          for (const error of body.errors ?? []) expect(error.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
          persons += Array.isArray(body.data?.persons) ? body.data.persons.filter(Boolean).length : 0;
          if (body.data?.person) persons++; // the `person(id:)` document reveals (and audits) one person too
        }
        expect(exited).toBeUndefined();
        peak = Math.max(peak, await rssMiB(child.pid as number));
      }),
      { numRuns: 25, seed, endOnFailure: true },
    );
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(exited).toBeUndefined();
    // The production heap cap is 128 MB; what sits around it (code, buffers, the sandbox's simulators in this same
    // process) is well below 200 MB more.
    expect(peak).toBeLessThan(400);
    // A person line is at most ~450 bytes whatever the caller chose (names are refused past 128 characters).
    const auditBytes = (await stat(auditFile).catch(() => ({ size: 0 }))).size;
    expect(auditBytes, `FUZZ_SEED=${seed}: ${persons} persons revealed`).toBeLessThanOrEqual(
      Math.max(1, persons) * 600,
    );
  }, 240_000);

  it('survives a stream of distinct valid documents padded to the size limit (the parsed-document cache is bounded by what it really holds)', async () => {
    // Before the fix: ~800 such documents filled the 128 MB heap through Apollo's document cache and the process died.
    const padding = 'x'.repeat(99_000);
    let sent = 0;
    while (sent < 1200) {
      const batch = Array.from({ length: 4 }, () => send({ query: `{ __typename } # ${sent++} ${padding}` }));
      for (const { status } of await Promise.all(batch)) expect(status).toBe(200);
      expect(exited).toBeUndefined();
    }
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await rssMiB(child.pid as number)).toBeLessThan(400);
  }, 120_000);
});
