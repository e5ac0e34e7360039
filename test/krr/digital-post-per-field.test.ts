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
async function run(query: string, scope?: string) {
  const calls = t.sandbox.krr.requests.length;
  const records = (await t.auditRecords()).length;
  const res = await t.graphql<Record<string, unknown>>(query, undefined, scope ? { scope } : {});
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
});
