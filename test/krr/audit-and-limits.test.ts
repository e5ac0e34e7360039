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
});
