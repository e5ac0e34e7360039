import { generateKeyPair, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { X509Certificate } from 'node:crypto';
import forge from 'node-forge';

/** An enterprise certificate (virksomhetssertifikat-like) issued by the sandbox test CA. */
export interface IssuedCertificate {
  orgno: string;
  /** PKCS#8 PEM private key (RSA 2048). */
  keyPem: string;
  /** The leaf certificate, PEM. */
  certPem: string;
  /** Leaf then CA, PEM concatenated (what MASKINPORTEN_CERT_FILE holds). */
  chainPem: string;
  /** Base64 DER, leaf first, then the CA: the JWT grant's `x5c` header. */
  x5c: string[];
}

export interface TestPki {
  caCertPem: string;
  issueEnterpriseCertificate(opts: {
    orgno: string;
    organizationName?: string;
    validDays?: number;
    notBefore?: Date;
    /** The certificate's key pair; default a new one. */
    keys?: RsaKeyPairPem;
  }): IssuedCertificate;
}

const OID_SERIAL_NUMBER = '2.5.4.5';
const OID_ORGANIZATION_IDENTIFIER = '2.5.4.97';
const DAY_MS = 24 * 60 * 60 * 1000;

/** An RSA 2048 key pair as PEM (PKCS#8 private, SPKI public). */
export interface RsaKeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

const RSA_2048_PEM = {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
} as const;

function generateRsaKeyPair(): RsaKeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', RSA_2048_PEM);
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/**
 * As generateRsaKeyPair, on libuv's thread pool: several made at once take a fraction of the time one after the other
 * (each takes 0.1–0.4 s), and the event loop goes on meanwhile.
 */
export function generateRsaKeyPairAsync(): Promise<RsaKeyPairPem> {
  return new Promise((resolve, reject) =>
    generateKeyPair('rsa', RSA_2048_PEM, (err, publicKey, privateKey) =>
      err ? reject(err) : resolve({ privateKeyPem: privateKey, publicKeyPem: publicKey }),
    ),
  );
}

/** A random positive serial number, 16 bytes, as hex (the high bit cleared so DER keeps it positive). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function pemToBase64Der(pem: string): string {
  return pem
    .replace(/-----BEGIN [^-]+-----/, '')
    .replace(/-----END [^-]+-----/, '')
    .replace(/\s+/g, '');
}

/** Creates a throwaway CA at start; everything it issues is for the sandbox and the tests only. */
export function createTestPki(opts: { name?: string; caKeys?: RsaKeyPairPem } = {}): TestPki {
  const caName = opts.name ?? 'Sandbox Test CA';
  const caKeys = opts.caKeys ?? generateRsaKeyPair();
  const caPrivateKey = forge.pki.privateKeyFromPem(caKeys.privateKeyPem);

  const ca = forge.pki.createCertificate();
  ca.publicKey = forge.pki.publicKeyFromPem(caKeys.publicKeyPem);
  ca.serialNumber = randomSerial();
  ca.validity.notBefore = new Date(Date.now() - 60_000);
  ca.validity.notAfter = new Date(Date.now() + 10 * 365 * DAY_MS);
  const caSubject: forge.pki.CertificateField[] = [
    { shortName: 'C', value: 'NO' },
    { shortName: 'O', value: 'Digdir GraphQL Facade Sandbox' },
    { shortName: 'CN', value: caName },
  ];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caPrivateKey, forge.md.sha256.create());
  const caCertPem = forge.pki.certificateToPem(ca);

  return {
    caCertPem,
    issueEnterpriseCertificate({ orgno, organizationName, validDays = 365, notBefore, keys: given }) {
      const name = organizationName ?? `Sandbox organisation ${orgno}`;
      const keys = given ?? generateRsaKeyPair();
      const cert = forge.pki.createCertificate();
      cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
      cert.serialNumber = randomSerial();
      const start = notBefore ?? new Date(Date.now() - 60_000);
      cert.validity.notBefore = start;
      cert.validity.notAfter = new Date(start.getTime() + validDays * DAY_MS);
      cert.setSubject([
        { shortName: 'C', value: 'NO' },
        { shortName: 'O', value: name },
        { type: OID_ORGANIZATION_IDENTIFIER, value: `NTRNO-${orgno}` },
        { shortName: 'CN', value: name },
        { type: OID_SERIAL_NUMBER, value: orgno },
      ]);
      cert.setIssuer(ca.subject.attributes);
      cert.setExtensions([
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
        { name: 'subjectKeyIdentifier' },
        { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
      ]);
      cert.sign(caPrivateKey, forge.md.sha256.create());
      const certPem = forge.pki.certificateToPem(cert);
      return {
        orgno,
        keyPem: keys.privateKeyPem,
        certPem,
        chainPem: certPem + caCertPem,
        x5c: [pemToBase64Der(certPem), pemToBase64Der(caCertPem)],
      };
    },
  };
}

/**
 * Where an enterprise certificate carries its organisation number (reference §1): the subject's serialNumber, else its
 * organizationIdentifier; Node names each by its short name or, when it has none, by its dotted OID.
 */
const ORGNO_ATTRIBUTES = [
  ['serialNumber', OID_SERIAL_NUMBER],
  ['organizationIdentifier', OID_ORGANIZATION_IDENTIFIER],
] as const;

/** Nine digits, perhaps after a prefix such as `NTRNO-` (reference §1: `NTRNO-991825827`). */
const ORGNO_VALUE = /^(?:[A-Za-z]+[-:])?(\d{9})$/;

/**
 * The organisation number the Maskinporten simulator reads from an enterprise certificate, undefined when none of its
 * subject attributes holds one. The sandbox's own reading, so the simulator can disagree with the facade's
 * (src/maskinporten/certificate.ts) about whose certificate it is.
 */
export function orgnoFromCertificate(cert: X509Certificate): string | undefined {
  // Node prints the subject one RDN a line, `type=value`, the attributes of a multi-valued RDN joined by `+`.
  const attributes = cert.subject
    .split(/\n|\+/)
    .filter((part) => part.indexOf('=') > 0)
    .map((part) => {
      const eq = part.indexOf('=');
      return { type: part.slice(0, eq).trim().toLowerCase(), value: part.slice(eq + 1).trim() };
    });
  for (const names of ORGNO_ATTRIBUTES) {
    for (const { type, value } of attributes) {
      if (!names.some((name) => name.toLowerCase() === type)) continue;
      const orgno = ORGNO_VALUE.exec(value)?.[1];
      if (orgno) return orgno;
    }
  }
  return undefined;
}
