import { generateKeyPairSync } from 'node:crypto';
import type { CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAdminSimulator, type AdminSimulator } from '../../src/sandbox/admin.js';
import { SEEDED_CLIENT_IDS, SEEDED_KIDS, SEEDED_ORGNOS } from '../../src/sandbox/admin-seed.js';
import { startTokenSource, type TokenSource } from '../helpers/token-source.js';

const OWNER = '991825827';
const OTHER = '984661185';
const CUSTOMER = SEEDED_ORGNOS.customer;
const ISSUER = 'http://maskinporten.sandbox.test/';
const READ = 'idporten:dcr.read';
const MODIFY = 'idporten:dcr.modify';
const WRITE = 'idporten:dcr.write';
const OBO_WRITE = 'idporten:dcr/onbehalfof:write';
const SUPPLIER = 'idporten:dcr.supplier';
const ALL = [READ, MODIFY, WRITE, OBO_WRITE].join(' ');

type KeyLike = CryptoKey;

let source: TokenSource;
let foreignKey: KeyLike;
let admin: AdminSimulator;

async function token(orgno: string, scope: string, opts: { expSeconds?: number; key?: KeyLike } = {}): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return source.sign({
    scope,
    orgno,
    iat,
    exp: iat + (opts.expSeconds ?? 120),
    ...(opts.key ? { key: opts.key } : {}),
  });
}

interface Answer {
  status: number;
  text: string;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function call(method: string, path: string, bearer?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${admin.url}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, text, headers: res.headers, body: parsed };
}

const publicJwks = new Map<number, { n?: string; e?: string }>();

/** A public RS256 JWK; the key material is generated once per size (the simulator checks kids, not key reuse). */
function rsaJwk(kid: string, modulusLength = 2048): Record<string, unknown> {
  let jwk = publicJwks.get(modulusLength);
  if (!jwk) {
    jwk = generateKeyPairSync('rsa', { modulusLength }).publicKey.export({ format: 'jwk' });
    publicJwks.set(modulusLength, jwk);
  }
  return { kty: 'RSA', alg: 'RS256', use: 'sig', kid, n: jwk.n, e: jwk.e };
}

const webClient = (overrides: Record<string, unknown> = {}) => ({
  client_name: 'Testklient',
  description: 'made by the test',
  integration_type: 'idporten',
  application_type: 'web',
  token_endpoint_auth_method: 'client_secret_basic',
  grant_types: ['authorization_code', 'refresh_token'],
  scopes: ['openid', 'profile'],
  redirect_uris: ['https://test.eksempel.no/callback'],
  post_logout_redirect_uris: ['https://test.eksempel.no/logout'],
  frontchannel_logout_uri: 'https://test.eksempel.no/frontchannel',
  ...overrides,
});

const maskinportenClient = (overrides: Record<string, unknown> = {}) => ({
  client_name: 'Maskinporten test',
  integration_type: 'maskinporten',
  application_type: 'web',
  token_endpoint_auth_method: 'private_key_jwt',
  grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
  scopes: ['krr:global/kontaktinformasjon.read'],
  ...overrides,
});

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/;

beforeAll(async () => {
  source = await startTokenSource({ issuer: ISSUER });
  foreignKey = source.foreignKey;
  admin = await startAdminSimulator({
    maskinportenIssuer: ISSUER,
    maskinportenJwksUrl: source.jwksUrl,
    ownerOrgno: OWNER,
    otherOrgno: OTHER,
  });
});

afterAll(async () => {
  await admin?.close();
  await source?.close();
});

