import { X509Certificate, createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialsError, loadPemCredentials, type GrantCredentials } from '../../src/maskinporten/credentials.js';
import { GRANT_LIFETIME_SECONDS, buildGrant, type GrantInput } from '../../src/maskinporten/grant.js';
import { startMaskinportenSimulator, type MaskinportenSimulator } from '../../src/sandbox/maskinporten.js';
import { createTestPki, type IssuedCertificate, type TestPki } from '../../src/sandbox/pki.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const OWNER_ORGNO = '991825827';
const OTHER_ORGNO = '984661185';
const CUSTOMER_ORGNO = '922020175';
const CONTACT = 'krr:global/kontaktinformasjon.read';
const MAILBOX = 'krr:global/digitalpost.read';
const DOCUMENTED_CLAIMS = ['aud', 'iss', 'scope', 'iat', 'exp', 'jti', 'resource', 'consumer_org'];

interface Metadata {
  issuer: string;
  token_endpoint: string;
}

interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

let pki: TestPki;
let cert: IssuedCertificate;
let otherOrgCert: IssuedCertificate;
let sim: MaskinportenSimulator;
let metadata: Metadata;
let x5cCredentials: GrantCredentials;
let kidCredentials: GrantCredentials;
let dir: string;

beforeAll(async () => {
  pki = createTestPki({ name: 'Grant test CA' });
  cert = pki.issueEnterpriseCertificate({ orgno: OWNER_ORGNO, organizationName: 'Leverandør AS' });
  otherOrgCert = pki.issueEnterpriseCertificate({ orgno: OTHER_ORGNO });
  x5cCredentials = { privateKey: createPrivateKey(cert.keyPem), x5c: cert.x5c };

  // A key registered on a client through the admin API: the grant names it by kid.
  const registered = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk = {
    ...(registered.publicKey.export({ format: 'jwk' }) as JWK),
    kid: 'facade-key-2024',
    alg: 'RS256',
  };
  kidCredentials = { privateKey: registered.privateKey, kid: 'facade-key-2024' };

  sim = await startMaskinportenSimulator({
    trustedCaCertsPem: [pki.caCertPem],
    clients: [
      {
        clientId: 'x5c-client',
        orgno: OWNER_ORGNO,
        scopes: [CONTACT, MAILBOX],
        delegatedConsumerOrgs: [CUSTOMER_ORGNO],
      },
      { clientId: 'kid-client', orgno: OWNER_ORGNO, scopes: [CONTACT], jwks: [publicJwk] },
    ],
  });
  metadata = (await (await fetch(`${sim.issuer}.well-known/oauth-authorization-server`)).json()) as Metadata;
  dir = await mkdtemp(join(tmpdir(), 'grant-test-'));
});

