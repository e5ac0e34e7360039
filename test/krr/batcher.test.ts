import { describe, expect, it } from 'vitest';
import { BATCH_RETRY_BUDGET, LookupFailure, MAX_SPLIT_CALLS_PER_BATCH, PersonBatcher } from '../../src/krr/batcher.js';
import type { KrrClient, LookupKind } from '../../src/krr/client.js';
import type { KrrPersonDto } from '../../src/krr/dto.js';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { UpstreamStatusError, UpstreamUnavailableError } from '../../src/upstream/errors.js';
import type { UpstreamRequestContext } from '../../src/upstream/request-context.js';
import { RetryBudget } from '../../src/upstream/retry.js';

const CONTACT: LookupKind = { digitalPost: false };
const DIGITAL_POST: LookupKind = { digitalPost: true };

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

  it('sends at most 1000 ids per call: the 1000th id sends the batch at once, the rest start a new one', async () => {
    const { client, calls } = fakeClient();
    const batcher = new PersonBatcher(client, { windowMs: 50 });
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
    const batcher = new PersonBatcher(client, { windowMs: 0 });
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
    const batcher = new PersonBatcher(client, { windowMs: 0 });
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

  it(`makes at most ${MAX_SPLIT_CALLS_PER_BATCH} extra calls; ids still unresolved then fail with the refusal`, async () => {
    const { client, calls } = autoClient({ refuse: new Set(ids) });
    const batcher = new PersonBatcher(client, { windowMs: 0 });
    const outcomes = await batcher.loadMany(ids, CONTACT);
    expect(outcomes.map(statusOf)).toEqual(ids.map(() => 400));
    expect(calls.length).toBeLessThanOrEqual(1 + MAX_SPLIT_CALLS_PER_BATCH);
    expect(calls.length).toBeGreaterThan(MAX_SPLIT_CALLS_PER_BATCH - 2);

    // a smaller bound: the refused id's quarter fails as a whole, the other quarters get their persons
    const some = ids.slice(0, 16);
    const bad = some[5] as string;
    const small = autoClient({ refuse: new Set([bad]) });
    const bounded = new PersonBatcher(small.client, { windowMs: 0, maxSplitCalls: 4 });
    const results = await bounded.loadMany(some, CONTACT);
    expect(small.calls).toHaveLength(1 + 4);
    expect(results.map(statusOf)).toEqual(some.map((_id, i) => (i >= 4 && i < 8 ? 400 : 'ok')));
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
