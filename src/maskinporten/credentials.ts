import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { MaskinportenConfig } from '../config.js';
import { orgnoFromCertificate } from './certificate.js';
import type { KeystoreEntry, KeystoreError } from './keystore.js';

/** What signs a grant: the enterprise key, and either the certificate chain (x5c) or a registered key id (kid). */
export interface GrantCredentials {
  privateKey: KeyObject;
  /** Base64 DER, leaf first (the header `x5c` is always an array). */
  x5c?: string[];
  kid?: string;
}

export class CredentialsError extends Error {}

/** The configured credentials: a PKCS#12 keystore, or a PEM key with its chain (x5c) or a registered kid. */
export async function loadCredentials(config: MaskinportenConfig): Promise<GrantCredentials> {
  if (config.keystoreFile) {
    return loadKeystoreCredentials({ file: config.keystoreFile, password: config.keystorePassword, kid: config.kid });
  }
  if (!config.keyFile) throw new CredentialsError('MASKINPORTEN_KEYSTORE_FILE or MASKINPORTEN_KEY_FILE is required');
  return loadPemCredentials({ keyFile: config.keyFile, certFile: config.certFile, kid: config.kid });
}

/**
 * Loads a PKCS#12 keystore (the enterprise certificate as delivered): its RSA key, and its chain as x5c (leaf first,
 * then issuer by issuer; unrelated certificates dropped), or the key alone with the registered `kid`. The messages
 * name the variables and the file, never the password or anything of the key.
 */
async function loadKeystoreCredentials(opts: {
  file: string;
  password?: string;
  kid?: string;
}): Promise<GrantCredentials> {
  const variable = 'MASKINPORTEN_KEYSTORE_FILE';
  const where = `${variable} (${opts.file})`;
  let der: Buffer;
  try {
    der = await readFile(opts.file);
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unreadable';
    throw new CredentialsError(`${where} cannot be read: ${code}`);
  }
  // Loaded only for a keystore: node-forge is ~10 MB of resident memory that PEM and kid deployments never need.
  const keystore = await import('./keystore.js');
  let entry: KeystoreEntry;
  try {
    entry = keystore.openKeystore(der, opts.password);
  } catch (err) {
    if (!(err instanceof keystore.KeystoreError))
      throw new CredentialsError(`${where} cannot be read as a PKCS#12 keystore`);
    throw new CredentialsError(keystoreMessage(err, where, der, Boolean(opts.password)));
  }
  const { privateKey } = entry;
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new CredentialsError(`${variable} must hold an RSA key (Maskinporten grants are signed RS256)`);
  }
  if (opts.kid) return { privateKey, kid: opts.kid };
  if (entry.certificateCount === 0) {
    throw new CredentialsError(
      `${where} holds no certificate: the enterprise certificate is needed for x5c unless MASKINPORTEN_KID is set`,
    );
  }
  if (entry.chain.length === 0) {
    throw new CredentialsError(`${where} holds no certificate that belongs to its private key`);
  }
  assertKeyMatchesLeaf(privateKey, entry.chain, variable);
  return { privateKey, x5c: entry.chain };
}

function keystoreMessage(err: KeystoreError, where: string, der: Buffer, passwordGiven: boolean): string {
  switch (err.problem) {
    case 'wrong-password':
      return passwordGiven
        ? `MASKINPORTEN_KEYSTORE_PASSWORD does not open ${where}`
        : `${where} is protected by a password: set MASKINPORTEN_KEYSTORE_PASSWORD`;
    case 'not-pkcs12':
      return der.subarray(0, 64).toString('latin1').includes('-----BEGIN')
        ? `${where} is not a PKCS#12 (.p12/.pfx) file but PEM text: use MASKINPORTEN_KEY_FILE and MASKINPORTEN_CERT_FILE for PEM`
        : `${where} is not a PKCS#12 (.p12/.pfx) file`;
    case 'unsupported':
      return `${where} uses a PKCS#12 format or algorithm that cannot be read (${err.message})`;
    case 'damaged':
      return `${where} is damaged: ${err.message}`;
    case 'no-private-key':
      return `${where} holds no private key (certificates only?): export the enterprise certificate with its private key`;
    case 'unreadable-key':
      return `${where} holds a private key that cannot be read`;
  }
}

/**
 * Loads PEM credentials. The variable names are in the messages so an operator can fix the right one; the key itself
 * never is.
 */
export async function loadPemCredentials(opts: {
  keyFile: string;
  certFile?: string;
  kid?: string;
}): Promise<GrantCredentials> {
  const keyPem = await readText(opts.keyFile, 'MASKINPORTEN_KEY_FILE');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch {
    throw new CredentialsError('MASKINPORTEN_KEY_FILE does not hold a readable unencrypted PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new CredentialsError('MASKINPORTEN_KEY_FILE must hold an RSA key (Maskinporten grants are signed RS256)');
  }
  if (opts.kid) return { privateKey, kid: opts.kid };
  if (!opts.certFile) throw new CredentialsError('MASKINPORTEN_CERT_FILE is required unless MASKINPORTEN_KID is set');
  const x5c = parseCertificateChain(await readText(opts.certFile, 'MASKINPORTEN_CERT_FILE'), 'MASKINPORTEN_CERT_FILE');
  assertKeyMatchesLeaf(privateKey, x5c, 'MASKINPORTEN_CERT_FILE');
  return { privateKey, x5c };
}

/** PEM chain → x5c (base64 DER, in file order: leaf first). */
function parseCertificateChain(pem: string, source: string): string[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new CredentialsError(`${source} holds no PEM certificate`);
  return blocks.map((block) => {
    try {
      return new X509Certificate(block).raw.toString('base64');
    } catch {
      throw new CredentialsError(`${source} holds a certificate that cannot be parsed`);
    }
  });
}

function assertKeyMatchesLeaf(privateKey: KeyObject, x5c: string[], source: string): void {
  const leaf = new X509Certificate(Buffer.from(x5c[0] ?? '', 'base64'));
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new CredentialsError(`the first certificate in ${source} does not belong to the private key`);
  }
}

async function readText(path: string, variable: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unreadable';
    throw new CredentialsError(`${variable} (${path}) cannot be read: ${code}`);
  }
}

/** Our organisation number, from the enterprise certificate (x5c mode); unknown in kid mode. */
export function organizationNumberOf(credentials: GrantCredentials): string | undefined {
  const leaf = credentials.x5c?.[0];
  return leaf ? orgnoFromCertificate(new X509Certificate(Buffer.from(leaf, 'base64'))) : undefined;
}
