import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const CONTACT_SCOPE = 'krr:global/kontaktinformasjon.read';
const POST_SCOPE = 'krr:global/digitalpost.read';
const DIGIPOST = '22859197810';
const EBOKS = '26826499361';
const MOBILE_AND_EMAIL = '11822648950';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await t.graphql(`{ person(id: "18886799280") { status } }`); // tokens obtained
});
afterAll(async () => {
  await t?.close();
});

/** Runs `query`, answering its KRR calls (ids and whether digital post was asked for) and its audit records. */
async function run(query: string, scope?: string, variables?: Record<string, unknown>) {
  const calls = t.sandbox.krr.requests.length;
  const records = (await t.auditRecords()).length;
  const res = await t.graphql<Record<string, unknown>>(query, variables, scope ? { scope } : {});
  const krr = t.sandbox.krr.requests.slice(calls).map((c) => {
    expect(c.status).toBe(200);
    expect(c.scopes).toContain(CONTACT_SCOPE);
    return { ids: [...c.ids].sort(), digitalPost: c.scopes.includes(POST_SCOPE) };
  });
  const audit = (await t.auditRecords()).slice(records).map((r) => ({
    personId: r.personId as string,
    digitalPost: (r.dataGroups as string[]).includes('digital_post'),
  }));
  return { res, krr, audit };
}

const byId = (a: { personId: string }, b: { personId: string }) => a.personId.localeCompare(b.personId);

