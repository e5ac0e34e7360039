import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { MaskinportenConfig } from '../config.js';
import { orgnoFromCertificate } from './certificate.js';

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
    throw new CredentialsError(
      'MASKINPORTEN_KEYSTORE_FILE (PKCS#12) is not supported yet: use MASKINPORTEN_KEY_FILE and MASKINPORTEN_CERT_FILE',
    );
  }
  if (!config.keyFile) throw new CredentialsError('MASKINPORTEN_KEY_FILE is required');
  return loadPemCredentials({ keyFile: config.keyFile, certFile: config.certFile, kid: config.kid });
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
export function parseCertificateChain(pem: string, source: string): string[] {
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

export function assertKeyMatchesLeaf(privateKey: KeyObject, x5c: string[], source: string): void {
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
