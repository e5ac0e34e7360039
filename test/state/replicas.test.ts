/**
 * Two facade replicas sharing one sandbox (one admin API simulator, one KRR) and one real redis-server: concurrent
 * read-modify-writes spread over both lose nothing, the rate limit is global, and Redis going away and coming back
 * is survived. The same edits without REDIS_URL lose data, which shows the test can fail.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { RedisConfigError } from '../../src/state/redis-config-error.js';
import { requireRedisServer, startRedis, type RedisServer } from '../helpers/redis.js';
import { sandboxUpstreamEnv, startTestApp, type TestApp } from '../helpers/app.js';

interface UserError {
  message: string;
  code: string;
  field: string[] | null;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** Replica A (with the sandbox) and replica B (against A's sandbox), both with `env`. */
async function twoReplicas(env: Record<string, string>): Promise<[TestApp, TestApp]> {
  const a = await startTestApp(env);
  cleanups.push(() => a.close());
  const b = await startTestApp(env, { peerOf: a });
  cleanups.push(() => b.close());
  return [a, b];
}

async function redis(opts: { password?: string } = {}): Promise<RedisServer> {
  const server = await startRedis(opts);
  cleanups.push(() => server.close());
  return server;
}

const publicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
const jwk = (kid: string) => ({ kid, kty: 'RSA', alg: 'RS256', use: 'sig', n: publicKey.n, e: publicKey.e });

async function createClient(t: TestApp, name: string): Promise<string> {
  const res = await t.graphql<{ createClient: { client: { id: string } | null; userErrors: UserError[] } }>(
    `mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } userErrors { message code field } } }`,
    {
      input: {
        name,
        integrationType: 'MASKINPORTEN',
        applicationType: 'WEB',
        tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT',
        grantTypes: ['JWT_BEARER'],
        scopes: ['test:read'],
      },
    },
  );
  expect(res.body.data?.createClient.userErrors).toEqual([]);
  return res.body.data?.createClient.client?.id as string;
}

type JwkEdit = { op: 'add' | 'remove'; kid: string };

async function editJwks(t: TestApp, clientId: string, edit: JwkEdit) {
  const res =
    edit.op === 'add'
      ? await t.graphql<{ addClientJwk: { userErrors: UserError[] } }>(
          `mutation($input: AddClientJwkInput!) { addClientJwk(input: $input) { userErrors { message code field } } }`,
          { input: { clientId, key: jwk(edit.kid) } },
        )
      : await t.graphql<{ removeClientJwk: { userErrors: UserError[] } }>(
          `mutation($input: RemoveClientJwkInput!) { removeClientJwk(input: $input) { userErrors { message code field } } }`,
          { input: { clientId, kid: edit.kid } },
        );
  const payload = (res.body.data as Record<string, { userErrors: UserError[] }> | null | undefined)?.[
    edit.op === 'add' ? 'addClientJwk' : 'removeClientJwk'
  ];
  return { errors: res.body.errors ?? [], userErrors: payload?.userErrors ?? [] };
}

async function kidsOf(t: TestApp, clientId: string): Promise<string[]> {
  const res = await t.graphql<{ client: { jwks: { keys: { kid: string }[] } } }>(
    `query($id: ID!) { client(id: $id) { jwks { keys { kid } } } }`,
    { id: clientId },
  );
  return (res.body.data?.client.jwks.keys ?? []).map((k) => k.kid).sort();
}

/**
 * Runs `edits` at once, alternating replicas, and answers what the key set should be (the edits that succeeded,
 * applied to `before`) and what it is.
 */
async function concurrentJwkEdits(replicas: TestApp[], clientId: string, before: string[], edits: JwkEdit[]) {
  const outcomes = await Promise.all(edits.map((edit, i) => editJwks(replicas[i % replicas.length]!, clientId, edit)));
  const expected = new Set(before);
  edits.forEach((edit, i) => {
    const outcome = outcomes[i]!;
    if (outcome.errors.length > 0 || outcome.userErrors.length > 0) return;
    if (edit.op === 'add') expected.add(edit.kid);
    else expected.delete(edit.kid);
  });
  return { outcomes, expected: [...expected].sort(), actual: await kidsOf(replicas[0]!, clientId) };
}