afterAll(async () => {
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

function input(overrides: Partial<GrantInput> = {}): GrantInput {
  return {
    clientId: 'x5c-client',
    audience: metadata.issuer,
    scopes: [CONTACT],
    nowSeconds: nowSeconds(),
    ...overrides,
  };
}

async function postGrant(assertion: string): Promise<TokenAnswer> {
  const res = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function expectRejected(answer: TokenAnswer, mpCode: string, error = 'invalid_grant'): void {
  expect(answer.status).toBe(400);
  expect(answer.body.access_token).toBeUndefined();
  expect(answer.body.error).toBe(error);
  expect(answer.body.error_uri).toBe(`${sim.issuer}errors/${mpCode}`);
}

describe('buildGrant against the Maskinporten simulator', () => {
  it('builds an x5c grant that the token endpoint accepts', async () => {
    const now = nowSeconds();
    const grant = await buildGrant(x5cCredentials, input({ nowSeconds: now }));

    const header = decodeProtectedHeader(grant);
    expect(header.alg).toBe('RS256');
    expect(Array.isArray(header.x5c)).toBe(true);
    expect(header.x5c).toEqual(cert.x5c);
    const leaf = new X509Certificate(Buffer.from(header.x5c?.[0] ?? '', 'base64'));
    expect(leaf.ca).toBe(false);
    expect(leaf.fingerprint256).toBe(new X509Certificate(cert.certPem).fingerprint256);
    expect(header.kid).toBeUndefined();

    const claims = decodeJwt(grant);
    expect(claims.aud).toBe(metadata.issuer); // one string, exactly the issuer (trailing slash included)
    expect(claims.aud).toBe(sim.issuer);
    expect(claims.iss).toBe('x5c-client');
    expect(claims.scope).toBe(CONTACT);
    expect(claims.iat).toBe(now);
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(120);
    expect(claims.exp! - claims.iat!).toBe(GRANT_LIFETIME_SECONDS);
    expect(claims.exp!).toBeGreaterThan(now);
    expect(typeof claims.jti).toBe('string');
    expect(claims.jti!.length).toBeGreaterThanOrEqual(16);
    for (const name of Object.keys(claims)) expect(DOCUMENTED_CLAIMS).toContain(name);

    const answer = await postGrant(grant);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 120, scope: CONTACT });
    expect(decodeJwt(String(answer.body.access_token))).toMatchObject({
      client_id: 'x5c-client',
      client_amr: 'virksomhetssertifikat',
    });
  });

  it('gives every grant a fresh jti, even within one second', async () => {
    const now = nowSeconds();
    const grants = await Promise.all(
      Array.from({ length: 20 }, () => buildGrant(x5cCredentials, input({ nowSeconds: now }))),
    );
    expect(new Set(grants.map((g) => decodeJwt(g).jti)).size).toBe(20);
    const answers = await Promise.all(grants.slice(0, 5).map(postGrant));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it('joins several scopes with spaces and carries resource and consumer_org when asked', async () => {
    const grant = await buildGrant(
      x5cCredentials,
      input({ scopes: [CONTACT, MAILBOX], resource: 'https://krr.example.no/', consumerOrg: CUSTOMER_ORGNO }),
    );
    const claims = decodeJwt(grant);
    expect(claims).toMatchObject({
      scope: `${CONTACT} ${MAILBOX}`,
      resource: 'https://krr.example.no/',
      consumer_org: CUSTOMER_ORGNO,
    });
    for (const name of Object.keys(claims)) expect(DOCUMENTED_CLAIMS).toContain(name);
    const answer = await postGrant(grant);
    expect(answer.status).toBe(200);
    expect(decodeJwt(String(answer.body.access_token))).toMatchObject({
      aud: 'https://krr.example.no/',
      consumer: { ID: `0192:${CUSTOMER_ORGNO}` },
    });
  });

  it('leaves out resource and consumer_org when they are not asked for', async () => {
    const claims = decodeJwt(await buildGrant(x5cCredentials, input({ resource: '', consumerOrg: undefined })));
    expect(claims).not.toHaveProperty('resource');
    expect(claims).not.toHaveProperty('consumer_org');
  });

  it('builds a kid grant for a key registered on the client, which the token endpoint accepts', async () => {
    const grant = await buildGrant(kidCredentials, input({ clientId: 'kid-client' }));
    const header = decodeProtectedHeader(grant);
    expect(header).toEqual({ alg: 'RS256', kid: 'facade-key-2024' });
    const answer = await postGrant(grant);
    expect(answer.status).toBe(200);
    expect(decodeJwt(String(answer.body.access_token))).toMatchObject({
      client_id: 'kid-client',
      client_amr: 'private_key_jwt',
    });
  });

  it('is refused when the very same grant is posted twice (MP-012)', async () => {
    const grant = await buildGrant(x5cCredentials, input());
    expect((await postGrant(grant)).status).toBe(200);
    expectRejected(await postGrant(grant), 'MP-012');
  });

  it('is refused when it lives longer than 120 s (MP-130), and accepted at exactly 120 s', async () => {
    const iat = nowSeconds();
    const handBuilt = (lifetime: number) =>
      new SignJWT({ scope: CONTACT, jti: randomUUID() })
        .setProtectedHeader({ alg: 'RS256', x5c: cert.x5c })
        .setIssuer('x5c-client')
        .setAudience(metadata.issuer)
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetime)
        .sign(x5cCredentials.privateKey);
    expectRejected(await postGrant(await handBuilt(121)), 'MP-130');
    expectRejected(await postGrant(await handBuilt(600)), 'MP-130');
    expect((await postGrant(await handBuilt(120))).status).toBe(200);
  });

  it('is refused with a wrong aud (MP-110)', async () => {
    expectRejected(await postGrant(await buildGrant(x5cCredentials, input({ audience: sim.url }))), 'MP-110');
    expectRejected(
      await postGrant(await buildGrant(x5cCredentials, input({ audience: 'https://test.maskinporten.no/' }))),
      'MP-110',
    );
  });

  it("is refused when signed with a certificate of another organisation than the client's owner (MP-122)", async () => {
    const foreign = { privateKey: createPrivateKey(otherOrgCert.keyPem), x5c: otherOrgCert.x5c };
    expectRejected(await postGrant(await buildGrant(foreign, input())), 'MP-122');
  });

  it('is refused for a scope not registered on the client (MP-200, invalid_scope)', async () => {
    const answer = await postGrant(await buildGrant(x5cCredentials, input({ scopes: [CONTACT, 'altinn:not-ours'] })));
    expectRejected(answer, 'MP-200', 'invalid_scope');
    expect(String(answer.body.error_description)).toContain('altinn:not-ours');
  });
});

describe('loadPemCredentials', () => {
  async function write(name: string, content: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content, { mode: 0o600 });
    return path;
  }

  /** Catches the CredentialsError and checks it names `variable` and holds nothing of the key. */
  async function refusal(promise: Promise<unknown>, variable: string, keyPem = cert.keyPem): Promise<string> {
    let caught: unknown;
    try {
      await promise;
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CredentialsError);
    const message = (caught as Error).message;
    expect(message).toContain(variable);
    expect(message).not.toMatch(/PRIVATE KEY|BEGIN/);
    for (const line of keyPem.split('\n').filter((l) => l && !l.startsWith('-----'))) {
      expect(message).not.toContain(line.slice(0, 16));
    }
    return message;
  }

  it('reads a PEM key and a PEM chain into x5c credentials, leaf first, that Maskinporten accepts', async () => {
    const keyFile = await write('key.pem', cert.keyPem);
    const certFile = await write('chain.pem', cert.chainPem);
    const loaded = await loadPemCredentials({ keyFile, certFile });
    expect(loaded.kid).toBeUndefined();
    expect(loaded.x5c).toEqual(cert.x5c);
    expect(loaded.x5c).toHaveLength(2);
    expect(new X509Certificate(Buffer.from(loaded.x5c?.[0] ?? '', 'base64')).checkPrivateKey(loaded.privateKey)).toBe(
      true,
    );
    expect(new X509Certificate(Buffer.from(loaded.x5c?.[1] ?? '', 'base64')).ca).toBe(true);
    expect((await postGrant(await buildGrant(loaded, input()))).status).toBe(200);
  });

  it('needs no certificate in kid mode', async () => {
    const keyFile = await write('kid-key.pem', cert.keyPem);
    const loaded = await loadPemCredentials({ keyFile, kid: 'facade-key-2024' });
    expect(loaded).toMatchObject({ kid: 'facade-key-2024' });
    expect(loaded.x5c).toBeUndefined();
  });

  it('refuses a chain whose first certificate does not belong to the key', async () => {
    const keyFile = await write('mismatch-key.pem', cert.keyPem);
    const certFile = await write('other-chain.pem', otherOrgCert.chainPem);
    await refusal(loadPemCredentials({ keyFile, certFile }), 'MASKINPORTEN_CERT_FILE');
    // The right certificates in the wrong order (CA first) are refused too.
    const reversed = await write('reversed-chain.pem', pki.caCertPem + cert.certPem);
    await refusal(loadPemCredentials({ keyFile, certFile: reversed }), 'MASKINPORTEN_CERT_FILE');
  });

  it('refuses a missing key or certificate file, naming the variable', async () => {
    const keyFile = await write('present-key.pem', cert.keyPem);
    const certFile = await write('present-chain.pem', cert.chainPem);
    const missingKey = await refusal(
      loadPemCredentials({ keyFile: join(dir, 'no-such-key.pem'), certFile }),
      'MASKINPORTEN_KEY_FILE',
    );
    expect(missingKey).toContain('ENOENT');
    await refusal(loadPemCredentials({ keyFile, certFile: join(dir, 'no-such-chain.pem') }), 'MASKINPORTEN_CERT_FILE');
    await refusal(loadPemCredentials({ keyFile }), 'MASKINPORTEN_CERT_FILE');
  });

  it('refuses a key file that is not a PEM RSA private key, without repeating its content', async () => {
    const certFile = await write('ok-chain.pem', cert.chainPem);
    const bareBase64 = cert.keyPem
      .split('\n')
      .filter((l) => !l.startsWith('-----'))
      .join('\n');
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    }) as string;
    const cases: [string, string, string][] = [
      ['garbage.pem', 'this is not a key at all', cert.keyPem],
      ['bare-base64.pem', bareBase64, cert.keyPem],
      ['certificate-as-key.pem', cert.certPem, cert.keyPem],
      ['ec-key.pem', ecKey, ecKey],
    ];
    for (const [name, content, secret] of cases) {
      const keyFile = await write(name, content);
      const message = await refusal(loadPemCredentials({ keyFile, certFile }), 'MASKINPORTEN_KEY_FILE', secret);
      expect(message).not.toContain(content.slice(0, 24));
    }
  });

  it('refuses a certificate file holding no certificate, without repeating it', async () => {
    const keyFile = await write('key-again.pem', cert.keyPem);
    const certFile = await write('key-as-chain.pem', cert.keyPem); // the key pasted in the wrong variable
    await refusal(loadPemCredentials({ keyFile, certFile }), 'MASKINPORTEN_CERT_FILE');
  });
});
