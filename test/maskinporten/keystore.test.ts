import { spawnSync } from 'node:child_process';
import { X509Certificate, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import {
  CredentialsError,
  loadCredentials,
  organizationNumberOf,
  type GrantCredentials,
} from '../../src/maskinporten/credentials.js';
import { buildGrant } from '../../src/maskinporten/grant.js';
import { startSandbox } from '../../src/sandbox/index.js';
import { startMaskinportenSimulator, type MaskinportenSimulator } from '../../src/sandbox/maskinporten.js';
import { createTestPki, type IssuedCertificate, type TestPki } from '../../src/sandbox/pki.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const OWNER_ORGNO = '991825827';
const CHAIN_ORGNO = '984661185';
const CONTACT = 'krr:global/kontaktinformasjon.read';
const PASSWORD = 'Sertifikat-passord-2024!';
const ISSUER_PLACEHOLDER = 'https://test.maskinporten.no/';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const hasOpensslLegacy = hasOpenssl && spawnSync('openssl', ['list', '-providers', '-provider', 'legacy']).status === 0;

let pki: TestPki;
let cert: IssuedCertificate;
let foreignCert: IssuedCertificate;
let threeLevel: { rootPem: string; intermediatePem: string; leafPem: string; keyPem: string };
let sim: MaskinportenSimulator;
let dir: string;

beforeAll(async () => {
  pki = createTestPki({ name: 'Keystore test CA' });
  cert = pki.issueEnterpriseCertificate({ orgno: OWNER_ORGNO, organizationName: 'Leverandør AS' });
  foreignCert = createTestPki({ name: 'Unrelated CA' }).issueEnterpriseCertificate({ orgno: CHAIN_ORGNO });
  threeLevel = createThreeLevelChain(CHAIN_ORGNO);
  sim = await startMaskinportenSimulator({
    trustedCaCertsPem: [pki.caCertPem, threeLevel.rootPem],
    clients: [
      { clientId: 'p12-client', orgno: OWNER_ORGNO, scopes: [CONTACT] },
      { clientId: 'chain-client', orgno: CHAIN_ORGNO, scopes: [CONTACT] },
    ],
  });
  dir = await mkdtemp(join(tmpdir(), 'keystore-test-'));
});

afterAll(async () => {
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface P12Options {
  keyPem: string | null;
  certPems: string[];
  password: string | null;
  algorithm?: '3des' | 'aes256';
  localKeyId?: boolean;
}

/** A .p12 built the way forge (and many tools) write them: certificates in the given order. */
function buildP12({ keyPem, certPems, password, algorithm = '3des', localKeyId = true }: P12Options): Buffer {
  const key = keyPem ? forge.pki.privateKeyFromPem(keyPem) : null;
  const certs = certPems.map((pem) => forge.pki.certificateFromPem(pem));
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, certs, password, {
    algorithm,
    friendlyName: 'virksomhetssertifikat',
    generateLocalKeyId: localKeyId,
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

async function write(name: string, content: Buffer | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content, { mode: 0o600 });
  return path;
}

function load(keystoreFile: string, ...args: [keystorePassword?: string | undefined, kid?: string]) {
  const [keystorePassword, kid] = args.length === 0 ? [PASSWORD] : args;
  return loadCredentials({ issuer: ISSUER_PLACEHOLDER, clientId: 'p12-client', keystoreFile, keystorePassword, kid });
}

function splitPem(chainPem: string): string[] {
  return chainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\r?\n?/g) ?? [];
}

function derOf(pem: string): string {
  return new X509Certificate(pem).raw.toString('base64');
}

/** Catches the CredentialsError and checks it names `variable` and holds neither the password nor the key. */
async function refusal(promise: Promise<unknown>, variable: string): Promise<string> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CredentialsError);
  const message = (caught as Error).message;
  expect(message).toContain(variable);
  expect(message).not.toContain(PASSWORD);
  expect(message).not.toMatch(/PRIVATE KEY|BEGIN/);
  for (const line of cert.keyPem.split('\n').filter((l) => l && !l.startsWith('-----'))) {
    expect(message).not.toContain(line.slice(0, 16));
  }
  return message;
}

async function postGrant(credentials: GrantCredentials, clientId = 'p12-client') {
  const assertion = await buildGrant(credentials, {
    clientId,
    audience: sim.issuer,
    scopes: [CONTACT],
    nowSeconds: Math.floor(Date.now() / 1000),
  });
  const res = await fetch(`${sim.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function expectKeySigns(credentials: GrantCredentials): void {
  const leaf = new X509Certificate(Buffer.from(credentials.x5c?.[0] ?? '', 'base64'));
  const data = randomBytes(32);
  expect(verify('sha256', data, leaf.publicKey, sign('sha256', data, credentials.privateKey))).toBe(true);
}

describe('loadCredentials with a PKCS#12 keystore (MASKINPORTEN_KEYSTORE_FILE)', () => {
  it.each(['3des', 'aes256'] as const)(
    'reads a %s keystore: x5c leaf first, the CA second, a key that signs grants Maskinporten accepts',
    async (algorithm) => {
      const file = await write(
        `enterprise-${algorithm}.p12`,
        buildP12({ keyPem: cert.keyPem, certPems: [cert.certPem, pki.caCertPem], password: PASSWORD, algorithm }),
      );
      const credentials = await load(file);
      expect(credentials.kid).toBeUndefined();
      expect(credentials.privateKey.asymmetricKeyType).toBe('rsa');
      expect(credentials.x5c).toEqual(cert.x5c);
      expect(new X509Certificate(Buffer.from(credentials.x5c?.[1] ?? '', 'base64')).ca).toBe(true);
      expect(organizationNumberOf(credentials)).toBe(OWNER_ORGNO);
      expectKeySigns(credentials);

      const answer = await postGrant(credentials);
      expect(answer.status).toBe(200);
      expect(decodeJwt(String(answer.body.access_token))).toMatchObject({
        client_id: 'p12-client',
        client_amr: 'virksomhetssertifikat',
      });
    },
  );

  it('gives the key alone with the registered kid when MASKINPORTEN_KID is set', async () => {
    const file = await write(
      'kid.p12',
      buildP12({ keyPem: cert.keyPem, certPems: [cert.certPem], password: PASSWORD }),
    );
    const credentials = await load(file, PASSWORD, 'facade-key-2024');
    expect(credentials).toMatchObject({ kid: 'facade-key-2024' });
    expect(credentials.x5c).toBeUndefined();
  });

  it('orders the chain leaf first whatever the order in the bag, and drops unrelated certificates', async () => {
    // forge puts the localKeyId on the first certificate: here the CA, so the leaf must be found by its public key.
    for (const localKeyId of [true, false]) {
      const file = await write(
        `unordered-${localKeyId}.p12`,
        buildP12({
          keyPem: cert.keyPem,
          certPems: [pki.caCertPem, foreignCert.certPem, cert.certPem, foreignCert.certPem],
          password: PASSWORD,
          localKeyId,
        }),
      );
      const credentials = await load(file);
      expect(credentials.x5c).toEqual(cert.x5c);
      expect((await postGrant(credentials)).status).toBe(200);
    }
  });

  it('walks a three-level chain issuer by issuer: leaf, intermediate, root', async () => {
    const file = await write(
      'three-level.p12',
      buildP12({
        keyPem: threeLevel.keyPem,
        certPems: [threeLevel.rootPem, threeLevel.leafPem, foreignCert.certPem, threeLevel.intermediatePem],
        password: PASSWORD,
        algorithm: 'aes256',
        localKeyId: false,
      }),
    );
    const credentials = await load(file);
    expect(credentials.x5c).toEqual([
      derOf(threeLevel.leafPem),
      derOf(threeLevel.intermediatePem),
      derOf(threeLevel.rootPem),
    ]);
    expect((await postGrant(credentials, 'chain-client')).status).toBe(200);
  });

  it('opens a keystore without a password with an empty or absent MASKINPORTEN_KEYSTORE_PASSWORD', async () => {
    const unencrypted = await write(
      'no-password.p12',
      buildP12({ keyPem: cert.keyPem, certPems: [cert.certPem, pki.caCertPem], password: null }),
    );
    const emptyPassword = await write(
      'empty-password.p12',
      buildP12({ keyPem: cert.keyPem, certPems: [cert.certPem, pki.caCertPem], password: '', algorithm: 'aes256' }),
    );
    for (const file of [unencrypted, emptyPassword]) {
      for (const password of ['', undefined]) {
        expect((await load(file, password)).x5c).toEqual(cert.x5c);
      }
    }
  });

  it('refuses a wrong password, naming MASKINPORTEN_KEYSTORE_PASSWORD and never the password', async () => {
    for (const algorithm of ['3des', 'aes256'] as const) {
      const file = await write(
        `protected-${algorithm}.p12`,
        buildP12({ keyPem: cert.keyPem, certPems: [cert.certPem], password: PASSWORD, algorithm }),
      );
      const message = await refusal(load(file, 'not-the-password'), 'MASKINPORTEN_KEYSTORE_PASSWORD');
      expect(message).toContain('does not open MASKINPORTEN_KEYSTORE_FILE');
      expect(message).not.toContain('not-the-password');
      const missing = await refusal(load(file, undefined), 'MASKINPORTEN_KEYSTORE_PASSWORD');
      expect(missing).toContain('protected by a password');
    }
  });

  it('refuses a keystore holding certificates only', async () => {
    const file = await write(
      'certs-only.p12',
      buildP12({ keyPem: null, certPems: [cert.certPem, pki.caCertPem], password: PASSWORD }),
    );
    const message = await refusal(load(file), 'MASKINPORTEN_KEYSTORE_FILE');
    expect(message).toContain('holds no private key');
  });

  it('refuses a keystore without a certificate in x5c mode, and accepts it in kid mode', async () => {
    const file = await write(
      'key-only.p12',
      buildP12({ keyPem: cert.keyPem, certPems: [], password: PASSWORD, localKeyId: false }),
    );
    const message = await refusal(load(file), 'MASKINPORTEN_KEYSTORE_FILE');
    expect(message).toContain('holds no certificate');
    expect(message).toContain('MASKINPORTEN_KID');
    expect((await load(file, PASSWORD, 'registered-kid')).kid).toBe('registered-kid');
  });

  it('refuses a keystore whose certificates do not belong to its key', async () => {
    const file = await write(
      'foreign-cert.p12',
      buildP12({ keyPem: cert.keyPem, certPems: [foreignCert.certPem, pki.caCertPem], password: PASSWORD }),
    );
    const message = await refusal(load(file), 'MASKINPORTEN_KEYSTORE_FILE');
    expect(message).toContain('no certificate that belongs to its private key');
  });

  it('refuses a file that is not PKCS#12, without repeating its content', async () => {
    const cases: [string, Buffer | string][] = [
      ['garbage.p12', 'this is not a keystore at all'],
      ['empty.p12', ''],
      ['random.p12', randomBytes(2048)],
      ['certificate.der', new X509Certificate(cert.certPem).raw],
      ['key.pem', cert.keyPem],
      ['chain.pem', cert.chainPem],
    ];
    for (const [name, content] of cases) {
      const message = await refusal(load(await write(name, content)), 'MASKINPORTEN_KEYSTORE_FILE');
      expect(message).toContain('is not a PKCS#12');
      expect(message).toContain(join(dir, name));
    }
    const pemMessage = await refusal(load(join(dir, 'key.pem')), 'MASKINPORTEN_KEYSTORE_FILE');
    expect(pemMessage).toContain('MASKINPORTEN_KEY_FILE');
  });

  it('refuses a missing file, naming the variable, the path and the reason', async () => {
    const path = join(dir, 'no-such.p12');
    expect(await refusal(load(path), 'MASKINPORTEN_KEYSTORE_FILE')).toBe(
      `MASKINPORTEN_KEYSTORE_FILE (${path}) cannot be read: ENOENT`,
    );
  });

  describe.skipIf(!hasOpenssl)('keystores written by OpenSSL', () => {
    function opensslExport(name: string, extra: string[], keyPem = cert.keyPem, chainPem = cert.chainPem) {
      const keyFile = join(dir, `${name}-key.pem`);
      const chainFile = join(dir, `${name}-chain.pem`);
      const out = join(dir, `${name}.p12`);
      writeFileSync(keyFile, keyPem, { mode: 0o600 });
      writeFileSync(chainFile, chainPem, { mode: 0o600 });
      const result = spawnSync('openssl', [
        'pkcs12',
        '-export',
        '-inkey',
        keyFile,
        '-in',
        chainFile,
        '-passout',
        `pass:${PASSWORD}`,
        '-out',
        out,
        ...extra,
      ]);
      expect(result.status, result.stderr.toString()).toBe(0);
      return out;
    }

    it('reads OpenSSL 3 defaults (PBES2/PBKDF2-HMAC-SHA256, AES-256-CBC, SHA-256 MAC), certificates byte for byte', async () => {
      const credentials = await load(opensslExport('openssl-modern', []));
      expect(credentials.x5c).toEqual(cert.x5c);
      expect((await postGrant(credentials)).status).toBe(200);
      await refusal(load(join(dir, 'openssl-modern.p12'), 'wrong'), 'MASKINPORTEN_KEYSTORE_PASSWORD');
    });

    it.skipIf(!hasOpensslLegacy)(
      'reads the legacy algorithms of older files (RC2-40 certificates, 3DES key, SHA-1 MAC)',
      async () => {
        const credentials = await load(
          opensslExport('openssl-legacy', ['-legacy', '-certpbe', 'PBE-SHA1-RC2-40', '-keypbe', 'PBE-SHA1-3DES']),
        );
        expect(credentials.x5c).toEqual(cert.x5c);
        expect((await postGrant(credentials)).status).toBe(200);
      },
    );

    it('refuses a keystore with an EC key: grants are signed RS256', async () => {
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const ecKeyPem = ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
      const certFile = join(dir, 'ec-cert.pem');
      const keyFile = join(dir, 'ec-self-key.pem');
      writeFileSync(keyFile, ecKeyPem, { mode: 0o600 });
      const made = spawnSync('openssl', [
        'req',
        '-x509',
        '-key',
        keyFile,
        '-subj',
        `/CN=ec/serialNumber=${OWNER_ORGNO}`,
        '-days',
        '1',
        '-out',
        certFile,
      ]);
      expect(made.status, made.stderr.toString()).toBe(0);
      const file = opensslExport('openssl-ec', [], ecKeyPem, readFileSync(certFile, 'utf8'));
      const message = await refusal(load(file), 'MASKINPORTEN_KEYSTORE_FILE');
      expect(message).toContain('RSA');
    });
  });
});

describe('the facade started with a PKCS#12 keystore against the simulators (not sandbox mode)', () => {
  it('answers a person query, and refuses to start with a wrong password', async () => {
    const sandbox = await startSandbox();
    try {
      const up = sandbox.upstream;
      const keystoreFile = await write(
        'facade.p12',
        buildP12({
          keyPem: sandbox.enterprise.keyPem,
          certPems: splitPem(sandbox.enterprise.chainPem),
          password: PASSWORD,
          algorithm: 'aes256',
        }),
      );
      const env = {
        SANDBOX: 'false',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'silent',
        AUDIT_LOG_FILE: join(dir, 'audit.jsonl'),
        MASKINPORTEN_ISSUER: up.maskinporten.issuer,
        MASKINPORTEN_CLIENT_ID: up.maskinporten.clientId,
        MASKINPORTEN_KEYSTORE_FILE: keystoreFile,
        MASKINPORTEN_KEYSTORE_PASSWORD: PASSWORD,
        KRR_URL: up.krrUrl,
        ADMIN_API_URL: up.adminApiUrl,
        AUTH_ISSUER: up.auth.issuer,
        AUTH_AUDIENCE: up.auth.audience,
      };

      const config = loadConfig(env);
      expect(config.sandbox).toBe(false);
      const app = await startApp(config);
      try {
        expect(app.sandbox).toBeUndefined();
        const token = (await sandbox.callerIssuer.issueToken()).access_token;
        const res = await fetch(`${app.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ person(id: "11822648950") { status } }' }),
        });
        const body = (await res.json()) as { data?: { person?: { status?: string } }; errors?: unknown };
        expect(body.errors).toBeUndefined();
        expect(body.data?.person?.status).toBe('ACTIVE');
        expect(sandbox.maskinporten.tokensIssued).toBeGreaterThan(0);
      } finally {
        await app.close();
      }

      const wrong = startApp(loadConfig({ ...env, MASKINPORTEN_KEYSTORE_PASSWORD: 'wrong-password' }));
      await expect(wrong).rejects.toBeInstanceOf(CredentialsError);
      await expect(wrong).rejects.toThrow(/MASKINPORTEN_KEYSTORE_PASSWORD does not open MASKINPORTEN_KEYSTORE_FILE/);
    } finally {
      await sandbox.close();
    }
  });
});