const PATCHES: Record<string, unknown>[] = [
  { description: 'patched description' },
  { clientUri: 'https://patched.example.no/' },
  { ssoDisabled: true },
  { accessTokenLifetime: 111 },
  { authorizationLifetime: 222 },
  { refreshTokenLifetime: 333 },
];

async function concurrentPatches(replicas: TestApp[], clientId: string) {
  const outcomes = await Promise.all(
    PATCHES.map((patch, i) =>
      replicas[i % replicas.length]!.graphql<{ updateClient: { userErrors: UserError[] } }>(
        `mutation($input: UpdateClientInput!) { updateClient(input: $input) { userErrors { message code } } }`,
        { input: { id: clientId, ...patch } },
      ),
    ),
  );
  const res = await replicas[0]!.graphql<{ client: Record<string, unknown> }>(
    `query($id: ID!) { client(id: $id) { description clientUri ssoDisabled accessTokenLifetime authorizationLifetime refreshTokenLifetime } }`,
    { id: clientId },
  );
  const client = res.body.data?.client ?? {};
  const applied = PATCHES.filter((_, i) => (outcomes[i]?.body.data?.updateClient.userErrors ?? ['x']).length === 0);
  const lost = applied.filter((patch) => Object.entries(patch).some(([k, v]) => client[k] !== v));
  return { applied, lost };
}

