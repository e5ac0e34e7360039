/**
 * The attacks reproduced against the client mutations and queries, each answered at the edge: ids that walk the admin
 * API's paths, the supplier scope outside supplier mode, scopes callers may not grant (and taking over a client that
 * already holds them: its key, secret, settings or life cycle), JWKS sets holding expired keys, short RSA moduli, what
 * a CONFLICT reveals, and unbounded inputs.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStandaloneTokenService } from '../../src/maskinporten/standalone.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { PROTECTED_CLIENT_MESSAGE as PROTECTED_MESSAGE } from '../../src/clients/user-errors.js';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SCOPES, SANDBOX_ORGNO } from '../../src/sandbox/index.js';
import { startTestApp, type GraphQLResponse, type TestApp } from '../helpers/app.js';
import { maskinportenInput, webInput } from '../helpers/client-input.js';

const SUPPLIED_BY_US = 'a7e1d9c4-2b3f-4e8a-8d6c-5f0b1e2a3c74';
const SUPPLIED_BY_OTHER = 'b5c7d9e1-3f5a-4b7c-b9d1-e3f5a7b9c1d3';
const OWNER_MASKINPORTEN = '3f6a2c1e-8b4d-4f7a-9c2e-1d5b7a9e0c41';
const EXAMPLE = 'oidc_eksempel_klient';
const CUSTOMER = '922020175';
const SUPPLIER_SCOPE = 'idporten:dcr.supplier';

const ATTACKER_IDS = ['..', '.', 'a/b', '%2e%2e', 'a b', '', 'x'.repeat(10_000), 'x\u0000'];

interface UserError {
  message: string;
  field: string[] | null;
  code: string;
}

const publicKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
/** A public RS256 JWK (one key pair for every kid: the admin API checks kids, not key reuse). */
function rsaJwk(kid: string, jwk: { n?: string; e?: string } = publicKey) {
  return { kid, kty: 'RSA', alg: 'RS256', use: 'sig', n: jwk.n as string, e: jwk.e as string };
}

let kidCounter = 0;
const uniqueKid = (prefix: string) => `${prefix}-${process.pid}-${++kidCounter}`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Data = any;

async function gql(
  t: TestApp,
  query: string,
  variables?: Record<string, unknown>,
  scope?: string,
): Promise<GraphQLResponse<Data>> {
  return t.graphql<Data>(query, variables, scope === undefined ? {} : { scope });
}

const CREATE = `mutation($input: CreateClientInput!) { createClient(input: $input) {
  client { id scopes } userErrors { message field code } } }`;
const UPDATE = `mutation($input: UpdateClientInput!) { updateClient(input: $input) {
  client { id scopes } userErrors { message field code } } }`;

async function createClient(t: TestApp, input: Record<string, unknown>) {
  const res = await gql(t, CREATE, { input });
  expect(res.body.errors).toBeUndefined();
  return res.body.data.createClient as { client: { id: string; scopes: string[] } | null; userErrors: UserError[] };
}

function expectBadInput(res: GraphQLResponse<Data>, field: string[], what: string) {
  expect(res.body.errors?.[0]?.extensions, what).toMatchObject({ code: 'BAD_USER_INPUT', field });
}