describe('admin API simulator: authentication and scopes', () => {
  it('answers 401 without, with an expired and with a foreign-signed token', async () => {
    const none = await call('GET', '/clients');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ status: 401, error: 'invalid_token' });
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect((await call('GET', '/clients', await token(OWNER, READ, { expSeconds: -60 }))).status).toBe(401);
    expect((await call('GET', '/clients', await token(OWNER, READ, { key: foreignKey }))).status).toBe(401);
  });

  it('answers 403 when the token lacks the operation scope', async () => {
    const modifyOnly = await token(OWNER, MODIFY);
    const res = await call('GET', '/clients', modifyOnly);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ status: 403, error: 'access_denied' });
    expect((await call('POST', '/clients', await token(OWNER, READ), webClient())).status).toBe(403);
    expect(
      (await call('PUT', `/clients/${SEEDED_CLIENT_IDS.example}`, await token(OWNER, READ), webClient())).status,
    ).toBe(403);
    const oboPath = `/clients/${SEEDED_CLIENT_IDS.example}/onbehalfof`;
    expect((await call('POST', oboPath, await token(OWNER, MODIFY), { onbehalfof: 'x' })).status).toBe(403);
    // modify (and write) also give read access to onbehalfof registrations
    expect((await call('GET', oboPath, modifyOnly)).status).toBe(200);
    expect((await call('GET', oboPath, await token(OWNER, WRITE))).status).toBe(200);
  });

  it('answers 404 for unknown routes and 405 for a wrong method, tolerates a trailing slash', async () => {
    const t = await token(OWNER, ALL);
    expect((await call('GET', '/nothing', t)).status).toBe(404);
    expect((await call('GET', `/clients/${SEEDED_CLIENT_IDS.example}/onbehalof`, t)).status).toBe(404);
    const wrong = await call('PATCH', `/clients/${SEEDED_CLIENT_IDS.example}`, t, {});
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('PUT');
    expect((await call('GET', '/clients/', t)).status).toBe(200);
    expect((await call('GET', `/clients/${encodeURIComponent(SEEDED_CLIENT_IDS.example)}/`, t)).status).toBe(200);
  });
});

describe('admin API simulator: reading clients', () => {
  it('lists only the caller’s own clients (and supplied ones with dcr.supplier)', async () => {
    const own = await call('GET', '/clients', await token(OWNER, READ));
    expect(own.status).toBe(200);
    const ids = (own.body as { client_id: string }[]).map((c) => c.client_id);
    expect(ids).toContain(SEEDED_CLIENT_IDS.example);
    expect(ids).toContain(SEEDED_CLIENT_IDS.ownerMaskinporten);
    expect(ids).not.toContain(SEEDED_CLIENT_IDS.ownerSupplied);
    for (const foreign of [SEEDED_CLIENT_IDS.otherIdporten, SEEDED_CLIENT_IDS.otherMaskinporten]) {
      expect(ids).not.toContain(foreign);
    }
    expect(ids).not.toContain(SEEDED_CLIENT_IDS.otherSupplied);
    for (const c of own.body as Record<string, unknown>[]) expect(c).not.toHaveProperty('client_secret');

    const supplier = await call('GET', '/clients', await token(OWNER, `${READ} ${SUPPLIER}`));
    const supplierIds = (supplier.body as { client_id: string }[]).map((c) => c.client_id);
    expect(supplierIds).toContain(SEEDED_CLIENT_IDS.ownerSupplied);
    expect(supplierIds).not.toContain(SEEDED_CLIENT_IDS.otherSupplied);
  });

  it('answers 403 for another organisation’s client and 404 for an unknown one', async () => {
    const t = await token(OWNER, ALL);
    const res = await call('GET', `/clients/${SEEDED_CLIENT_IDS.otherIdporten}`, t);
    expect(res.status).toBe(403);
    expect(res.body.client_id).toBeUndefined();
    expect((await call('GET', `/clients/${SEEDED_CLIENT_IDS.otherMaskinporten}/jwks`, t)).status).toBe(403);
    const missing = await call('GET', '/clients/does-not-exist', t);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404 });
  });

  it('serves the seed document’s example client with valid onbehalfof orgnos in both shapes', async () => {
    const res = await call('GET', `/clients/${SEEDED_CLIENT_IDS.example}`, await token(OWNER, READ));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      client_id: 'oidc_eksempel_klient',
      client_name: 'En tilfeldig eksempelklient',
      client_orgno: OWNER,
      integration_type: 'idporten',
      application_type: 'web',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      scopes: ['openid', 'profile'],
      redirect_uris: ['https://eksempel.no/login'],
      post_logout_redirect_uris: ['https://eksempel.no/logout'],
      authorization_lifetime: 7200,
      access_token_lifetime: 300,
      refresh_token_lifetime: 7200,
      active: true,
      jwks_uri: `${admin.url}/clients/oidc_eksempel_klient/jwks`,
    });
    expect(res.body.created).toMatch(ISO_WITH_OFFSET);
    expect(res.body.last_updated).toMatch(ISO_WITH_OFFSET);
    expect(res.body).not.toHaveProperty('client_secret');
    expect(res.body.onbehalfof).toHaveLength(2);
    expect(res.body.onbehalfof[0]).toMatchObject({
      onbehalfof: 'example_onbehalfof',
      name: 'Eksempelregistrering for onbehalof',
      display_name: 'Eksempelregistrering for onbehalof',
      orgno: SEEDED_ORGNOS.onBehalfOf1,
      url: 'https://service.eksempel.no',
      client_uri: 'https://service.eksempel.no',
    });
    const single = await call(
      'GET',
      '/clients/oidc_eksempel_klient/onbehalfof/example_onbehalfof_2',
      await token(OWNER, READ),
    );
    expect(single.body).toMatchObject({ onbehalfof: 'example_onbehalfof_2', orgno: SEEDED_ORGNOS.onBehalfOf2 });
  });
});

