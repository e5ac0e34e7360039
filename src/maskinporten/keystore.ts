import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/**
 * PKCS#12 (.p12/.pfx) keystores as enterprise certificates are delivered: the legacy PBE algorithms (3DES, RC2-40,
 * SHA-1 MAC) of older Buypass/Commfides files as well as OpenSSL 3's defaults (PBES2/PBKDF2-HMAC-SHA256, AES-256-CBC,
 * SHA-256 MAC). Knows nothing of configuration: `credentials.ts` turns a `KeystoreError` into a message that names
 * the variables. Nothing here ever puts key material or the password into an error.
 */

export type KeystoreProblem =
  /** Not DER, or DER that is not a PFX. */
  | 'not-pkcs12'
  /** The MAC does not verify (or, without a MAC, the contents do not decrypt) with the password given. */
  | 'wrong-password'
  /** A PFX, but with an algorithm or structure that cannot be read. */
  | 'unsupported'
  /** The password opened it, but its contents cannot be decoded. */
  | 'damaged'
  | 'no-private-key'
  /** A private key is there but cannot be turned into a key object. */
  | 'unreadable-key';

export class KeystoreError extends Error {
  constructor(
    readonly problem: KeystoreProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface KeystoreEntry {
  privateKey: KeyObject;
  /**
   * The key's certificate chain as base64 DER, leaf first, then issuer by issuer up to the root as far as the file
   * holds them; the bytes exactly as stored. Empty when no certificate in the file belongs to the key.
   */
  chain: string[];
  /** Certificates in the file, related to the key or not. */
  certificateCount: number;
  /** Whether the file also held more than one private key (the one with a certificate is chosen). */
  otherKeys: number;
}

interface KeyCandidate {
  key: KeyObject;
  localKeyId?: string;
}

interface CertCandidate {
  der: Buffer;
  x509: X509Certificate;
  localKeyId?: string;
}

type Asn1 = forge.asn1.Asn1;

/** `forge.pki.pbe` is public API of node-forge but missing from its type definitions. */
interface PbeCipherFactory {
  getCipher(oid: string, params: Asn1, password: string | undefined): forge.cipher.BlockCipher;
}

const { asn1, pki } = forge;

/**
 * Opens a PKCS#12 file and returns its private key with the certificate chain that belongs to it. An empty or absent
 * password tries both encodings PKCS#12 has for "no password" (empty BMPString and none at all), as OpenSSL does.
 */
export function openKeystore(der: Buffer, password: string | undefined): KeystoreEntry {
  let pfxAsn1: Asn1;
  try {
    pfxAsn1 = asn1.fromDer(forge.util.createBuffer(der.toString('binary')), false);
  } catch {
    throw new KeystoreError('not-pkcs12', 'not DER-encoded');
  }
  if (!looksLikePfx(pfxAsn1)) throw new KeystoreError('not-pkcs12', 'not a PKCS#12 PFX');
  const hasMac = Array.isArray(pfxAsn1.value) && pfxAsn1.value.length > 2;

  const attempts = password ? [password] : ['', undefined];
  let pfx: forge.pkcs12.Pkcs12Pfx | undefined;
  let usedPassword: string | undefined;
  let lastError: KeystoreError | undefined;
  for (const attempt of attempts) {
    try {
      pfx = forge.pkcs12.pkcs12FromAsn1(pfxAsn1, false, attempt);
      usedPassword = attempt;
      break;
    } catch (err) {
      lastError = classify(err, hasMac);
      if (lastError.problem !== 'wrong-password') break;
    }
  }
  if (!pfx) throw lastError ?? new KeystoreError('damaged', 'cannot be read');

  const bags = pfx.safeContents.flatMap((contents) => contents.safeBags);
  const keys: KeyCandidate[] = [];
  for (const bag of bags) {
    if (bag.type !== pki.oids.pkcs8ShroudedKeyBag && bag.type !== pki.oids.keyBag) continue;
    keys.push({ key: toKeyObject(bag), localKeyId: localKeyIdOf(bag) });
  }
  if (keys.length === 0) throw new KeystoreError('no-private-key', 'holds no private key');

  const certBags = bags.filter((bag) => bag.type === pki.oids.certBag);
  const exact = exactCertificateDers(pfxAsn1, usedPassword);
  const certs: CertCandidate[] = [];
  const seen = new Set<string>();
  certBags.forEach((bag, i) => {
    // The bytes as stored; forge's re-encoding only when the stored ones could not be found again.
    const der = exact && exact.length === certBags.length ? exact[i] : forgeCertificateDer(bag);
    if (!der) return;
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(der);
    } catch {
      return; // not an X.509 certificate Node can read: it cannot be in x5c either
    }
    if (seen.has(x509.fingerprint256)) return;
    seen.add(x509.fingerprint256);
    certs.push({ der, x509, localKeyId: localKeyIdOf(bag) });
  });

  const entries = keys.map((candidate) => ({ candidate, chain: chainFor(candidate, certs) }));
  const chosen = entries.find((entry) => entry.chain.length > 0) ?? entries[0];
  if (!chosen) throw new KeystoreError('no-private-key', 'holds no private key');
  return {
    privateKey: chosen.candidate.key,
    chain: chosen.chain.map((cert) => cert.der.toString('base64')),
    certificateCount: certs.length,
    otherKeys: keys.length - 1,
  };
}

/** The leaf (by localKeyId when it names a certificate of this key, else by public key), then its issuers in order. */
function chainFor(key: KeyCandidate, certs: CertCandidate[]): CertCandidate[] {
  const belongs = (cert: CertCandidate) => {
    try {
      return cert.x509.checkPrivateKey(key.key);
    } catch {
      return false;
    }
  };
  const byId = key.localKeyId ? certs.find((c) => c.localKeyId === key.localKeyId && belongs(c)) : undefined;
  const leaf = byId ?? certs.find(belongs);
  if (!leaf) return [];
  const chain = [leaf];
  let current = leaf;
  while (chain.length < certs.length && !issuedBy(current, current)) {
    const issuer = certs.find((c) => !chain.includes(c) && issuedBy(current, c));
    if (!issuer) break;
    chain.push(issuer);
    current = issuer;
  }
  return chain;
}

/** Whether `issuer` issued `cert`: names (and key identifiers) match, and its key verifies the signature. */
function issuedBy(cert: CertCandidate, issuer: CertCandidate): boolean {
  try {
    return cert.x509.checkIssued(issuer.x509) && cert.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

function toKeyObject(bag: forge.pkcs12.Bag): KeyObject {
  try {
    if (bag.key) return createPrivateKey(pki.privateKeyToPem(bag.key));
    // forge reads RSA keys only; others arrive as their PrivateKeyInfo, which Node reads.
    const der = Buffer.from(asn1.toDer(bag.asn1).getBytes(), 'binary');
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    throw new KeystoreError('unreadable-key', 'holds a private key that cannot be read');
  }
}

function localKeyIdOf(bag: forge.pkcs12.Bag): string | undefined {
  const ids = (bag.attributes as Record<string, unknown> | undefined)?.localKeyId;
  const first = Array.isArray(ids) ? (ids[0] as unknown) : undefined;
  return typeof first === 'string' && first.length > 0 ? first : undefined;
}

function forgeCertificateDer(bag: forge.pkcs12.Bag): Buffer | undefined {
  try {
    const certAsn1 = bag.cert ? pki.certificateToAsn1(bag.cert) : bag.asn1;
    return Buffer.from(asn1.toDer(certAsn1).getBytes(), 'binary');
  } catch {
    return undefined;
  }
}

/**
 * Maps node-forge's errors (plain `Error`s with fixed texts) to a problem. A MAC, when there is one, is checked before
 * anything is decrypted, so after it passed a failure is not the password's.
 */
function classify(err: unknown, hasMac: boolean): KeystoreError {
  const message = err instanceof Error ? err.message : '';
  if (/MAC could not be verified|wrong password|Invalid password/i.test(message)) {
    return new KeystoreError('wrong-password', 'the password does not open it');
  }
  if (/Cannot read PKCS#12 PFX|not an PKCS#12 PFX|PFX of version|authSafe content data/i.test(message)) {
    return new KeystoreError('not-pkcs12', 'not a PKCS#12 PFX');
  }
  if (/unsupported|not supported/i.test(message)) {
    // forge's texts name algorithms and OIDs only; safe to pass on.
    return new KeystoreError('unsupported', message.replace(/\s+/g, ' ').slice(0, 200));
  }
  if (!hasMac && /decrypt/i.test(message)) {
    return new KeystoreError('wrong-password', 'the password does not open it');
  }
  return new KeystoreError(
    'damaged',
    hasMac ? 'its contents cannot be decoded' : 'cannot be decoded (wrong password?)',
  );
}

/**
 * The certificates' DER exactly as stored, in the order forge lists its cert bags (forge re-encodes certificates it
 * parses, which could change bytes an issuer's signature does not cover). Undefined when the walk fails.
 */
function exactCertificateDers(pfxAsn1: Asn1, password: string | undefined): Buffer[] | undefined {
  try {
    const out: Buffer[] = [];
    const authSafe = asn1.fromDer(octets(child(child(child(pfxAsn1, 1), 1), 0)), false);
    for (const contentInfo of children(authSafe)) {
      const type = asn1.derToOid(octets(child(contentInfo, 0)));
      const content = child(child(contentInfo, 1), 0);
      let safeContents: string;
      if (type === pki.oids.data) {
        safeContents = octets(content);
      } else if (type === pki.oids.encryptedData) {
        const encryptedContentInfo = child(content, 1);
        const algorithm = child(encryptedContentInfo, 1);
        const pbe = (pki as unknown as { pbe: PbeCipherFactory }).pbe;
        const cipher = pbe.getCipher(asn1.derToOid(octets(child(algorithm, 0))), child(algorithm, 1), password);
        cipher.update(forge.util.createBuffer(octets(child(encryptedContentInfo, 2))));
        if (!cipher.finish()) return undefined;
        safeContents = cipher.output.getBytes();
      } else {
        return undefined;
      }
      if (safeContents.length === 0) continue;
      for (const safeBag of children(asn1.fromDer(safeContents, false))) {
        if (asn1.derToOid(octets(child(safeBag, 0))) !== pki.oids.certBag) continue;
        const certBag = child(child(safeBag, 1), 0);
        out.push(Buffer.from(octets(child(child(certBag, 1), 0)), 'binary'));
      }
    }
    return out;
  } catch {
    return undefined;
  }
}

/** PFX ::= SEQUENCE { version INTEGER, authSafe ContentInfo (SEQUENCE { OID, ... }), macData SEQUENCE OPTIONAL } */
function looksLikePfx(node: Asn1): boolean {
  const { Class, Type } = asn1;
  if (node.tagClass !== Class.UNIVERSAL || node.type !== Type.SEQUENCE || !Array.isArray(node.value)) return false;
  const [version, authSafe, macData, ...rest] = node.value;
  if (rest.length > 0 || !version || !authSafe) return false;
  if (version.tagClass !== Class.UNIVERSAL || version.type !== Type.INTEGER) return false;
  if (authSafe.type !== Type.SEQUENCE || !Array.isArray(authSafe.value) || authSafe.value[0]?.type !== Type.OID) {
    return false;
  }
  return !macData || macData.type === Type.SEQUENCE;
}

function children(node: Asn1): Asn1[] {
  if (!Array.isArray(node.value)) throw new Error('expected a constructed ASN.1 value');
  return node.value;
}

function child(node: Asn1, index: number): Asn1 {
  const found = children(node)[index];
  if (!found) throw new Error('missing ASN.1 element');
  return found;
}

/** A primitive value's bytes; a BER constructed OCTET STRING's chunks joined. */
function octets(node: Asn1): string {
  return typeof node.value === 'string' ? node.value : node.value.map(octets).join('');
}
