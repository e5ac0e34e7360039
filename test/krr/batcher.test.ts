import { describe, expect, it } from 'vitest';
import { BATCH_RETRY_BUDGET, DEFAULT_BATCH_MAX_IDS, PersonBatcher, splitCallsFor } from '../../src/krr/batcher.js';
import { KRR_MAX_IDS_PER_REQUEST, OWN_PARTY, type KrrClient, type LookupKind } from '../../src/krr/client.js';
import type { KrrPersonDto } from '../../src/krr/dto.js';
import { LookupFailure } from '../../src/krr/lookup-failure.js';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { UpstreamStatusError, UpstreamUnavailableError } from '../../src/upstream/errors.js';
import type { UpstreamRequestContext } from '../../src/upstream/request-context.js';
import { RetryBudget } from '../../src/upstream/retry.js';

const CONTACT: LookupKind = { digitalPost: false };
const DIGITAL_POST: LookupKind = { digitalPost: true };
/** Batches as large as KRR takes (the default is smaller): what the tests of 1000-id batches and their splits need. */
const KRR_LIMIT = KRR_MAX_IDS_PER_REQUEST;

interface Call {
  ids: string[];
  kind: LookupKind;
  context?: UpstreamRequestContext;
  settle(outcome: 'answer' | Error): void;
}

/** A KRR client whose calls the test settles; it answers every id but those listed in `missing`. */
function fakeClient(missing: ReadonlySet<string> = new Set()) {
  const calls: Call[] = [];
  const client = {
    lookup(ids: readonly string[], kind: LookupKind, context?: UpstreamRequestContext) {
      return new Promise<Map<string, KrrPersonDto>>((resolve, reject) => {
        calls.push({
          ids: [...ids],
          kind,
          context,
          settle: (outcome) => {
            if (outcome instanceof Error) return reject(outcome);
            const found = ids.filter((id) => !missing.has(id)).map((id) => [id, { personidentifikator: id }] as const);
            resolve(new Map(found));
          },
        });
      });
    },
    countSplit() {},
  } as unknown as KrrClient;
  return { client, calls };
}

interface AutoClientOptions {
  /** A call containing any of these ids is refused as a whole, as KRR does. */
  refuse?: ReadonlySet<string>;
  /** The refusal (default: HTTP 400). */
  refusal?: () => Error;
  /** Answers a call (after `latencyMs`) with this error instead, when it returns one. */
  failWith?: (ids: readonly string[], call: number) => Error | undefined;
  /** Per call (1-based), or for every call. */
  latencyMs?: number | ((call: number) => number);
}

/** A KRR client that answers by itself: every id, unless the call contains a refused id. */
function autoClient(opts: AutoClientOptions = {}) {
  const calls: string[][] = [];
  let splits = 0;
  const client = {
    async lookup(ids: readonly string[]) {
      calls.push([...ids]);
      const call = calls.length;
      const latency = typeof opts.latencyMs === 'function' ? opts.latencyMs(call) : (opts.latencyMs ?? 0);
      await new Promise((r) => setTimeout(r, latency));
      const failure = opts.failWith?.(ids, call);
      if (failure) throw failure;
      if (ids.some((id) => opts.refuse?.has(id))) {
        throw opts.refusal?.() ?? new UpstreamStatusError('krr', 400, { detail: 'anything' });
      }
      return new Map(ids.map((id) => [id, { personidentifikator: id }] as const));
    },
    countSplit() {
      splits += 1;
    },
  } as unknown as KrrClient;
  return { client, calls, splits: () => splits };
}

/** The status of the refusal an outcome failed with, or 'ok' for a person. */
function statusOf(outcome: unknown): number | string {
  if (!(outcome instanceof LookupFailure)) return (outcome as KrrPersonDto).personidentifikator ? 'ok' : 'missing';
  const reason = outcome.reason;
  if (reason instanceof UpstreamStatusError) return reason.status;
  if (reason instanceof UpstreamUnavailableError) return `unavailable ${reason.reason}`;
  return 'other';
}

const tick = () => new Promise((r) => setImmediate(r));
const idsOf = (outcomes: unknown[]) => outcomes.map((o) => (o as KrrPersonDto | undefined)?.personidentifikator);