describe('admin API simulator: creating and changing clients', () => {
  it('creates a client with a server-assigned id and shows the secret only once', async () => {
    const created = await call(
      'POST',
      '/clients',
      await token(OWNER, WRITE),
      webClient({ client_id: 'ignored', active: false, created: 'x' }),
    );
    expect(created.status).toBe(201);
    expect(created.body.client_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.client_secret).toEqual(expect.any(String));
    expect(created.body.client_orgno).toBe(OWNER);
    expect(created.body).not.toHaveProperty('supplier_orgno');
    expect(created.body.active).toBe(true);
    expect(created.body).toMatchObject({
      access_token_lifetime: 120,
      authorization_lifetime: 7200,
      refresh_token_lifetime: 600,
    });

    const read = await call('GET', `/clients/${created.body.client_id}`, await token(OWNER, READ));
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('client_secret');
    expect(read.text).not.toContain(created.body.client_secret);
  });

  it('PUT replaces the writable fields, keeps the secret and refuses an integration_type change', async () => {
    const t = await token(OWNER, `${READ} ${WRITE} ${MODIFY}`);
    const created = await call('POST', '/clients', t, webClient());
    const id = created.body.client_id as string;
    // GET, modify, PUT: the read-only fields of the GET answer are tolerated.
    const current = (await call('GET', `/clients/${id}`, t)).body as Record<string, unknown>;
    const { description: _dropped, ...withoutDescription } = current;
    const put = await call('PUT', `/clients/${id}`, t, {
      ...withoutDescription,
      client_name: 'Nytt navn',
      access_token_lifetime: 600,
    });
    expect(put.status).toBe(200);
    expect(put.body.client_name).toBe('Nytt navn');
    expect(put.body.access_token_lifetime).toBe(600);
    expect(put.body).not.toHaveProperty('description');
    expect(put.body).not.toHaveProperty('client_secret');
    expect(put.body.created).toBe(current.created);

    const changed = await call('PUT', `/clients/${id}`, t, { ...current, integration_type: 'ansattporten' });
    expect(changed.status).toBe(400);
    expect(changed.body.errors).toEqual([
      expect.objectContaining({ fieldIdentifier: 'integration_type', isFieldError: true, objectName: 'Client' }),
    ]);

    // rotation still works on the same client: the secret was never reset by PUT
    const rotated = await call('POST', `/clients/${id}/secret`, t);
    expect(rotated.status).toBe(200);
    expect(rotated.body.client_secret).toEqual(expect.any(String));
    expect(rotated.body.client_secret).not.toBe(created.body.client_secret);
    expect(rotated.body.client_id).toBe(id);
    expect((await call('GET', `/clients/${id}`, t)).body).not.toHaveProperty('client_secret');
  });

  it('rejects an illegal combination with the Digdir validation body', async () => {
    const res = await call(
      'POST',
      '/clients',
      await token(OWNER, WRITE),
      maskinportenClient({
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code'],
        redirect_uris: ['https://eksempel.no/cb'],
      }),
    );
    expect(res.status).toBe(400);
    expect(res.body.status).toBe(400);
    expect(res.body.timestamp).toMatch(ISO_WITH_OFFSET);
    expect(res.body.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
    const fields = (res.body.errors as { fieldIdentifier: string }[]).map((e) => e.fieldIdentifier);
    expect(fields).toEqual(['token_endpoint_auth_method', 'grant_types']);
    for (const e of res.body.errors) {
      expect(e).toMatchObject({ isFieldError: true, objectName: 'Client', errorMessage: expect.any(String) });
    }
    const expected = (res.body.errors as { errorMessage: string }[]).map((e) => `, ${e.errorMessage}`).join('');
    expect(res.body.error).toBe(expected);
    expect(res.body.error_description).toBe(expected);

    const browserWithSecret = await call(
      'POST',
      '/clients',
      await token(OWNER, WRITE),
      webClient({ application_type: 'browser' }),
    );
    expect(browserWithSecret.status).toBe(400);
    expect(browserWithSecret.body.errors[0].fieldIdentifier).toBe('token_endpoint_auth_method');
  });

  it('validates redirect URIs, names, orgnos and lifetimes, one error entry per problem', async () => {
    const t = await token(OWNER, WRITE);
    for (const uri of ['http://eksempel.no/cb', 'https://eksempel.no/cb#frag', 'not a url', 'ftp://eksempel.no/cb']) {
      const res = await call(
        'POST',
        '/clients',
        t,
        webClient({ redirect_uris: [uri], frontchannel_logout_uri: undefined }),
      );
      expect(res.status, uri).toBe(400);
      expect(res.body.errors[0].fieldIdentifier, uri).toBe('redirect_uris');
    }
    const local = await call(
      'POST',
      '/clients',
      t,
      webClient({ redirect_uris: ['http://localhost:3000/cb'], frontchannel_logout_uri: undefined }),
    );
    expect(local.status).toBe(201);
    const noRedirects = await call(
      'POST',
      '/clients',
      t,
      webClient({ redirect_uris: [], frontchannel_logout_uri: undefined }),
    );
    expect(noRedirects.body.errors[0].fieldIdentifier).toBe('redirect_uris');
    const otherHost = await call('POST', '/clients', t, webClient({ frontchannel_logout_uri: 'https://annet.no/fc' }));
    expect(otherHost.body.errors[0].fieldIdentifier).toBe('frontchannel_logout_uri');

    const many = await call(
      'POST',
      '/clients',
      t,
      webClient({
        client_name: '',
        client_orgno: '991825828',
        access_token_lifetime: -5,
        refresh_token_usage: 'SOMETIMES',
      }),
    );
    expect(many.status).toBe(400);
    const fields = (many.body.errors as { fieldIdentifier: string }[]).map((e) => e.fieldIdentifier);
    expect(fields).toEqual(
      expect.arrayContaining(['client_name', 'client_orgno', 'access_token_lifetime', 'refresh_token_usage']),
    );

    const notJson = await call('POST', '/clients', t, '{not json');
    expect(notJson.status).toBe(400);
    expect(notJson.body.errors).toHaveLength(1);

    const krr = await call('POST', '/clients', t, maskinportenClient({ integration_type: 'krr', scopes: undefined }));
    expect(krr.status).toBe(201);
    expect(krr.body.scopes).toEqual(['krr:global/kontaktinformasjon.read', 'krr:global/digitalpost.read']);
    const krrWrong = await call(
      'POST',
      '/clients',
      t,
      maskinportenClient({ integration_type: 'krr', scopes: ['x:y'] }),
    );
    expect(krrWrong.body.errors[0].fieldIdentifier).toBe('scopes');
  });

  it('soft-deletes: 200 with an empty body, then the client reads active false', async () => {
    const t = await token(OWNER, `${READ} ${WRITE} ${MODIFY}`);
    const id = (await call('POST', '/clients', t, maskinportenClient())).body.client_id as string;
    const del = await call('DELETE', `/clients/${id}`, t);
    expect(del.status).toBe(200);
    expect(del.text).toBe('');
    const read = await call('GET', `/clients/${id}`, t);
    expect(read.status).toBe(200);
    expect(read.body.active).toBe(false);
    expect((await call('DELETE', '/clients/unknown-id', t)).status).toBe(404);
  });

  it('refuses secret rotation for a client without a secret', async () => {
    const t = await token(OWNER, MODIFY);
    const res = await call('POST', `/clients/${SEEDED_CLIENT_IDS.ownerMaskinporten}/secret`, t);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].fieldIdentifier).toBe('token_endpoint_auth_method');
    const seeded = await call('POST', `/clients/${SEEDED_CLIENT_IDS.example}/secret`, t);
    expect(seeded.status).toBe(200);
    expect(seeded.body.client_secret).toEqual(expect.any(String));
  });
});

