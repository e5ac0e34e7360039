import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** The audit of every change to a client, through real HTTP against the sandbox admin simulator. */

function rsaJwk(kid: string) {
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
  return { kid, kty: 'RSA', alg: 'RS256', use: 'sig', n: jwk.n as string, e: jwk.e as string };
}

const CALLER = { sub: 'sandbox-user', clientId: 'sandbox-client' };
const CREATE_INPUT = {
  name: 'Audited client NAME-VALUE',
  description: 'DESCRIPTION-VALUE',
  integrationType: 'IDPORTEN',
  applicationType: 'WEB',
  tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC',
  grantTypes: ['AUTHORIZATION_CODE'],
  scopes: ['openid', 'profile'],
  redirectUris: ['https://audited.example.no/callback'],
};

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

type Rec = Record<string, unknown>;

/** The requested and completed records of one action, checked to be a pair of one request. */
function pair(records: Rec[], action: string, nth = 0): { requested: Rec; completed: Rec } {
  const requested = records.filter((r) => r.action === action && r.stage === 'requested')[nth];
  expect(requested, `requested record of ${action}`).toBeDefined();
  const completed = records.find(
    (r) => r.action === action && r.stage === 'completed' && r.requestId === requested!.requestId,
  );
  expect(completed, `completed record of ${action}`).toBeDefined();
  expect(requested).toMatchObject({ type: 'client_change', caller: CALLER, time: expect.stringMatching(/^\d{4}-/) });
  expect(requested).not.toHaveProperty('outcome');
  return { requested: requested!, completed: completed! };
}