describe('PersonBatcher', () => {
  it('merges the ids of concurrent callers into one call, each caller getting its own ids in order', async () => {
    const { client, calls } = fakeClient();
    const batcher = new PersonBatcher(client, { windowMs: 0 });
    const [a, b, c] = [['1', '2'], ['3'], ['2', '4']];
    const loads = [a, b, c].map((ids) => batcher.loadMany(ids as string[], CONTACT));
    await tick();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.ids).toEqual(['1', '2', '3', '4']); // '2' asked twice, sent once
    calls[0]?.settle('answer');
    expect((await Promise.all(loads)).map(idsOf)).toEqual([a, b, c]);
  });

  it("sends at most `maxIds` ids per call, up to KRR's 1000: the 1000th id sends the batch at once, the rest start a new one", async () => {
    const { client, calls } = fakeClient();
    const batcher = new PersonBatcher(client, { windowMs: 50, maxIds: KRR_LIMIT });
    const ids = syntheticPersonIdentifiers(2500);
    const first = batcher.loadMany(ids.slice(0, 1500), CONTACT);
    const second = batcher.loadMany(ids.slice(1500), CONTACT);
    expect(calls.map((c) => c.ids.length)).toEqual([1000, 1000]); // no timer needed for full batches
    calls.forEach((c) => c.settle('answer'));
    expect(idsOf(await first)).toEqual(ids.slice(0, 1500));
    expect(calls).toHaveLength(2); // the last 500 still wait for the window
    await new Promise((r) => setTimeout(r, 80));
    expect(calls[2]?.ids).toEqual(ids.slice(2000));
    calls[2]?.settle('answer');
    expect(idsOf(await second)).toEqual(ids.slice(1500));
  });

  it('tells how long each answered batch took from its first id to the answer, once per batch, never a failed one', async () => {
    const { client, calls } = fakeClient();
    const answered: number[] = [];
    const batcher = new PersonBatcher(client, { windowMs: 30, onAnswered: (ms) => answered.push(ms) });
    const first = batcher.loadMany(['1', '2'], CONTACT);
    await new Promise((r) => setTimeout(r, 10));
    const joined = batcher.loadMany(['2', '3'], CONTACT); // the same batch
    await new Promise((r) => setTimeout(r, 40)); // the window passed: sent
    const coalesced = batcher.loadMany(['3'], CONTACT); // joins the call under way
    expect(calls.map((c) => c.ids)).toEqual([['1', '2', '3']]);
    await new Promise((r) => setTimeout(r, 20));
    calls[0]?.settle('answer');
    await Promise.all([first, joined, coalesced]);
    expect(answered).toHaveLength(1);
    expect(answered[0]).toBeGreaterThanOrEqual(65); // 30 ms of window and 20 of call after the first 10 (timers' slack)
    const failing = batcher.loadMany(['4'], CONTACT);
    await new Promise((r) => setTimeout(r, 40));
    calls[1]?.settle(new UpstreamUnavailableError('krr', 'down'));
    expect((await failing)[0]).toBeInstanceOf(LookupFailure);
    expect(answered).toHaveLength(1);
  });

  it('sends at most `maxIds` per call (KRR_BATCH_MAX_IDS): one request of 1000 persons goes out as four calls at once', async () => {
    const { client, calls } = fakeClient();
    const batcher = new PersonBatcher(client, { windowMs: 50, maxIds: 250 });
    const ids = syntheticPersonIdentifiers(1000);
    const load = batcher.loadMany(ids, CONTACT);
    expect(calls.map((c) => c.ids)).toEqual([0, 250, 500, 750].map((at) => ids.slice(at, at + 250)));
    calls.forEach((c) => c.settle('answer'));
    expect(idsOf(await load)).toEqual(ids);
    // Ids of another request fill the open batch up to the cap too; never more than KRR's own 1000.
    const { client: other, calls: otherCalls } = fakeClient();
    const capped = new PersonBatcher(other, { windowMs: 50, maxIds: 3 });
    const two = [capped.loadMany(['1', '2'], CONTACT), capped.loadMany(['3', '4'], CONTACT)];
    expect(otherCalls.map((c) => c.ids)).toEqual([['1', '2', '3']]);
    await new Promise((r) => setTimeout(r, 80));
    expect(otherCalls.map((c) => c.ids)).toEqual([['1', '2', '3'], ['4']]);
    otherCalls.forEach((c) => c.settle('answer'));
    expect((await Promise.all(two)).map(idsOf)).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    // Without `maxIds`, DEFAULT_BATCH_MAX_IDS (200): a 1000-person request goes out as five full calls at once.
    const { client: plain, calls: plainCalls } = fakeClient();
    const byDefault = new PersonBatcher(plain, { windowMs: 50 }).loadMany(ids, CONTACT);
    expect(DEFAULT_BATCH_MAX_IDS).toBe(200);
    expect(plainCalls.map((c) => c.ids)).toEqual([0, 200, 400, 600, 800].map((at) => ids.slice(at, at + 200)));
    plainCalls.forEach((c) => c.settle('answer'));
    expect(idsOf(await byDefault)).toEqual(ids);
    const { client: big, calls: bigCalls } = fakeClient();
    const unbounded = new PersonBatcher(big, { windowMs: 50, maxIds: 5000 });
    const many = unbounded.loadMany(syntheticPersonIdentifiers(1500), CONTACT);
    expect(bigCalls.map((c) => c.ids.length)).toEqual([1000]);
    bigCalls[0]?.settle('answer');
    await new Promise((r) => setTimeout(r, 80)); // the last 500 wait the window
    expect(bigCalls.map((c) => c.ids.length)).toEqual([1000, 500]);
    bigCalls[1]?.settle('answer');
    expect(await many).toHaveLength(1500);
  });

  it('waits the window only while `collect` says so (KRR_BATCH_WINDOW_MODE=busy): else the call goes out this turn', async () => {
    const { client, calls } = fakeClient();
    let busy = false;
    const asked: number[] = []; // the calls under way each time a batch opened
    const batcher = new PersonBatcher(client, {
      windowMs: 60_000,
      maxIds: KRR_LIMIT,
      collect: (calls) => (asked.push(calls), busy),
    });
    // Not busy: the ids of the look-ups made in this turn go out together at its end, without waiting the window.
    const same = [batcher.loadMany(['1', '2'], CONTACT), batcher.loadMany(['3'], CONTACT)];
    await tick();
    expect(calls.map((c) => c.ids)).toEqual([['1', '2', '3']]);
    const next = batcher.loadMany(['4'], CONTACT); // a later turn: a call of its own
    await tick();
    expect(calls.map((c) => c.ids)).toEqual([['1', '2', '3'], ['4']]);
    calls.forEach((c) => c.settle('answer'));
    expect((await Promise.all([...same, next])).map(idsOf)).toEqual([['1', '2'], ['3'], ['4']]);
    // Busy: a batch opened now waits the window for more ids, across turns (60 s here: the test would time out).
    busy = true;
    const waiting = batcher.loadMany(['5'], CONTACT);
    await tick();
    await new Promise((r) => setTimeout(r, 20));
    const later = batcher.loadMany(['6'], CONTACT);
    await tick();
    expect(calls).toHaveLength(2);
    busy = false; // asked when a batch opens, not again: this one keeps collecting until it is full or sent
    const full = batcher.loadMany(syntheticPersonIdentifiers(998), CONTACT);
    expect(calls[2]?.ids).toEqual(['5', '6', ...syntheticPersonIdentifiers(998)]); // the 1000th id sent it
    calls[2]?.settle('answer');
    expect((await Promise.all([waiting, later])).map(idsOf)).toEqual([['5'], ['6']]);
    expect(idsOf(await full)).toHaveLength(998);
    expect(asked).toEqual([0, 1, 0]); // the second batch opened while the first's call was under way
  });

  it('tells `collect` of every KRR call under way, the split calls isolating a refusal included', async () => {
    const { client, calls } = fakeClient();
    const asked: number[] = [];
    const batcher = new PersonBatcher(client, { windowMs: 60_000, collect: (n) => (asked.push(n), false) });
    const refused = batcher.loadMany(['1', '2'], CONTACT);
    await tick();
    calls[0]?.settle(new UpstreamStatusError('krr', 400, undefined)); // refused as a whole: split in two calls
    await tick();
    expect(calls.slice(1).map((c) => c.ids)).toEqual([['1'], ['2']]);
    const next = batcher.loadMany(['3'], CONTACT);
    await tick();
    expect(asked).toEqual([0, 2]); // both halves hold a connection
    calls.slice(1).forEach((c) => c.settle('answer'));
    calls[3]?.settle('answer');
    expect((await refused).map((o) => o instanceof LookupFailure)).toEqual([false, false]);
    expect(idsOf(await next)).toEqual(['3']);
  });

  it('lets a look-up join an identical one in flight instead of asking again', async () => {
    const { client, calls } = fakeClient();
    const batcher = new PersonBatcher(client, { windowMs: 0 });
    const first = batcher.loadMany(['1', '2'], CONTACT);
    await tick();
    expect(calls).toHaveLength(1);
    const second = batcher.loadMany(['2', '3'], CONTACT); // '2' is in flight, '3' is not
    await tick();
    expect(calls.map((c) => c.ids)).toEqual([['1', '2'], ['3']]);
    calls.forEach((c) => c.settle('answer'));
    expect(idsOf(await first)).toEqual(['1', '2']);
    expect(idsOf(await second)).toEqual(['2', '3']);
    // once answered, the id is asked for again (no caching beyond the call)
    const third = batcher.loadMany(['2'], CONTACT);
    await tick();
    expect(calls[2]?.ids).toEqual(['2']);
    calls[2]?.settle('answer');
    expect(idsOf(await third)).toEqual(['2']);
  });

  it('keeps the kinds apart: a digital-post look-up never joins a contact-only call', async () => {
    const { client, calls } = fakeClient();
    const batcher = new PersonBatcher(client, { windowMs: 0 });
    const contact = batcher.loadMany(['1'], CONTACT);
    const post = batcher.loadMany(['1'], DIGITAL_POST);
    await tick();
    expect(calls.map((c) => [c.ids, c.kind.digitalPost])).toEqual([
      [['1'], false],
      [['1'], true],
    ]);
    calls.forEach((c) => c.settle('answer'));
    await Promise.all([contact, post]);
  });

  it('fails only the ids of a failed call, with the call failure; a missing id is undefined', async () => {
    const { client, calls } = fakeClient(new Set(['2']));
    const batcher = new PersonBatcher(client, { windowMs: 0 });
    const first = batcher.loadMany(['1', '2'], CONTACT);
    await tick();
    const second = batcher.loadMany(['1', '3'], CONTACT); // joins '1' in flight, '3' goes in a new call
    await tick();
    const boom = new Error('boom');
    calls[0]?.settle(boom);
    calls[1]?.settle('answer');
    const [a, b] = await Promise.all([first, second]);
    expect(a[0]).toBeInstanceOf(LookupFailure);
    expect((a[0] as LookupFailure).reason).toBe(boom);
    expect(a[1]).toBe(a[0]); // one failure object per call
    expect(b[0]).toBe(a[0]);
    expect(idsOf([b[1]])).toEqual(['3']);
    const missing = batcher.loadMany(['2'], CONTACT);
    await tick();
    calls[2]?.settle('answer');
    expect(await missing).toEqual([undefined]);
  });

  it("sends the first joiner's correlation id with the batch, but a retry budget of the batch's own", async () => {
    const { client, calls } = fakeClient();
    const batcher = new PersonBatcher(client, { windowMs: 0 });
    // The first joiner has spent its retries on other calls: the batch must not inherit that.
    const spent = new RetryBudget(3);
    while (spent.tryTake());
    const one = { correlationId: 'one', retryBudget: spent };
    const two = { correlationId: 'two', retryBudget: new RetryBudget(3) };
    const loads = [batcher.loadMany(['1'], CONTACT, one), batcher.loadMany(['2'], CONTACT, two)];
    await tick();
    expect(calls).toHaveLength(1);
    expect(calls[0]?.context?.correlationId).toBe('one');
    const budget = calls[0]?.context?.retryBudget;
    expect(budget).not.toBe(spent);
    expect(budget).not.toBe(two.retryBudget);
    expect(budget?.remaining).toBe(BATCH_RETRY_BUDGET);
    calls[0]?.settle('answer');
    await Promise.all(loads);
    // the next batch has a fresh budget again
    const next = batcher.loadMany(['3'], CONTACT, two);
    await tick();
    expect(calls[1]?.context?.retryBudget).not.toBe(budget);
    calls[1]?.settle('answer');
    await next;
  });
});