describe('admin API simulator: JWKS', () => {
  it('replaces the whole set, enforces the rules, and DELETE removes all keys', async () => {
    const t = await token(OWNER, `${READ} ${WRITE} ${MODIFY}`);
    const id = (await call('POST', '/clients', t, maskinportenClient())).body.client_id as string;
    const path = `/clients/${id}/jwks`;
    expect((await call('GET', path, t)).body).toEqual({ keys: [] });

    const five = Array.from({ length: 5 }, (_, i) => rsaJwk(`key.${i}_a-b`));
    const posted = await call('POST', path, t, { keys: five });
    expect(posted.status).toBe(200);
    expect(posted.body.keys).toHaveLength(5);
    const nowSec = Math.floor(Date.now() / 1000);
    for (const k of posted.body.keys) {
      expect(k.exp).toBeGreaterThan(nowSec + 364 * 24 * 3600);
      expect(k.exp).toBeLessThanOrEqual(nowSec + 366 * 24 * 3600);
    }
    expect(posted.body.created).toMatch(ISO_WITH_OFFSET);

    const six = await call('POST', path, t, { keys: [...five, rsaJwk('key.6')] });
    expect(six.status).toBe(400);
    expect(six.body.errors[0].fieldIdentifier).toBe('keys');

    const taken = await call('PUT', path, t, { keys: [rsaJwk(SEEDED_KIDS.other)] });
    expect(taken.status).toBe(400);
    expect(taken.body.errors[0]).toMatchObject({
      fieldIdentifier: 'keys',
      errorMessage: expect.stringContaining('already in use'),
    });

    const withPrivate = { ...rsaJwk('priv'), d: 'AQAB', p: 'AQAB' };
    const priv = await call('PUT', path, t, { keys: [withPrivate] });
    expect(priv.status).toBe(400);
    expect(priv.body.errors[0].fieldIdentifier).toBe('keys');

    expect((await call('PUT', path, t, { keys: [] })).status).toBe(400);
    expect((await call('PUT', path, t, { keys: [rsaJwk('small', 1024)] })).status).toBe(400);
    expect((await call('PUT', path, t, { keys: [{ ...rsaJwk('es'), alg: 'RS512' }] })).status).toBe(400);
    expect((await call('PUT', path, t, { keys: [rsaJwk('bad kid!')] })).status).toBe(400);
    expect(
      (await call('PUT', path, t, { keys: [{ ...rsaJwk('far'), exp: nowSec + 2 * 365 * 24 * 3600 }] })).status,
    ).toBe(400);

    // a bare array is tolerated; PUT replaces the set, keeping the set's created
    const bare = await call('PUT', path, t, [{ ...rsaJwk('one'), exp: nowSec + 3600 }]);
    expect(bare.status).toBe(200);
    expect(bare.body.keys.map((k: { kid: string }) => k.kid)).toEqual(['one']);
    expect(bare.body.keys[0].exp).toBe(nowSec + 3600);
    expect(bare.body.created).toBe(posted.body.created);

    // the kid of this client's own current set can be posted again
    expect((await call('POST', path, t, { keys: [rsaJwk('one')] })).status).toBe(200);
    // but another client cannot take it
    const otherId = (await call('POST', '/clients', t, maskinportenClient())).body.client_id as string;
    expect((await call('POST', `/clients/${otherId}/jwks`, t, { keys: [rsaJwk('one')] })).status).toBe(400);

    const del = await call('DELETE', path, t);
    expect(del.status).toBe(200);
    expect(del.text).toBe('');
    expect((await call('GET', path, t)).body).toEqual({ keys: [] });
  });

  it('serves the seeded key of the owner’s Maskinporten client', async () => {
    const res = await call('GET', `/clients/${SEEDED_CLIENT_IDS.ownerMaskinporten}/jwks`, await token(OWNER, READ));
    expect(res.status).toBe(200);
    expect(res.body.keys).toEqual([
      expect.objectContaining({ kid: SEEDED_KIDS.owner, kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' }),
    ]);
    expect(res.body.keys[0]).not.toHaveProperty('d');
  });
});

describe('admin API simulator: JWKS expiry and key size, decided by its own code', () => {
  it('serves an expired key with its past exp, refuses it when posted again, and counts only the posted keys', async () => {
    let offsetMs = 0;
    const clocked = await startAdminSimulator({
      maskinportenIssuer: ISSUER,
      maskinportenJwksUrl: source.jwksUrl,
      ownerOrgno: OWNER,
      otherOrgno: OTHER,
      now: () => Date.now() + offsetMs,
    });
    try {
      const t = await token(OWNER, `${READ} ${WRITE} ${MODIFY}`);
      const at = (path: string) => `${clocked.url}${path}`;
      const send = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(at(path), {
          method,
          headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : undefined };
      };
      const id = (await send('POST', '/clients', maskinportenClient())).body.client_id as string;
      const path = `/clients/${id}/jwks`;
      const nowSec = Math.floor(Date.now() / 1000);
      const stored = await send('POST', path, {
        keys: [{ ...rsaJwk('short-lived'), exp: nowSec + 3600 }, ...[1, 2, 3, 4].map((i) => rsaJwk(`long-${i}`))],
      });
      expect(stored.status).toBe(200);

      offsetMs = 2 * 3600 * 1000; // two hours later: the short-lived key has expired
      const read = await send('GET', path);
      const keys = read.body.keys as { kid: string; exp: number }[];
      expect(keys.find((k) => k.kid === 'short-lived')!.exp).toBeLessThan(Math.floor((Date.now() + offsetMs) / 1000));

      // re-sending the set as read (expired exp included) is refused
      const again = await send('POST', path, { keys });
      expect(again.status).toBe(400);
      expect(again.body.errors).toEqual([
        expect.objectContaining({ fieldIdentifier: 'keys', errorMessage: expect.stringContaining('exp must be') }),
      ]);
      // without the expired key: four kept plus a new one make five, within the limit
      const kept = keys.filter((k) => k.kid !== 'short-lived');
      const rewritten = await send('POST', path, { keys: [...kept, rsaJwk('new-1')] });
      expect(rewritten.status).toBe(200);
      expect(rewritten.body.keys.map((k: { kid: string }) => k.kid)).toEqual([
        'long-1',
        'long-2',
        'long-3',
        'long-4',
        'new-1',
      ]);
    } finally {
      await clocked.close();
    }
  });

  it('counts the true bit length of the modulus: zero padding does not make a short key long', async () => {
    const t = await token(OWNER, `${READ} ${WRITE} ${MODIFY}`);
    const id = (await call('POST', '/clients', t, maskinportenClient())).body.client_id as string;
    const path = `/clients/${id}/jwks`;
    const short = Buffer.from(rsaJwk('x', 512).n as string, 'base64url').subarray(0, 57); // 456 bits
    const padded = Buffer.concat([Buffer.alloc(200), short]).toString('base64url');
    const res = await call('POST', path, t, { keys: [{ ...rsaJwk('padded'), n: padded }] });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].errorMessage).toContain('2048 bits');
    expect((await call('POST', path, t, { keys: [rsaJwk('odd', 2047)] })).status).toBe(400);
    const withZero = Buffer.concat([Buffer.alloc(1), Buffer.from(rsaJwk('y').n as string, 'base64url')]);
    expect(
      (await call('POST', path, t, { keys: [{ ...rsaJwk('zero'), n: withZero.toString('base64url') }] })).status,
    ).toBe(200);
  });
});

