import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

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

async function started(): Promise<TestApp> {
  const app = await startTestApp({ KRR_BATCH_WINDOW_MS: '50' });
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
        { code: 'UPSTREAM_UNAVAILABLE', upstream: 'krr' },
        { code: 'UPSTREAM_UNAVAILABLE', upstream: 'krr' },
      ]);
    }
  });
});
