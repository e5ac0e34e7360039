import { afterEach, describe, expect, it } from 'vitest';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const PERSON = `{ person(id: "11822648950") { status } }`;

/** Polls until `condition` holds (background work has no completion signal to await). */
async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function metric(app: TestApp, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('upstream faults', () => {
  it('retries a 503 with Retry-After: 1 once, and succeeds', async () => {
    t = await startTestApp();
    await t.graphql(PERSON); // warm: token cached
    const before = t.sandbox.krr.requests.length;
    t.sandbox.krr.faults.enqueue({ kind: 'status', status: 503, retryAfter: '1' });
    const res = await t.graphql(PERSON);
    expect(res.body).toEqual({ data: { person: { status: 'ACTIVE' } } });
    expect(t.sandbox.krr.requests.slice(before).map((r) => r.status)).toEqual([503, 200]);
    expect(await metric(t, 'facade_upstream_retries_total', { upstream: 'krr' })).toBe(1);
  });

  it.each([
    ['a 503', { kind: 'status', status: 503 }],
    ['a reset', { kind: 'reset' }],
    ['a 408 (the admin API closing the connection as the request came)', { kind: 'status', status: 408 }],
  ] as const)(
    'retries every admin read after %s: a client, its key set, an onbehalfof registration',
    async (_w, fault) => {
      t = await startTestApp();
      const query = `{ client(id: "oidc_eksempel_klient") { id jwks { keys { kid } } } }`;
      expect((await t.graphql(query)).body.errors).toBeUndefined(); // warm: token cached, the client known
      for (const path of ['/clients/oidc_eksempel_klient', '/clients/oidc_eksempel_klient/jwks']) {
        const before = t.sandbox.admin.requests.length;
        t.sandbox.admin.faults.enqueue({ kind: 'latency', ms: 0 }, path.endsWith('jwks') ? 1 : 0);
        t.sandbox.admin.faults.enqueue(fault);
        const res = await t.graphql<{ client: { id: string } }>(query);
        expect(res.body.errors, path).toBeUndefined();
        expect(res.body.data?.client.id).toBe('oidc_eksempel_klient');
        expect(t.sandbox.admin.requests.slice(before).length, path).toBe(3);
      }
      const onBehalfOf = await t.graphql(
        `{ onBehalfOf(clientId: "oidc_eksempel_klient", id: "example_onbehalfof") { id } }`,
      );
      const before = t.sandbox.admin.requests.length;
      t.sandbox.admin.faults.enqueue(fault);
      const again = await t.graphql(
        `{ onBehalfOf(clientId: "oidc_eksempel_klient", id: "example_onbehalfof") { id } }`,
      );
      expect(again.body).toEqual(onBehalfOf.body);
      expect(again.body.errors).toBeUndefined();
      expect(t.sandbox.admin.requests.slice(before)).toHaveLength(2);
    },
  );

  it('retries a KRR look-up after a 408, and answers it', async () => {
    t = await startTestApp();
    await t.graphql(PERSON);
    const before = t.sandbox.krr.requests.length;
    t.sandbox.krr.faults.enqueue({ kind: 'status', status: 408 });
    expect((await t.graphql(PERSON)).body).toEqual({ data: { person: { status: 'ACTIVE' } } });
    expect(t.sandbox.krr.requests.slice(before).map((r) => r.status)).toEqual([408, 200]);
  });

  it('retries a 503 whose body never ends at once, without waiting for the body to the deadline', async () => {
    t = await startTestApp({ KRR_TIMEOUT_MS: '3000' });
    await t.graphql(PERSON);
    const before = t.sandbox.krr.requests.length;
    t.sandbox.krr.faults.enqueue({ kind: 'stall', status: 503 });
    const started = Date.now();
    expect((await t.graphql(PERSON)).body).toEqual({ data: { person: { status: 'ACTIVE' } } });
    expect(t.sandbox.krr.requests.length - before).toBe(2);
    // Well before the 3 s deadline, where the wait for the body ended (without a retry) before.
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('never retries an admin write', async () => {
    t = await startTestApp();
    // deleteClient reads the client first (is it protected?): that read is answered, the DELETE gets the 503.
    t.sandbox.admin.faults.enqueue({ kind: 'latency', ms: 0 });
    t.sandbox.admin.faults.enqueue({ kind: 'status', status: 503 });
    const before = t.sandbox.admin.requests.length;
    const res = await t.graphql(
      `mutation { deleteClient(input: { id: "oidc_eksempel_klient" }) { userErrors { code } } }`,
    );
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'admin' });
    expect(t.sandbox.admin.requests.slice(before).filter((r) => r.method === 'DELETE')).toHaveLength(1);
  });

  it('gives persons null entries with UPSTREAM_UNAVAILABLE during a KRR outage, while admin queries still work', async () => {
    t = await startTestApp();
    t.sandbox.krr.faults.setPersistent({ kind: 'status', status: 503 });
    const res = await t.graphql<{ persons: null[]; clients: { id: string }[] }>(
      `{ persons(ids: ["11822648950", "22859197810"]) { id } clients { id } }`,
    );
    expect(res.body.data?.persons).toEqual([null, null]);
    expect(res.body.data?.clients.length).toBeGreaterThan(0);
    expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE']);
    expect(res.body.errors?.[0]?.path).toEqual(['persons', 0]);
  });

  it('ends a stalled body at the deadline instead of hanging', async () => {
    t = await startTestApp({ KRR_TIMEOUT_MS: '500' });
    await t.graphql(PERSON);
    t.sandbox.krr.faults.enqueue({ kind: 'stall' });
    const res = await t.graphql(PERSON);
    expect(res.body.data).toEqual({ person: null });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'krr' });
    // the next request is served normally
    expect((await t.graphql(PERSON)).body).toEqual({ data: { person: { status: 'ACTIVE' } } });
  });

  it('survives connection resets by retrying the read', async () => {
    t = await startTestApp();
    await t.graphql(PERSON);
    t.sandbox.krr.faults.enqueue({ kind: 'reset' });
    expect((await t.graphql(PERSON)).body).toEqual({ data: { person: { status: 'ACTIVE' } } });
  });

  it('opens the breaker on sustained failures, answers at once while open, and recovers by itself', async () => {
    t = await startTestApp({ BREAKER_RESET_MS: '400', BREAKER_VOLUME_THRESHOLD: '5' });
    await t.graphql(PERSON);
    t.sandbox.krr.faults.setPersistent({ kind: 'status', status: 500 }); // 500: counted, not retried
    const ids = syntheticPersonIdentifiers(8, 700);
    for (const id of ids) await t.graphql(`{ person(id: "${id}") { status } }`);
    expect(await metric(t, 'facade_upstream_breaker_state', { upstream: 'krr' })).toBe(2);
    // The replica stays in rotation (admin operations still work); the breaker shows in /healthz?verbose.
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    const health = (await (await fetch(`${t.url}/healthz?verbose`)).json()) as {
      upstreams: { krr: { breaker: string } };
    };
    expect(health.upstreams.krr.breaker).toBe('open');

    const before = t.sandbox.krr.requests.length;
    const open = await t.graphql(`{ person(id: "23079422568") { status } }`);
    expect(open.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'krr' });
    expect(t.sandbox.krr.requests.length).toBe(before); // not even tried

    t.sandbox.krr.faults.setPersistent(undefined);
    await new Promise((r) => setTimeout(r, 500)); // half-open after BREAKER_RESET_MS
    const probe = await t.graphql(`{ person(id: "23079421936") { status } }`);
    expect(probe.body).toEqual({ data: { person: { status: 'ACTIVE' } } });
    expect(await metric(t, 'facade_upstream_breaker_state', { upstream: 'krr' })).toBe(0);
  });
});