describe('admin API simulator: ids', () => {
  it('takes onbehalfof ids by the admin id rule, and answers 404 for a path id outside it', async () => {
    const t = await token(OWNER, `${READ} ${WRITE} ${OBO_WRITE}`);
    const id = (await call('POST', '/clients', t, webClient())).body.client_id as string;
    const base = `/clients/${id}/onbehalfof`;
    const body = (onbehalfof: string) => ({ onbehalfof, name: 'x', orgno: SEEDED_ORGNOS.onBehalfOf1 });
    expect((await call('POST', base, t, body('urn:kunde:1'))).status).toBe(200);
    expect((await call('GET', `${base}/urn:kunde:1`, t)).status).toBe(200);
    for (const bad of ['..', '.', 'a/b', 'a b', 'x'.repeat(129)]) {
      const res = await call('POST', base, t, body(bad));
      expect(res.status, bad).toBe(400);
      expect(res.body.errors[0].fieldIdentifier).toBe('onbehalfof');
    }
    // (`%2e%2e` never arrives: URL normalisation turns it into `..` and removes it on the client side)
    for (const bad of ['a%2Fb', 'a%20b', '%00', 'a%3Fb']) {
      expect((await call('GET', `${base}/${bad}`, t)).status, bad).toBe(404);
      expect((await call('GET', `/clients/${bad}`, t)).status, bad).toBe(404);
    }
  });
});