/** Root → intermediate → leaf (with an orgno), for the chain-ordering test. */
function createThreeLevelChain(orgno: string) {
  const keys = () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      privatePem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      publicPem: pair.publicKey.export({ format: 'pem', type: 'spki' }) as string,
    };
  };
  const issue = (
    subject: forge.pki.CertificateField[],
    own: ReturnType<typeof keys>,
    issuer: { cert?: forge.pki.Certificate; keys: ReturnType<typeof keys> },
    ca: boolean,
  ) => {
    const c = forge.pki.createCertificate();
    c.publicKey = forge.pki.publicKeyFromPem(own.publicPem);
    c.serialNumber = `01${randomBytes(12).toString('hex')}`;
    c.validity.notBefore = new Date(Date.now() - 60_000);
    c.validity.notAfter = new Date(Date.now() + 24 * 60 * 60 * 1000);
    c.setSubject(subject);
    c.setIssuer(issuer.cert ? issuer.cert.subject.attributes : subject);
    c.setExtensions([
      { name: 'basicConstraints', cA: ca, critical: true },
      ca
        ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }
        : { name: 'keyUsage', digitalSignature: true, critical: true },
    ]);
    c.sign(forge.pki.privateKeyFromPem(issuer.keys.privatePem), forge.md.sha256.create());
    return c;
  };
  const rootKeys = keys();
  const intermediateKeys = keys();
  const leafKeys = keys();
  const root = issue([{ shortName: 'CN', value: 'Three-level root CA' }], rootKeys, { keys: rootKeys }, true);
  const intermediate = issue(
    [{ shortName: 'CN', value: 'Three-level issuing CA' }],
    intermediateKeys,
    { cert: root, keys: rootKeys },
    true,
  );
  const leaf = issue(
    [
      { shortName: 'CN', value: 'Kjede AS' },
      { type: '2.5.4.5', value: orgno },
    ],
    leafKeys,
    { cert: intermediate, keys: intermediateKeys },
    false,
  );
  return {
    rootPem: forge.pki.certificateToPem(root),
    intermediatePem: forge.pki.certificateToPem(intermediate),
    leafPem: forge.pki.certificateToPem(leaf),
    keyPem: leafKeys.privatePem,
  };
}
