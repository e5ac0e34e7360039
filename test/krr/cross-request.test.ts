import { afterEach, describe, expect, it } from 'vitest';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/**
 * Waits until the event loop's last sampled interval (100 ms, krr/batch-window.ts) was idle: right after start-up it
 * may read busy, and with KRR_BATCH_WINDOW_MODE=busy even a lone look-up would then wait the window.
 */
const loopIdle = () => new Promise((r) => setTimeout(r, 250));

const PRIMER = syntheticPersonIdentifiers(1, 99_000)[0] as string;

/**
 * Starts the app with `env` and primes its Maskinporten token with one look-up, so the KRR calls a test then counts
 * are its own look-ups only. The primer's record is also the first size the facade learns of KRR's records
 * (krr/answer-sizes.ts): one of a person the simulator does not know, as the tests look up.
 */
async function startPrimed(env?: Record<string, string>): Promise<{ app: TestApp; token: string }> {
  const app = (t = await startTestApp(env));
  const token = await app.token();
  await app.graphql(`{ person(id: "${PRIMER}") { status } }`, undefined, { token });
  return { app, token };
}

/**
 * Calls made at once reach KRR in any order (CI saw the second chunk's call arrive after the third's): sorted by where
 * their first id stands in the query, so that the assertions check the chunks, not the network's order.
 */
function inQueryOrder<T extends { ids: string[] }>(calls: T[], ids: string[]): T[] {
  const at = new Map(ids.map((id, i) => [id, i]));
  return [...calls].sort((a, b) => (at.get(a.ids[0] ?? '') ?? -1) - (at.get(b.ids[0] ?? '') ?? -1));
}

/** What the sandbox's KRR saw of one look-up: each call's ids and the scopes of its token. */
type KrrCall = TestApp['sandbox']['krr']['requests'][number];

/**
 * Runs `persons(ids:)` selecting `fields`, checks that it answered exactly `ids` in order without errors, and returns
 * the KRR calls it made, in query order.
 */
async function personsCalls(app: TestApp, token: string, ids: string[], fields = 'id'): Promise<KrrCall[]> {
  const before = app.sandbox.krr.requests.length;
  const res = await app.graphql<{ persons: { id: string }[] }>(
    `query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { ${fields} } }`,
    { ids },
    { token },
  );
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data?.persons.map((p) => p.id)).toEqual(ids);
  return inQueryOrder(app.sandbox.krr.requests.slice(before), ids);
}

