import { describe, expect, it } from 'vitest';
import { LookupFailure, PersonBatcher } from '../../src/krr/batcher.js';
import type { KrrClient, LookupKind } from '../../src/krr/client.js';
import type { KrrPersonDto } from '../../src/krr/dto.js';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import type { UpstreamRequestContext } from '../../src/upstream/request-context.js';

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
  } as unknown as KrrClient;
  return { client, calls };
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

  it("sends the first joiner's request context with the batch", async () => {
    const { client, calls } = fakeClient();
    const batcher = new PersonBatcher(client, { windowMs: 0 });
    const one = { correlationId: 'one' };
    const loads = [batcher.loadMany(['1'], CONTACT, one), batcher.loadMany(['2'], CONTACT, { correlationId: 'two' })];
    await tick();
    expect(calls.map((c) => c.context)).toEqual([one]);
    calls[0]?.settle('answer');
    await Promise.all(loads);
  });
});
