import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { Admission, AdmissionAbandoned, type Departure } from '../../src/graphql/admission.js';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const settle = () => new Promise((r) => setImmediate(r));

/** A departure backed by `controller`, counting the signals asked of it. */
function departure(controller: AbortController): Departure & { signals: number } {
  return {
    signals: 0,
    get gone() {
      return controller.signal.aborted;
    },
    signal() {
      this.signals++;
      return controller.signal;
    },
  };
}

describe('Admission', () => {
  it('admits while the cost fits, then first come first served as releases free room', async () => {
    const admission = new Admission({ maxCostInFlight: 10, queueTimeoutMs: 60_000 });
    const order: string[] = [];
    const a = await admission.acquire(6);
    const b = await admission.acquire(4);
    const c = admission.acquire(5).then((release) => (order.push('c'), release));
    const d = admission.acquire(1).then((release) => (order.push('d'), release)); // fits, but c came first
    await settle();
    expect(order).toEqual([]);
    a();
    a(); // a second release frees nothing more
    await settle();
    expect(order).toEqual(['c', 'd']); // 4 + 5 + 1 = 10
    const e = admission.acquire(1).then(() => order.push('e'));
    await settle();
    expect(order).toEqual(['c', 'd']);
    b();
    await settle();
    expect(order).toEqual(['c', 'd', 'e']);
    (await c)();
    (await d)();
    await e;
  });

  it('runs an operation costlier than the whole budget alone', async () => {
    const admission = new Admission({ maxCostInFlight: 10, queueTimeoutMs: 60_000 });
    const small = await admission.acquire(1);
    let admitted = false;
    const huge = admission.acquire(1_000).then((release) => ((admitted = true), release));
    await settle();
    expect(admitted).toBe(false);
    small();
    await settle();
    expect(admitted).toBe(true);
    (await huge)();
  });

  it('admits within a budget set below maxCostInFlight, and lets waiters in at once when it grows again', async () => {
    const released: number[] = [];
    const admission = new Admission({
      maxCostInFlight: 10,
      queueTimeoutMs: 60_000,
      onReleased: (w) => released.push(w),
    });
    admission.setBudget(6);
    expect(admission.budget).toBe(6);
    const order: string[] = [];
    const a = await admission.acquire(4);
    const b = admission.acquire(3).then((release) => (order.push('b'), release)); // 4 + 3 > 6
    await settle();
    expect(order).toEqual([]);
    admission.setBudget(100); // clamped to maxCostInFlight; b fits now
    expect(admission.budget).toBe(10);
    await settle();
    expect(order).toEqual(['b']);
    admission.setBudget(2);
    a();
    (await b)();
    // Nothing in flight: an operation costlier than the budget runs alone, weighed at most maxCostInFlight.
    const huge = await admission.acquire(50);
    const small = admission.acquire(1).then((release) => (order.push('small'), release));
    await settle();
    expect(order).toEqual(['b']);
    huge();
    (await small)();
    expect(released).toEqual([4, 3, 10, 1]);
    expect(admission.costInFlight).toBe(0);
  });

  it('refuses a waiter with OVERLOADED (503) after the queue timeout, and lets those behind it in', async () => {
    const refused: number[] = [];
    const admission = new Admission({ maxCostInFlight: 10, queueTimeoutMs: 30, onRefused: () => refused.push(1) });
    const held = await admission.acquire(8);
    const big = admission.acquire(10);
    const error = await big.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(GraphQLError);
    expect((error as GraphQLError).extensions).toMatchObject({ code: 'OVERLOADED', http: { status: 503 } });
    expect(refused).toHaveLength(1);
    const small = await admission.acquire(2); // room for it, and nobody ahead any more
    small();
    held();
  });

  it('drops a waiter whose caller went away, lets those behind it in, and never admits it', async () => {
    let abandoned = 0;
    const admission = new Admission({ maxCostInFlight: 10, queueTimeoutMs: 60_000, onAbandoned: () => abandoned++ });
    const held = await admission.acquire(6);
    const gone = new AbortController();
    let admittedLeaver = false;
    const leaving = departure(gone);
    const leaver = admission.acquire(5, leaving).then(() => (admittedLeaver = true));
    let admittedBehind = false;
    const behind = admission.acquire(4).then((release) => ((admittedBehind = true), release)); // fits, but FIFO
    await settle();
    expect([admittedLeaver, admittedBehind, admission.waiting, leaving.signals]).toEqual([false, false, 2, 1]);
    gone.abort();
    expect(await leaver.catch((err: unknown) => err)).toBeInstanceOf(AdmissionAbandoned);
    await settle();
    expect([admittedBehind, admission.waiting, abandoned]).toEqual([true, 0, 1]);
    (await behind)();
    held();
    expect(admission.costInFlight).toBe(0); // the leaver took nothing
    gone.abort(); // aborting again changes nothing
    expect(abandoned).toBe(1);
    // A caller already gone is not admitted even with room to spare, and one admitted is not taken back by a late abort.
    expect(await admission.acquire(1, departure(gone)).catch((err: unknown) => err)).toBeInstanceOf(AdmissionAbandoned);
    const later = new AbortController();
    const staying = departure(later);
    const release = await admission.acquire(3, staying);
    later.abort();
    // Admitted at once: no signal was made for it (making one per request costs CPU on Node 20).
    expect([admission.costInFlight, abandoned, staying.signals]).toEqual([3, 2, 0]);
    release();
  });
});

