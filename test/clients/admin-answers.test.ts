/**
 * How the client mutations read what the admin API answers, and what they say when it cannot be read: the red team's
 * findings against an independent admin API, reproduced with a proxy in front of the sandbox's admin API that rewrites
 * its answers (the change is made upstream all the same) and with the sandbox alone.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { json, startBehindAdminProxy, type BehindAdminProxy } from '../helpers/admin-proxy.js';
import type { GraphQLResponse, TestApp } from '../helpers/app.js';
import { maskinportenInput, webInput } from '../helpers/client-input.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Data = any;

const publicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
let kidCounter = 0;
const uniqueKid = (prefix: string) => `${prefix}-${process.pid}-${Date.now()}-${++kidCounter}`;
const rsaJwk = (kid: string) => ({
  kid,
  kty: 'RSA',
  alg: 'RS256',
  use: 'sig',
  n: publicKey.n as string,
  e: publicKey.e as string,
});

const CREATE = `mutation($input: CreateClientInput!) { createClient(input: $input) {
  client { id integrationType scopes } clientSecret userErrors { message field code } } }`;
const UPDATE = `mutation($input: UpdateClientInput!) { updateClient(input: $input) {
  client { id description lastUpdatedAt } userErrors { message field code } } }`;
const DELETE = `mutation($input: DeleteClientInput!) { deleteClient(input: $input) {
  client { id active } userErrors { message field code } } }`;
const ROTATE = `mutation($input: RotateClientSecretInput!) { rotateClientSecret(input: $input) {
  client { id integrationType } clientSecret userErrors { message field code } } }`;
const ADD_KEY = `mutation($input: AddClientJwkInput!) { addClientJwk(input: $input) {
  jwks { keys { kid } } userErrors { message field code } } }`;
const REMOVE_KEY = `mutation($input: RemoveClientJwkInput!) { removeClientJwk(input: $input) {
  jwks { keys { kid } } userErrors { message field code } } }`;
const DELETE_OBO = `mutation($input: DeleteOnBehalfOfInput!) { deleteOnBehalfOf(input: $input) {
  deletedId userErrors { message field code } } }`;
const CREATE_OBO = `mutation($input: CreateOnBehalfOfInput!) { createOnBehalfOf(input: $input) {
  onBehalfOf { id } userErrors { message field code } } }`;
const LIST = `{ clients { id integrationType } }`;

const gql = (t: TestApp, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<Data>> =>
  t.graphql<Data>(query, variables);

async function newClient(t: TestApp, input: Record<string, unknown> = webInput('red team')): Promise<string> {
  const res = await gql(t, CREATE, { input });
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data.createClient.userErrors).toEqual([]);
  return res.body.data.createClient.client.id as string;
}

/** The `completed` audit record of the last `action`. */
async function lastCompleted(t: TestApp, action: string): Promise<Record<string, unknown> | undefined> {
  const records = await t.auditRecords();
  return records.filter((r) => r.action === action && r.stage === 'completed').at(-1);
}

const isWrite = (method: string) => method !== 'GET';
const isClientPath = (path: string) => /\/clients\/[^/]+$/.test(path);

