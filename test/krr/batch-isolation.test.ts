import { afterEach, describe, expect, it } from 'vitest';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type GraphQLResponse, type TestApp } from '../helpers/app.js';

/** Seeded synthetic persons (src/sandbox/krr-seed.ts). */
const STALE = '11887197158';
const DELETED = '17894199350';
const RESERVED = '04846697271';
const MOBILE_AND_EMAIL = '11822648950';
const DIGIPOST = '22859197810';
const EBOKS = '26826499361';
const NYNORSK = '18886799280';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

interface Person {
  id: string;
  status: string;
}

const PERSONS = `query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id status } }`;

/** Two callers at once, so their look-ups share one KRR batch (the window is widened to make sure). */
async function twoCallers(app: TestApp, mine: string[], theirs: string[]) {
  const [a, b] = await Promise.all([
    app.graphql<{ persons: (Person | null)[] }>(PERSONS, { ids: mine }),
    app.graphql<{ persons: (Person | null)[] }>(PERSONS, { ids: theirs }),
  ]);
  return { mine: a.body, theirs: b.body };
}

async function started(env: Record<string, string> = {}): Promise<TestApp> {
  const app = await startTestApp({ KRR_BATCH_WINDOW_MS: '50', KRR_BATCH_WINDOW_MODE: 'always', ...env });
  // The caller token and the Maskinporten token are obtained before the test's requests.
  expect((await app.graphql(`{ person(id: "${STALE}") { status } }`)).body.errors).toBeUndefined();
  return app;
}

describe('an id KRR refuses in a batch shared by several requests', () => {
  it('fails only that id, at its own path, for its own caller; everyone else gets data', async () => {
    t = await started();
    t.sandbox.krr.refuseIds([RESERVED]);
    const before = t.sandbox.krr.requests.length;
    const { mine, theirs } = await twoCallers(t, [STALE, RESERVED, MOBILE_AND_EMAIL], [DIGIPOST, EBOKS, NYNORSK]);

    expect(theirs.errors).toBeUndefined();
    expect(theirs.data?.persons.map((p) => p?.id)).toEqual([DIGIPOST, EBOKS, NYNORSK]);

    expect(mine.data?.persons.map((p) => p?.id ?? null)).toEqual([STALE, null, MOBILE_AND_EMAIL]);
    expect(mine.errors).toHaveLength(1);
    expect(mine.errors?.[0]).toMatchObject({
      path: ['persons', 1],
      extensions: { code: 'UPSTREAM_REJECTED', upstream: 'krr', status: 400 },
    });
    expect(JSON.stringify(mine.errors)).not.toContain(RESERVED);

    // one shared call was refused as a whole, then split until the refused id stood alone
    const calls = t.sandbox.krr.requests.slice(before);
    expect(calls[0]?.status).toBe(400);
    expect([...(calls[0]?.ids ?? [])].sort()).toEqual(
      [STALE, RESERVED, MOBILE_AND_EMAIL, DIGIPOST, EBOKS, NYNORSK].sort(),
    );
    expect(calls.filter((c) => c.status === 400).at(-1)?.ids).toEqual([RESERVED]);
    expect(calls.length).toBeLessThanOrEqual(1 + 2 * 3);
    expect(await t.upstreamRequests({ upstream: 'krr', status: '400' })).toBeGreaterThanOrEqual(2);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    const splits = Number(/^facade_krr_batch_splits_total (\d+)$/m.exec(metrics)?.[1]);
    expect(splits).toBe(calls.filter((c) => c.status === 400 && c.ids.length > 1).length);

    // the refused person was not revealed, so it is not audited; every other one is
    const audited = (await t.auditRecords()).map((r) => r.personId);
    expect(audited).not.toContain(RESERVED);
    expect(audited).toEqual(expect.arrayContaining([MOBILE_AND_EMAIL, DIGIPOST, EBOKS, NYNORSK]));
  });

  it('fails a refused single person with UPSTREAM_REJECTED at its path while another caller gets its person', async () => {
    t = await started();
    t.sandbox.krr.refuseIds([DELETED]);
    const before = t.sandbox.krr.requests.length;
    const [refused, other] = await Promise.all([
      t.graphql(`{ person(id: "${DELETED}") { status } }`),
      t.graphql(`{ person(id: "${NYNORSK}") { language } }`),
    ]);
    expect(other.body).toEqual({ data: { person: { language: 'nn' } } });
    expect(refused.body.data).toEqual({ person: null });
    expect(refused.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['person'], 'UPSTREAM_REJECTED']]);
    expect(t.sandbox.krr.requests.slice(before).map((c) => [c.status, c.ids.length])).toEqual([
      [400, 2],
      [expect.any(Number), 1],
      [expect.any(Number), 1],
    ]);
  });

  it('fails every id with FORBIDDEN when KRR answers 403: a scope problem is not split', async () => {
    t = await started();
    t.sandbox.krr.failNext(403);
    const before = t.sandbox.krr.requests.length;
    const { mine, theirs } = await twoCallers(t, [STALE, RESERVED], [DIGIPOST]);
    expect(t.sandbox.krr.requests.length - before).toBe(1);
    for (const body of [mine, theirs]) {
      expect(body.data?.persons.every((p) => p === null)).toBe(true);
      expect(new Set(body.errors?.map((e) => e.extensions?.code))).toEqual(new Set(['FORBIDDEN']));
    }
  });
});

