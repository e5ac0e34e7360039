import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

interface PersonResult {
  id: string;
  status: string;
  reserved: boolean | null;
  notificationStatus: string | null;
  language: string | null;
  email: { value: string; stale: boolean; updatedAt: string | null } | null;
  mobilePhone: { value: string; stale: boolean } | null;
  digitalMailbox: { address: string; providerOrganizationNumber: string; certificate: string | null } | null;
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

const PERSON_FIELDS = `id status reserved notificationStatus language
  email { value stale updatedAt } mobilePhone { value stale }`;

describe('person look-ups through GraphQL', () => {
  it('answers a registered person with contact points and the 18-month rule per channel', async () => {
    const res = await t.graphql<{ fresh: PersonResult; stale: PersonResult; mixed: PersonResult }>(`{
      fresh: person(id: "11822648950") { ${PERSON_FIELDS} }
      stale: person(id: "11887197158") { ${PERSON_FIELDS} }
      mixed: person(id: "23079422568") { ${PERSON_FIELDS} }
    }`);
    expect(res.body.errors).toBeUndefined();
    const { fresh, stale, mixed } = res.body.data!;
    expect(fresh).toMatchObject({
      id: '11822648950',
      status: 'ACTIVE',
      reserved: false,
      notificationStatus: 'CAN_BE_NOTIFIED',
    });
    expect(fresh.email).toMatchObject({ stale: false });
    expect(fresh.mobilePhone).toMatchObject({ value: expect.stringMatching(/^\+47\d{8}$/), stale: false });
    expect(stale.email?.stale).toBe(true);
    expect(stale.notificationStatus).toBe('CANNOT_BE_NOTIFIED');
    expect(mixed.email?.stale).toBe(true);
    expect(mixed.mobilePhone?.stale).toBe(false);
  });

  it('maps deleted, reserved, unknown persons and language', async () => {
    const res = await t.graphql<{ persons: PersonResult[] }>(
      `query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { ${PERSON_FIELDS} } }`,
      { ids: ['17894199350', '04846697271', '02013299997', '18886799280'] },
    );
    expect(res.body.errors).toBeUndefined();
    const [deleted, reserved, unknown, nynorsk] = res.body.data!.persons;
    expect(deleted).toMatchObject({ status: 'DELETED', email: null, mobilePhone: null });
    expect(reserved).toMatchObject({ status: 'ACTIVE', reserved: true, notificationStatus: 'CANNOT_BE_NOTIFIED' });
    expect(unknown).toMatchObject({ id: '02013299997', status: 'NOT_REGISTERED', reserved: null, email: null });
    expect(nynorsk?.language).toBe('nn');
  });

  it('returns digital mailboxes only to callers with digitalpost.read', async () => {
    const query = `{ persons(ids: ["22859197810", "26826499361"]) { id digitalMailbox { address providerOrganizationNumber certificate } } }`;
    const full = await t.graphql<{ persons: PersonResult[] }>(query);
    expect(full.body.errors).toBeUndefined();
    expect(full.body.data!.persons.map((p) => p.digitalMailbox?.providerOrganizationNumber)).toEqual([
      '984661185',
      '922020175',
    ]);
    expect(full.body.data!.persons[0]?.digitalMailbox?.certificate).toMatch(/^[A-Za-z0-9+/=]+$/);

    const limited = await t.graphql<{ persons: PersonResult[] }>(query, undefined, { scope: 'contactinfo.read' });
    expect(limited.body.data!.persons.map((p) => p.id)).toEqual(['22859197810', '26826499361']);
    expect(limited.body.data!.persons.every((p) => p.digitalMailbox === null)).toBe(true);
    expect(limited.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(limited.body.errors?.[0]?.path).toEqual(['persons', 0, 'digitalMailbox']);
  });

  it('batches aliases and persons over 2500 distinct ids into exactly 13 KRR requests of up to 200 ids (KRR_BATCH_MAX_IDS), answered in order', async () => {
    const ids = syntheticPersonIdentifiers(2500);
    const before = t.sandbox.krr.requests.length;
    const krrBefore = await t.upstreamRequests({ upstream: 'krr' });
    const tokensBefore = t.sandbox.maskinporten.tokenRequests;
    const res = await t.graphql<{ first: PersonResult; persons: PersonResult[]; again: PersonResult }>(
      `query($ids: [PersonIdentifier!]!, $first: PersonIdentifier!, $last: PersonIdentifier!) {
        first: person(id: $first) { id status }
        persons(ids: $ids) { id status }
        again: person(id: $last) { id }
      }`,
      { ids, first: ids[0], last: ids[2499] },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.persons.map((p) => p.id)).toEqual(ids);
    expect(res.body.data!.first.id).toBe(ids[0]);
    const calls = t.sandbox.krr.requests.slice(before);
    expect(calls).toHaveLength(13);
    expect(calls.map((c) => c.ids.length)).toEqual([...Array<number>(12).fill(200), 100]);
    expect(new Set(calls.flatMap((c) => c.ids))).toEqual(new Set(ids));
    expect((await t.upstreamRequests({ upstream: 'krr' })) - krrBefore).toBe(13);
    expect(t.sandbox.maskinporten.tokenRequests - tokensBefore).toBeLessThanOrEqual(1);
  });

  it('de-duplicates repeated ids and keeps their positions', async () => {
    const before = t.sandbox.krr.requests.length;
    const res = await t.graphql<{ persons: PersonResult[] }>(
      `{ persons(ids: ["11822648950", "17894199350", "11822648950"]) { id status } }`,
    );
    expect(res.body.data!.persons.map((p) => p.id)).toEqual(['11822648950', '17894199350', '11822648950']);
    const calls = t.sandbox.krr.requests.slice(before);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.ids.sort()).toEqual(['11822648950', '17894199350']);
  });

  it('fails only the persons of a failing chunk', async () => {
    const ids = syntheticPersonIdentifiers(1500, 5000);
    t.sandbox.krr.failNext(500, 1);
    const res = await t.graphql<{ persons: (PersonResult | null)[] }>(
      `query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id status } }`,
      { ids },
    );
    const persons = res.body.data!.persons;
    expect(persons).toHaveLength(1500);
    const failed = persons.filter((p) => p === null).length;
    expect(failed).toBe(200); // one call of 200 ids
    expect(res.body.errors?.length).toBe(failed);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'krr' });
    persons.forEach((p, i) => p && expect(p.id).toBe(ids[i]));
    expect(JSON.stringify(res.body.errors)).not.toMatch(/\d{11}/);
  });