describe('client mutations behind a proxy that rewrites the admin API’s answers', () => {
  let b: BehindAdminProxy;
  let t: TestApp;
  beforeAll(async () => {
    b = await startBehindAdminProxy({ ADMIN_TIMEOUT_MS: '1000' });
    t = b.facade;
  });
  afterAll(async () => {
    await b.close();
  });
  beforeEach(() => {
    b.proxy.rewrite = undefined;
    b.proxy.mapPath = (path) => path;
    b.proxy.delayBefore = () => 0;
  });

  it('refuses a KRR client whatever scopes are asked for, and sends nothing', async () => {
    const before = b.proxy.calls.filter((c) => c.method === 'POST').length;
    for (const scopes of [['openid'], ['krr:global/kontaktinformasjon.read'], undefined, []]) {
      const input = {
        name: 'krr',
        integrationType: 'KRR',
        applicationType: 'WEB',
        tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT',
        grantTypes: ['JWT_BEARER'],
        ...(scopes ? { scopes } : {}),
      };
      const res = await gql(t, CREATE, { input });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.createClient.client).toBeNull();
      expect(res.body.data.createClient.userErrors[0], JSON.stringify(scopes)).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(b.proxy.calls.filter((c) => c.method === 'POST').length).toBe(before);
  });

  it('refuses an update with lastUpdatedAt when the client’s last change time cannot be read, writing nothing', async () => {
    const id = await newClient(t);
    for (const lastUpdated of [undefined, 'yesterday', '', {}]) {
      b.proxy.rewrite = (call, answer) => {
        if (call.method !== 'GET' || !isClientPath(call.path)) return undefined;
        const client = JSON.parse(answer.body.toString()) as Record<string, unknown>;
        if (lastUpdated === undefined) delete client.last_updated;
        else client.last_updated = lastUpdated;
        return json(200, client);
      };
      const puts = b.proxy.calls.filter((c) => c.method === 'PUT').length;
      const res = await gql(t, UPDATE, {
        input: { id, lastUpdatedAt: '2020-01-01T00:00:00.000Z', description: 'stale write' },
      });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.updateClient.client).toBeNull();
      expect(res.body.data.updateClient.userErrors).toEqual([
        expect.objectContaining({ code: 'CONFLICT', field: ['input', 'lastUpdatedAt'] }),
      ]);
      expect(b.proxy.calls.filter((c) => c.method === 'PUT').length).toBe(puts);
    }
    // Without lastUpdatedAt no check was asked for: the update goes through.
    const res = await gql(t, UPDATE, { input: { id, description: 'no guard' } });
    expect(res.body.data.updateClient.userErrors).toEqual([]);
  });

  it('reports a deletion that was made when the client cannot be read again afterwards', async () => {
    const id = await newClient(t);
    let deleted = false;
    b.proxy.rewrite = (call) => {
      if (call.method === 'DELETE') deleted = true;
      else if (deleted && call.method === 'GET') return json(503, { error: 'down' });
      return undefined;
    };
    const res = await gql(t, DELETE, { input: { id } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.deleteClient.userErrors).toEqual([]);
    expect(res.body.data.deleteClient.client).toMatchObject({ id, active: false });
    expect(await lastCompleted(t, 'deleteClient')).toMatchObject({ outcome: 'succeeded', clientId: id });
  });

  it('says a create or a rotation whose answer never came may have been made, and audits it as unknown', async () => {
    const creates = b.proxy.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/clients')).length;
    b.proxy.rewrite = (call) => (isWrite(call.method) ? 'reset' : undefined);
    const res = await gql(t, CREATE, { input: webInput('maybe made') });
    expect(res.body.data).toEqual({ createClient: null });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: 'admin',
      outcome: 'UNKNOWN',
    });
    expect(res.body.errors?.[0]?.message).toMatch(/may have been made/);
    expect(res.body.errors?.[0]?.message).not.toMatch(/try again later/);
    // Sent once, never repeated on its own.
    expect(b.proxy.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/clients')).length).toBe(creates + 1);
    expect(await lastCompleted(t, 'createClient')).toMatchObject({
      outcome: 'unknown',
      errorCode: 'UPSTREAM_UNAVAILABLE',
    });

    b.proxy.rewrite = undefined;
    const id = await newClient(t);
    b.proxy.rewrite = (call, answer) => (isWrite(call.method) ? { ...answer, delayMs: 1500 } : undefined);
    const rotated = await gql(t, ROTATE, { input: { id } });
    expect(rotated.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', outcome: 'UNKNOWN' });
    expect(rotated.body.errors?.[0]?.message).toMatch(/may have been made/);
    expect(await lastCompleted(t, 'rotateClientSecret')).toMatchObject({ outcome: 'unknown' });
  });

  it('says a create answered 502 or 504 by a gateway may have been made (it was), and audits it as unknown', async () => {
    for (const status of [502, 504]) {
      const creates = b.proxy.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/clients')).length;
      b.proxy.rewrite = (call) => (isWrite(call.method) ? json(status, { error: 'gateway' }) : undefined);
      const res = await gql(t, CREATE, { input: webInput(`gateway ${status}`) });
      expect(res.body.data).toEqual({ createClient: null });
      expect(res.body.errors?.[0]?.extensions, String(status)).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        outcome: 'UNKNOWN',
      });
      expect(res.body.errors?.[0]?.message).toMatch(/may have been made/);
      expect(b.proxy.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/clients')).length).toBe(creates + 1);
      expect(await lastCompleted(t, 'createClient')).toMatchObject({ outcome: 'unknown' });
    }
  });

  it('answers an unreadable 2xx answer to a write with an error saying it was probably made, never an empty success', async () => {
    const id = await newClient(t, maskinportenInput('unreadable answers', ['openid']));
    const unreadable = [
      { status: 200, body: Buffer.from('<html>ok</html>'), contentType: 'text/html' },
      { status: 200, body: Buffer.from('') },
      { status: 204, body: Buffer.from('') },
      json(200, 'done'),
    ];
    for (const answer of unreadable) {
      const what = `${answer.status} ${answer.body.toString()}`;
      b.proxy.rewrite = (call) => (isWrite(call.method) ? answer : undefined);
      const operations: [string, Record<string, unknown>, string][] = [
        [CREATE, { input: webInput('unreadable') }, 'createClient'],
        [ROTATE, { input: { id } }, 'rotateClientSecret'],
        [ADD_KEY, { input: { clientId: id, key: rsaJwk(uniqueKid('unreadable')) } }, 'addClientJwk'],
      ];
      for (const [query, variables, action] of operations) {
        const res = await gql(t, query, variables);
        expect(res.body.data?.[action] ?? null, `${action} ${what}`).toBeNull();
        expect(res.body.errors?.[0]?.extensions, `${action} ${what}`).toMatchObject({
          code: 'UPSTREAM_UNAVAILABLE',
          outcome: 'UNKNOWN',
        });
        expect(res.body.errors?.[0]?.message, `${action} ${what}`).toMatch(/probably made/);
        expect(await lastCompleted(t, action)).toMatchObject({ outcome: 'unknown' });
      }
    }
  });

  it('keeps the new secret when the rotation’s answer carries only client_secret, and reads the client again', async () => {
    const id = await newClient(t);
    b.proxy.rewrite = (call, answer) => {
      if (call.method !== 'POST' || !call.path.endsWith('/secret')) return undefined;
      const { client_secret } = JSON.parse(answer.body.toString()) as { client_secret: string };
      return json(200, { client_secret });
    };
    const res = await gql(t, ROTATE, { input: { id } });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.rotateClientSecret.clientSecret).toEqual(expect.any(String));
    expect(res.body.data.rotateClientSecret.client).toEqual({ id, integrationType: 'IDPORTEN' });

    // The client cannot be read again either: the secret is still given, the client left null.
    b.proxy.rewrite = (call, answer) => {
      if (call.method === 'GET' && isClientPath(call.path)) return json(503, {});
      if (call.method !== 'POST' || !call.path.endsWith('/secret')) return undefined;
      const { client_secret } = JSON.parse(answer.body.toString()) as { client_secret: string };
      return json(200, { client_secret });
    };
    // refusedChange's GET would fail first: let the first GET through.
    let gets = 0;
    const rewrite = b.proxy.rewrite;
    b.proxy.rewrite = (call, answer) => {
      if (call.method === 'GET' && isClientPath(call.path) && gets++ === 0) return undefined;
      return rewrite(call, answer);
    };
    const again = await gql(t, ROTATE, { input: { id } });
    expect(again.body.data?.rotateClientSecret?.clientSecret, JSON.stringify(again.body)).toEqual(expect.any(String));
    expect(again.body.data.rotateClientSecret.client).toBeNull();
  });

  it('maps admin statuses to what they mean for each operation', async () => {
    const id = await newClient(t, maskinportenInput('statuses', ['openid']));
    // 429 on a write: throttling (UPSTREAM_UNAVAILABLE, as KRR's), not a rejection of the input.
    b.proxy.rewrite = (call) => (isWrite(call.method) ? json(429, {}) : undefined);
    const throttled = await gql(t, CREATE, { input: webInput('throttled') });
    expect(throttled.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'admin' });
    expect(throttled.body.errors?.[0]?.extensions?.outcome).toBeUndefined();

    b.proxy.rewrite = (call) => (call.method === 'DELETE' ? json(409, {}) : undefined);
    const obo = await gql(t, DELETE_OBO, { input: { clientId: id, id: 'some-obo' } });
    expect(obo.body.data.deleteOnBehalfOf.userErrors[0].code).toBe('CONFLICT');
    expect(obo.body.data.deleteOnBehalfOf.userErrors[0].message).not.toMatch(/already exists/);

    b.proxy.rewrite = (call) => (call.method === 'POST' && call.path.endsWith('/clients') ? json(404, {}) : undefined);
    const created = await gql(t, CREATE, { input: webInput('not found') });
    expect(created.body.data.createClient.userErrors[0].message).not.toMatch(/No such client/);

    b.proxy.rewrite = (call) =>
      call.method === 'POST' && call.path.endsWith('/onbehalfof') ? json(404, {}) : undefined;
    const oboCreated = await gql(t, CREATE_OBO, {
      input: { clientId: id, id: 'obo-x', name: 'x', organizationNumber: '922020175' },
    });
    expect(oboCreated.body.data.createOnBehalfOf.userErrors[0]).toMatchObject({
      code: 'NOT_FOUND',
      field: ['input', 'clientId'],
    });

    // A kid another client uses (the admin API's 409): CONFLICT at the kid.
    b.proxy.rewrite = (call) => (call.method === 'POST' && call.path.endsWith('/jwks') ? json(409, {}) : undefined);
    const added = await gql(t, ADD_KEY, { input: { clientId: id, key: rsaJwk(uniqueKid('taken')) } });
    expect(added.body.data.addClientJwk.userErrors).toEqual([
      expect.objectContaining({ code: 'CONFLICT', field: ['input', 'key', 'kid'] }),
    ]);
  });

  it("never repeats a personal id the admin API's validation text repeats from the input", async () => {
    // The sandbox's own text repeats the refused redirect URI.
    const sandbox = await gql(t, CREATE, {
      input: webInput('ids', { redirectUris: ['http://example.com/p/11822648950'] }),
    });
    expect(sandbox.body.data.createClient.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID', field: ['input', 'redirectUris'] }),
    ]);
    expect(sandbox.body.data.createClient.userErrors[0].message).toContain('http://example.com/p/[redacted]');
    // Whatever an admin API writes, in either body shape, and with the id written apart.
    for (const body of [
      {
        errors: [{ errorMessage: "'https://x.example/118226 48950' is not allowed", fieldIdentifier: 'redirect_uris' }],
      },
      { error: 'invalid_client_metadata', error_description: ', kid 22859197810 is already in use' },
    ]) {
      b.proxy.rewrite = (call) =>
        call.method === 'POST' && call.path.endsWith('/clients') ? json(400, body) : undefined;
      const res = await gql(t, CREATE, { input: webInput('ids again') });
      const text = JSON.stringify(res.body);
      expect(res.body.data.createClient.userErrors[0].code).toBe('INVALID');
      expect(text).toContain('[redacted]');
      expect(text).not.toMatch(/11822648950|118226 48950|22859197810/);
    }
  });

  it("points a user error only at a field the mutation's input has", async () => {
    // The admin API refuses the rotation for the client's token_endpoint_auth_method, not a field of the input.
    const id = await newClient(t, maskinportenInput('no secret', ['openid']));
    const rotated = await gql(t, ROTATE, { input: { id } });
    expect(rotated.body.data.rotateClientSecret.userErrors).toEqual([
      expect.objectContaining({ code: 'INVALID', field: null }),
    ]);
    // A field path deeper than the input goes is cut to the part that exists; a list index is kept.
    b.proxy.rewrite = (call) =>
      call.method === 'POST' && call.path.endsWith('/clients')
        ? json(400, {
            errors: [
              { errorMessage: 'bad uri', fieldIdentifier: 'redirect_uris[1]' },
              { errorMessage: 'bad kid', fieldIdentifier: 'jwks.keys' },
            ],
          })
        : undefined;
    const created = await gql(t, CREATE, { input: webInput('paths') });
    expect(created.body.data.createClient.userErrors.map((e: { field: unknown }) => e.field)).toEqual([
      ['input', 'redirectUris'],
      null,
    ]);
  });

  it('serializes changes to one client whatever the case of its UUID', async () => {
    const id = await newClient(t, maskinportenInput('case', ['openid']));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    // An admin API that reads UUIDs ignoring case (as Digdir's does), slow to read key sets.
    b.proxy.mapPath = (path) => path.replace(/[0-9A-F]{8}-[0-9A-F-]{27}/gi, (uuid) => uuid.toLowerCase());
    b.proxy.delayBefore = (call) => (call.method === 'GET' && call.path.endsWith('/jwks') ? 150 : 0);
    const kids = [uniqueKid('lower'), uniqueKid('upper')];
    const results = await Promise.all([
      gql(t, ADD_KEY, { input: { clientId: id, key: rsaJwk(kids[0] as string) } }),
      gql(t, ADD_KEY, { input: { clientId: id.toUpperCase(), key: rsaJwk(kids[1] as string) } }),
    ]);
    for (const r of results) expect(r.body.data.addClientJwk.userErrors).toEqual([]);
    b.proxy.delayBefore = () => 0;
    const read = await gql(t, `query($id: ID!) { client(id: $id) { jwks { keys { kid } } } }`, { id });
    expect(read.body.data.client.jwks.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([...kids].sort());
  });

  it('keeps every member of the other keys as read when rewriting the set, and never drops an exp', async () => {
    const id = await newClient(t, maskinportenInput('pass-through', ['openid']));
    const kept = uniqueKid('kept');
    const added = await gql(t, ADD_KEY, { input: { clientId: id, key: rsaJwk(kept) } });
    expect(added.body.data.addClientJwk.userErrors).toEqual([]);
    // An admin API that keeps members the facade does not model and writes exp as text; it takes the set written.
    const next = uniqueKid('next');
    let stored: Record<string, unknown>[] = [];
    b.proxy.rewrite = (call, answer) => {
      if (!call.path.endsWith('/jwks')) return undefined;
      if (call.method === 'POST') {
        stored = (call.body as { keys: Record<string, unknown>[] }).keys;
        return json(200, call.body);
      }
      if (call.method !== 'GET') return undefined;
      if (stored.length > 0) return json(200, { keys: stored });
      const set = JSON.parse(answer.body.toString()) as { keys: Record<string, unknown>[] };
      for (const key of set.keys) {
        if (key.kid !== kept) continue;
        Object.assign(key, { x5c: ['MIIBcert'], 'x5t#S256': 'thumb', exp: 'soon' });
      }
      return json(200, set);
    };
    const second = await gql(t, ADD_KEY, { input: { clientId: id, key: rsaJwk(next) } });
    expect(second.body.data.addClientJwk.userErrors).toEqual([]);
    const written = b.proxy.calls.filter((c) => c.method === 'POST' && c.path.endsWith('/jwks')).at(-1)?.body as {
      keys: Record<string, unknown>[];
    };
    expect(written.keys.find((k) => k.kid === kept)).toMatchObject({
      x5c: ['MIIBcert'],
      'x5t#S256': 'thumb',
      exp: 'soon',
    });

    b.proxy.calls.length = 0;
    await gql(t, REMOVE_KEY, { input: { clientId: id, kid: next } });
    const rewritten = b.proxy.calls.find((c) => c.method === 'POST' && c.path.endsWith('/jwks'))?.body as {
      keys: Record<string, unknown>[];
    };
    expect(rewritten.keys).toEqual([expect.objectContaining({ kid: kept, x5c: ['MIIBcert'], exp: 'soon' })]);
  });

  it('refuses control and bidi characters in names and descriptions, and a name of only invisible characters', async () => {
    const id = await newClient(t, maskinportenInput('text', ['openid']));
    const before = b.proxy.calls.length;
    const bad: [string, string][] = [
      ['name', 'a\u0000b'],
      ['name', 'line\nbreak'],
      ['name', 'evil\u202Etxt.exe'],
      ['name', 'isolate\u2066x\u2069'],
      ['name', '\u200B\u200B\u200B'],
      ['name', ' \u2060\uFEFF '],
      ['name', 'del\u007F'],
      ['name', 'c1\u0085'],
      ['description', 'a\u0000b'],
      ['description', 'a\u001Bb'],
      ['description', 'x\u202Dy'],
    ];
    for (const [field, value] of bad) {
      for (const [query, input, action] of [
        [CREATE, { ...webInput('ok'), [field]: value }, 'createClient'],
        [UPDATE, { id, [field]: value }, 'updateClient'],
        [
          CREATE_OBO,
          { clientId: id, id: 'obo-text', name: 'ok', organizationNumber: '922020175', [field]: value },
          'createOnBehalfOf',
        ],
      ] as const) {
        const res = await gql(t, query, { input });
        const what = `${action} ${field} ${JSON.stringify(value)}`;
        expect(res.body.errors?.[0]?.extensions, what).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: ['input', field],
        });
        expect(JSON.stringify(res.body), what).not.toContain(JSON.stringify(value).slice(1, -1));
      }
    }
    expect(b.proxy.calls.length).toBe(before);
    // A multi-line description is fine (tab, new line), as are non-Latin letters.
    const ok = await gql(t, UPDATE, { input: { id, name: 'Tjeneste æøå 名前', description: 'line one\n\tline two' } });
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data.updateClient.userErrors).toEqual([]);
  });

  // Skipped until the schema allows it: Client.integrationType is non-null and clients' items are Client!, so one
  // client whose integration_type cannot be mapped blanks the whole list (INTERNAL_SERVER_ERROR). The fix is a schema
  // change (integrationType nullable), which is not this branch's to make: see the branch's report.
  it('lists every client when one has an integration_type the schema does not know', async () => {
    b.proxy.rewrite = (call, answer) => {
      if (call.method !== 'GET' || !call.path.endsWith('/clients')) return undefined;
      const list = JSON.parse(answer.body.toString()) as Record<string, unknown>[];
      const first = list[0] as Record<string, unknown>;
      first.integration_type = 'something_new';
      const second = list[1] as Record<string, unknown>;
      delete second.integration_type;
      return json(200, list);
    };
    const res = await gql(t, LIST);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.clients.length).toBeGreaterThan(2);
    expect(res.body.data.clients.slice(0, 2).map((c: { integrationType: unknown }) => c.integrationType)).toEqual([
      null,
      null,
    ]);
  });
});
