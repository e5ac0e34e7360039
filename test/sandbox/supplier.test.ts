/**
 * Supplier mode in the whole sandbox, over loopback HTTP and without the facade: the seeded customers (one by Altinn
 * delegation, one by onbehalfof registration), the Maskinporten simulator checking `iss_onbehalfof` against the admin
 * simulator's registrations as they are at each token request, and the KRR simulator recording the legal consumer.
 * Grants are signed here the way the facade signs them (x5c of the enterprise certificate, RS256, jti).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { SignJWT, createRemoteJWKSet, decodeJwt, importPKCS8, jwtVerify, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDED_CLIENT_IDS } from '../../src/sandbox/admin-seed.js';
import {
  SANDBOX_CLIENT_ID,
  SANDBOX_CUSTOMERS,
  SANDBOX_KRR_SCOPES,
  SANDBOX_ORGNO,
  startSandbox,
  type Sandbox,
} from '../../src/sandbox/index.js';

const CONTACT = 'krr:global/kontaktinformasjon.read';
const POST = 'krr:global/digitalpost.read';
const KRR = `${CONTACT} ${POST}`;
const DCR = 'idporten:dcr.read idporten:dcr.modify idporten:dcr/onbehalfof:write';
const EKSEMPEL = SANDBOX_CUSTOMERS.delegating.orgno;
const ANNEN = SANDBOX_CUSTOMERS.onBehalfOf.orgno;
/** Another valid orgno, a customer nobody has registered or delegated anything for. */
const NY_KUNDE = '974423138';
const ORG = (orgno: string) => ({ authority: 'iso6523-actorid-upis', ID: `0192:${orgno}` });

interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

let sandbox: Sandbox;
let key: CryptoKey;

beforeAll(async () => {
  sandbox = await startSandbox();
  key = await importPKCS8(sandbox.enterprise.keyPem, 'RS256');
});

afterAll(async () => {
  await sandbox?.close();
});

/** A grant for the facade's own client, as the facade builds it. */
async function grant(scope: string, extra: JWTPayload = {}): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope, ...extra })
    .setProtectedHeader({ alg: 'RS256', x5c: sandbox.enterprise.x5c })
    .setIssuer(SANDBOX_CLIENT_ID)
    .setAudience(sandbox.maskinporten.issuer)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 100)
    .setJti(randomUUID())
    .sign(key);
}

async function requestToken(scope: string, extra: JWTPayload = {}): Promise<TokenAnswer> {
  const res = await fetch(`${sandbox.maskinporten.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: await grant(scope, extra),
    }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function accessToken(scope: string, extra: JWTPayload = {}): Promise<string> {
  const res = await requestToken(scope, extra);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return String(res.body.access_token);
}

async function krrLookup(bearer: string, ids: string[]): Promise<number> {
  const res = await fetch(`${sandbox.krr.url}/rest/v1/personer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ personidentifikatorer: ids }),
  });
  await res.arrayBuffer();
  return res.status;
}

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${sandbox.admin.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await accessToken(DCR)}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