describe('with the defaults (supplier mode on in the sandbox, ADMIN_ALLOWED_SCOPES unset)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  // First in this app: no admin token is cached yet, so a refused id must not even cause a token request.
  it('refuses every id outside the admin id rule at the edge, naming the argument, with no upstream call', async () => {
    const adminBefore = t.sandbox.admin.requests.length;
    const tokensBefore = t.sandbox.maskinporten.tokenRequests;
    const key = rsaJwk('edge-key');
    const operations: { query: string; vars: (id: string) => Record<string, unknown>; field: string[] }[] = [
      { query: `query($id: ID!) { client(id: $id) { id } }`, vars: (id) => ({ id }), field: ['id'] },
      {
        query: `query($id: ID!) { onBehalfOf(clientId: $id, id: "ok") { id } }`,
        vars: (id) => ({ id }),
        field: ['clientId'],
      },
      {
        query: `query($id: ID!) { onBehalfOf(clientId: "${EXAMPLE}", id: $id) { id } }`,
        vars: (id) => ({ id }),
        field: ['id'],
      },
      {
        query: `mutation($input: UpdateClientInput!) { updateClient(input: $input) { userErrors { code } } }`,
        vars: (id) => ({ input: { id, description: 'x' } }),
        field: ['input', 'id'],
      },
      {
        query: `mutation($input: DeleteClientInput!) { deleteClient(input: $input) { userErrors { code } } }`,
        vars: (id) => ({ input: { id } }),
        field: ['input', 'id'],
      },
      {
        query: `mutation($input: RotateClientSecretInput!) { rotateClientSecret(input: $input) { userErrors { code } } }`,
        vars: (id) => ({ input: { id } }),
        field: ['input', 'id'],
      },
      {
        query: `mutation($input: ReplaceClientJwksInput!) { replaceClientJwks(input: $input) { userErrors { code } } }`,
        vars: (id) => ({ input: { clientId: id, keys: [key] } }),
        field: ['input', 'clientId'],
      },
      {
        query: `mutation($input: AddClientJwkInput!) { addClientJwk(input: $input) { userErrors { code } } }`,
        vars: (id) => ({ input: { clientId: id, key } }),
        field: ['input', 'clientId'],
      },
      {
        query: `mutation($input: RemoveClientJwkInput!) { removeClientJwk(input: $input) { userErrors { code } } }`,
        vars: (id) => ({ input: { clientId: id, kid: 'edge-key' } }),
        field: ['input', 'clientId'],
      },
      ...(['clientId', 'id'] as const).flatMap((which) => {
        const ids = (id: string) => ({ clientId: which === 'clientId' ? id : EXAMPLE, id: which === 'id' ? id : 'ok' });
        return [
          {
            query: `mutation($input: CreateOnBehalfOfInput!) { createOnBehalfOf(input: $input) { userErrors { code } } }`,
            vars: (id: string) => ({ input: { ...ids(id), name: 'N', organizationNumber: CUSTOMER } }),
            field: ['input', which],
          },
          {
            query: `mutation($input: UpdateOnBehalfOfInput!) { updateOnBehalfOf(input: $input) { userErrors { code } } }`,
            vars: (id: string) => ({ input: { ...ids(id), name: 'N' } }),
            field: ['input', which],
          },
          {
            query: `mutation($input: DeleteOnBehalfOfInput!) { deleteOnBehalfOf(input: $input) { userErrors { code } } }`,
            vars: (id: string) => ({ input: ids(id) }),
            field: ['input', which],
          },
        ];
      }),
    ];
    // A personal id where a client id belongs would go into an admin API URL.
    const personal = ['11822648950', '118226-48950', 'klient_118226_48950'];
    for (const id of [...ATTACKER_IDS, '11822648950/x', ...personal]) {
      for (const op of operations) {
        const res = await gql(t, op.query, op.vars(id));
        const what = `${op.query.slice(0, 60)} with ${JSON.stringify(id.slice(0, 20))}`;
        expectBadInput(res, op.field, what);
        if (id.length > 2) expect(JSON.stringify(res.body), what).not.toContain(JSON.stringify(id).slice(1, -1));
      }
    }
    expect(t.sandbox.admin.requests.length).toBe(adminBefore);
    expect(t.sandbox.maskinporten.tokenRequests).toBe(tokensBefore);
  });

  it('still reaches ids within the rule', async () => {
    const res = await gql(t, `{ a: client(id: "${EXAMPLE}") { id } b: client(id: "no.such:client_id-1") { id } }`);
    expect(res.body).toEqual({ data: { a: { id: EXAMPLE }, b: null } });
    // A UUID is the admin API's own form: never refused, whatever its digits (this one's last group is all digits).
    const uuid = await gql(
      t,
      `{ c: client(id: "5b2d1c3e-8f4a-4c2e-9d1b-118226489500") { id } d: client(id: "x-12345678901") { id } }`,
    );
    expect(uuid.body).toEqual({ data: { c: null, d: null } });
  });

  it('repeats a refused call with the supplier scope only as the very same call', async () => {
    const before = t.sandbox.admin.requests.length;
    const res = await gql(
      t,
      `mutation { deleteOnBehalfOf(input: { clientId: "${SUPPLIED_BY_OTHER}", id: "x" }) { userErrors { code } } }`,
    );
    expect(res.body.data.deleteOnBehalfOf.userErrors.map((e: UserError) => e.code)).toEqual(['FORBIDDEN']);
    const calls = t.sandbox.admin.requests.slice(before);
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual([
      `DELETE /api/v1/clients/${SUPPLIED_BY_OTHER}/onbehalfof/x`,
      `DELETE /api/v1/clients/${SUPPLIED_BY_OTHER}/onbehalfof/x`,
    ]);
    expect(calls[1]!.scopes).toContain(SUPPLIER_SCOPE);
  });

  describe('scopes callers may put on clients', () => {
    it('refuses the facade’s privileged scopes on a new client, with FORBIDDEN and nothing sent', async () => {
      const before = t.sandbox.admin.requests.length;
      for (const scopes of [
        ['krr:global/kontaktinformasjon.read'],
        [SUPPLIER_SCOPE],
        ['myorg:api.read', 'IDPORTEN:dcr.write'],
        ['idporten:dcr/onbehalfof:write'],
      ]) {
        const { client, userErrors } = await createClient(t, maskinportenInput('Privileged', scopes));
        expect(client).toBeNull();
        expect(userErrors).toEqual([
          { code: 'FORBIDDEN', field: ['input', 'scopes'], message: expect.stringContaining(scopes.at(-1)!) },
        ]);
      }
      // a krr client gets the krr scopes without asking for them
      const krr = await createClient(t, { ...maskinportenInput('KRR client'), integrationType: 'KRR' });
      expect(krr.userErrors).toEqual([
        expect.objectContaining({ code: 'FORBIDDEN', field: ['input', 'integrationType'] }),
      ]);
      expect(t.sandbox.admin.requests.length).toBe(before);

      const fine = await createClient(t, maskinportenInput('Fine', ['myorg:api.read']));
      expect(fine.userErrors).toEqual([]);
      expect(fine.client!.scopes).toEqual(['myorg:api.read']);
    });

    it('refuses adding a privileged scope on update', async () => {
      const { client } = await createClient(t, maskinportenInput('Update scopes', ['myorg:api.read']));
      const before = t.sandbox.admin.requests.length;
      const refused = await gql(t, UPDATE, {
        input: { id: client!.id, scopes: ['myorg:api.read', 'krr:global/digitalpost.read'] },
      });
      expect(refused.body.data.updateClient).toEqual({
        client: null,
        userErrors: [
          {
            code: 'FORBIDDEN',
            field: ['input', 'scopes'],
            message: expect.stringContaining('krr:global/digitalpost.read'),
          },
        ],
      });
      expect(t.sandbox.admin.requests.slice(before).map((r) => r.method)).toEqual(['GET']);
    });
  });

  describe('clients holding scopes callers may not grant (protected)', () => {
    /** The seeded Maskinporten client (krr and dcr scopes, the owner's key) and the facade's own client. */
    const PROTECTED = [OWNER_MASKINPORTEN, SANDBOX_CLIENT_ID];
    const OWNER_KID = 'sandbox-maskinporten-key-1';
    const JWKS_FIELDS = 'jwks { keys { kid } } droppedExpiredKeys userErrors { message field code }';
    const CLIENT_FIELDS = 'client { id } userErrors { message field code }';

    /** Every change to a client's credentials, settings or life cycle, as the red-team tester tried them. */
    function takeovers(id: string) {
      const attackerKey = rsaJwk(uniqueKid('attacker'));
      const update = (extra: Record<string, unknown>) => ({
        query: `mutation($input: UpdateClientInput!) { updateClient(input: $input) { ${CLIENT_FIELDS} } }`,
        input: { id, ...extra },
        field: ['input', 'id'],
      });
      return [
        {
          query: `mutation($input: AddClientJwkInput!) { addClientJwk(input: $input) { ${JWKS_FIELDS} } }`,
          input: { clientId: id, key: attackerKey },
          field: ['input', 'clientId'],
        },
        {
          query: `mutation($input: ReplaceClientJwksInput!) { replaceClientJwks(input: $input) { ${JWKS_FIELDS} } }`,
          input: { clientId: id, keys: [attackerKey] },
          field: ['input', 'clientId'],
        },
        {
          query: `mutation($input: RemoveClientJwkInput!) { removeClientJwk(input: $input) { ${JWKS_FIELDS} } }`,
          input: { clientId: id, kid: OWNER_KID },
          field: ['input', 'clientId'],
        },
        {
          query: `mutation($input: RotateClientSecretInput!) { rotateClientSecret(input: $input) {
            clientSecret ${CLIENT_FIELDS} } }`,
          input: { id },
          field: ['input', 'id'],
        },
        update({ redirectUris: ['https://attacker.example.no/cb'] }),
        update({ tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC', grantTypes: ['AUTHORIZATION_CODE'] }),
        update({ scopes: ['openid'] }),
        update({ description: 'harmless' }),
        {
          query: `mutation($input: DeleteClientInput!) { deleteClient(input: $input) { ${CLIENT_FIELDS} } }`,
          input: { id },
          field: ['input', 'id'],
        },
      ];
    }

    it('refuses every change to their keys, secret, settings and life cycle: FORBIDDEN after one read', async () => {
      for (const id of PROTECTED) {
        for (const op of takeovers(id)) {
          const before = t.sandbox.admin.requests.length;
          const res = await gql(t, op.query, { input: op.input }, 'clients.write');
          const what = `${op.query.slice(10, 40)} on ${id}`;
          // the one read of the client, nothing else: no key set read, no write
          expect(
            t.sandbox.admin.requests.slice(before).map((r) => `${r.method} ${r.path}`),
            what,
          ).toEqual([`GET /api/v1/clients/${id}`]);
          expect(res.body.errors, what).toBeUndefined();
          const payload = Object.values(res.body.data)[0] as Record<string, unknown>;
          expect(payload.userErrors, what).toEqual([
            { code: 'FORBIDDEN', field: op.field, message: PROTECTED_MESSAGE },
          ]);
          for (const [name, value] of Object.entries(payload)) {
            if (name === 'droppedExpiredKeys') expect(value, what).toEqual([]);
            else if (name !== 'userErrors') expect(value, `${what}: ${name}`).toBeNull();
          }
        }
      }

      // the owner's integration is intact: its key, settings and life cycle as they were
      const after = await gql(
        t,
        `{ client(id: "${OWNER_MASKINPORTEN}") { active description tokenEndpointAuthMethod redirectUris scopes
          jwks { keys { kid } } } }`,
      );
      expect(after.body.data.client).toEqual({
        active: true,
        description: 'Maskinporten client with a registered key',
        tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT',
        redirectUris: [],
        scopes: ['krr:global/kontaktinformasjon.read', 'idporten:dcr.read'],
        jwks: { keys: [{ kid: OWNER_KID }] },
      });

      // each refusal is audited as such
      const refused = (await t.auditRecords()).filter(
        (r) => r.stage === 'completed' && r.clientId === OWNER_MASKINPORTEN && r.action === 'addClientJwk',
      );
      expect(refused.at(-1)).toMatchObject({ outcome: 'refused', userErrorCodes: ['FORBIDDEN'] });
    });

    it('still lets onbehalfof.write manage their onbehalfof registrations (supplier mode needs it)', async () => {
      const obo = 'protected-obo';
      const create = await gql(
        t,
        `mutation($input: CreateOnBehalfOfInput!) { createOnBehalfOf(input: $input) { userErrors { code } } }`,
        { input: { clientId: SANDBOX_CLIENT_ID, id: obo, name: 'Kunde', organizationNumber: CUSTOMER } },
        'onbehalfof.write',
      );
      expect(create.body).toEqual({ data: { createOnBehalfOf: { userErrors: [] } } });
      expect(t.sandbox.admin.findOnBehalfOf(SANDBOX_CLIENT_ID, obo)).toMatchObject({ orgno: CUSTOMER });
      const update = await gql(
        t,
        `mutation { updateOnBehalfOf(input: { clientId: "${SANDBOX_CLIENT_ID}", id: "${obo}", name: "Kunde AS" }) {
          userErrors { code } } }`,
        undefined,
        'onbehalfof.write',
      );
      expect(update.body).toEqual({ data: { updateOnBehalfOf: { userErrors: [] } } });
      expect(t.sandbox.admin.findOnBehalfOf(SANDBOX_CLIENT_ID, obo)).toMatchObject({ name: 'Kunde AS' });
      const del = await gql(
        t,
        `mutation { deleteOnBehalfOf(input: { clientId: "${SANDBOX_CLIENT_ID}", id: "${obo}" }) {
          deletedId userErrors { code } } }`,
        undefined,
        'onbehalfof.write',
      );
      expect(del.body.data.deleteOnBehalfOf).toEqual({ deletedId: obo, userErrors: [] });
      expect(t.sandbox.admin.findOnBehalfOf(SANDBOX_CLIENT_ID, obo)).toBeUndefined();

      // which is its own scope: clients.write alone does not reach them
      const before = t.sandbox.admin.requests.length;
      const without = await gql(
        t,
        `mutation { deleteOnBehalfOf(input: { clientId: "${SANDBOX_CLIENT_ID}", id: "annen-kommune" }) {
          deletedId } }`,
        undefined,
        'clients.write',
      );
      expect(without.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(t.sandbox.admin.requests.length).toBe(before);
    });

    it('leaves other clients manageable, at the cost of one read before each change', async () => {
      const { client } = await createClient(t, maskinportenInput('Unprotected', ['myorg:api.read']));
      const id = client!.id;
      const calls = async (query: string, variables?: Record<string, unknown>) => {
        const before = t.sandbox.admin.requests.length;
        const res = await gql(t, query, variables, 'clients.write');
        expect(res.body.errors).toBeUndefined();
        expect((Object.values(res.body.data)[0] as { userErrors: UserError[] }).userErrors).toEqual([]);
        return t.sandbox.admin.requests.slice(before).map((r) => `${r.method} ${r.path.replace(/^\/api\/v1/, '')}`);
      };
      const kid = uniqueKid('own');
      expect(
        await calls(`mutation($input: AddClientJwkInput!) { addClientJwk(input: $input) { userErrors { code } } }`, {
          input: { clientId: id, key: rsaJwk(kid) },
        }),
      ).toEqual([`GET /clients/${id}`, `GET /clients/${id}/jwks`, `POST /clients/${id}/jwks`]);
      expect(
        await calls(
          `mutation($input: ReplaceClientJwksInput!) { replaceClientJwks(input: $input) { userErrors { code } } }`,
          { input: { clientId: id, keys: [rsaJwk(kid)] } },
        ),
      ).toEqual([`GET /clients/${id}`, `POST /clients/${id}/jwks`]);
      expect(
        await calls(
          `mutation { removeClientJwk(input: { clientId: "${id}", kid: "${kid}" }) { userErrors { code } } }`,
        ),
      ).toEqual([`GET /clients/${id}`, `GET /clients/${id}/jwks`, `DELETE /clients/${id}/jwks`]);
      expect(
        await calls(`mutation { updateClient(input: { id: "${id}", description: "d" }) { userErrors { code } } }`),
      ).toEqual([`GET /clients/${id}`, `PUT /clients/${id}`]);
      const web = (await createClient(t, webInput('Unprotected secret'))).client!.id;
      expect(
        (await calls(`mutation { rotateClientSecret(input: { id: "${web}" }) { userErrors { code } } }`)).slice(0, 2),
      ).toEqual([`GET /clients/${web}`, `POST /clients/${web}/secret`]);
      expect(
        (await calls(`mutation { deleteClient(input: { id: "${id}" }) { userErrors { code } } }`)).slice(0, 2),
      ).toEqual([`GET /clients/${id}`, `DELETE /clients/${id}`]);

      // a client that does not exist: NOT_FOUND from the read, nothing else sent
      const before = t.sandbox.admin.requests.length;
      const missing = await gql(
        t,
        `mutation { deleteClient(input: { id: "no-such-client" }) { userErrors { code field } } }`,
      );
      expect(missing.body.data.deleteClient.userErrors).toEqual([{ code: 'NOT_FOUND', field: ['input', 'id'] }]);
      expect(t.sandbox.admin.requests.slice(before).map((r) => r.method)).toEqual(['GET']);
    });
  });

  describe('JWKS', () => {
    const ADD = `mutation($input: AddClientJwkInput!) { addClientJwk(input: $input) {
      jwks { keys { kid expiresAt } } droppedExpiredKeys userErrors { message field code } } }`;
    const REMOVE = `mutation($input: RemoveClientJwkInput!) { removeClientJwk(input: $input) {
      jwks { keys { kid } } droppedExpiredKeys userErrors { message field code } } }`;

    /**
     * Stores on each client its live keys plus one key that expires within about a second, straight through the admin
     * API (with our own Maskinporten token), then waits until that key has expired.
     */
    async function storeWithExpiredKey(sets: { clientId: string; live: object[]; expiredKid: string }[]) {
      const { tokens, http } = await createStandaloneTokenService(t.sandbox.upstream.maskinporten, {
        metrics: new Metrics(),
        log: createLogger({ level: 'silent' }),
      });
      let exp = 0;
      try {
        const token = await tokens.getToken({ scopes: ['idporten:dcr.modify'] });
        // at least half a second ahead, so the admin API still takes it as a future time
        exp = Math.ceil((Date.now() + 500) / 1000);
        for (const { clientId, live, expiredKid } of sets) {
          const res = await fetch(`${t.sandbox.admin.url}/clients/${clientId}/jwks`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ keys: [...live, { ...rsaJwk(expiredKid), exp }] }),
          });
          expect(res.status, await res.clone().text()).toBe(200);
        }
      } finally {
        await http.close();
      }
      await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
    }

    it('drops expired keys when the set is rewritten, names them, and does not count them toward the limit', async () => {
      const adding = (await createClient(t, maskinportenInput('Expired keys', ['myorg:api.read']))).client!.id;
      const removing = (await createClient(t, maskinportenInput('Expired keys 2', ['myorg:api.read']))).client!.id;
      const live = [1, 2, 3, 4].map((i) => rsaJwk(uniqueKid(`live${i}`)));
      const live2 = [1, 2].map((i) => rsaJwk(uniqueKid(`other${i}`)));
      const [expiredKid, expiredKid2] = [uniqueKid('expired'), uniqueKid('expired')];
      await storeWithExpiredKey([
        { clientId: adding, live, expiredKid },
        { clientId: removing, live: live2, expiredKid: expiredKid2 },
      ]);

      // five stored, one of them expired: a fifth live key can still be added, and the expired one is not sent again
      const newKid = uniqueKid('new');
      const added = await gql(t, ADD, { input: { clientId: adding, key: rsaJwk(newKid) } });
      expect(added.body.errors).toBeUndefined();
      expect(added.body.data.addClientJwk.userErrors).toEqual([]);
      expect(added.body.data.addClientJwk.droppedExpiredKeys).toEqual([expiredKid]);
      expect(added.body.data.addClientJwk.jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([
        ...live.map((k) => k.kid),
        newKid,
      ]);
      // now five live keys: the limit holds
      const sixth = await gql(t, ADD, { input: { clientId: adding, key: rsaJwk(uniqueKid('sixth')) } });
      expect(sixth.body.data.addClientJwk.userErrors.map((e: UserError) => e.code)).toEqual(['LIMIT_EXCEEDED']);
      expect(sixth.body.data.addClientJwk.droppedExpiredKeys).toEqual([]);

      // removal from a set holding an expired key works too
      const removed = await gql(t, REMOVE, { input: { clientId: removing, kid: live2[0]!.kid } });
      expect(removed.body.data.removeClientJwk).toEqual({
        jwks: { keys: [{ kid: live2[1]!.kid }] },
        droppedExpiredKeys: [expiredKid2],
        userErrors: [],
      });
    });

    it('checks the true bit length of the modulus: no zero-padded short key, no 2047-bit key', async () => {
      const { client } = await createClient(t, maskinportenInput('Short keys', ['myorg:api.read']));
      const before = t.sandbox.admin.requests.length;
      const short = generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey.export({ format: 'jwk' });
      const shortModulus = Buffer.from(short.n as string, 'base64url').subarray(0, 57); // 456 bits
      const padded = Buffer.concat([Buffer.alloc(200), shortModulus]).toString('base64url');
      const odd = generateKeyPairSync('rsa', { modulusLength: 2047 }).publicKey.export({ format: 'jwk' });
      for (const key of [
        { ...rsaJwk('padded'), n: padded },
        rsaJwk('odd', odd),
        { ...rsaJwk('too-long'), n: Buffer.alloc(2000, 0xff).toString('base64url') },
      ]) {
        const res = await gql(t, ADD, { input: { clientId: client!.id, key } });
        expectBadInput(res, ['input', 'key', 'n'], key.kid);
      }
      expect(t.sandbox.admin.requests.length).toBe(before);

      // a full 2048-bit modulus with one leading zero byte (two's complement style) is fine
      const withZero = Buffer.concat([Buffer.alloc(1), Buffer.from(publicKey.n as string, 'base64url')]);
      const ok = await gql(t, ADD, {
        input: { clientId: client!.id, key: { ...rsaJwk(uniqueKid('zero')), n: withZero.toString('base64url') } },
      });
      expect(ok.body.data.addClientJwk.userErrors).toEqual([]);
    });
  });

  it('says only that the client changed on CONFLICT, never when', async () => {
    const created = await createClient(t, webInput('Conflict'));
    const read = await gql(t, `{ client(id: "${created.client!.id}") { lastUpdatedAt } }`);
    const seen = read.body.data.client.lastUpdatedAt as string;
    await new Promise((r) => setTimeout(r, 20));
    const first = await gql(t, UPDATE, { input: { id: created.client!.id, description: 'a', lastUpdatedAt: seen } });
    expect(first.body.data.updateClient.userErrors).toEqual([]);
    const stale = await gql(t, UPDATE, { input: { id: created.client!.id, description: 'b', lastUpdatedAt: seen } });
    const [error] = stale.body.data.updateClient.userErrors as UserError[];
    expect(error).toMatchObject({ code: 'CONFLICT', field: ['input', 'lastUpdatedAt'] });
    expect(error!.message).toBe('The client has changed since the version you saw; read it again and retry.');
    expect(error!.message).not.toMatch(/\d{4}-\d{2}-\d{2}|\d{2}:\d{2}/);
  });

  it('bounds every list and text input, with BAD_USER_INPUT naming the field and nothing sent', async () => {
    const before = t.sandbox.admin.requests.length;
    const urls = (n: number) => Array.from({ length: n }, (_, i) => `https://app${i}.example.no/cb`);
    const scopes = (n: number) => Array.from({ length: n }, (_, i) => `myorg:s${i}`);
    const creates: [Record<string, unknown>, string][] = [
      [{ redirectUris: urls(51) }, 'redirectUris'],
      [{ redirectUris: urls(20_000) }, 'redirectUris'],
      [{ postLogoutRedirectUris: urls(51) }, 'postLogoutRedirectUris'],
      [{ scopes: scopes(101) }, 'scopes'],
      [{ scopes: scopes(20_000) }, 'scopes'],
      [{ scopes: ['x'.repeat(256)] }, 'scopes'],
      [{ scopes: ['openid profile'] }, 'scopes'],
      [{ grantTypes: ['AUTHORIZATION_CODE', 'REFRESH_TOKEN', 'AUTHORIZATION_CODE', 'REFRESH_TOKEN'] }, 'grantTypes'],
      [{ name: 'n'.repeat(256) }, 'name'],
      [{ description: 'd'.repeat(4001) }, 'description'],
      [{ codeChallengeMethod: 'S'.repeat(17) }, 'codeChallengeMethod'],
    ];
    for (const [extra, field] of creates) {
      const res = await gql(t, CREATE, { input: webInput('Bounds', extra) });
      expectBadInput(res, ['input', field], JSON.stringify(extra).slice(0, 80));
    }
    const updates: [Record<string, unknown>, string][] = [
      [{ redirectUris: urls(51) }, 'redirectUris'],
      [{ scopes: scopes(101) }, 'scopes'],
      [{ name: 'n'.repeat(256) }, 'name'],
    ];
    for (const [extra, field] of updates) {
      const res = await gql(t, UPDATE, { input: { id: EXAMPLE, ...extra } });
      expectBadInput(res, ['input', field], JSON.stringify(extra).slice(0, 80));
    }
    const keys = Array.from({ length: 6 }, (_, i) => rsaJwk(`six-${i}`));
    expectBadInput(
      await gql(
        t,
        `mutation($input: ReplaceClientJwksInput!) { replaceClientJwks(input: $input) { userErrors { code } } }`,
        {
          input: { clientId: EXAMPLE, keys },
        },
      ),
      ['input', 'keys'],
      'six keys',
    );
    const obo = (extra: Record<string, unknown>) => ({
      input: { clientId: EXAMPLE, id: 'bounded', name: 'N', organizationNumber: CUSTOMER, ...extra },
    });
    for (const [extra, field] of [
      [{ name: 'n'.repeat(256) }, 'name'],
      [{ description: 'd'.repeat(4001) }, 'description'],
    ] as const) {
      const create = await gql(
        t,
        `mutation($input: CreateOnBehalfOfInput!) { createOnBehalfOf(input: $input) { userErrors { code } } }`,
        obo(extra),
      );
      expectBadInput(create, ['input', field], `createOnBehalfOf ${field}`);
      const update = await gql(
        t,
        `mutation($input: UpdateOnBehalfOfInput!) { updateOnBehalfOf(input: $input) { userErrors { code } } }`,
        { input: { clientId: EXAMPLE, id: 'bounded', ...extra } },
      );
      expectBadInput(update, ['input', field], `updateOnBehalfOf ${field}`);
    }
    expectBadInput(
      await gql(t, `{ clients(filter: { nameContains: "${'n'.repeat(256)}" }) { id } }`),
      ['filter', 'nameContains'],
      'nameContains',
    );
    expect(t.sandbox.admin.requests.length).toBe(before);

    // at the limits, accepted
    const atLimit = await createClient(
      t,
      webInput('n'.repeat(255), { redirectUris: urls(50), postLogoutRedirectUris: urls(50), scopes: scopes(100) }),
    );
    expect(atLimit.userErrors).toEqual([]);
  });
});