describe('the token service under Maskinporten faults', () => {
  it('keeps serving the cached token during an outage, refreshes once it ends, and fails only past expiry', async () => {
    let offsetMs = 0;
    const now = () => Date.now() + offsetMs;
    t = await startTestApp({}, { now });
    expect((await t.graphql(PERSON)).body.data).toEqual({ person: { status: 'ACTIVE' } });
    const issued = t.sandbox.maskinporten.tokensIssued;

    t.sandbox.maskinporten.faults.setPersistent({ kind: 'status', status: 503 });
    const requested = t.sandbox.maskinporten.tokenRequests;
    offsetMs = 70_000; // past the refresh point (half of 120 s), before expiry
    expect((await t.graphql(PERSON)).body.data).toEqual({ person: { status: 'ACTIVE' } });
    // the background refresh fails, retried 3 times, while the cached token keeps serving
    await eventually(() => t!.sandbox.maskinporten.tokenRequests - requested >= 3);
    expect(t.sandbox.maskinporten.tokensIssued).toBe(issued);

    t.sandbox.maskinporten.faults.setPersistent(undefined);
    offsetMs = 80_000; // the next refresh attempt (5 s after the failed one) succeeds in the background
    expect((await t.graphql(PERSON)).body.data).toEqual({ person: { status: 'ACTIVE' } });
    await eventually(() => t!.sandbox.maskinporten.tokensIssued === issued + 1);

    t.sandbox.maskinporten.faults.setPersistent({ kind: 'status', status: 503 });
    offsetMs = 80_000 + 130_000; // longer than the new token's life
    const res = await t.graphql(PERSON);
    expect(res.body.data).toEqual({ person: null });
    // Maskinporten's outage, not a configuration error: try again later.
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'maskinporten' });
  });
});