describe('sandbox supplier mode', () => {
  it('exports the default tenants in the tenants-file shape and writes them to tenantsFile', async () => {
    expect(sandbox.tenants).toEqual({
      claim: 'tenant',
      file: {
        tenants: [
          { organizationNumber: '910825526', name: 'Eksempel kommune', via: 'consumer_org' },
          { organizationNumber: '910825534', name: 'Annen kommune', via: 'onbehalfof', onBehalfOf: 'annen-kommune' },
        ],
      },
    });
    expect(JSON.parse(await readFile(sandbox.tenantsFile, 'utf8'))).toEqual(sandbox.tenants.file);
    expect(sandbox.callerIssuer.tenantClaim).toBe(sandbox.tenants.claim);
  });

  it("seeds the facade's own Maskinporten client with its onbehalfof registration in the admin API", async () => {
    const list = await admin('GET', '/clients');
    expect(list.status).toBe(200);
    const ids = (list.body as { client_id: string }[]).map((c) => c.client_id);
    expect(ids).toContain(SANDBOX_CLIENT_ID);
    expect(ids).toContain(SEEDED_CLIENT_IDS.ownerMaskinporten);
    const own = await admin('GET', `/clients/${SANDBOX_CLIENT_ID}`);
    expect(own.body).toMatchObject({
      client_id: SANDBOX_CLIENT_ID,
      client_orgno: SANDBOX_ORGNO,
      integration_type: 'maskinporten',
      token_endpoint_auth_method: 'private_key_jwt',
      active: true,
      onbehalfof: [{ onbehalfof: 'annen-kommune', name: 'Annen kommune', orgno: ANNEN }],
    });
    expect((own.body as { scopes: string[] }).scopes).toEqual(expect.arrayContaining(SANDBOX_KRR_SCOPES));
    expect(sandbox.admin.findOnBehalfOf(SANDBOX_CLIENT_ID, 'annen-kommune')).toEqual({
      orgno: ANNEN,
      name: 'Annen kommune',
    });
    expect(sandbox.admin.findOnBehalfOf(SANDBOX_CLIENT_ID, 'no-such')).toBeUndefined();
    expect(sandbox.admin.findOnBehalfOf('no-such-client', 'annen-kommune')).toBeUndefined();
  });

  it('seeds the delegation from Eksempel kommune of the KRR scopes to our organisation', () => {
    expect(sandbox.maskinporten.delegations).toEqual([
      { consumerOrg: EKSEMPEL, supplierOrgno: SANDBOX_ORGNO, scopes: SANDBOX_KRR_SCOPES },
    ]);
  });

  it('each KRR call is recorded with the one legal consumer of its token, and the supplier when there is one', async () => {
    const own = await accessToken(KRR);
    const delegated = await accessToken(KRR, { consumer_org: EKSEMPEL });
    const onBehalfOf = await accessToken(KRR, { iss_onbehalfof: 'annen-kommune' });
    expect(decodeJwt(own)).toMatchObject({ consumer: ORG(SANDBOX_ORGNO) });
    expect(decodeJwt(own)).not.toHaveProperty('supplier');
    expect(decodeJwt(delegated)).toMatchObject({ consumer: ORG(EKSEMPEL), supplier: ORG(SANDBOX_ORGNO) });
    expect(decodeJwt(onBehalfOf)).toMatchObject({ consumer: ORG(ANNEN), supplier: ORG(SANDBOX_ORGNO) });
    // The tokens verify against the simulator's published keys, as KRR verifies them.
    const jwks = createRemoteJWKSet(new URL(sandbox.maskinporten.jwksUrl));
    for (const t of [own, delegated, onBehalfOf]) {
      await expect(jwtVerify(t, jwks, { issuer: sandbox.maskinporten.issuer })).resolves.toBeTruthy();
    }

    const before = sandbox.krr.requests.length;
    const calls: [string, string[]][] = [
      [delegated, ['11822648950']],
      [own, ['04846697271', '18886799280']],
      [onBehalfOf, ['22859197810']],
    ];
    expect(await Promise.all(calls.map(([t, ids]) => krrLookup(t, ids)))).toEqual([200, 200, 200]);
    const byConsumer = new Map(sandbox.krr.requests.slice(before).map((r) => [r.ids.join(','), r]));
    expect(byConsumer.get('11822648950')).toMatchObject({ status: 200, consumer: EKSEMPEL, supplier: SANDBOX_ORGNO });
    expect(byConsumer.get('04846697271,18886799280')).toMatchObject({ status: 200, consumer: SANDBOX_ORGNO });
    expect(byConsumer.get('04846697271,18886799280')).not.toHaveProperty('supplier');
    expect(byConsumer.get('22859197810')).toMatchObject({ status: 200, consumer: ANNEN, supplier: SANDBOX_ORGNO });

    // An unauthenticated call names no consumer.
    expect(await krrLookup('not-a-token', ['11822648950'])).toBe(401);
    expect(sandbox.krr.requests.at(-1)).not.toHaveProperty('consumer');
  });

  it('refuses consumer_org for a customer that delegated nothing to us (MP-251, 403)', async () => {
    const res = await requestToken(KRR, { consumer_org: ANNEN });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({
      error: 'access_denied',
      error_uri: `${sandbox.maskinporten.issuer}errors/MP-251`,
    });
    expect(String(res.body.error_description)).toContain(`Consumer ${ANNEN} has not delegated access to the scope`);
    expect(String(res.body.error_description)).toContain(`to supplier ${SANDBOX_ORGNO}`);
    // The delegated customer did not delegate the admin scopes either.
    expect((await requestToken('idporten:dcr.read', { consumer_org: EKSEMPEL })).status).toBe(403);
  });

  it('follows onbehalfof registrations created and deleted through the admin API', async () => {
    // Not registered yet: refused.
    const before = await requestToken(KRR, { iss_onbehalfof: 'ny-kunde' });
    expect(before.status).toBe(400);
    expect(before.body.error).toBe('invalid_grant');

    const created = await admin('POST', `/clients/${SANDBOX_CLIENT_ID}/onbehalfof`, {
      onbehalfof: 'ny-kunde',
      name: 'Ny kunde',
      orgno: NY_KUNDE,
    });
    expect(created.status).toBe(200);
    const token = await accessToken(KRR, { iss_onbehalfof: 'ny-kunde' });
    expect(decodeJwt(token)).toMatchObject({ consumer: ORG(NY_KUNDE), supplier: ORG(SANDBOX_ORGNO) });
    expect(await krrLookup(token, ['11822648950'])).toBe(200);
    expect(sandbox.krr.requests.at(-1)).toMatchObject({ consumer: NY_KUNDE, supplier: SANDBOX_ORGNO });

    // A registration on another of our clients does not let this client act for that customer.
    expect(
      (
        await admin('POST', `/clients/${SEEDED_CLIENT_IDS.ownerMaskinporten}/onbehalfof`, {
          onbehalfof: 'bare-der',
          name: 'Bare der',
          orgno: NY_KUNDE,
        })
      ).status,
    ).toBe(200);
    expect((await requestToken(KRR, { iss_onbehalfof: 'bare-der' })).body.error).toBe('invalid_grant');

    expect((await admin('DELETE', `/clients/${SANDBOX_CLIENT_ID}/onbehalfof/ny-kunde`)).status).toBe(200);
    const after = await requestToken(KRR, { iss_onbehalfof: 'ny-kunde' });
    expect(after.status).toBe(400);
    expect(after.body.error).toBe('invalid_grant');
    expect(after.body).not.toHaveProperty('error_uri');
    expect(String(after.body.error_description)).toContain("No onbehalfof registration 'ny-kunde'");

    // The seeded one: delete, then refused; register again, then accepted.
    expect((await admin('DELETE', `/clients/${SANDBOX_CLIENT_ID}/onbehalfof/annen-kommune`)).status).toBe(200);
    expect((await requestToken(KRR, { iss_onbehalfof: 'annen-kommune' })).status).toBe(400);
    expect(
      (
        await admin('POST', `/clients/${SANDBOX_CLIENT_ID}/onbehalfof`, {
          onbehalfof: 'annen-kommune',
          name: 'Annen kommune',
          orgno: ANNEN,
        })
      ).status,
    ).toBe(200);
    expect(decodeJwt(await accessToken(KRR, { iss_onbehalfof: 'annen-kommune' }))).toMatchObject({
      consumer: ORG(ANNEN),
    });
  });

  it('refuses both mechanisms in one grant', async () => {
    const res = await requestToken(KRR, { consumer_org: EKSEMPEL, iss_onbehalfof: 'annen-kommune' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'invalid_request',
      error_uri: `${sandbox.maskinporten.issuer}errors/MP-011`,
    });
  });

  it('issues caller tokens naming a tenant in the tenants claim', async () => {
    const caller = await sandbox.callerIssuer.issueToken({ tenant: EKSEMPEL });
    const { payload } = await jwtVerify(
      caller.access_token,
      createRemoteJWKSet(new URL(sandbox.callerIssuer.jwksUrl)),
      {
        issuer: sandbox.callerIssuer.issuer,
        audience: sandbox.callerIssuer.audience,
      },
    );
    expect(payload[sandbox.tenants.claim]).toBe(EKSEMPEL);
  });

  it('refuses onbehalfof registrations of a deactivated client', async () => {
    // Last: this deactivates the facade's own client in the admin API.
    expect((await requestToken(KRR, { iss_onbehalfof: 'annen-kommune' })).status).toBe(200);
    expect((await admin('DELETE', `/clients/${SANDBOX_CLIENT_ID}`)).status).toBe(200);
    expect(sandbox.admin.findOnBehalfOf(SANDBOX_CLIENT_ID, 'annen-kommune')).toBeUndefined();
    expect((await requestToken(KRR, { iss_onbehalfof: 'annen-kommune' })).body.error).toBe('invalid_grant');
  });
});