describe('outside supplier mode, with ADMIN_ALLOWED_SCOPES', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ADMIN_SUPPLIER: 'false', ADMIN_ALLOWED_SCOPES: 'openid,profile,myorg:*' });
    // Our Maskinporten client loses the supplier scope: asking for it would now fail the token request.
    t.sandbox.maskinporten.registerClient({
      clientId: SANDBOX_CLIENT_ID,
      orgno: SANDBOX_ORGNO,
      scopes: SANDBOX_CLIENT_SCOPES.filter((s) => s !== SUPPLIER_SCOPE),
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('never asks for the supplier scope and never repeats a refused call', async () => {
    const tokenRequests = t.sandbox.maskinporten.tokenRequests;
    const tokensIssued = t.sandbox.maskinporten.tokensIssued;
    const adminBefore = t.sandbox.admin.requests.length;

    const forCustomer = await gql(t, CREATE, { input: webInput('For a customer', { organizationNumber: CUSTOMER }) });
    expect(forCustomer.body.errors).toBeUndefined();
    expect(forCustomer.body.data.createClient.userErrors.map((e: UserError) => e.code)).toEqual(['FORBIDDEN']);

    const read = await gql(t, `{ client(id: "${SUPPLIED_BY_US}") { id } }`);
    expect(read.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const del = await gql(t, `mutation { deleteClient(input: { id: "${SUPPLIED_BY_US}" }) { userErrors { code } } }`);
    expect(del.body.data.deleteClient.userErrors.map((e: UserError) => e.code)).toEqual(['FORBIDDEN']);
    const list = await gql(t, `{ clients { id } }`);
    expect(list.body.errors).toBeUndefined();
    expect(list.body.data.clients.map((c: { id: string }) => c.id)).not.toContain(SUPPLIED_BY_US);

    const calls = t.sandbox.admin.requests.slice(adminBefore);
    // one call each, no repeat; deleteClient's read of the client is refused (403), so no DELETE is sent
    expect(calls.map((r) => r.method)).toEqual(['POST', 'GET', 'GET', 'GET']);
    expect(calls.flatMap((r) => r.scopes)).not.toContain(SUPPLIER_SCOPE);
    expect(t.sandbox.admin.requests.flatMap((r) => r.scopes)).not.toContain(SUPPLIER_SCOPE);
    // every token request made meanwhile succeeded: none asked for a scope our client no longer has
    expect(t.sandbox.maskinporten.tokenRequests - tokenRequests).toBe(
      t.sandbox.maskinporten.tokensIssued - tokensIssued,
    );
  });

  it('allows exactly the scopes ADMIN_ALLOWED_SCOPES matches', async () => {
    const fine = await createClient(t, webInput('Allowed', { scopes: ['openid', 'myorg:api.read'] }));
    expect(fine.userErrors).toEqual([]);
    const before = t.sandbox.admin.requests.length;
    for (const scope of ['other:api.read', 'krr:global/kontaktinformasjon.read', 'email']) {
      const refused = await createClient(t, webInput('Refused', { scopes: ['openid', scope] }));
      expect(refused.userErrors).toEqual([
        { code: 'FORBIDDEN', field: ['input', 'scopes'], message: expect.stringContaining(scope) },
      ]);
    }
    expect(t.sandbox.admin.requests.length).toBe(before);
  });
});
