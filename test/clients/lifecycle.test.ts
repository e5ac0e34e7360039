import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** Seeded by the admin simulator: a client we supply for a customer, and one another supplier supplies. */
const SUPPLIED_BY_US = 'a7e1d9c4-2b3f-4e8a-8d6c-5f0b1e2a3c74';
const SUPPLIED_BY_OTHER = 'b5c7d9e1-3f5a-4b7c-b9d1-e3f5a7b9c1d3';
const OTHER_ORG_CLIENT_KID = 'other-org-key-1';

interface UserError {
  message: string;
  field: string[] | null;
  code: string;
}

function rsaJwk(kid: string) {
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
  return { kid, kty: 'RSA', alg: 'RS256', use: 'sig', n: jwk.n as string, e: jwk.e as string };
}

const CLIENT_FIELDS = `id name description organizationNumber supplierOrganizationNumber integrationType applicationType
  tokenEndpointAuthMethod grantTypes scopes redirectUris active lastUpdatedAt
  onBehalfOf { id name organizationNumber url } jwks { keys { kid alg expiresAt } }`;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: 'debug' });
});
afterAll(async () => {
  await t.close();
});

async function createWebClient(name: string, extra: Record<string, unknown> = {}) {
  const res = await t.graphql<{
    createClient: {
      client: { id: string; lastUpdatedAt: string } | null;
      clientSecret: string | null;
      userErrors: UserError[];
    };
  }>(
    `mutation($input: CreateClientInput!) { createClient(input: $input) {
      client { id lastUpdatedAt } clientSecret userErrors { message field code } } }`,
    {
      input: {
        name,
        integrationType: 'IDPORTEN',
        applicationType: 'WEB',
        tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC',
        grantTypes: ['AUTHORIZATION_CODE'],
        scopes: ['openid', 'profile'],
        redirectUris: ['https://app.example.no/callback'],
        ...extra,
      },
    },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.createClient;
}

async function addKey(clientId: string, key: ReturnType<typeof rsaJwk>) {
  const res = await t.graphql<{ addClientJwk: { jwks: { keys: { kid: string }[] } | null; userErrors: UserError[] } }>(
    `mutation($input: AddClientJwkInput!) { addClientJwk(input: $input) { jwks { keys { kid } } userErrors { message field code } } }`,
    { input: { clientId, key } },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.addClientJwk;
}

describe('client lifecycle through GraphQL alone', () => {
  it('creates, reads, patches, rotates, manages keys and onbehalfof, and deletes a client', async () => {
    // create: the secret comes once, in the payload
    const created = await createWebClient('Lifecycle client', { description: 'first' });
    expect(created.userErrors).toEqual([]);
    expect(created.clientSecret).toEqual(expect.any(String));
    const id = created.client!.id;

    // read
    const read = await t.graphql<{ client: Record<string, unknown> }>(
      `query($id: ID!) { client(id: $id) { ${CLIENT_FIELDS} } }`,
      { id },
    );
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data!.client).toMatchObject({
      id,
      name: 'Lifecycle client',
      description: 'first',
      organizationNumber: '991825827',
      integrationType: 'IDPORTEN',
      applicationType: 'WEB',
      tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC',
      grantTypes: ['AUTHORIZATION_CODE'],
      redirectUris: ['https://app.example.no/callback'],
      active: true,
      onBehalfOf: [],
      jwks: { keys: [] },
    });

    // partial update: only the description changes
    const updated = await t.graphql<{ updateClient: { client: Record<string, unknown>; userErrors: UserError[] } }>(
      `mutation($input: UpdateClientInput!) { updateClient(input: $input) { client { ${CLIENT_FIELDS} } userErrors { message field code } } }`,
      { input: { id, description: 'second', lastUpdatedAt: read.body.data!.client.lastUpdatedAt } },
    );
    expect(updated.body.data!.updateClient.userErrors).toEqual([]);
    expect(updated.body.data!.updateClient.client).toMatchObject({
      name: 'Lifecycle client',
      description: 'second',
      scopes: ['openid', 'profile'],
      redirectUris: ['https://app.example.no/callback'],
    });

    // rotate the secret
    const rotated = await t.graphql<{
      rotateClientSecret: { client: { id: string }; clientSecret: string; userErrors: UserError[] };
    }>(`mutation { rotateClientSecret(input: { id: "${id}" }) { client { id } clientSecret userErrors { code } } }`);
    expect(rotated.body.data!.rotateClientSecret.userErrors).toEqual([]);
    expect(rotated.body.data!.rotateClientSecret.clientSecret).toEqual(expect.any(String));
    expect(rotated.body.data!.rotateClientSecret.clientSecret).not.toBe(created.clientSecret);

    // keys: add two, remove one
    expect((await addKey(id, rsaJwk('lifecycle-1'))).userErrors).toEqual([]);
    const two = await addKey(id, rsaJwk('lifecycle-2'));
    expect(two.jwks!.keys.map((k) => k.kid)).toEqual(['lifecycle-1', 'lifecycle-2']);
    const removed = await t.graphql<{
      removeClientJwk: { jwks: { keys: { kid: string }[] }; userErrors: UserError[] };
    }>(
      `mutation { removeClientJwk(input: { clientId: "${id}", kid: "lifecycle-1" }) { jwks { keys { kid } } userErrors { code } } }`,
    );
    expect(removed.body.data!.removeClientJwk.jwks.keys.map((k) => k.kid)).toEqual(['lifecycle-2']);

    // onbehalfof: create, update, delete
    const obo = await t.graphql<{ createOnBehalfOf: { onBehalfOf: Record<string, unknown>; userErrors: UserError[] } }>(
      `mutation($input: CreateOnBehalfOfInput!) { createOnBehalfOf(input: $input) {
        onBehalfOf { id name organizationNumber url client { id } } userErrors { message field code } } }`,
      {
        input: {
          clientId: id,
          id: 'customer-a',
          name: 'Customer A',
          organizationNumber: '922020175',
          url: 'https://a.example.no',
        },
      },
    );
    expect(obo.body.data!.createOnBehalfOf).toEqual({
      onBehalfOf: {
        id: 'customer-a',
        name: 'Customer A',
        organizationNumber: '922020175',
        url: 'https://a.example.no',
        client: { id },
      },
      userErrors: [],
    });
    const oboUpdated = await t.graphql<{
      updateOnBehalfOf: { onBehalfOf: Record<string, unknown>; userErrors: UserError[] };
    }>(
      `mutation { updateOnBehalfOf(input: { clientId: "${id}", id: "customer-a", name: "Customer A AS" }) {
        onBehalfOf { id name organizationNumber url } userErrors { code } } }`,
    );
    expect(oboUpdated.body.data!.updateOnBehalfOf.onBehalfOf).toEqual({
      id: 'customer-a',
      name: 'Customer A AS',
      organizationNumber: '922020175',
      url: 'https://a.example.no',
    });
    const oboRead = await t.graphql<{ onBehalfOf: { name: string } }>(
      `{ onBehalfOf(clientId: "${id}", id: "customer-a") { name } }`,
    );
    expect(oboRead.body.data!.onBehalfOf.name).toBe('Customer A AS');
    const oboDeleted = await t.graphql<{ deleteOnBehalfOf: { deletedId: string; userErrors: UserError[] } }>(
      `mutation { deleteOnBehalfOf(input: { clientId: "${id}", id: "customer-a" }) { deletedId userErrors { code } } }`,
    );
    expect(oboDeleted.body.data!.deleteOnBehalfOf).toEqual({ deletedId: 'customer-a', userErrors: [] });
    const gone = await t.graphql(`{ onBehalfOf(clientId: "${id}", id: "customer-a") { name } }`);
    expect(gone.body).toEqual({ data: { onBehalfOf: null } });

    // delete: soft, the client stays readable with active: false
    const deleted = await t.graphql<{
      deleteClient: { client: { id: string; active: boolean }; userErrors: UserError[] };
    }>(`mutation { deleteClient(input: { id: "${id}" }) { client { id active } userErrors { code } } }`);
    expect(deleted.body.data!.deleteClient).toEqual({ client: { id, active: false }, userErrors: [] });
    const listed = await t.graphql<{ clients: { id: string }[] }>(`{ clients(filter: { active: false }) { id } }`);
    expect(listed.body.data!.clients.map((c) => c.id)).toContain(id);

    // the secrets appeared in no log line and no metric
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    for (const secret of [created.clientSecret!, rotated.body.data!.rotateClientSecret.clientSecret]) {
      expect(t.logLines.some((line) => line.includes(secret))).toBe(false);
      expect(metrics).not.toContain(secret);
    }
    expect(t.logLines.length).toBeGreaterThan(0);
  });

  it('answers null for an unknown client and lists only our own and supplied clients', async () => {
    const unknown = await t.graphql(`{ client(id: "no-such-client") { id } }`);
    expect(unknown.body).toEqual({ data: { client: null } });
    const list = await t.graphql<{ clients: { id: string; organizationNumber: string }[] }>(
      `{ clients { id organizationNumber } }`,
    );
    const ids = list.body.data!.clients.map((c) => c.id);
    expect(ids).toContain('oidc_eksempel_klient');
    expect(ids).toContain(SUPPLIED_BY_US);
    expect(ids).not.toContain(SUPPLIED_BY_OTHER);
    const filtered = await t.graphql<{ clients: { id: string }[] }>(
      `{ clients(filter: { integrationType: MASKINPORTEN, nameContains: "maskinporten" }) { id } }`,
    );
    expect(filtered.body.data!.clients.length).toBeGreaterThan(0);
    expect(filtered.body.data!.clients.map((c) => c.id)).not.toContain('oidc_eksempel_klient');
  });

  it('fetches each client’s JWKS once per request', async () => {
    const before = t.sandbox.admin.requests.length;
    const res = await t.graphql(`{ a: client(id: "oidc_eksempel_klient") { jwks { keys { kid } } }
      b: client(id: "oidc_eksempel_klient") { id jwks { lastUpdatedAt } } }`);
    expect(res.body.errors).toBeUndefined();
    const calls = t.sandbox.admin.requests.slice(before).filter((r) => r.path.endsWith('/jwks'));
    expect(calls).toHaveLength(1);
  });
});

describe('suppliers, scopes and limits', () => {
  it('lets us manage a client we supply for a customer, but not another supplier’s', async () => {
    const ours = await t.graphql<{ updateClient: { client: { description: string } | null; userErrors: UserError[] } }>(
      `mutation { updateClient(input: { id: "${SUPPLIED_BY_US}", description: "managed by the supplier" }) {
        client { description supplierOrganizationNumber } userErrors { code } } }`,
    );
    expect(ours.body.data!.updateClient).toMatchObject({
      client: { description: 'managed by the supplier' },
      userErrors: [],
    });

    const theirs = await t.graphql<{ updateClient: { client: null; userErrors: UserError[] } }>(
      `mutation { updateClient(input: { id: "${SUPPLIED_BY_OTHER}", description: "hijack" }) { client { id } userErrors { code message } } }`,
    );
    expect(theirs.body.data!.updateClient.client).toBeNull();
    expect(theirs.body.data!.updateClient.userErrors.map((e) => e.code)).toEqual(['FORBIDDEN']);

    const read = await t.graphql(`{ client(id: "${SUPPLIED_BY_OTHER}") { id } }`);
    expect(read.body.data).toEqual({ client: null });
    expect(read.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const forCustomer = await createWebClient('For a customer', { organizationNumber: '922020175' });
    expect(forCustomer.userErrors).toEqual([]);
    const check = await t.graphql<{ client: { organizationNumber: string; supplierOrganizationNumber: string } }>(
      `{ client(id: "${forCustomer.client!.id}") { organizationNumber supplierOrganizationNumber } }`,
    );
    expect(check.body.data!.client).toEqual({
      organizationNumber: '922020175',
      supplierOrganizationNumber: '991825827',
    });
  });

  it('asks Maskinporten for one least-privilege scope set per kind of admin call', async () => {
    const asked = t.sandbox.admin.requests.map((r) => [...r.scopes].sort().join(' '));
    expect(asked).toContain('idporten:dcr.read');
    expect(asked).toContain('idporten:dcr.write');
    expect(asked).toContain('idporten:dcr.modify');
    expect(asked).toContain('idporten:dcr/onbehalfof:write');
    expect(asked).toContain('idporten:dcr.modify idporten:dcr.supplier');
    expect(asked.every((s) => s.split(' ').filter((x) => x !== 'idporten:dcr.supplier').length === 1)).toBe(true);
  });

  it('answers FORBIDDEN to callers without the scope, and calls no upstream', async () => {
    const before = t.sandbox.admin.requests.length;
    const read = await t.graphql(`{ clients { id } }`, undefined, { scope: 'contactinfo.read' });
    expect(read.body.data).toEqual({ clients: null });
    expect(read.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const write = await t.graphql(
      `mutation { deleteClient(input: { id: "oidc_eksempel_klient" }) { userErrors { code } } }`,
      undefined,
      {
        scope: 'clients.read',
      },
    );
    expect(write.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(t.sandbox.admin.requests.length).toBe(before);
  });

  it('keeps at most 5 keys, refuses duplicate kids and private keys', async () => {
    const { client } = await createWebClient('Key limits');
    const id = client!.id;
    for (let i = 1; i <= 5; i++) expect((await addKey(id, rsaJwk(`limit-${i}`))).userErrors).toEqual([]);
    const sixth = await addKey(id, rsaJwk('limit-6'));
    expect(sixth.userErrors.map((e) => e.code)).toEqual(['LIMIT_EXCEEDED']);

    const { client: other } = await createWebClient('Duplicate kids');
    const sameClient = await addKey(id, rsaJwk('limit-1'));
    expect(sameClient.userErrors[0]?.code).toMatch(/CONFLICT|LIMIT_EXCEEDED/);
    await addKey(other!.id, rsaJwk('dup-1'));
    const dupSame = await addKey(other!.id, rsaJwk('dup-1'));
    expect(dupSame.userErrors).toEqual([expect.objectContaining({ code: 'CONFLICT', field: ['input', 'key', 'kid'] })]);
    const dupAcross = await addKey(other!.id, rsaJwk(OTHER_ORG_CLIENT_KID));
    expect(dupAcross.userErrors).toEqual([expect.objectContaining({ code: 'INVALID', field: ['input', 'key'] })]);

    const before = t.sandbox.admin.requests.length;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const priv = privateKey.export({ format: 'jwk' });
    const res = await t.graphql(
      `mutation($input: AddClientJwkInput!) { addClientJwk(input: $input) { userErrors { code } } }`,
      {
        input: { clientId: other!.id, key: { kid: 'private', kty: 'RSA', alg: 'RS256', use: 'sig', ...priv } },
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(res.body)).not.toContain(priv.d as string);
    expect(t.sandbox.admin.requests.length).toBe(before);
  });

  it('loses no key when 5 additions run concurrently', async () => {
    const { client } = await createWebClient('Concurrent keys');
    const id = client!.id;
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => addKey(id, rsaJwk(`concurrent-${i}`))));
    expect(results.every((r) => r.userErrors.length === 0)).toBe(true);
    const res = await t.graphql<{ client: { jwks: { keys: { kid: string }[] } } }>(
      `{ client(id: "${id}") { jwks { keys { kid } } } }`,
    );
    expect(res.body.data!.client.jwks.keys.map((k) => k.kid).sort()).toEqual(
      [1, 2, 3, 4, 5].map((i) => `concurrent-${i}`),
    );
  });

  it('loses no change when partial updates of one onbehalfof registration run concurrently', async () => {
    const { client } = await createWebClient('Concurrent onbehalfof');
    const id = client!.id;
    const created = await t.graphql(
      `mutation { createOnBehalfOf(input: { clientId: "${id}", id: "customer-c", name: "C", organizationNumber: "910825526" }) { userErrors { code } } }`,
    );
    expect(created.body.errors).toBeUndefined();
    const update = (field: string, value: string) =>
      t.graphql<{ updateOnBehalfOf: { userErrors: UserError[] } }>(
        `mutation { updateOnBehalfOf(input: { clientId: "${id}", id: "customer-c", ${field}: "${value}" }) { userErrors { code } } }`,
      );
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all([update('name', `Name ${round}`), update('description', `Text ${round}`)]);
      expect(results.map((r) => r.body.data?.updateOnBehalfOf.userErrors)).toEqual([[], []]);
      const read = await t.graphql<{ onBehalfOf: { name: string; description: string } }>(
        `{ onBehalfOf(clientId: "${id}", id: "customer-c") { name description } }`,
      );
      expect(read.body.data!.onBehalfOf, `round ${round}`).toEqual({
        name: `Name ${round}`,
        description: `Text ${round}`,
      });
    }
  });

  it('answers CONFLICT instead of overwriting a newer change', async () => {
    const { client } = await createWebClient('Optimistic');
    const seen = client!.lastUpdatedAt;
    await new Promise((r) => setTimeout(r, 20));
    const first = await t.graphql<{ updateClient: { userErrors: UserError[] } }>(
      `mutation($input: UpdateClientInput!) { updateClient(input: $input) { userErrors { code } } }`,
      { input: { id: client!.id, description: 'someone else', lastUpdatedAt: seen } },
    );
    expect(first.body.data!.updateClient.userErrors).toEqual([]);
    const stale = await t.graphql<{ updateClient: { client: null; userErrors: UserError[] } }>(
      `mutation($input: UpdateClientInput!) { updateClient(input: $input) { client { id } userErrors { code field } } }`,
      { input: { id: client!.id, description: 'mine', lastUpdatedAt: seen } },
    );
    expect(stale.body.data!.updateClient).toEqual({
      client: null,
      userErrors: [{ code: 'CONFLICT', field: ['input', 'lastUpdatedAt'] }],
    });
  });

  it('maps an upstream validation error to userErrors with the schema field path', async () => {
    const res = await t.graphql<{ createClient: { client: null; userErrors: UserError[] } }>(
      `mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } userErrors { message field code } } }`,
      {
        input: {
          name: 'Plain http',
          integrationType: 'IDPORTEN',
          applicationType: 'WEB',
          tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC',
          grantTypes: ['AUTHORIZATION_CODE'],
          redirectUris: ['http://app.example.no/callback'],
        },
      },
    );
    expect(res.body.errors).toBeUndefined();
    const { userErrors } = res.body.data!.createClient;
    expect(userErrors.length).toBeGreaterThan(0);
    expect(userErrors[0]).toMatchObject({ code: 'INVALID', field: ['input', 'redirectUris'] });
    expect(userErrors[0]!.message).not.toMatch(/127\.0\.0\.1|\/api\/v1/);
  });
});

describe('admin API failures and edge validation', () => {
  it('answers UPSTREAM_UNAVAILABLE when the admin API fails, while persons still work', async () => {
    t.sandbox.admin.faults.setPersistent({ kind: 'status', status: 503 });
    const res = await t.graphql<{ clients: null; person: { status: string } }>(
      `{ clients { id } person(id: "11822648950") { status } }`,
    );
    t.sandbox.admin.faults.setPersistent(undefined);
    expect(res.body.data).toEqual({ clients: null, person: { status: 'ACTIVE' } });
    expect(res.body.errors?.[0]).toMatchObject({
      path: ['clients'],
      extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: 'admin' },
    });
    expect(JSON.stringify(res.body.errors)).not.toMatch(/127\.0\.0\.1|\/api\/v1/);
  });

  it('answers NOT_FOUND user errors for unknown clients and registrations', async () => {
    const res = await t.graphql<{
      deleteClient: { userErrors: UserError[] };
      rotateClientSecret: { userErrors: UserError[] };
    }>(
      `mutation { deleteClient(input: { id: "no-such-client" }) { userErrors { code } }
        rotateClientSecret(input: { id: "no-such-client" }) { userErrors { code } } }`,
    );
    expect(res.body.data!.deleteClient.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    expect(res.body.data!.rotateClientSecret.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
    const obo = await t.graphql<{ updateOnBehalfOf: { userErrors: UserError[] } }>(
      `mutation { updateOnBehalfOf(input: { clientId: "oidc_eksempel_klient", id: "nope", name: "x" }) { userErrors { code } } }`,
    );
    expect(obo.body.data!.updateOnBehalfOf.userErrors.map((e) => e.code)).toEqual(['NOT_FOUND']);
  });

  it('refuses bad lifetimes, orgnos and URLs with BAD_USER_INPUT before any admin call', async () => {
    const before = t.sandbox.admin.requests.length;
    const base = {
      name: 'Edge',
      integrationType: 'IDPORTEN',
      applicationType: 'WEB',
      tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC',
      grantTypes: ['AUTHORIZATION_CODE'],
    };
    for (const bad of [
      { accessTokenLifetime: -1 },
      { organizationNumber: '991825828' },
      { redirectUris: ['not a url'] },
      { clientUri: 'ftp://example.no' },
    ]) {
      const res = await t.graphql(
        `mutation($input: CreateClientInput!) { createClient(input: $input) { userErrors { code } } }`,
        { input: { ...base, ...bad } },
      );
      expect(res.body.errors?.[0]?.extensions?.code, JSON.stringify(bad)).toBe('BAD_USER_INPUT');
    }
    expect(t.sandbox.admin.requests.length).toBe(before);
  });
});