describe('audit of every change to a client', () => {
  it('writes a requested and a completed record for each of the ten mutations, without secrets or key material', async () => {
    t = await startTestApp();
    const app = t;
    const gql = async <T = Rec>(query: string, variables?: Rec) => {
      const res = await app.graphql<T>(query, variables);
      expect(res.body.errors, query).toBeUndefined();
      return res.body.data!;
    };

    const created = await gql<{ createClient: { client: { id: string }; clientSecret: string } }>(
      `mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } clientSecret userErrors { code } } }`,
      { input: CREATE_INPUT },
    );
    const id = created.createClient.client.id;
    const secrets = [created.createClient.clientSecret];
    await gql(
      `mutation($input: UpdateClientInput!) { updateClient(input: $input) { client { id } userErrors { code } } }`,
      { input: { id, name: 'Renamed NEW-NAME-VALUE', scopes: ['openid'] } },
    );
    const rotated = await gql<{ rotateClientSecret: { clientSecret: string } }>(
      `mutation { rotateClientSecret(input: { id: "${id}" }) { clientSecret userErrors { code } } }`,
    );
    secrets.push(rotated.rotateClientSecret.clientSecret);
    const keys = [rsaJwk('audit-key-1'), rsaJwk('audit-key-2'), rsaJwk('audit-key-3')];
    await gql(
      `mutation($input: ReplaceClientJwksInput!) { replaceClientJwks(input: $input) { jwks { keys { kid } } userErrors { code } } }`,
      { input: { clientId: id, keys: [keys[0], keys[1]] } },
    );
    await gql(
      `mutation($input: AddClientJwkInput!) { addClientJwk(input: $input) { jwks { keys { kid } } userErrors { code } } }`,
      { input: { clientId: id, key: keys[2] } },
    );
    await gql(
      `mutation { removeClientJwk(input: { clientId: "${id}", kid: "audit-key-1" }) { jwks { keys { kid } } userErrors { code } } }`,
    );
    await gql(
      `mutation($input: CreateOnBehalfOfInput!) { createOnBehalfOf(input: $input) { onBehalfOf { id } userErrors { code } } }`,
      {
        input: { clientId: id, id: 'audit-customer', name: 'Customer OBO-NAME', organizationNumber: '922020175' },
      },
    );
    await gql(
      `mutation { updateOnBehalfOf(input: { clientId: "${id}", id: "audit-customer", url: "https://obo-url.example.no" }) {
        onBehalfOf { id } userErrors { code } } }`,
    );
    await gql(
      `mutation { deleteOnBehalfOf(input: { clientId: "${id}", id: "audit-customer" }) { deletedId userErrors { code } } }`,
    );
    await gql(`mutation { deleteClient(input: { id: "${id}" }) { client { id } userErrors { code } } }`);

    const records = (await t.auditRecords()).filter((r) => r.type === 'client_change');
    expect(records).toHaveLength(20);
    const succeeded = { stage: 'completed', outcome: 'succeeded' };

    const create = pair(records, 'createClient');
    expect(create.requested).not.toHaveProperty('clientId'); // not known before the upstream call
    expect(create.requested.fields).toEqual(Object.keys(CREATE_INPUT));
    expect(create.completed).toMatchObject({ ...succeeded, clientId: id });

    const update = pair(records, 'updateClient');
    expect(update.requested).toMatchObject({ clientId: id, fields: ['name', 'scopes'] });
    expect(update.completed).toMatchObject({ ...succeeded, clientId: id });

    expect(pair(records, 'rotateClientSecret').completed).toMatchObject({ ...succeeded, clientId: id });

    const replace = pair(records, 'replaceClientJwks');
    expect(replace.requested).toMatchObject({ clientId: id, kids: ['audit-key-1', 'audit-key-2'] });
    expect(replace.completed).toMatchObject(succeeded);

    expect(pair(records, 'addClientJwk').completed).toMatchObject({ ...succeeded, clientId: id, kid: 'audit-key-3' });
    expect(pair(records, 'removeClientJwk').completed).toMatchObject({
      ...succeeded,
      clientId: id,
      kid: 'audit-key-1',
    });

    const oboCreate = pair(records, 'createOnBehalfOf');
    expect(oboCreate.completed).toMatchObject({
      ...succeeded,
      clientId: id,
      onBehalfOfId: 'audit-customer',
      fields: ['name', 'organizationNumber'],
    });
    expect(pair(records, 'updateOnBehalfOf').completed).toMatchObject({
      ...succeeded,
      clientId: id,
      onBehalfOfId: 'audit-customer',
      fields: ['url'],
    });
    expect(pair(records, 'deleteOnBehalfOf').completed).toMatchObject({
      ...succeeded,
      clientId: id,
      onBehalfOfId: 'audit-customer',
    });
    expect(pair(records, 'deleteClient').completed).toMatchObject({ ...succeeded, clientId: id });

    // Each mutation had a request of its own: ten distinct request ids, each on exactly two records.
    const ids = records.map((r) => r.requestId as string);
    expect(new Set(ids).size).toBe(10);

    // Never a secret, key material or the value of a changed field, anywhere in the audit file.
    const text = (await t.auditRecords()).map((r) => JSON.stringify(r)).join('\n');
    for (const secret of secrets) {
      expect(secret).toEqual(expect.any(String));
      expect(text).not.toContain(secret);
    }
    for (const key of keys) expect(text).not.toContain(key.n);
    expect(text).not.toMatch(/"n"|"e"|AQAB|clientSecret/);
    expect(text).not.toMatch(/NAME-VALUE|DESCRIPTION-VALUE|OBO-NAME|obo-url|922020175|audited\.example/);
  });

  it('records refusals with their user error codes, and failures with the GraphQL error code', async () => {
    t = await startTestApp();
    const refused = await t.graphql<{ deleteClient: { userErrors: { code: string }[] } }>(
      `mutation { deleteClient(input: { id: "no-such-client" }) { userErrors { code } } }`,
    );
    expect(refused.body.data!.deleteClient.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);

    t.sandbox.admin.faults.setPersistent({ kind: 'status', status: 503 });
    const failed = await t.graphql(
      `mutation { rotateClientSecret(input: { id: "oidc_eksempel_klient" }) { clientSecret } }`,
    );
    t.sandbox.admin.faults.setPersistent(undefined);
    expect(failed.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');

    const records = (await t.auditRecords()).filter((r) => r.type === 'client_change');
    expect(pair(records, 'deleteClient').completed).toMatchObject({
      outcome: 'refused',
      clientId: 'no-such-client',
      userErrorCodes: ['NOT_FOUND'],
    });
    expect(pair(records, 'rotateClientSecret').completed).toMatchObject({
      outcome: 'failed',
      clientId: 'oidc_eksempel_klient',
      errorCode: 'UPSTREAM_UNAVAILABLE',
    });
  });

  it('bounds a caller-chosen id in the record', async () => {
    t = await startTestApp();
    const long = 'x'.repeat(10_000);
    await t.graphql(`mutation($id: ID!) { deleteClient(input: { id: $id }) { userErrors { code } } }`, { id: long });
    const records = (await t.auditRecords()).filter((r) => r.type === 'client_change');
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(record.clientId).toBe('x'.repeat(256) + '…');
  });

  it('carries the caller’s own x-request-id as callerRequestId, apart from the facade’s request id', async () => {
    t = await startTestApp();
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await t.token()}`,
        'x-request-id': 'caller-trace-42',
      },
      body: JSON.stringify({
        query: `mutation { deleteClient(input: { id: "no-such-client" }) { userErrors { code } } }`,
      }),
    });
    expect(res.status).toBe(200);
    const records = (await t.auditRecords()).filter((r) => r.type === 'client_change');
    expect(records).toHaveLength(2);
    for (const record of records) {
      expect(record.callerRequestId).toBe('caller-trace-42');
      expect(record.requestId).toEqual(expect.any(String));
    }
    expect(records[0]!.requestId).toBe(records[1]!.requestId);
  });

  it('fails closed: a change whose record cannot be written is not sent upstream (AUDIT_LOG_FILE=/dev/full)', async () => {
    t = await startTestApp({ AUDIT_LOG_FILE: '/dev/full' });
    const before = t.sandbox.admin.requests.length;
    const attempts: [string, string, Rec | undefined][] = [
      [
        'createClient',
        `mutation($input: CreateClientInput!) { createClient(input: $input) { clientSecret } }`,
        { input: CREATE_INPUT },
      ],
      [
        'rotateClientSecret',
        `mutation { rotateClientSecret(input: { id: "oidc_eksempel_klient" }) { clientSecret } }`,
        undefined,
      ],
      [
        'addClientJwk',
        `mutation($input: AddClientJwkInput!) { addClientJwk(input: $input) { userErrors { code } } }`,
        { input: { clientId: 'oidc_eksempel_klient', key: rsaJwk('never-added') } },
      ],
      [
        'deleteClient',
        `mutation { deleteClient(input: { id: "oidc_eksempel_klient" }) { userErrors { code } } }`,
        undefined,
      ],
      [
        'deleteOnBehalfOf',
        `mutation { deleteOnBehalfOf(input: { clientId: "oidc_eksempel_klient", id: "example_onbehalfof" }) { deletedId } }`,
        undefined,
      ],
    ];
    for (const [action, query, variables] of attempts) {
      const res = await t.graphql(query, variables);
      // One mutation whose (nullable) payload failed: that field is null, `data` is not.
      expect(res.body.data, action).toEqual({ [action]: null });
      expect(res.body.errors?.[0]?.path, action).toEqual([action]);
      expect(res.body.errors?.[0]?.extensions?.code, action).toBe('AUDIT_UNAVAILABLE');
      expect(res.body.errors?.[0]?.message).not.toMatch(/ENOSPC|dev\/full|oidc_eksempel_klient/);
    }
    // No request at all reached the admin API: neither the writes nor the reads a resolver makes first.
    expect(t.sandbox.admin.requests.slice(before)).toEqual([]);
    const stillThere = await t.graphql<{ client: { active: boolean; onBehalfOf: { id: string }[] } }>(
      `{ client(id: "oidc_eksempel_klient") { active onBehalfOf { id } } }`,
    );
    expect(stillThere.body.data!.client.active).toBe(true);
    expect(stillThere.body.data!.client.onBehalfOf.map((o) => o.id)).toContain('example_onbehalfof');
  });
});