  it('drops the token and retries once when KRR answers 401', async () => {
    const tokensBefore = t.sandbox.maskinporten.tokenRequests;
    const before = t.sandbox.krr.requests.length;
    t.sandbox.krr.failNext(401, 1);
    const res = await t.graphql<{ person: PersonResult }>(`{ person(id: "11822648950") { id status } }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.person.status).toBe('ACTIVE');
    expect(t.sandbox.krr.requests.slice(before).map((r) => r.status)).toEqual([401, 200]);
    expect(t.sandbox.maskinporten.tokenRequests - tokensBefore).toBe(1);
  });
});

describe('input validation and caller authorization', () => {
  it('refuses an invalid fødselsnummer with BAD_USER_INPUT before any KRR request, without echoing it', async () => {
    const before = t.sandbox.krr.requests.length;
    const literal = await t.graphql(`{ person(id: "11822648951") { id } }`);
    const variable = await t.graphql(`query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }`, {
      ids: ['11822648950', '11822648951'],
    });
    for (const res of [literal, variable]) {
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(res.body)).not.toContain('1182264895');
    }
    expect(t.sandbox.krr.requests.length).toBe(before);
  });

  it('accepts both mod-11 rules, D-numbers and synthetic numbers', async () => {
    const res = await t.graphql<{ persons: PersonResult[] }>(
      `{ persons(ids: ["30108299939", "02013299997", "41018012345", "11887197158"]) { id status } }`,
    );
    // 41018012345 is not valid: expect refusal; the other three are accepted.
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const ok = await t.graphql<{ persons: PersonResult[] }>(
      `{ persons(ids: ["30108299939", "02013299997", "11887197158"]) { id status } }`,
    );
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data!.persons.map((p) => p.id)).toEqual(['30108299939', '02013299997', '11887197158']);
  });

  it('answers 401 UNAUTHENTICATED without a token or with a forged one', async () => {
    const none = await t.graphql(`{ person(id: "11822648950") { id } }`, undefined, { token: null });
    expect(none.status).toBe(401);
    expect(none.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const real = await t.token();
    const [h, p] = real.split('.');
    const forged = await t.graphql(`{ person(id: "11822648950") { id } }`, undefined, { token: `${h}.${p}.AAAA` });
    expect(forged.status).toBe(401);
  });

  it('answers FORBIDDEN for a caller without contactinfo.read, and calls no upstream', async () => {
    const before = t.sandbox.krr.requests.length;
    const res = await t.graphql(`{ person(id: "11822648950") { id } }`, undefined, { scope: 'clients.read' });
    expect(res.body.data).toEqual({ person: null });
    expect(res.body.errors?.[0]).toMatchObject({ path: ['person'], extensions: { code: 'FORBIDDEN' } });
    expect(t.sandbox.krr.requests.length).toBe(before);
  });
});

describe('one batch per request', () => {
  it('asks KRR for digital-post data only for the persons whose field selects digitalMailbox', async () => {
    const before = t.sandbox.krr.requests.length;
    const res = await t.graphql<{ a: PersonResult; b: PersonResult }>(`{
      a: person(id: "11822648950") { status }
      b: person(id: "22859197810") { digitalMailbox { address } }
    }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.b.digitalMailbox?.address).toEqual(expect.any(String));
    const calls = t.sandbox.krr.requests.slice(before);
    expect(calls).toHaveLength(2);
    const withPost = calls.filter((c) => c.scopes.includes('krr:global/digitalpost.read'));
    expect(withPost.map((c) => c.ids)).toEqual([['22859197810']]);
    expect(calls.filter((c) => !withPost.includes(c)).map((c) => c.ids)).toEqual([['11822648950']]);
  });
});