describe('PersonBatcher: a batch KRR refuses as a whole', () => {
  const ids = syntheticPersonIdentifiers(1000, 7000);

  it('isolates one refused id among 1000: only it fails, with the refusal; every other id gets its person', async () => {
    const bad = ids[613] as string;
    const { client, calls, splits } = autoClient({ refuse: new Set([bad]) });
    const batcher = new PersonBatcher(client, { windowMs: 0, maxIds: KRR_LIMIT });
    const outcomes = await batcher.loadMany(ids, CONTACT);
    expect(outcomes.map(statusOf)).toEqual(ids.map((id) => (id === bad ? 400 : 'ok')));
    expect(idsOf(outcomes.filter((o) => !(o instanceof LookupFailure)))).toEqual(ids.filter((id) => id !== bad));
    // halves, recursively: two calls per level down to the one id (1000 → 500 → … → 1: 10 levels)
    expect(splits()).toBe(10);
    expect(calls).toHaveLength(1 + 20);
    expect(calls.at(-1)).toHaveLength(1);
    expect(calls.every((c) => c.length <= 1000)).toBe(true);
  });

  it('isolates several refused ids, each failing with its own refusal', async () => {
    // three spread ids take 2 + 4 + 3 × 16 = 54 calls, within the bound
    const bad = [ids[0], ids[500], ids[998]] as string[];
    const { client, calls } = autoClient({ refuse: new Set(bad) });
    const batcher = new PersonBatcher(client, { windowMs: 0, maxIds: KRR_LIMIT });
    const outcomes = await batcher.loadMany(ids, CONTACT);
    expect(outcomes.map(statusOf)).toEqual(ids.map((id) => (bad.includes(id) ? 400 : 'ok')));
    const failures = outcomes.filter((o) => o instanceof LookupFailure);
    expect(new Set(failures).size).toBe(3);
    expect(calls.length - 1).toBe(54);
  });

  it('fails every id when every id is refused, one call per id at the bottom', async () => {
    const all = ids.slice(0, 8);
    const { client, calls } = autoClient({ refuse: new Set(all) });
    const batcher = new PersonBatcher(client, { windowMs: 0 });
    const outcomes = await batcher.loadMany(all, CONTACT);
    expect(outcomes.map(statusOf)).toEqual(all.map(() => 400));
    expect(calls).toHaveLength(1 + 2 + 4 + 8);
  });

  it('makes at most 64 + 1000 / 4 extra calls for 1000 ids of one request; ids still unresolved then fail with the refusal', async () => {
    const { client, calls } = autoClient({ refuse: new Set(ids) });
    const batcher = new PersonBatcher(client, { windowMs: 0, maxIds: KRR_LIMIT });
    const outcomes = await batcher.loadMany(ids, CONTACT);
    expect(outcomes.map(statusOf)).toEqual(ids.map(() => 400));
    expect(splitCallsFor(1000)).toBe(64 + 250);
    expect(calls).toHaveLength(1 + splitCallsFor(1000));

    // a smaller bound: the refused id's quarter fails as a whole, the other quarters get their persons
    const some = ids.slice(0, 16);
    const bad = some[5] as string;
    const small = autoClient({ refuse: new Set([bad]) });
    const bounded = new PersonBatcher(small.client, { windowMs: 0, splitCalls: () => 4 });
    const results = await bounded.loadMany(some, CONTACT);
    expect(small.calls).toHaveLength(1 + 4);
    expect(results.map(statusOf)).toEqual(some.map((_id, i) => (i >= 4 && i < 8 ? 400 : 'ok')));
    expect((results[5] as LookupFailure).notIsolated).toBe(true);
  });

  it('isolates twenty refused ids spread evenly through one request of 1000 within its own budget', async () => {
    const bad = new Set(ids.filter((_id, i) => i % 50 === 25));
    expect(bad.size).toBe(20);
    const { client, calls } = autoClient({ refuse: bad });
    const outcomes = await new PersonBatcher(client, { windowMs: 0 }).loadMany(ids, CONTACT);
    expect(outcomes.map(statusOf)).toEqual(ids.map((id) => (bad.has(id) ? 400 : 'ok')));
    expect(calls.length - 1).toBeLessThanOrEqual(splitCallsFor(1000));
  });

  it('treats 404, 413 and 422 as refusals too, and never splits a batch of one id', async () => {
    for (const status of [404, 413, 422]) {
      const bad = ids[3] as string;
      const { client, calls } = autoClient({
        refuse: new Set([bad]),
        refusal: () => new UpstreamStatusError('krr', status, undefined),
      });
      const outcomes = await new PersonBatcher(client, { windowMs: 0 }).loadMany(ids.slice(0, 4), CONTACT);
      expect(outcomes.map(statusOf)).toEqual(['ok', 'ok', 'ok', status]);
      expect(calls).toHaveLength(1 + 2 + 2);
    }
    const { client, calls } = autoClient({ refuse: new Set([ids[0] as string]) });
    const [one] = await new PersonBatcher(client, { windowMs: 0 }).loadMany([ids[0] as string], CONTACT);
    expect(statusOf(one)).toBe(400);
    expect(calls).toHaveLength(1);
  });

  it('never splits on 401, 403, 429 or 5xx: the whole batch fails with one failure', async () => {
    const failures = [
      new UpstreamStatusError('krr', 401, undefined),
      new UpstreamStatusError('krr', 403, undefined),
      new UpstreamUnavailableError('krr', 'rate limited', 429),
      new UpstreamUnavailableError('krr', 'HTTP 503', 503),
    ];
    for (const failure of failures) {
      const { client, calls, splits } = autoClient({ failWith: () => failure });
      const outcomes = await new PersonBatcher(client, { windowMs: 0 }).loadMany(ids.slice(0, 10), CONTACT);
      expect(calls).toHaveLength(1);
      expect(splits()).toBe(0);
      expect(new Set(outcomes).size).toBe(1);
      expect((outcomes[0] as LookupFailure).reason).toBe(failure);
    }
  });

  it('fails only the part of a split whose call fails for another reason (e.g. a 503)', async () => {
    const some = ids.slice(0, 8);
    const bad = some[0] as string;
    // the second call (the first half, with the refused id) gets a 503; the second half is answered
    const { client } = autoClient({
      refuse: new Set([bad]),
      failWith: (_ids, call) => (call === 2 ? new UpstreamUnavailableError('krr', 'HTTP 503', 503) : undefined),
    });
    const outcomes = await new PersonBatcher(client, { windowMs: 0 }).loadMany(some, CONTACT);
    expect(outcomes.map(statusOf)).toEqual([
      ...some.slice(0, 4).map(() => 'unavailable HTTP 503'),
      'ok',
      'ok',
      'ok',
      'ok',
    ]);
  });

  it('keeps the splits within the KRR deadline: parts not answered by then fail as unavailable', async () => {
    const some = ids.slice(0, 64);
    // calls 1 (all 64), 2 and 3 (halves) answer at once; the quarters (calls 4 and 5) would take 5 s
    const { client, calls } = autoClient({
      refuse: new Set([some[10] as string]),
      latencyMs: (n) => (n >= 4 ? 5000 : 5),
    });
    const batcher = new PersonBatcher(client, { windowMs: 0, deadlineMs: 300 });
    const started = Date.now();
    const outcomes = await batcher.loadMany(some, CONTACT);
    expect(Date.now() - started).toBeLessThan(300 + 200);
    expect(calls.map((c) => c.length)).toEqual([64, 32, 32, 16, 16]);
    expect(outcomes.map(statusOf)).toEqual(some.map((_id, i) => (i < 32 ? 'unavailable timeout' : 'ok')));
  });

  it("fails only the refusing caller's id when two callers share a batch", async () => {
    const bad = ids[2] as string;
    const { client, calls } = autoClient({ refuse: new Set([bad]) });
    const batcher = new PersonBatcher(client, { windowMs: 5 });
    const [mine, theirs] = await Promise.all([
      batcher.loadMany(ids.slice(0, 4), CONTACT),
      batcher.loadMany(ids.slice(4, 10), CONTACT),
    ]);
    expect(calls[0]).toHaveLength(10); // one shared batch
    expect(mine.map(statusOf)).toEqual(['ok', 'ok', 400, 'ok']);
    expect(idsOf(theirs)).toEqual(ids.slice(4, 10));
  });
});

