import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('audit log of every person revealed', () => {
  it('writes one line per person per request, with caller, request id, data groups and operation name', async () => {
    t = await startTestApp();
    const res = await t.graphql(
      `query Lookup { a: person(id: "11822648950") { status }
        b: persons(ids: ["22859197810", "11822648950"]) { digitalMailbox { address } } }`,
    );
    expect(res.body.errors).toBeUndefined();
    const records = await t.auditRecords();
    expect(records).toHaveLength(2);
    expect(records.map((r) => r.personId).sort()).toEqual(['11822648950', '22859197810']);
    for (const record of records) {
      expect(record).toMatchObject({
        type: 'person_revealed',
        caller: { sub: 'sandbox-user', clientId: 'sandbox-client' },
        dataGroups: ['contact_information', 'digital_post'],
        operationName: 'Lookup',
        requestId: expect.any(String),
        time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      });
    }
    // the normal log stays free of personal ids
    expect(t.logLines.join('\n')).not.toMatch(/11822648950|22859197810/);
  });

  it('fails closed: when the audit record cannot be written, the person is not returned', async () => {
    t = await startTestApp({ AUDIT_LOG_FILE: '/dev/full' });
    const res = await t.graphql<{ person: null }>(`{ person(id: "11822648950") { status email { value } } }`);
    expect(res.body.data).toEqual({ person: null });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('AUDIT_UNAVAILABLE');
    expect(JSON.stringify(res.body)).not.toContain('11822648950');
  });
});

describe('per-caller rate limit on person look-ups', () => {
  it('answers RATE_LIMITED with a retry delay, and other callers are unaffected', async () => {
    t = await startTestApp({ RATE_LIMIT_PERSONS_PER_MINUTE: '100' });
    const ids = syntheticPersonIdentifiers(100);
    const first = await t.graphql(`query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }`, { ids });
    expect(first.body.errors).toBeUndefined();
    const again = await t.graphql(`{ person(id: "11822648950") { status } }`);
    expect(again.body.data).toEqual({ person: null });
    expect(again.body.errors?.[0]?.extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: expect.any(Number),
    });
    expect(again.body.errors![0]!.extensions!.retryAfterSeconds as number).toBeGreaterThan(0);
    // another caller (another subject) still gets through
    const other = (await t.sandbox.callerIssuer.issueToken({ sub: 'another-user' })).access_token;
    const theirs = await t.graphql(`{ person(id: "11822648950") { status } }`, undefined, { token: other });
    expect(theirs.body.data).toEqual({ person: { status: 'ACTIVE' } });
  });

  it('charges the persons of root fields looked up together in one decision: a refusal looks none of them up', async () => {
    t = await startTestApp({ RATE_LIMIT_PERSONS_PER_MINUTE: '5' });
    const [a1, a2, a3, b1, b2, b3] = syntheticPersonIdentifiers(6);
    const query = `query Two($a: [PersonIdentifier!]!, $b: [PersonIdentifier!]!) {
      a: persons(ids: $a) { id email { value } }
      b: persons(ids: $b) { id }
    }`;
    const asked = t.sandbox.krr.requests.length;
    // Six persons of five: \`b\` (non-null) is refused, which nulls the whole answer; \`a\` revealed nothing either.
    const refused = await t.graphql(query, { a: [a1, a2, a3], b: [b1, b2, b3] });
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors?.map((e) => e.extensions?.code)).toContain('RATE_LIMITED');
    // The answer can come before a sibling's look-up would have reached KRR and the audit log: give it time to.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(t.sandbox.krr.requests.length).toBe(asked);
    expect(await t.auditRecords()).toEqual([]);
    // Five fit, and both are answered and audited, each person once.
    const fits = await t.graphql(query, { a: [a1, a2, a3], b: [b1, a1, b2] });
    expect(fits.body.errors).toBeUndefined();
    const records = await t.auditRecords();
    expect(records.map((r) => r.personId).sort()).toEqual([a1, a2, a3, b1, b2].sort());
  });
});

describe('a refused non-null root field', () => {
  it('has no persons of its siblings fetched or recorded: the whole answer is null', async () => {
    // A customer whose access through the facade holds no digital post.
    const dir = await mkdtemp(join(tmpdir(), 'tenants-'));
    const file = join(dir, 'tenants.json');
    await writeFile(
      file,
      JSON.stringify({
        tenants: [
          {
            organizationNumber: '910825526',
            name: 'Eksempel kommune',
            via: 'consumer_org',
            scopes: ['krr:global/kontaktinformasjon.read'],
          },
        ],
      }),
    );
    t = await startTestApp({ TENANTS_FILE: file, AUTH_TENANT_CLAIM: 'tenant' });
    const res = await fetch(`${t.url}/sandbox/caller-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scope: 'contactinfo.read digitalpost.read', tenant: '910825526' }),
    });
    const token = ((await res.json()) as { access_token: string }).access_token;
    const asked = t.sandbox.krr.requests.length;
    for (const query of [
      `query Q1 { a: persons(ids: ["11822648950", "04846697271"]) { email { value } }
        b: persons(ids: ["22859197810"]) { digitalMailbox { address } } }`,
      `query Q2 { a: person(id: "11887197158") { email { value } }
        b: persons(ids: ["22859197810"]) { digitalMailbox { address } } }`,
    ]) {
      const answer = await t.graphql(query, undefined, { token });
      expect(answer.body.data, query).toBeNull();
      expect(answer.body.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
    }
    // The answer can come before a sibling's look-up would have reached KRR and the audit log: give it time to.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(t.sandbox.krr.requests.length).toBe(asked);
    expect(await t.auditRecords()).toEqual([]);
    // A nullable sibling still answers beside a refused nullable field.
    const partial = await t.graphql(
      `query Q3 { a: person(id: "11822648950") { email { value } } b: person(id: "22859197810") { digitalMailbox { address } } }`,
      undefined,
      { token },
    );
    expect(partial.body.data).toMatchObject({ a: { email: { value: expect.any(String) } }, b: null });
    expect((await t.auditRecords()).map((r) => r.personId)).toEqual(['11822648950']);
  });
});