describe('admission in the app', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('queues operations beyond QUERY_MAX_COST_IN_FLIGHT and refuses one waiting longer than the timeout', async () => {
    t = await startTestApp({ QUERY_MAX_COST_IN_FLIGHT: '100', QUERY_QUEUE_TIMEOUT_MS: '300' });
    const app = t;
    const token = await app.token();
    const query = 'query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }';
    const [first, second] = [syntheticPersonIdentifiers(60, 0), syntheticPersonIdentifiers(60, 60)];
    await app.graphql(query, { ids: ['11822648950'] }, { token }); // token cached
    app.sandbox.krr.setLatency(600);
    const slow = app.graphql<{ persons: unknown[] }>(query, { ids: first }, { token }); // cost 60: admitted
    await new Promise((r) => setTimeout(r, 50));
    const waiting = await app.graphql(query, { ids: second }, { token }); // 60 + 60 > 100: waits, times out
    expect(waiting.status).toBe(503);
    expect(waiting.body.errors?.[0]?.extensions?.code).toBe('OVERLOADED');
    // Refused at the door, before Apollo: still in the access log and the request metrics.
    const accessLines = app.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(accessLines).toContainEqual(expect.objectContaining({ msg: 'graphql request', status: 503 }));
    expect((await slow).body.data?.persons).toHaveLength(60);
    app.sandbox.krr.setLatency(0);
    const after = await app.graphql<{ persons: unknown[] }>(query, { ids: second }, { token });
    expect(after.body.data?.persons).toHaveLength(60);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/^facade_admission_refused_total 1$/m);
    expect(metrics).toMatch(/^facade_graphql_requests_total\{operation_type="query",outcome="error"\} 1$/m);
    expect(metrics).toMatch(/^facade_admission_cost_in_flight 0$/m);
  });

  it('adapts the budget between half and all of QUERY_MAX_COST_IN_FLIGHT to how long look-ups wait for KRR', async () => {
    for (const mode of ['adaptive', 'fixed']) {
      t = await startTestApp({ QUERY_MAX_COST_IN_FLIGHT: '4000', QUERY_COST_IN_FLIGHT_MODE: mode });
      const app = t;
      const token = await app.token();
      const budget = async () => {
        const metrics = await (await fetch(`${app.url}/metrics`)).text();
        return Number(/^facade_admission_budget (\d+)$/m.exec(metrics)?.[1]);
      };
      const query = 'query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }';
      const ids = syntheticPersonIdentifiers(4000);
      /** The `i`th slice of `size` ids (the size is what the query costs). */
      const lookUp = async (i: number, size = 100) => {
        const res = await app.graphql<{ persons: unknown[] }>(
          query,
          { ids: ids.slice(i * size, i * size + size) },
          { token },
        );
        expect(res.body.data?.persons).toHaveLength(size);
      };
      expect(await budget()).toBe(4000);
      // KRR answering at once: a few hundred units of cost in flight (100-person queries) keep the CPU busy.
      for (let i = 0; i < 20; i++) await lookUp(i);
      await new Promise((r) => setTimeout(r, 400));
      expect(await budget()).toBe(mode === 'adaptive' ? 2000 : 4000);
      // KRR taking a second: once the short waits are out of the last four samples (a second), the ceiling. The long
      // wait and pause leave room for a machine busy with other processes, where the event loop's measured busy time
      // (CPU per unit of cost) grows and the sampling timer fires late.
      // Thirty 50-person queries at once, 1500 of cost, all within the halved budget: the budget moves only on a sample
      // with at least eight operations (faded) behind it, and ten 100-person queries, whose answers a loaded machine
      // spread over three samples, never made eight in one.
      app.sandbox.krr.setLatency(1000);
      await new Promise((r) => setTimeout(r, 1500));
      await Promise.all(Array.from({ length: 30 }, (_, i) => lookUp(40 + i, 50)));
      await new Promise((r) => setTimeout(r, 400));
      expect(await budget()).toBe(4000);
      await t.close();
      t = undefined;
    }
  });

  it('admits a persisted query sent by hash alone inside Apollo: what the door cannot measure never skips the line', async () => {
    t = await startTestApp({ QUERY_MAX_COST_IN_FLIGHT: '100', QUERY_QUEUE_TIMEOUT_MS: '300' });
    const app = t;
    const token = await app.token();
    const query = 'query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }';
    const extensions = { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } };
    const [first, second] = [syntheticPersonIdentifiers(60, 0), syntheticPersonIdentifiers(60, 60)];
    const send = async (body: Record<string, unknown>) => {
      const res = await fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { errors?: { extensions?: { code?: string } }[] } };
    };
    expect((await send({ query, variables: { ids: first }, extensions })).status).toBe(200); // registers it
    app.sandbox.krr.setLatency(600);
    const slow = app.graphql<{ persons: unknown[] }>(query, { ids: first }, { token }); // cost 60, at the door
    await new Promise((r) => setTimeout(r, 50));
    const byHash = await send({ variables: { ids: second }, extensions }); // cost 60 as well, measured by Apollo
    expect(byHash.status).toBe(503);
    expect(byHash.body.errors?.[0]?.extensions?.code).toBe('OVERLOADED');
    expect((await slow).body.data?.persons).toHaveLength(60);
    app.sandbox.krr.setLatency(0);
    expect((await send({ variables: { ids: second }, extensions })).status).toBe(200);
  });

  it('refuses an operation over the limits at once, without queueing it behind a full budget', async () => {
    t = await startTestApp({
      QUERY_MAX_COST_IN_FLIGHT: '100',
      QUERY_QUEUE_TIMEOUT_MS: '2000',
      QUERY_MAX_PERSONS: '60',
    });
    const app = t;
    const token = await app.token();
    const query = 'query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }';
    await app.graphql(query, { ids: ['11822648950'] }, { token }); // token cached
    app.sandbox.krr.setLatency(1500);
    let slowAnswered = false;
    const slow = app.graphql<{ persons: unknown[] }>(query, { ids: syntheticPersonIdentifiers(60, 0) }, { token });
    void slow.then(() => (slowAnswered = true));
    await new Promise((r) => setTimeout(r, 50));
    const tooMany = await app.graphql(query, { ids: syntheticPersonIdentifiers(61, 100) }, { token });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors?.[0]?.message).toBe(
      'The request names 61 distinct persons; the maximum is 60: split them over several requests.',
    );
    expect(slowAnswered).toBe(false); // refused while the slow look-up still held the whole budget
    expect((await slow).body.data?.persons).toHaveLength(60);
  });

  it('refuses a request whose body would pass MAX_BODY_BYTES_IN_FLIGHT, and accepts it once the others are done', async () => {
    t = await startTestApp({ MAX_BODY_BYTES_IN_FLIGHT: '3000' });
    const app = t;
    const token = await app.token();
    // a comment makes the body ~2100 bytes: two do not fit in 3000
    const query = `# ${'x'.repeat(2000)}\nquery($id: PersonIdentifier!) { person(id: $id) { id } }`;
    const padded = { id: '11822648950' };
    await app.graphql(query, padded, { token }); // token cached
    app.sandbox.krr.setLatency(500);
    const first = app.graphql(query, padded, { token });
    await new Promise((r) => setTimeout(r, 100)); // the first body is held while its look-up waits on KRR
    const second = await app.graphql(query, padded, { token });
    expect(second.status).toBe(503);
    expect(second.body.errors?.[0]?.extensions?.code).toBe('OVERLOADED');
    expect((await first).body.data).toEqual({ person: { id: '11822648950' } });
    app.sandbox.krr.setLatency(0);
    expect((await app.graphql(query, padded, { token })).body.data).toEqual({ person: { id: '11822648950' } });
  });
});