describe('correlation', () => {
  it("sends its own request id upstream as X-Correlation-ID and keeps the caller's x-request-id beside it", async () => {
    t = await startTestApp();
    const token = await t.token();
    const before = t.sandbox.krr.requests.length;
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'x-request-id': 'trace-abc-123',
      },
      body: JSON.stringify({ query: PERSON }),
    });
    const requestId = res.headers.get('x-request-id') ?? '';
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.sandbox.krr.requests.slice(before).map((r) => r.correlationId)).toEqual([requestId]);
    const line = t.logLines.find((l) => l.includes(`"requestId":"${requestId}"`)) ?? '';
    expect(line).toContain('"callerRequestId":"trace-abc-123"');
  });

  it('sends each request its own id on admin API calls, also when requests overlap', async () => {
    const app = await startTestApp();
    t = app;
    const token = await app.token();
    const before = app.sandbox.admin.requests.length;
    const ask = (requestId: string) =>
      fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': requestId },
        body: JSON.stringify({ query: '{ clients { id jwks { keys { kid } } } }' }),
      });
    const responses = await Promise.all([ask('trace-one'), ask('trace-two')]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    const own = responses.map((r) => r.headers.get('x-request-id') ?? '');
    const ids = app.sandbox.admin.requests.slice(before).map((r) => r.correlationId);
    expect(ids.length).toBeGreaterThan(2);
    expect(new Set(ids)).toEqual(new Set(own));
    expect(ids.filter((id) => id === own[0]).length).toBe(ids.filter((id) => id === own[1]).length);
  });
});

describe('resources', () => {
  it('leaves no sockets, servers or timers behind once closed', async () => {
    const count = () =>
      process.getActiveResourcesInfo().filter((r) => ['TCPSocketWrap', 'TCPServerWrap', 'Timeout'].includes(r)).length;
    const before = count();
    const app = await startTestApp();
    await app.graphql(PERSON);
    await app.graphql(`{ clients { id jwks { keys { kid } } } }`);
    app.sandbox.krr.faults.enqueue({ kind: 'reset' });
    await app.graphql(`{ person(id: "22859197810") { status } }`);
    await app.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(count()).toBeLessThanOrEqual(before);
  });
});