describe('KRR rate limiting a shared batch', () => {
  it('retries a 429 after its Retry-After, and everyone gets data', async () => {
    t = await started();
    t.sandbox.krr.faults.enqueue({ kind: 'status', status: 429, retryAfter: '1' });
    const before = t.sandbox.krr.requests.length;
    const startedAt = Date.now();
    const { mine, theirs } = await twoCallers(t, [STALE, RESERVED, MOBILE_AND_EMAIL], [DIGIPOST, EBOKS]);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(950);
    expect(mine.errors).toBeUndefined();
    expect(theirs.errors).toBeUndefined();
    expect(mine.data?.persons.map((p) => p?.id)).toEqual([STALE, RESERVED, MOBILE_AND_EMAIL]);
    expect(theirs.data?.persons.map((p) => p?.id)).toEqual([DIGIPOST, EBOKS]);
    expect(t.sandbox.krr.requests.slice(before).map((c) => c.status)).toEqual([429, 200]);
  });

  it('fails the whole batch with UPSTREAM_UNAVAILABLE when KRR keeps answering 429: not one id is to blame', async () => {
    t = await started();
    t.sandbox.krr.faults.setPersistent({ kind: 'status', status: 429, retryAfter: '0' });
    const before = t.sandbox.krr.requests.length;
    const { mine, theirs } = await twoCallers(t, [STALE, RESERVED], [DIGIPOST, EBOKS]);
    t.sandbox.krr.faults.clear();
    const calls = t.sandbox.krr.requests.slice(before);
    // retried (3 attempts in all), never split
    expect(calls.map((c) => [c.status, c.ids.length])).toEqual([
      [429, 4],
      [429, 4],
      [429, 4],
    ]);
    for (const body of [mine, theirs]) {
      expect(body.data?.persons).toEqual([null, null]);
      expect(body.errors?.map((e) => e.extensions)).toEqual([
        { code: 'UPSTREAM_UNAVAILABLE', upstream: 'krr', retryAfterSeconds: 1 },
        { code: 'UPSTREAM_UNAVAILABLE', upstream: 'krr', retryAfterSeconds: 1 },
      ]);
    }
  });
});