describe('cross-request batching and coalescing', () => {
  it('merges the look-ups of concurrent GraphQL requests into one KRR call', async () => {
    const { app, token } = await startPrimed({ KRR_BATCH_WINDOW_MS: '100', KRR_BATCH_WINDOW_MODE: 'always' });
    const ids = syntheticPersonIdentifiers(20, 3000);
    const before = app.sandbox.krr.requests.length;
    const results = await Promise.all(
      ids.map((id) => app.graphql<{ person: { id: string } }>(`{ person(id: "${id}") { id } }`, undefined, { token })),
    );
    // every caller got exactly its own person
    expect(results.map((r) => r.body.data?.person.id)).toEqual(ids);
    const calls = app.sandbox.krr.requests.slice(before);
    expect(calls.length).toBeLessThanOrEqual(2);
    expect(calls.flatMap((c) => c.ids).sort()).toEqual([...ids].sort());
  });

  it('sends a look-up at once while the facade is not busy (KRR_BATCH_WINDOW_MODE=busy, the default)', async () => {
    const { app, token } = await startPrimed({ KRR_BATCH_WINDOW_MS: '1000' });
    await loopIdle();
    const started = performance.now();
    const res = await app.graphql(`{ person(id: "22859197810") { status } }`, undefined, { token });
    expect(res.body).toEqual({ data: { person: { status: 'ACTIVE' } } });
    // Held for the window, the answer could not come before its 1000 ms timer; sent at once, it comes in a few ms.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('waits the window for more ids while every KRR connection has a call on it (KRR_BATCH_WINDOW_MODE=busy)', async () => {
    const { app, token } = await startPrimed({ KRR_BATCH_WINDOW_MS: '1000', UPSTREAM_CONNECTIONS: '1' });
    app.sandbox.krr.setLatency(300);
    await loopIdle(); // then only the taken connection can make a batch wait
    const [busy, second, third] = syntheticPersonIdentifiers(3, 5000);
    const before = app.sandbox.krr.requests.length;
    const ask = (id: string) => app.graphql(`{ person(id: "${id}") { id } }`, undefined, { token });
    const first = ask(busy as string); // takes the one connection for 300 ms
    await new Promise((r) => setTimeout(r, 50));
    const later = [ask(second as string)];
    await new Promise((r) => setTimeout(r, 50)); // another turn: would be a call of its own if sent at once
    later.push(ask(third as string));
    const answers = await Promise.all([first, ...later]);
    expect(answers.map((a) => (a.body.data as { person: { id: string } }).person.id)).toEqual([busy, second, third]);
    // The second and third waited in one batch while the first held the connection.
    expect(app.sandbox.krr.requests.slice(before).map((r) => r.ids)).toEqual([[busy], [second, third]]);
  });

  it('looks up a query of 1000 persons in calls of at most KRR_BATCH_MAX_IDS ids, made at once', async () => {
    // KRR_BATCH_MAX_IDS alone: KRR_BATCH_MAX_ANSWER_BYTES off.
    const { app, token } = await startPrimed({ KRR_BATCH_MAX_IDS: '300', KRR_BATCH_MAX_ANSWER_BYTES: '0' });
    app.sandbox.krr.setLatency(400);
    const ids = syntheticPersonIdentifiers(1000, 9000);
    const started = performance.now();
    const calls = await personsCalls(app, token, ids);
    const elapsed = performance.now() - started;
    expect(calls.map((c) => c.ids.length)).toEqual([300, 300, 300, 100]);
    expect(calls.flatMap((c) => c.ids)).toEqual(ids);
    // Made one after another, the four calls of 400 ms each could not answer within 1600 ms.
    expect(elapsed).toBeLessThan(1600);
  });

  it('by default looks up a query of 1000 persons in five calls of 200 ids, made at once', async () => {
    const { app, token } = await startPrimed();
    const ids = syntheticPersonIdentifiers(1000, 12_000);
    const calls = await personsCalls(app, token, ids);
    expect(calls.map((c) => c.ids.length)).toEqual([200, 200, 200, 200, 200]);
    expect(calls.flatMap((c) => c.ids)).toEqual(ids);
  });

  it('makes calls smaller once KRR answers large records (KRR_BATCH_MAX_ANSWER_BYTES), per data group', async () => {
    const { app, token } = await startPrimed({ KRR_BATCH_MAX_ANSWER_BYTES: '10240' });
    const ids = syntheticPersonIdentifiers(1000, 14_000);
    // The primer's answer, one record of a person KRR does not know (about 110 bytes), says about 90 of them make
    // 10 KB: calls of one size (the last the rest), well under KRR_BATCH_MAX_IDS (200), and every id asked once.
    const sizes = (await personsCalls(app, token, ids)).map((c) => c.ids.length);
    expect(sizes[0]).toBeGreaterThanOrEqual(80);
    expect(sizes[0]).toBeLessThanOrEqual(128);
    expect(sizes.slice(0, -1).every((size) => size === sizes[0])).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(1000);
    // Digital post is another data group with records of its own size, not yet seen: KRR_BATCH_MAX_IDS alone.
    const mailbox = syntheticPersonIdentifiers(1000, 16_000);
    const calls = await personsCalls(app, token, mailbox, 'id digitalMailbox { address }');
    expect(calls.map((c) => c.ids.length)).toEqual([200, 200, 200, 200, 200]);
    expect(calls.every((c) => c.scopes.includes('krr:global/digitalpost.read'))).toBe(true);
  });

  it('leaves the calls at KRR_BATCH_MAX_IDS with KRR_BATCH_MAX_ANSWER_BYTES=0, however small the bound would be', async () => {
    // The primer's one record (about 110 bytes) is over 1 byte: any bound would make calls of 50, the least.
    for (const [bytes, size] of [
      ['1', 50],
      ['0', 200],
    ] as const) {
      const { app, token } = await startPrimed({ KRR_BATCH_MAX_ANSWER_BYTES: bytes });
      const ids = syntheticPersonIdentifiers(400, 18_000);
      const sizes = (await personsCalls(app, token, ids)).map((c) => c.ids.length);
      expect(sizes).toEqual(Array<number>(400 / size).fill(size));
      await app.close();
      t = undefined;
    }
  });

  it('lets a look-up join an identical one already in flight', async () => {
    const { app, token } = await startPrimed();
    app.sandbox.krr.setLatency(400);
    const before = app.sandbox.krr.requests.length;
    const first = app.graphql(`{ person(id: "22859197810") { status } }`, undefined, { token });
    await new Promise((r) => setTimeout(r, 100)); // the first look-up is now waiting on KRR
    const second = app.graphql(`{ person(id: "22859197810") { status } }`, undefined, { token });
    const [a, b] = await Promise.all([first, second]);
    expect(a.body).toEqual({ data: { person: { status: 'ACTIVE' } } });
    expect(b.body).toEqual(a.body);
    expect(app.sandbox.krr.requests.length - before).toBe(1);
    // both requests are audited: each caller's request revealed the person
    const audit = await app.auditRecords();
    expect(audit.filter((r) => r.personId === '22859197810')).toHaveLength(2);
  });
});
