import type { X509Certificate } from 'node:crypto';

const OID_SERIAL_NUMBER = '2.5.4.5';
const OID_ORGANIZATION_IDENTIFIER = '2.5.4.97';

/**
 * The organisation number of an enterprise certificate: the subject's serialNumber (2.5.4.5), prefixes such as
 * `NTRNO-` stripped, else the organizationIdentifier (2.5.4.97). Undefined when neither holds nine digits.
 */
export function orgnoFromCertificate(cert: X509Certificate): string | undefined {
  const attributes = parseSubject(cert.subject);
  const candidates = [
    ...(attributes.get('serialnumber') ?? []),
    ...(attributes.get(OID_SERIAL_NUMBER) ?? []),
    ...(attributes.get('organizationidentifier') ?? []),
    ...(attributes.get(OID_ORGANIZATION_IDENTIFIER) ?? []),
  ];
  for (const value of candidates) {
    const match = /^(?:[A-Z]{2,5}[-:])?(\d{9})$/i.exec(value.trim());
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/**
 * Node prints the subject one `key=value` per line (a multi-valued RDN joined by `+`); unknown attribute types appear
 * as their dotted OID. Keys are lower-cased here.
 */
function parseSubject(subject: string): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const line of subject.split('\n')) {
    for (const part of line.split('+')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      const key = part.slice(0, eq).trim().toLowerCase();
      const value = part.slice(eq + 1).trim();
      const list = result.get(key) ?? [];
      list.push(value);
      result.set(key, list);
    }
  }
  return result;
}