describe.skipIf(!requireRedisServer())('two replicas sharing one Redis', () => {
  it('lose no key across concurrent addClientJwk/removeClientJwk spread over both', async () => {
    const server = await redis();
    const [a, b] = await twoReplicas({ REDIS_URL: server.url });
    // Admin calls take a while, as over a network: every GET overlaps the other replica's writes unless locked.
    a.sandbox.admin.faults.setLatency(20);
    const clientId = await createClient(a, 'replicas-jwks');

    const adds = await concurrentJwkEdits(
      [a, b],
      clientId,
      [],
      [1, 2, 3, 4, 5].map((n) => ({ op: 'add', kid: `k${n}` })),
    );
    expect(adds.outcomes.map((o) => [...o.errors, ...o.userErrors])).toEqual([[], [], [], [], []]);
    expect(adds.actual).toEqual(['k1', 'k2', 'k3', 'k4', 'k5']);

    // Ten at once: five removals and five re-adds, interleaved over both replicas. An add may be refused (5 keys
    // already), never lost.
    const edits: JwkEdit[] = [1, 2, 3, 4, 5].flatMap((n) => [
      { op: 'remove', kid: `k${n}` },
      { op: 'add', kid: `r${n}` },
    ]);
    const mixed = await concurrentJwkEdits([a, b], clientId, adds.actual, edits);
    for (const o of mixed.outcomes) {
      expect(o.errors).toEqual([]);
      for (const e of o.userErrors) expect(e.code).toBe('LIMIT_EXCEEDED');
    }
    expect(mixed.actual).toEqual(mixed.expected);
    expect(mixed.actual.length).toBeLessThanOrEqual(5);
  });

  it('lose no field across concurrent updateClient patches spread over both', async () => {
    const server = await redis();
    const [a, b] = await twoReplicas({ REDIS_URL: server.url });
    a.sandbox.admin.faults.setLatency(20);
    const clientId = await createClient(a, 'replicas-patches');
    const { applied, lost } = await concurrentPatches([a, b], clientId);
    expect(applied).toHaveLength(PATCHES.length);
    expect(lost).toEqual([]);
  });

  it('share one person rate limit', async () => {
    const server = await redis();
    const [a, b] = await twoReplicas({ REDIS_URL: server.url, RATE_LIMIT_PERSONS_PER_MINUTE: '3' });
    const query = (ids: string[]) => `{ persons(ids: ${JSON.stringify(ids)}) { id } }`;
    const first = await a.graphql(query(['11822648950', '22859197810']));
    expect(first.body.errors).toBeUndefined();
    const second = await b.graphql(query(['26826499361', '04846697271']));
    expect(second.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    // The refused request took nothing: one more person still fits, on either replica.
    const third = await b.graphql(query(['18886799280']));
    expect(third.body.errors).toBeUndefined();
    expect(await a.graphql(query(['11887197158']))).toMatchObject({
      body: { errors: [{ extensions: { code: 'RATE_LIMITED' } }] },
    });
  });

  it('survive Redis stopping mid-run: look-ups go on, changes are refused with nothing written, both recover', async () => {
    const server = await redis();
    const [a, b] = await twoReplicas({ REDIS_URL: server.url });
    const clientId = await createClient(a, 'replicas-outage');
    expect((await editJwks(b, clientId, { op: 'add', kid: 'before' })).userErrors).toEqual([]);

    await server.stop();
    const person = '{ person(id: "11822648950") { status } }';
    for (const t of [a, b]) {
      const started = Date.now();
      expect((await t.graphql(person)).body).toEqual({ data: { person: { status: 'ACTIVE' } } });
      expect(Date.now() - started).toBeLessThan(3_000);
    }
    expect(await metric(a, 'facade_rate_limit_fallback_total')).toBeGreaterThan(0);
    expect(a.logLines.some((l) => l.includes('counted per replica'))).toBe(true);

    const writesBefore = a.sandbox.admin.requests.filter((r) => r.method !== 'GET').length;
    for (const t of [a, b]) {
      const refused = await t.graphql<{ addClientJwk: unknown }>(
        `mutation($input: AddClientJwkInput!) { addClientJwk(input: $input) { userErrors { message } } }`,
        { input: { clientId, key: jwk('during') } },
      );
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'redis' });
    }
    expect(a.sandbox.admin.requests.filter((r) => r.method !== 'GET').length).toBe(writesBefore);
    expect((await fetch(`${a.url}/readyz`)).status).toBe(200);

    await server.start();
    // The client reconnects by itself (backoff capped at 2 s).
    const deadline = Date.now() + 15_000;
    let recovered: Awaited<ReturnType<typeof editJwks>> | undefined;
    while (Date.now() < deadline) {
      recovered = await editJwks(b, clientId, { op: 'add', kid: 'after' });
      if (recovered.errors.length === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(recovered).toEqual({ errors: [], userErrors: [] });
    expect(await kidsOf(a, clientId)).toEqual(['after', 'before']);
  });

  it('answer within the deadline while Redis is paused (slow), and refuse changes cleanly', async () => {
    const server = await redis();
    const [a] = await twoReplicas({ REDIS_URL: server.url });
    const clientId = await createClient(a, 'replicas-slow');
    server.pause(); // SIGSTOP: connections hang, nothing is answered
    cleanups.push(async () => server.resume());
    const started = Date.now();
    expect((await a.graphql('{ person(id: "22859197810") { status } }')).body).toEqual({
      data: { person: { status: 'ACTIVE' } },
    });
    const change = await editJwks(a, clientId, { op: 'add', kid: 'slow' });
    expect(change.errors[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'redis' });
    expect(Date.now() - started).toBeLessThan(2_500);
    server.resume();
  });

  it('fail fast at start on refused credentials, naming REDIS_URL and never the password', async () => {
    const server = await redis({ password: 'right-password' });
    const wrong = server.url.replace('right-password', 'wrong-password');
    const host = await startTestApp();
    cleanups.push(() => host.close());
    const config = loadConfig({
      ...sandboxUpstreamEnv(host.sandbox),
      PORT: '0',
      REDIS_URL: wrong,
      LOG_LEVEL: 'silent',
    });
    const failure = await startApp(config).then(
      (app) => app.close().then(() => undefined),
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(RedisConfigError);
    expect((failure as Error).message).toMatch(/^REDIS_URL/);
    expect((failure as Error).message).not.toContain('wrong-password');
  });
});

describe('two replicas without REDIS_URL', () => {
  it('lose keys and fields to concurrent edits (what REDIS_URL prevents)', async () => {
    const [a, b] = await twoReplicas({});
    // Long enough that the two replicas' read-modify-writes overlap even when one of them is held up by a busy CPU
    // (with 20 ms, one full-suite run in December 2026 had them take turns and lose nothing).
    a.sandbox.admin.faults.setLatency(100);
    expect(a.logLines.some((l) => l.includes('per replica'))).toBe(true);
    const clientId = await createClient(a, 'no-redis');
    const adds = await concurrentJwkEdits(
      [a, b],
      clientId,
      [],
      [1, 2, 3, 4].map((n) => ({ op: 'add', kid: `k${n}` })),
    );
    expect(adds.actual.length).toBeLessThan(adds.expected.length);
    const { lost } = await concurrentPatches([a, b], clientId);
    expect(lost.length).toBeGreaterThan(0);
  });
});

async function metric(t: TestApp, name: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? 0);
}