describe('admin API simulator: onbehalfof', () => {
  it('supports CRUD with both input shapes, 409 on duplicates and 400 on a bad orgno', async () => {
    const t = await token(OWNER, `${READ} ${WRITE} ${OBO_WRITE}`);
    const id = (await call('POST', '/clients', t, webClient())).body.client_id as string;
    const base = `/clients/${id}/onbehalfof`;

    const docsShape = await call('POST', base, t, {
      onbehalfof: 'new_example_onbehalof',
      display_name: 'Eksempelregistrering for onbehalof',
      orgno: SEEDED_ORGNOS.onBehalfOf1,
      url: 'https://service.eksempel.no',
    });
    expect(docsShape.status).toBe(200);
    expect(docsShape.body).toMatchObject({
      onbehalfof: 'new_example_onbehalof',
      name: 'Eksempelregistrering for onbehalof',
      display_name: 'Eksempelregistrering for onbehalof',
      url: 'https://service.eksempel.no',
      client_uri: 'https://service.eksempel.no',
    });
    expect(docsShape.body.created).toMatch(ISO_WITH_OFFSET);

    const newShape = await call('POST', `${base}/`, t, {
      onbehalfof: 'newer-shape.1',
      name: 'Nyere form',
      description: 'beskrivelse',
      client_uri: 'https://ny.eksempel.no',
      orgno: SEEDED_ORGNOS.onBehalfOf2,
    });
    expect(newShape.status).toBe(200);
    expect(newShape.body).toMatchObject({
      display_name: 'Nyere form',
      url: 'https://ny.eksempel.no',
      description: 'beskrivelse',
    });

    const dup = await call('POST', base, t, {
      onbehalfof: 'newer-shape.1',
      name: 'x',
      orgno: SEEDED_ORGNOS.onBehalfOf2,
    });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ status: 409 });

    const badOrgno = await call('POST', base, t, { onbehalfof: 'bad', name: 'x', orgno: '991825828' });
    expect(badOrgno.status).toBe(400);
    expect(badOrgno.body.errors[0].fieldIdentifier).toBe('orgno');
    const badId = await call('POST', base, t, { onbehalfof: 'has space', name: 'x', orgno: SEEDED_ORGNOS.onBehalfOf2 });
    expect(badId.body.errors[0].fieldIdentifier).toBe('onbehalfof');

    const list = await call('GET', base, t);
    expect(list.body.map((o: { onbehalfof: string }) => o.onbehalfof)).toEqual([
      'new_example_onbehalof',
      'newer-shape.1',
    ]);
    expect((await call('GET', `/clients/${id}`, t)).body.onbehalfof).toHaveLength(2);

    const put = await call('PUT', `${base}/new_example_onbehalof`, t, {
      onbehalfof: 'new_example_onbehalof',
      display_name: 'Modified display_name value',
      orgno: SEEDED_ORGNOS.onBehalfOf1,
      url: 'https://service.eksempel.no',
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'Modified display_name value', created: docsShape.body.created });
    expect((await call('GET', `${base}/new_example_onbehalof`, t)).body.display_name).toBe(
      'Modified display_name value',
    );

    expect((await call('PUT', `${base}/unknown`, t, { name: 'x', orgno: SEEDED_ORGNOS.onBehalfOf1 })).status).toBe(404);
    const del = await call('DELETE', `${base}/new_example_onbehalof`, t);
    expect(del.status).toBe(200);
    expect(del.text).toBe('');
    expect((await call('GET', `${base}/new_example_onbehalof`, t)).status).toBe(404);
    expect((await call('DELETE', `${base}/new_example_onbehalof`, t)).status).toBe(404);
  });
});