describe('digital-post data per root field', () => {
  it('looks up and audits with digital post only the persons whose field selects digitalMailbox', async () => {
    const { res, krr, audit } = await run(`{
      a: person(id: "${DIGIPOST}") { digitalMailbox { address } }
      b: person(id: "${MOBILE_AND_EMAIL}") { email { value } }
    }`);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({ a: { digitalMailbox: { address: expect.any(String) } }, b: { email: {} } });
    expect(krr).toEqual(
      expect.arrayContaining([
        { ids: [DIGIPOST], digitalPost: true },
        { ids: [MOBILE_AND_EMAIL], digitalPost: false },
      ]),
    );
    expect(krr).toHaveLength(2);
    expect(audit.sort(byId)).toEqual([
      { personId: MOBILE_AND_EMAIL, digitalPost: false },
      { personId: DIGIPOST, digitalPost: true },
    ]);
  });

  it('follows fragments and inline fragments, on persons lists too', async () => {
    const { res, krr, audit } = await run(`
      query {
        post: persons(ids: ["${DIGIPOST}", "${EBOKS}"]) { ...Mailbox }
        contact: persons(ids: ["${MOBILE_AND_EMAIL}"]) { ...Contact }
      }
      fragment Mailbox on Person { id ... on Person { digitalMailbox { providerOrganizationNumber } } }
      fragment Contact on Person { id email { value } mobilePhone { value } }
    `);
    expect(res.body.errors).toBeUndefined();
    expect(krr.sort((x, y) => Number(x.digitalPost) - Number(y.digitalPost))).toEqual([
      { ids: [MOBILE_AND_EMAIL], digitalPost: false },
      { ids: [DIGIPOST, EBOKS].sort(), digitalPost: true },
    ]);
    expect(audit.sort(byId)).toEqual([
      { personId: MOBILE_AND_EMAIL, digitalPost: false },
      { personId: DIGIPOST, digitalPost: true },
      { personId: EBOKS, digitalPost: true },
    ]);
  });

  it('looks up a person selected both ways once, with digital post, and writes one record with it', async () => {
    for (let round = 0; round < 3; round++) {
      const { res, krr, audit } = await run(`{
        a: person(id: "${MOBILE_AND_EMAIL}") { email { value } }
        b: person(id: "${MOBILE_AND_EMAIL}") { digitalMailbox { address } }
        c: persons(ids: ["${MOBILE_AND_EMAIL}", "${EBOKS}"]) { status }
      }`);
      expect(res.body.errors).toBeUndefined();
      expect(krr.sort((x, y) => Number(x.digitalPost) - Number(y.digitalPost))).toEqual([
        { ids: [EBOKS], digitalPost: false },
        { ids: [MOBILE_AND_EMAIL], digitalPost: true },
      ]);
      expect(audit.sort(byId)).toEqual([
        { personId: MOBILE_AND_EMAIL, digitalPost: true },
        { personId: EBOKS, digitalPost: false },
      ]);
    }
  });

  it('writes one record for a person selected twice the same way', async () => {
    const { krr, audit } = await run(`{
      a: person(id: "${DIGIPOST}") { digitalMailbox { address } }
      b: persons(ids: ["${DIGIPOST}"]) { digitalMailbox { providerOrganizationNumber } }
      c: person(id: "${EBOKS}") { status }
      d: person(id: "${EBOKS}") { email { value } }
    }`);
    expect(krr).toHaveLength(2);
    expect(audit.sort(byId)).toEqual([
      { personId: DIGIPOST, digitalPost: true },
      { personId: EBOKS, digitalPost: false },
    ]);
  });

  it('never asks for digital post for a caller without digitalpost.read', async () => {
    const { res, krr, audit } = await run(
      `{ a: person(id: "${DIGIPOST}") { status digitalMailbox { address } } }`,
      'contactinfo.read',
    );
    expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(krr).toEqual([{ ids: [DIGIPOST], digitalPost: false }]);
    expect(audit).toEqual([{ personId: DIGIPOST, digitalPost: false }]);
  });

  describe('honours @skip and @include, literal or variable, on the mailbox field and on fragments', () => {
    const contactOnly = (id: string) => ({
      krr: [{ ids: [id], digitalPost: false }],
      audit: [{ personId: id, digitalPost: false }],
    });
    const withPost = (id: string) => ({
      krr: [{ ids: [id], digitalPost: true }],
      audit: [{ personId: id, digitalPost: true }],
    });
    const cases: [string, string, Record<string, unknown> | undefined, 'contact' | 'post'][] = [
      [
        '@skip(if: true)',
        `{ person(id: "${DIGIPOST}") { email { value } digitalMailbox @skip(if: true) { address } } }`,
        undefined,
        'contact',
      ],
      [
        '@skip(if: false)',
        `{ person(id: "${DIGIPOST}") { email { value } digitalMailbox @skip(if: false) { address } } }`,
        undefined,
        'post',
      ],
      [
        '@include(if: $no), $no = false',
        `query($no: Boolean!) { person(id: "${DIGIPOST}") { email { value } digitalMailbox @include(if: $no) { address } } }`,
        { no: false },
        'contact',
      ],
      [
        '@include(if: $yes), $yes = true',
        `query($yes: Boolean!) { person(id: "${DIGIPOST}") { email { value } digitalMailbox @include(if: $yes) { address } } }`,
        { yes: true },
        'post',
      ],
      [
        '@skip(if: $skip) with the default true',
        `query($skip: Boolean = true) { person(id: "${DIGIPOST}") { email { value } digitalMailbox @skip(if: $skip) { address } } }`,
        undefined,
        'contact',
      ],
      [
        '@skip on a fragment spread',
        `query($s: Boolean!) { person(id: "${DIGIPOST}") { email { value } ...M @skip(if: $s) } } fragment M on Person { digitalMailbox { address } }`,
        { s: true },
        'contact',
      ],
      [
        '@include on an inline fragment',
        `query($i: Boolean!) { person(id: "${DIGIPOST}") { email { value } ... @include(if: $i) { digitalMailbox { address } } } }`,
        { i: false },
        'contact',
      ],
      [
        'an included copy besides a skipped one',
        `query($s: Boolean!) { person(id: "${DIGIPOST}") { digitalMailbox @skip(if: $s) { address } ... on Person { digitalMailbox { address } } } }`,
        { s: true },
        'post',
      ],
      [
        'a skip inside a fragment reached twice',
        `query($s: Boolean!) { person(id: "${DIGIPOST}") { ...A ...M } } fragment A on Person { email { value } ...M } fragment M on Person { digitalMailbox @skip(if: $s) { address } }`,
        { s: true },
        'contact',
      ],
    ];
    it.each(cases)('%s', async (_name, query, variables, expected) => {
      const { res, krr, audit } = await run(query, undefined, variables);
      expect(res.body.errors).toBeUndefined();
      const person = (res.body.data as { person: Record<string, unknown> }).person;
      expect('digitalMailbox' in person).toBe(expected === 'post');
      expect({ krr, audit }).toEqual(expected === 'post' ? withPost(DIGIPOST) : contactOnly(DIGIPOST));
    });

    it('decides per call for one document: the same query text with other variables', async () => {
      const query = `query($no: Boolean!) { person(id: "${DIGIPOST}") { email { value } digitalMailbox @include(if: $no) { address } } }`;
      for (const no of [false, true, false, true]) {
        const { krr, audit } = await run(query, undefined, { no });
        expect({ krr, audit }).toEqual(no ? withPost(DIGIPOST) : contactOnly(DIGIPOST));
      }
    });
  });
});
