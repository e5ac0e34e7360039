import { describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import { webInput } from '../helpers/client-input.js';

describe('graceful shutdown', () => {
  it('answers /readyz 503 at once, lets an in-flight request finish, then refuses connections', async () => {
    const t = await startTestApp({ SHUTDOWN_DELAY_MS: '300', SHUTDOWN_GRACE_MS: '5000' });
    const token = await t.token();
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    t.sandbox.krr.setLatency(800);
    const inFlight = t.graphql<{ person: { status: string } }>(`{ person(id: "11822648950") { status } }`, undefined, {
      token,
    });
    await new Promise((r) => setTimeout(r, 150)); // the request is now waiting on KRR
    const started = Date.now();
    const closing = t.app.close();
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('connection')).toBe('close');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ person: { status: 'ACTIVE' } });
    await closing;
    // Done once the request was answered, not at the end of the 5 s grace: its keep-alive connection, idle after an
    // answer that began before the drain, is closed as soon as it is idle.
    expect(Date.now() - started).toBeLessThan(4_000);
    await expect(fetch(`${t.url}/healthz`)).rejects.toThrow();
    await t.close();
  }, 20_000);

  it('when the grace ends, stops the upstream calls still running: each caller gets an answer and every change its audit record', async () => {
    // One connection per upstream: the second change waits in the pool's queue, never sent.
    const t = await startTestApp({
      SHUTDOWN_DELAY_MS: '0',
      SHUTDOWN_GRACE_MS: '300',
      ADMIN_TIMEOUT_MS: '20000',
      UPSTREAM_CONNECTIONS: '1',
    });
    const token = await t.token();
    await t.graphql('{ clients { id } }', undefined, { token }); // the admin token cached: the POSTs go out at once
    t.sandbox.admin.faults.setLatency(5_000);
    t.sandbox.krr.setLatency(5_000);
    const postsBefore = t.sandbox.admin.requests.filter((r) => r.method === 'POST').length;
    const createClient = (name: string) =>
      t.graphql<{ createClient: null }>(
        'mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } clientSecret } }',
        { input: webInput(name) },
        { token },
      );
    const create = createClient('cut by the shutdown');
    await new Promise((r) => setTimeout(r, 100));
    const queued = createClient('never sent');
    const lookup = t.graphql(
      `query P($id: PersonIdentifier!) { person(id: $id) { status } }`,
      { id: '11822648950' },
      { token },
    );
    await new Promise((r) => setTimeout(r, 300)); // both are now waiting on their upstream
    const started = Date.now();
    await t.app.close();
    // Not the 5 s the upstreams would take: stopped at the end of the grace.
    expect(Date.now() - started).toBeLessThan(4_000);

    const created = await create;
    expect(created.status).toBe(200);
    expect(created.body.data).toEqual({ createClient: null });
    expect(created.body.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: 'admin',
      outcome: 'UNKNOWN',
    });
    expect(created.body.errors?.[0]?.message).toMatch(/shutting down.*Check .* before retrying/);
    const looked = await lookup;
    expect(looked.status).toBe(200);
    expect(looked.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'krr' });
    expect(looked.body.errors?.[0]?.message).toBe(
      'The facade is shutting down and stopped waiting for the contact register (KRR); try again (another replica answers).',
    );

    // The change that waited for a connection was never sent: a plain failure, safe to retry.
    const notSent = await queued;
    expect(notSent.body.errors?.[0]?.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'admin' });
    expect(notSent.body.errors?.[0]?.message).toBe(
      'The facade is shutting down and did not call the ID-porten admin API; try again (another replica answers).',
    );
    expect(t.sandbox.admin.requests.filter((r) => r.method === 'POST').length - postsBefore).toBeLessThanOrEqual(1);

    const changes = (await t.auditRecords()).filter((r) => r.action === 'createClient');
    expect(changes.map((r) => [r.stage, r.outcome]).sort()).toEqual([
      ['completed', 'failed'],
      ['completed', 'unknown'],
      ['requested', undefined],
      ['requested', undefined],
    ]);
    expect(t.logLines.filter((line) => line.includes('could not be written'))).toEqual([]);
    await t.close();
  }, 20_000);
});