describe('admin API simulator: suppliers', () => {
  it('lets a supplier create for a customer and manage it, but not another supplier’s client', async () => {
    const supplier = await token(OWNER, `${READ} ${WRITE} ${MODIFY} ${SUPPLIER}`);
    const created = await call('POST', '/clients', supplier, maskinportenClient({ client_orgno: CUSTOMER }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ client_orgno: CUSTOMER, supplier_orgno: OWNER });
    const id = created.body.client_id as string;

    const put = await call(
      'PUT',
      `/clients/${id}`,
      supplier,
      maskinportenClient({ client_name: 'Endret av leverandør' }),
    );
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      client_name: 'Endret av leverandør',
      supplier_orgno: OWNER,
      client_orgno: CUSTOMER,
    });
    expect((await call('POST', `/clients/${id}/jwks`, supplier, { keys: [rsaJwk('supplied-key')] })).status).toBe(200);

    // the customer reads its supplied client, but only the supplier may change it
    const customer = await token(CUSTOMER, `${READ} ${MODIFY}`);
    expect((await call('GET', `/clients/${id}`, customer)).status).toBe(200);
    expect((await call('PUT', `/clients/${id}`, customer, maskinportenClient())).status).toBe(403);
    expect((await call('DELETE', `/clients/${id}`, customer)).status).toBe(403);

    // without dcr.supplier the supplier neither sees nor changes it, nor creates for others
    const plain = await token(OWNER, `${READ} ${WRITE} ${MODIFY}`);
    expect((await call('GET', `/clients/${id}`, plain)).status).toBe(403);
    expect((await call('POST', '/clients', plain, maskinportenClient({ client_orgno: CUSTOMER }))).status).toBe(403);

    // another supplier's client stays out of reach
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await call(
        method,
        `/clients/${SEEDED_CLIENT_IDS.otherSupplied}`,
        supplier,
        method === 'PUT' ? webClient() : undefined,
      );
      expect(res.status, method).toBe(403);
    }
    expect((await call('DELETE', `/clients/${id}`, supplier)).status).toBe(200);
  });
});

describe('admin API simulator: fault injection and request log', () => {
  it('answers injected failures for the next authorized requests and records every request', async () => {
    const t = await token(OWNER, READ);
    admin.failNext(503, 2);
    expect((await call('GET', '/clients', undefined)).status).toBe(401); // unauthorized requests do not consume faults
    const first = await call('GET', '/clients', t);
    expect(first.status).toBe(503);
    expect(first.body).toMatchObject({ status: 503 });
    expect((await call('GET', '/clients', t)).status).toBe(503);
    expect((await call('GET', '/clients', t)).status).toBe(200);
    admin.failNext(500, 1, { error: 'boom' });
    expect((await call('GET', '/clients', t)).body).toEqual({ error: 'boom' });

    const last = admin.requests.at(-1);
    expect(last).toEqual({ method: 'GET', path: '/api/v1/clients', status: 500, scopes: [READ] });
    expect(admin.requests.some((r) => r.status === 401 && r.scopes.length === 0)).toBe(true);
  });
});