describe('PersonBatcher: a refusal stays with the request that caused it', () => {
  const valid = syntheticPersonIdentifiers(1000, 20_000);
  const refused = syntheticPersonIdentifiers(200, 30_000);
  const request = (name: string): UpstreamRequestContext => ({ correlationId: name, retryBudget: new RetryBudget(3) });
  const failedIds = (asked: readonly string[], outcomes: unknown[]) =>
    asked.filter((_id, i) => statusOf(outcomes[i]) !== 'ok');

  /** Caller A's requests of valid ids and caller B's of refused ones, all at once (B's after A's first), sharing batches. */
  async function shared(a: string[][], b: string[][]) {
    const client = autoClient({ refuse: new Set(refused), latencyMs: 2 });
    const batcher = new PersonBatcher(client.client, { windowMs: 20, maxIds: KRR_LIMIT });
    const load = (ids: string[], name: string) => batcher.loadMany(ids, CONTACT, request(name));
    const first = load(a[0] as string[], 'a0');
    const theirs = b.map((ids, i) => load(ids, `b${i}`));
    const mine = [first, ...a.slice(1).map((ids, i) => load(ids, `a${i + 1}`))];
    const outcomes = await Promise.all(mine);
    const lostByA = a.flatMap((ids, i) => failedIds(ids, outcomes[i] as unknown[]));
    const bStatuses = new Set((await Promise.all(theirs)).flat().map(statusOf));
    return { lostByA, bStatuses, calls: client.calls };
  }
  const chunks = (ids: string[], size: number) =>
    Array.from({ length: Math.ceil(ids.length / size) }, (_x, i) => ids.slice(i * size, (i + 1) * size));

  it("B's 8 requests of 8 refused ids fail none of A's 8 requests of 100 valid ids", async () => {
    const { lostByA, bStatuses, calls } = await shared(
      chunks(valid.slice(0, 800), 100),
      chunks(refused.slice(0, 64), 8),
    );
    expect(lostByA).toEqual([]);
    expect(bStatuses).toEqual(new Set([400]));
    expect(calls[0]).toHaveLength(864); // one shared batch
    expect(calls.length - 1).toBeLessThanOrEqual(2 * 864 - 2);
  });

  it("B's one request of 128 refused ids fails none of A's 900 valid ids, over two batches", async () => {
    const { lostByA, calls } = await shared(chunks(valid.slice(0, 900), 100), [refused.slice(0, 128)]);
    expect(lostByA).toEqual([]);
    expect(calls.filter((c) => c.length === 1000)).toHaveLength(1);
  });

  it("B's one request of 40 refused ids fails none of A's 300 valid ids", async () => {
    const { lostByA, bStatuses } = await shared(chunks(valid.slice(0, 300), 100), [refused.slice(0, 40)]);
    expect(lostByA).toEqual([]);
    expect(bStatuses).toEqual(new Set([400]));
  });

  it('asks a request without refused ids on its own first, and charges the id splits to the refusing request', async () => {
    const a = valid.slice(0, 10);
    const b = [...valid.slice(10, 19), refused[0] as string];
    const client = autoClient({ refuse: new Set(refused) });
    // B's budget allows no split at all: its valid ids fail with it, A's never
    const batcher = new PersonBatcher(client.client, { windowMs: 5, splitCalls: (n) => (n === 10 ? 0 : 64) });
    const [mine, theirs] = await Promise.all([
      batcher.loadMany(a, CONTACT, request('a')),
      batcher.loadMany(b, CONTACT, request('b')),
    ]);
    expect(mine.map(statusOf)).toEqual(a.map(() => 'ok'));
    expect(theirs.map(statusOf)).toEqual(b.map(() => 400));
    expect(theirs.every((o) => (o as LookupFailure).notIsolated)).toBe(true);
    expect(client.calls.map((c) => c.length)).toEqual([20, 10, 10]);
    expect(client.calls[1]).toEqual(a);
  });

  it('retries on its own an id another refusing request put into the batch, pending or in flight', async () => {
    const x = valid[0] as string;
    const b = [x, ...refused.slice(0, 9)];
    for (const when of ['pending', 'in flight'] as const) {
      const client = autoClient({ refuse: new Set(refused), latencyMs: 5 });
      const batcher = new PersonBatcher(client.client, { windowMs: 0, splitCalls: () => 0 });
      const theirs = batcher.loadMany(b, CONTACT, request('b'));
      if (when === 'in flight') await tick();
      const mine = batcher.loadMany([x], CONTACT, request('a'));
      expect((await theirs).map(statusOf)).toEqual(b.map(() => 400));
      expect((await mine).map(statusOf)).toEqual(['ok']);
      expect(client.calls).toEqual([b, [x]]);
    }
  });

  it('remembers ids KRR refused on their own and answers them at once, per party and kind, bounded in time and number', async () => {
    let now = 1_000_000;
    const client = autoClient({ refuse: new Set(refused) });
    const batcher = new PersonBatcher(client.client, { windowMs: 0, now: () => now, maxRefusedIds: 3 });
    const [bad, bad2, bad3, bad4] = refused as [string, string, string, string];
    const good = valid.slice(0, 10);
    expect((await batcher.loadMany([good[0] as string, bad], CONTACT)).map(statusOf)).toEqual(['ok', 400]);
    const before = client.calls.length;
    // sent again with a valid id: the valid id goes alone, the refused one is answered at once
    const again = await batcher.loadMany([bad, good[1] as string], CONTACT);
    expect(again.map(statusOf)).toEqual([400, 'ok']);
    expect(client.calls.slice(before)).toEqual([[good[1]]]);
    expect((await batcher.loadMany([bad], CONTACT)).map(statusOf)).toEqual([400]);
    expect(client.calls).toHaveLength(before + 1);
    // another kind, or another party, is asked
    expect((await batcher.loadMany([bad], DIGITAL_POST)).map(statusOf)).toEqual([400]);
    const customer = { ...OWN_PARTY, key: 'customer' };
    expect((await batcher.loadMany([bad], CONTACT, undefined, customer)).map(statusOf)).toEqual([400]);
    expect(client.calls).toHaveLength(before + 3);
    // at most 3 (the oldest forgotten first)
    for (const [i, id] of [bad2, bad3, bad4].entries()) await batcher.loadMany([good[2 + i] as string, id], CONTACT);
    const count = client.calls.length;
    await batcher.loadMany([bad4], CONTACT);
    expect(client.calls).toHaveLength(count);
    await batcher.loadMany([bad], CONTACT);
    expect(client.calls).toHaveLength(count + 1);
    // forgotten after 10 minutes
    now += 10 * 60_000;
    await batcher.loadMany([bad4], CONTACT);
    expect(client.calls).toHaveLength(count + 2);
  });

  it('remembers no refusal unless KRR answered another part: it may be KRR refusing everything (say a 404)', async () => {
    const notFound = () => new UpstreamStatusError('krr', 404, undefined);
    const client = autoClient({ refuse: new Set(valid), refusal: notFound });
    const batcher = new PersonBatcher(client.client, { windowMs: 0 });
    for (let round = 0; round < 2; round++) {
      expect((await batcher.loadMany(valid.slice(0, 2), CONTACT)).map(statusOf)).toEqual([404, 404]);
      expect((await batcher.loadMany(valid.slice(2, 3), CONTACT)).map(statusOf)).toEqual([404]);
    }
    // each round: the pair and its two halves, then the lone id
    expect(client.calls.map((c) => c.length)).toEqual([2, 1, 1, 1, 2, 1, 1, 1]);
  });

  it('never makes more than 2n − 2 extra calls for n ids, however they are spread over requests', async () => {
    // every one of 1000 requests sends one refused id: each must be asked alone
    const lone = autoClient({ refuse: new Set(valid) });
    const batcher = new PersonBatcher(lone.client, { windowMs: 10, maxIds: KRR_LIMIT });
    const outcomes = await Promise.all(valid.map((id, i) => batcher.loadMany([id], CONTACT, request(`r${i}`))));
    expect(outcomes.flat().map(statusOf)).toEqual(valid.map(() => 400));
    expect(lone.calls.length - 1).toBe(2 * 1000 - 2);
    // random mixes of requests and refused ids
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 5; round++) {
      const bad = new Set(valid.filter(() => random() < 0.05 * round));
      const client = autoClient({ refuse: bad });
      const mixed = new PersonBatcher(client.client, { windowMs: 10, maxIds: KRR_LIMIT });
      const requests: string[][] = [];
      for (let at = 0; at < 1000;) {
        const size = 1 + Math.floor(random() * 120);
        requests.push(valid.slice(at, (at += size)));
      }
      const results = await Promise.all(requests.map((ids, i) => mixed.loadMany(ids, CONTACT, request(`r${i}`))));
      expect(client.calls.length - 1).toBeLessThanOrEqual(2 * 1000 - 2);
      requests.forEach((ids, i) => {
        // a request without refused ids gets every person
        if (!ids.some((id) => bad.has(id))) expect(failedIds(ids, results[i] as unknown[])).toEqual([]);
      });
    }
  });

  it('fails the ids of a request without refused ids as unavailable (not refused) when the deadline passes first', async () => {
    const client = autoClient({ refuse: new Set(refused), latencyMs: (n) => (n === 1 ? 400 : 5) });
    const batcher = new PersonBatcher(client.client, { windowMs: 5, deadlineMs: 300 });
    const [mine, theirs] = await Promise.all([
      batcher.loadMany(valid.slice(0, 3), CONTACT, request('a')),
      batcher.loadMany(refused.slice(0, 3), CONTACT, request('b')),
    ]);
    expect(client.calls).toHaveLength(1);
    expect(mine.map(statusOf)).toEqual(['unavailable timeout', 'unavailable timeout', 'unavailable timeout']);
    expect(theirs.map(statusOf)).toEqual(['unavailable timeout', 'unavailable timeout', 'unavailable timeout']);
  });
});