describe("one caller's refused ids never fail another caller's ids (shared batches, KRR_BATCH_WINDOW_MS=50)", () => {
  const valid = syntheticPersonIdentifiers(1000, 40_000);
  const refused = syntheticPersonIdentifiers(200, 50_000);
  /** The isolation takes well under a second here; a busy test machine must not turn it into timeouts. */
  const SLOW_MACHINE = { KRR_TIMEOUT_MS: '30000' };
  const chunks = (ids: string[], size: number) =>
    Array.from({ length: Math.ceil(ids.length / size) }, (_x, i) => ids.slice(i * size, (i + 1) * size));

  /** Caller A's requests and caller B's, with tokens of their own, all sent at once. */
  async function attack(app: TestApp, a: string[][], b: string[][]) {
    const tokenOf = async (sub: string) =>
      (await app.sandbox.callerIssuer.issueToken({ sub, clientId: sub })).access_token;
    const [tokenA, tokenB] = [await tokenOf('caller-a'), await tokenOf('caller-b')];
    type Response = GraphQLResponse<{ persons: (Person | null)[] }>;
    const send = (ids: string[], token: string): Promise<Response> => app.graphql(PERSONS, { ids }, { token });
    // sent alternately, A's first, B's first, A's second, …: their ids interleave in the shared batches
    const sentByA: Promise<Response>[] = [];
    const theirs: Promise<Response>[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i]) sentByA.push(send(a[i] as string[], tokenA));
      if (b[i]) theirs.push(send(b[i] as string[], tokenB));
    }
    const mine = await Promise.all(sentByA);
    /** A's ids answered with an error or null: must be none. */
    const lostByA = mine.reduce((n, res) => n + (res.body.errors?.length ?? 0), 0);
    const nullsForA = mine.reduce((n, res) => n + (res.body.data?.persons.filter((p) => p === null).length ?? 0), 0);
    const bCodes = new Set(
      (await Promise.all(theirs)).flatMap((res) => res.body.errors?.map((e) => e.extensions?.code)),
    );
    // the two callers' ids did share refused KRR calls
    const ofA = new Set(a.flat());
    const ofB = new Set(b.flat());
    const sharedCalls = app.sandbox.krr.requests.filter(
      (c) => c.status === 400 && c.ids.some((id) => ofA.has(id)) && c.ids.some((id) => ofB.has(id)),
    );
    expect(sharedCalls.length).toBeGreaterThan(0);
    return { lostByA, nullsForA, bCodes };
  }

  it('B: 8 concurrent requests of 8 refused ids; A: 8 requests of 100 valid ids: A loses none of 800', async () => {
    t = await started(SLOW_MACHINE);
    t.sandbox.krr.refuseIds(refused);
    const { lostByA, nullsForA, bCodes } = await attack(
      t,
      chunks(valid.slice(0, 800), 100),
      chunks(refused.slice(0, 64), 8),
    );
    expect({ lostByA, nullsForA }).toEqual({ lostByA: 0, nullsForA: 0 });
    expect(bCodes).toEqual(new Set(['UPSTREAM_REJECTED']));
  });

  it('B: one request of 128 refused ids; A: 900 valid ids: A loses none', async () => {
    t = await started(SLOW_MACHINE);
    t.sandbox.krr.refuseIds(refused);
    const { lostByA, nullsForA, bCodes } = await attack(t, chunks(valid.slice(0, 900), 100), [refused.slice(0, 128)]);
    expect({ lostByA, nullsForA }).toEqual({ lostByA: 0, nullsForA: 0 });
    expect(bCodes.has('UPSTREAM_REJECTED')).toBe(true);
  });

  it('B: one request of 40 refused ids; A: 300 valid ids: A loses none', async () => {
    t = await started(SLOW_MACHINE);
    t.sandbox.krr.refuseIds(refused);
    const { lostByA, nullsForA, bCodes } = await attack(t, chunks(valid.slice(0, 300), 100), [refused.slice(0, 40)]);
    expect({ lostByA, nullsForA }).toEqual({ lostByA: 0, nullsForA: 0 });
    expect(bCodes).toEqual(new Set(['UPSTREAM_REJECTED']));
  });

  it('one request of 1000 ids with 20 refused spread evenly: only those 20 fail, within the split bound', async () => {
    t = await started(SLOW_MACHINE);
    const ids = valid.slice(0, 1000);
    const bad = ids.filter((_id, i) => i % 50 === 25);
    t.sandbox.krr.refuseIds(bad);
    const before = t.sandbox.krr.requests.length;
    const res = await t.graphql<{ persons: (Person | null)[] }>(PERSONS, { ids });
    expect(res.body.errors?.map((e) => e.path?.[1]).sort((x, y) => Number(x) - Number(y))).toEqual(
      ids.flatMap((id, i) => (bad.includes(id) ? [i] : [])),
    );
    expect(res.body.errors?.every((e) => e.extensions?.code === 'UPSTREAM_REJECTED')).toBe(true);
    expect(t.sandbox.krr.requests.length - before - 1).toBeLessThanOrEqual(64 + 250);
  });

  it('answers an id KRR refused on its own (while answering the rest) at once afterwards, without sending it again', async () => {
    t = await started(SLOW_MACHINE);
    t.sandbox.krr.refuseIds([RESERVED]);
    const first = await t.graphql<{ persons: (Person | null)[] }>(PERSONS, { ids: [EBOKS, RESERVED] });
    expect(first.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [['persons', 1], 'UPSTREAM_REJECTED'],
    ]);
    const before = t.sandbox.krr.requests.length;
    // sent again, alone and with other ids: KRR sees only the other ids
    const [alone, mixed] = await Promise.all([
      t.graphql(`{ person(id: "${RESERVED}") { status } }`),
      t.graphql<{ persons: (Person | null)[] }>(PERSONS, { ids: [STALE, RESERVED, NYNORSK] }),
    ]);
    expect(alone.body.errors?.map((e) => [e.path, e.extensions])).toEqual([
      [['person'], { code: 'UPSTREAM_REJECTED', upstream: 'krr', status: 400 }],
    ]);
    expect(mixed.body.data?.persons.map((p) => p?.id ?? null)).toEqual([STALE, null, NYNORSK]);
    expect(mixed.body.errors?.map((e) => e.path)).toEqual([['persons', 1]]);
    const calls = t.sandbox.krr.requests.slice(before);
    expect(calls.map((c) => [c.status, [...c.ids].sort()])).toEqual([[200, [STALE, NYNORSK].sort()]]);
  });
});
