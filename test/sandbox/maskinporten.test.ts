import { X509Certificate, randomUUID } from 'node:crypto';
import {
  SignJWT,
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importPKCS8,
  jwtVerify,
} from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startMaskinportenSimulator } from '../../src/sandbox/maskinporten.js';
import type { MaskinportenSimulator, OnBehalfOfRegistration } from '../../src/sandbox/maskinporten.js';
import { createTestPki, orgnoFromCertificate } from '../../src/sandbox/pki.js';
import type { IssuedCertificate, TestPki } from '../../src/sandbox/pki.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const SUPPLIER_ORGNO = '991825827';
const OTHER_ORGNO = '984661185';
const CUSTOMER_ORGNO = '922020175';
/** Customers of the supplier in the supplier-mode tests. */
const KOMMUNE_A = '910825526';
const KOMMUNE_B = '910825534';
const CONTACT = 'krr:global/kontaktinformasjon.read';
const POST = 'krr:global/digitalpost.read';
const ORG = (orgno: string) => ({ authority: 'iso6523-actorid-upis', ID: `0192:${orgno}` });

interface TokenResponse {
  status: number;
  body: Record<string, unknown>;
}

async function postForm(url: string, form: Record<string, string>, contentType?: string): Promise<TokenResponse> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType ?? 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('Maskinporten simulator', () => {
  let pki: TestPki;
  let rogue: TestPki;
  let cert: IssuedCertificate;
  let certKey: CryptoKey;
  let otherOrgCert: IssuedCertificate;
  let otherOrgKey: CryptoKey;
  let rogueCert: IssuedCertificate;
  let rogueKey: CryptoKey;
  let mp: MaskinportenSimulator;
  let kidKey: CryptoKey;
  let kidJwk: JWK;
  let expiredKey: CryptoKey;

  beforeAll(async () => {
    pki = createTestPki({ name: 'Test CA' });
    rogue = createTestPki({ name: 'Rogue CA' });
    cert = pki.issueEnterpriseCertificate({ orgno: SUPPLIER_ORGNO, organizationName: 'Leverandør AS' });
    otherOrgCert = pki.issueEnterpriseCertificate({ orgno: OTHER_ORGNO });
    rogueCert = rogue.issueEnterpriseCertificate({ orgno: SUPPLIER_ORGNO });
    certKey = await importPKCS8(cert.keyPem, 'RS256');
    otherOrgKey = await importPKCS8(otherOrgCert.keyPem, 'RS256');
    rogueKey = await importPKCS8(rogueCert.keyPem, 'RS256');

    const kidPair = await generateKeyPair('RS256', { extractable: true });
    kidKey = kidPair.privateKey;
    kidJwk = { ...(await exportJWK(kidPair.publicKey)), kid: 'registered-key-1', alg: 'RS256', use: 'sig' };
    const expiredPair = await generateKeyPair('RS256', { extractable: true });
    expiredKey = expiredPair.privateKey;
    const expiredJwk: JWK = {
      ...(await exportJWK(expiredPair.publicKey)),
      kid: 'expired-key',
      exp: Math.floor(Date.now() / 1000) - 60,
    } as JWK;

    mp = await startMaskinportenSimulator({
      trustedCaCertsPem: [pki.caCertPem],
      clients: [
        {
          clientId: 'cert-client',
          orgno: SUPPLIER_ORGNO,
          scopes: ['krr:global/kontaktinformasjon.read', 'idporten:dcr.read'],
          delegatedConsumerOrgs: [CUSTOMER_ORGNO],
        },
        { clientId: 'kid-client', orgno: SUPPLIER_ORGNO, scopes: ['idporten:dcr.read'], jwks: [kidJwk, expiredJwk] },
      ],
    });
  });

  afterAll(async () => {
    await mp?.close();
  });

  async function certGrant(
    opts: {
      claims?: JWTPayload;
      omit?: string[];
      iat?: number;
      exp?: number;
      x5c?: unknown;
      key?: CryptoKey;
      issued?: IssuedCertificate;
    } = {},
  ): Promise<string> {
    const iat = opts.iat ?? Math.floor(Date.now() / 1000);
    const claims: JWTPayload = {
      aud: mp.issuer,
      iss: 'cert-client',
      scope: 'krr:global/kontaktinformasjon.read',
      iat,
      exp: opts.exp ?? iat + 120,
      jti: randomUUID(),
      ...opts.claims,
    };
    for (const name of opts.omit ?? []) delete claims[name];
    const issued = opts.issued ?? cert;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', x5c: (opts.x5c ?? issued.x5c) as string[] })
      .sign(opts.key ?? (issued === cert ? certKey : issued === otherOrgCert ? otherOrgKey : rogueKey));
  }

  const token = (assertion: string) => postForm(`${mp.url}/token`, { grant_type: JWT_BEARER, assertion });

  function expectError(res: TokenResponse, code: string, error = 'invalid_grant', status = 400): void {
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
    expect(res.body.error_uri).toBe(`${mp.issuer}errors/${code}`);
    expect(res.body.error_description).toMatch(/\(trace_id: [0-9a-f]+\)$/);
    expect(String(res.body.error_description)).not.toContain(code);
  }

  it('builds a PKI whose certificates Node parses and verifies', () => {
    const leaf = new X509Certificate(cert.certPem);
    const ca = new X509Certificate(pki.caCertPem);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.subject).toContain('C=NO');
    expect(leaf.subject).toContain('O=Leverandør AS');
    expect(orgnoFromCertificate(leaf)).toBe(SUPPLIER_ORGNO);
    expect(cert.x5c).toHaveLength(2);
    expect(new X509Certificate(Buffer.from(cert.x5c[0] as string, 'base64')).fingerprint256).toBe(leaf.fingerprint256);
    expect(new X509Certificate(Buffer.from(cert.x5c[1] as string, 'base64')).fingerprint256).toBe(ca.fingerprint256);
    expect(cert.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(new X509Certificate(rogueCert.certPem).verify(ca.publicKey)).toBe(false);
  });

  it('publishes RFC 8414 metadata and its JWKS', async () => {
    const meta = (await (await fetch(`${mp.url}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    expect(mp.issuer).toBe(`${mp.url}/`);
    expect(meta).toEqual({
      issuer: mp.issuer,
      token_endpoint: `${mp.url}/token`,
      jwks_uri: `${mp.url}/jwk`,
      grant_types_supported: [JWT_BEARER],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'RS512'],
    });
    const jwks = (await (await fetch(mp.jwksUrl)).json()) as { keys: JWK[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]?.kid).toBeTruthy();
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('issues an access token for a good x5c grant that verifies against the published JWKS', async () => {
    const before = { requests: mp.tokenRequests, issued: mp.tokensIssued };
    const res = await token(await certGrant());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 120,
      scope: 'krr:global/kontaktinformasjon.read',
    });
    const accessToken = String(res.body.access_token);
    const { payload, protectedHeader } = await jwtVerify(accessToken, createRemoteJWKSet(new URL(mp.jwksUrl)), {
      issuer: mp.issuer,
      algorithms: ['RS256'],
    });
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload).toMatchObject({
      iss: mp.issuer,
      client_id: 'cert-client',
      client_amr: 'virksomhetssertifikat',
      token_type: 'Bearer',
      consumer: { authority: 'iso6523-actorid-upis', ID: `0192:${SUPPLIER_ORGNO}` },
      scope: 'krr:global/kontaktinformasjon.read',
    });
    expect(payload.supplier).toBeUndefined();
    expect(payload.aud).toBeUndefined();
    expect(typeof payload.jti).toBe('string');
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(120);
    expect(mp.tokenRequests).toBe(before.requests + 1);
    expect(mp.tokensIssued).toBe(before.issued + 1);
  });

  it('accepts several scopes, a resource (as aud) and a one-element aud array', async () => {
    const res = await token(
      await certGrant({
        claims: {
          aud: [mp.issuer],
          scope: 'krr:global/kontaktinformasjon.read idporten:dcr.read',
          resource: 'https://api.example.no/',
        },
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('krr:global/kontaktinformasjon.read idporten:dcr.read');
    const { payload } = await jwtVerify(String(res.body.access_token), createRemoteJWKSet(new URL(mp.jwksUrl)), {
      issuer: mp.issuer,
      audience: 'https://api.example.no/',
    });
    expect(payload.aud).toBe('https://api.example.no/');
  });

  it('honours consumer_org for a delegating organisation only (MP-251, HTTP 403 otherwise)', async () => {
    const ok = await token(await certGrant({ claims: { consumer_org: CUSTOMER_ORGNO } }));
    expect(ok.status).toBe(200);
    const { payload } = await jwtVerify(String(ok.body.access_token), createRemoteJWKSet(new URL(mp.jwksUrl)));
    expect(payload.consumer).toEqual({ authority: 'iso6523-actorid-upis', ID: `0192:${CUSTOMER_ORGNO}` });
    expect(payload.supplier).toEqual({ authority: 'iso6523-actorid-upis', ID: `0192:${SUPPLIER_ORGNO}` });

    const denied = await token(await certGrant({ claims: { consumer_org: OTHER_ORGNO } }));
    expectError(denied, 'MP-251', 'access_denied', 403);
    expect(denied.body.error_description).toMatch(
      new RegExp(
        `^Consumer ${OTHER_ORGNO} has not delegated access to the scope krr:global/kontaktinformasjon.read to supplier ${SUPPLIER_ORGNO} `,
      ),
    );
  });

  it('rejects a reused jti (MP-012)', async () => {
    const jti = randomUUID();
    expect((await token(await certGrant({ claims: { jti } }))).status).toBe(200);
    const again = await token(await certGrant({ claims: { jti } }));
    expectError(again, 'MP-012');
    expect(again.body.error_description).toMatch(/^Invalid assertion. Grant is used before/);
  });

  it('without a jti, rejects the very same grant twice but accepts a different one', async () => {
    const iat = Math.floor(Date.now() / 1000);
    const grant = await certGrant({ omit: ['jti'], iat });
    expect((await token(grant)).status).toBe(200);
    expectError(await token(grant), 'MP-012');
    expect((await token(await certGrant({ omit: ['jti'], iat, exp: iat + 60 }))).status).toBe(200);
  });

  it('rejects a grant living longer than 120 s (MP-130)', async () => {
    const iat = Math.floor(Date.now() / 1000);
    expectError(await token(await certGrant({ iat, exp: iat + 121 })), 'MP-130');
  });

  it('rejects an iat 30 s in the future or an expired grant (MP-130)', async () => {
    const now = Math.floor(Date.now() / 1000);
    expectError(await token(await certGrant({ iat: now + 30 })), 'MP-130');
    expectError(await token(await certGrant({ iat: now - 5, exp: now - 2 })), 'MP-130');
    expectError(await token(await certGrant({ omit: ['exp'] })), 'MP-130');
  });

  it('rejects a wrong aud (MP-110)', async () => {
    expectError(await token(await certGrant({ claims: { aud: mp.url } })), 'MP-110');
    expectError(await token(await certGrant({ claims: { aud: 'https://test.maskinporten.no/' } })), 'MP-110');
    expectError(await token(await certGrant({ claims: { aud: [mp.issuer, 'https://other/'] } })), 'MP-110');
  });

  it("rejects a certificate of another organisation than the client's owner (MP-122)", async () => {
    expectError(await token(await certGrant({ issued: otherOrgCert })), 'MP-122');
  });

  it('rejects a certificate chaining to an untrusted CA (MP-120)', async () => {
    expectError(await token(await certGrant({ issued: rogueCert })), 'MP-120');
    // The rogue leaf paired with the trusted CA certificate does not chain either.
    expectError(await token(await certGrant({ issued: rogueCert, x5c: [rogueCert.x5c[0], cert.x5c[1]] })), 'MP-120');
  });

  it('accepts the leaf alone when it is signed by a trusted CA', async () => {
    expect((await token(await certGrant({ x5c: [cert.x5c[0]] }))).status).toBe(200);
  });

  it('rejects an x5c that is a plain string or not base64 DER (MP-123)', async () => {
    expectError(await token(await certGrant({ x5c: cert.x5c[0] })), 'MP-123');
    expectError(await token(await certGrant({ x5c: ['not-a-certificate!'] })), 'MP-123');
    expectError(await token(await certGrant({ x5c: [Buffer.from('garbage').toString('base64')] })), 'MP-123');
    expectError(await token(await certGrant({ x5c: [cert.x5c[1], cert.x5c[0]] })), 'MP-123');
  });

  it('rejects a grant signed by another key than the certificate (MP-124)', async () => {
    expectError(await token(await certGrant({ key: otherOrgKey })), 'MP-124');
  });

  it('rejects an unknown client (MP-100)', async () => {
    expectError(await token(await certGrant({ claims: { iss: 'no-such-client' } })), 'MP-100');
  });

  it('rejects a scope not registered on the client (MP-200, invalid_scope)', async () => {
    const res = await token(await certGrant({ claims: { scope: 'krr:global/kontaktinformasjon.read x:y' } }));
    expectError(res, 'MP-200', 'invalid_scope');
    expect(res.body.error_description).toMatch(/^Token request contains invalid scopes for client, x:y/);
  });

  it('rejects any claim outside the documented set (MP-011, invalid_request "Invalid assertion")', async () => {
    const res = await token(await certGrant({ claims: { sub: 'cert-client' } }));
    expectError(res, 'MP-011', 'invalid_request');
    expect(res.body.error_description).toMatch(/^Invalid assertion/);
  });

  it('accepts a registered key by kid and refuses x5c for a client with registered keys', async () => {
    const iat = Math.floor(Date.now() / 1000);
    const claims = { aud: mp.issuer, iss: 'kid-client', scope: 'idporten:dcr.read', iat, exp: iat + 60 };
    const good = await new SignJWT({ ...claims, jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', kid: 'registered-key-1' })
      .sign(kidKey);
    const res = await token(good);
    expect(res.status).toBe(200);
    const { payload } = await jwtVerify(String(res.body.access_token), createRemoteJWKSet(new URL(mp.jwksUrl)));
    expect(payload).toMatchObject({ client_id: 'kid-client', client_amr: 'private_key_jwt' });

    const viaX5c = await new SignJWT({ ...claims, jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', x5c: cert.x5c })
      .sign(certKey);
    expectError(await token(viaX5c), 'MP-123');

    const unknownKid = await new SignJWT({ ...claims, jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', kid: 'nope' })
      .sign(kidKey);
    expectError(await token(unknownKid), 'MP-124');

    const wrongKey = await new SignJWT({ ...claims, jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', kid: 'registered-key-1' })
      .sign(certKey);
    expectError(await token(wrongKey), 'MP-124');
  });

  it('rejects a registered key past its exp (MP-121)', async () => {
    const iat = Math.floor(Date.now() / 1000);
    const grant = await new SignJWT({
      aud: mp.issuer,
      iss: 'kid-client',
      scope: 'idporten:dcr.read',
      jti: randomUUID(),
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'expired-key' })
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .sign(expiredKey);
    expectError(await token(grant), 'MP-121');
  });

  it('refuses alg "none" and algorithms other than RS256/384/512', async () => {
    const iat = Math.floor(Date.now() / 1000);
    const payload = { aud: mp.issuer, iss: 'cert-client', scope: 'idporten:dcr.read', iat, exp: iat + 60 };
    const unsigned = `${b64url({ alg: 'none', x5c: cert.x5c })}.${b64url({ ...payload, jti: randomUUID() })}.`;
    const res = await token(unsigned);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
    expect(res.body.access_token).toBeUndefined();

    const hs = await new SignJWT({ ...payload, jti: randomUUID() })
      .setProtectedHeader({ alg: 'HS256', x5c: cert.x5c })
      .sign(new TextEncoder().encode('a-shared-secret-that-is-long-enough!!'));
    expect((await token(hs)).status).toBe(400);

    const rs512 = await new SignJWT({ ...payload, jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS512', x5c: cert.x5c })
      .sign(await importPKCS8(cert.keyPem, 'RS512'));
    expect((await token(rs512)).status).toBe(200);
    expect(decodeProtectedHeader(rs512).alg).toBe('RS512');
  });

  it('answers malformed requests with 400 JSON and never crashes', async () => {
    const url = `${mp.url}/token`;
    const noGrantType = await postForm(url, { assertion: await certGrant() });
    expect(noGrantType.status).toBe(400);
    expect(noGrantType.body.error).toBe('invalid_request');
    const wrongGrantType = await postForm(url, { grant_type: 'client_credentials', assertion: 'x' });
    expect(wrongGrantType.status).toBe(400);
    expect(wrongGrantType.body.error).toBe('unsupported_grant_type');
    const noAssertion = await postForm(url, { grant_type: JWT_BEARER });
    expect(noAssertion.status).toBe(400);
    expect(noAssertion.body.error).toBe('invalid_request');
    for (const assertion of ['garbage', 'a.b.c', `${b64url({ alg: 'RS256' })}.${b64url([1, 2])}.sig`, '...']) {
      const res = await postForm(url, { grant_type: JWT_BEARER, assertion });
      expect(res.status).toBe(400);
      expect(typeof res.body.error).toBe('string');
    }
    const json = await postForm(url, { grant_type: JWT_BEARER, assertion: await certGrant() }, 'application/json');
    expect(json.status).toBe(400);
    const weirdHeader = `${b64url({ alg: 'RS256', x5c: [{ a: 1 }], kid: 5 })}.${b64url({ iss: 'cert-client' })}.AAAA`;
    expectError(await token(weirdHeader), 'MP-123');
    const huge = await postForm(url, { grant_type: JWT_BEARER, assertion: 'x'.repeat(1_000_000) });
    expect(huge.status).toBe(400);
    expect(huge.body.error).toBe('invalid_request');
    expect((await fetch(url)).status).toBe(405);
    // still alive
    expect((await token(await certGrant())).status).toBe(200);
  });

  it('uses the injected clock for grant validation and token times', async () => {
    let clock = Date.parse('2030-01-01T12:00:00Z');
    // Certificates valid at the simulated time.
    const future = pki.issueEnterpriseCertificate({
      orgno: SUPPLIER_ORGNO,
      notBefore: new Date(clock - 86_400_000),
      validDays: 30,
    });
    const futureKey = await importPKCS8(future.keyPem, 'RS256');
    const sim = await startMaskinportenSimulator({
      trustedCaCertsPem: [pki.caCertPem],
      clients: [{ clientId: 'c', orgno: SUPPLIER_ORGNO, scopes: ['s:1'] }],
      accessTokenTtlSeconds: 599,
      now: () => clock,
    });
    try {
      const grantAt = (iatMs: number, jti = randomUUID()) =>
        new SignJWT({ aud: sim.issuer, iss: 'c', scope: 's:1', jti })
          .setProtectedHeader({ alg: 'RS256', x5c: future.x5c })
          .setIssuedAt(Math.floor(iatMs / 1000))
          .setExpirationTime(Math.floor(iatMs / 1000) + 120)
          .sign(futureKey);
      const post = async (assertion: string) => postForm(`${sim.url}/token`, { grant_type: JWT_BEARER, assertion });

      // Real time is years before the simulated clock: refused.
      const stale = await post(await grantAt(Date.now()));
      expect(stale.status).toBe(400);
      expect(stale.body.error_uri).toBe(`${sim.issuer}errors/MP-130`);

      const ok = await post(await grantAt(clock - 9_000));
      expect(ok.status).toBe(200);
      expect(ok.body.expires_in).toBe(599);
      const { payload } = await jwtVerify(String(ok.body.access_token), createRemoteJWKSet(new URL(sim.jwksUrl)), {
        currentDate: new Date(clock),
      });
      expect(payload.iat).toBe(clock / 1000);
      expect(payload.exp).toBe(clock / 1000 + 599);

      // The same jti again, while the grant could still be accepted: refused.
      const jti = randomUUID();
      expect((await post(await grantAt(clock, jti))).status).toBe(200);
      clock += 30_000;
      expect((await post(await grantAt(clock, jti))).body.error_uri).toBe(`${sim.issuer}errors/MP-012`);

      // Certificates expire with the simulated clock too.
      clock += 40 * 86_400_000;
      const expired = await post(await grantAt(clock));
      expect(expired.body.error_uri).toBe(`${sim.issuer}errors/MP-120`);

      sim.setAccessTokenTtl(60);
      sim.registerClient({ clientId: 'c', orgno: SUPPLIER_ORGNO, scopes: ['s:1'] });
      expect(sim.tokenRequests).toBe(5);
      expect(sim.tokensIssued).toBe(2);
    } finally {
      await sim.close();
    }
  });
  describe('supplier mode: consumer_org and iss_onbehalfof', () => {
    const SUPPLIER_CLIENT = 'supplier-client';
    let lookups: [string, string][];
    let registrations: Map<string, OnBehalfOfRegistration>;

    beforeAll(() => {
      mp.registerClient({
        clientId: SUPPLIER_CLIENT,
        orgno: SUPPLIER_ORGNO,
        scopes: [CONTACT, POST, 'idporten:dcr.read'],
      });
    });

    beforeEach(() => {
      lookups = [];
      registrations = new Map([[`${SUPPLIER_CLIENT}/kommune-b`, { orgno: KOMMUNE_B, name: 'Kommune B' }]]);
      mp.setOnBehalfOfLookup((clientId, id) => {
        lookups.push([clientId, id]);
        return registrations.get(`${clientId}/${id}`);
      });
      mp.setDelegations([{ consumerOrg: KOMMUNE_A, supplierOrgno: SUPPLIER_ORGNO, scopes: [CONTACT, POST] }]);
    });

    afterEach(() => {
      mp.setDelegations([]);
      mp.setOnBehalfOfLookup(undefined);
    });

    const supplierGrant = (claims: JWTPayload) =>
      certGrant({ claims: { iss: SUPPLIER_CLIENT, scope: `${CONTACT} ${POST}`, ...claims } });

    async function claimsOf(res: TokenResponse): Promise<JWTPayload> {
      expect(res.status).toBe(200);
      const { payload } = await jwtVerify(String(res.body.access_token), createRemoteJWKSet(new URL(mp.jwksUrl)), {
        issuer: mp.issuer,
      });
      return payload;
    }

    it("issues a token naming the customer as consumer and the client's organisation as supplier for a delegation", async () => {
      const payload = await claimsOf(await token(await supplierGrant({ consumer_org: KOMMUNE_A })));
      expect(payload).toMatchObject({ client_id: SUPPLIER_CLIENT, scope: `${CONTACT} ${POST}` });
      expect(payload.consumer).toEqual(ORG(KOMMUNE_A));
      expect(payload.supplier).toEqual(ORG(SUPPLIER_ORGNO));
      // Without either claim: the client's own organisation, no supplier.
      const own = await claimsOf(await token(await supplierGrant({})));
      expect(own.consumer).toEqual(ORG(SUPPLIER_ORGNO));
      expect(own).not.toHaveProperty('supplier');
    });

    it('refuses consumer_org unless EVERY requested scope is delegated (MP-251, access_denied, HTTP 403)', async () => {
      mp.setDelegations([{ consumerOrg: KOMMUNE_A, supplierOrgno: SUPPLIER_ORGNO, scopes: [CONTACT] }]);
      expect((await token(await supplierGrant({ consumer_org: KOMMUNE_A, scope: CONTACT }))).status).toBe(200);
      const partly = await token(await supplierGrant({ consumer_org: KOMMUNE_A }));
      expectError(partly, 'MP-251', 'access_denied', 403);
      expect(partly.body.error_description).toMatch(
        new RegExp(
          `^Consumer ${KOMMUNE_A} has not delegated access to the scope ${POST} to supplier ${SUPPLIER_ORGNO} `,
        ),
      );
      // A customer that delegated nothing.
      expectError(await token(await supplierGrant({ consumer_org: KOMMUNE_B })), 'MP-251', 'access_denied', 403);
      // A delegation to another supplier organisation does not count for this client.
      mp.setDelegations([{ consumerOrg: KOMMUNE_B, supplierOrgno: OTHER_ORGNO, scopes: [CONTACT, POST] }]);
      expectError(await token(await supplierGrant({ consumer_org: KOMMUNE_B })), 'MP-251', 'access_denied', 403);
      // A refused grant used up nothing: the same jti passes once the delegation exists.
      const jti = randomUUID();
      expectError(await token(await supplierGrant({ consumer_org: KOMMUNE_A, jti })), 'MP-251', 'access_denied', 403);
      mp.addDelegation({ consumerOrg: KOMMUNE_A, supplierOrgno: SUPPLIER_ORGNO, scopes: [CONTACT, POST] });
      expect((await token(await supplierGrant({ consumer_org: KOMMUNE_A, jti }))).status).toBe(200);
    });

    it('changes delegations at runtime: add, revoke per scope or whole, replace', async () => {
      mp.setDelegations([]);
      expect(mp.delegations).toEqual([]);
      expectError(await token(await supplierGrant({ consumer_org: KOMMUNE_A })), 'MP-251', 'access_denied', 403);
      mp.addDelegation({ consumerOrg: KOMMUNE_A, supplierOrgno: SUPPLIER_ORGNO, scopes: [CONTACT] });
      mp.addDelegation({ consumerOrg: KOMMUNE_A, supplierOrgno: SUPPLIER_ORGNO, scopes: [POST] });
      expect((await token(await supplierGrant({ consumer_org: KOMMUNE_A }))).status).toBe(200);
      mp.revokeDelegation(KOMMUNE_A, SUPPLIER_ORGNO, [POST]);
      expect((await token(await supplierGrant({ consumer_org: KOMMUNE_A, scope: CONTACT }))).status).toBe(200);
      expectError(await token(await supplierGrant({ consumer_org: KOMMUNE_A })), 'MP-251', 'access_denied', 403);
      mp.revokeDelegation(KOMMUNE_A, SUPPLIER_ORGNO);
      expect(mp.delegations).toEqual([]);
      expectError(
        await token(await supplierGrant({ consumer_org: KOMMUNE_A, scope: CONTACT })),
        'MP-251',
        'access_denied',
        403,
      );
      // The getter hands out copies; malformed delegations are refused at once.
      mp.setDelegations([{ consumerOrg: KOMMUNE_A, supplierOrgno: SUPPLIER_ORGNO, scopes: [CONTACT] }]);
      mp.delegations[0]?.scopes.push(POST);
      expect(mp.delegations).toEqual([{ consumerOrg: KOMMUNE_A, supplierOrgno: SUPPLIER_ORGNO, scopes: [CONTACT] }]);
      expect(() =>
        mp.addDelegation({ consumerOrg: '0192:910825526', supplierOrgno: SUPPLIER_ORGNO, scopes: [] }),
      ).toThrow(TypeError);
    });

    it("refuses consumer_org naming the client's own organisation, or malformed (invalid_request)", async () => {
      const own = await token(await supplierGrant({ consumer_org: SUPPLIER_ORGNO }));
      expectError(own, 'MP-011', 'invalid_request');
      expect(own.body.error_description).toMatch(
        /^Validation of JWT claim failed: The combination consumer_org in claim and delegation scope on client is invalid /,
      );
      for (const bad of ['91082552', `0192:${KOMMUNE_A}`, 910825526, '', [KOMMUNE_A]]) {
        expectError(await token(await supplierGrant({ consumer_org: bad })), 'MP-011', 'invalid_request');
      }
    });

    it('accepts iss_onbehalfof only for a registration on the client at that moment', async () => {
      const payload = await claimsOf(await token(await supplierGrant({ iss_onbehalfof: 'kommune-b' })));
      expect(payload.consumer).toEqual(ORG(KOMMUNE_B));
      expect(payload.supplier).toEqual(ORG(SUPPLIER_ORGNO));
      expect(payload).not.toHaveProperty('iss_onbehalfof');
      expect(lookups).toEqual([[SUPPLIER_CLIENT, 'kommune-b']]);

      // Deleted: refused with invalid_grant and no MP code (Digdir documents none), HTTP 400.
      registrations.clear();
      const gone = await token(await supplierGrant({ iss_onbehalfof: 'kommune-b' }));
      expect(gone.status).toBe(400);
      expect(gone.body.error).toBe('invalid_grant');
      expect(gone.body).not.toHaveProperty('error_uri');
      expect(gone.body.error_description).toMatch(
        /^Invalid assertion\. Client authentication failed\. No onbehalfof registration 'kommune-b' on client supplier-client \(trace_id: [0-9a-f]+\)$/,
      );
      expect(gone.body).not.toHaveProperty('access_token');

      // Registered again (for another customer): accepted, naming that customer.
      registrations.set(`${SUPPLIER_CLIENT}/kommune-b`, { orgno: KOMMUNE_A });
      expect((await claimsOf(await token(await supplierGrant({ iss_onbehalfof: 'kommune-b' })))).consumer).toEqual(
        ORG(KOMMUNE_A),
      );

      // A registration on another client does not count: the lookup is by the grant's client.
      registrations.set(`cert-client/only-there`, { orgno: KOMMUNE_B });
      expect((await token(await supplierGrant({ iss_onbehalfof: 'only-there' }))).body.error).toBe('invalid_grant');
      expect((await token(await certGrant({ claims: { iss_onbehalfof: 'only-there' } }))).status).toBe(200);

      // Without a lookup, nothing is registered anywhere.
      mp.setOnBehalfOfLookup(undefined);
      expect((await token(await supplierGrant({ iss_onbehalfof: 'kommune-b' }))).body.error).toBe('invalid_grant');
    });

    it('refuses a malformed iss_onbehalfof (MP-011) without looking it up', async () => {
      for (const bad of ['', 'a/b', 'x'.repeat(129), 42, { id: 'kommune-b' }]) {
        expectError(await token(await supplierGrant({ iss_onbehalfof: bad })), 'MP-011', 'invalid_request');
      }
      expect(lookups).toEqual([]);
    });

    it('refuses consumer_org together with iss_onbehalfof: they are mutually exclusive', async () => {
      const both = await token(await supplierGrant({ consumer_org: KOMMUNE_A, iss_onbehalfof: 'kommune-b' }));
      expectError(both, 'MP-011', 'invalid_request');
      expect(both.body.error_description).toMatch(/mutually exclusive/);
      expect(lookups).toEqual([]);
    });

    it('checks the scopes against the client before the customer (MP-200 first)', async () => {
      const res = await token(await supplierGrant({ consumer_org: KOMMUNE_A, scope: `${CONTACT} x:y` }));
      expectError(res, 'MP-200', 'invalid_scope');
    });
  });
});
