import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestPki, orgnoFromCertificate } from '../../src/sandbox/pki.js';

/** Only `subject` is read: a stand-in with Node's subject format (one RDN a line, multi-valued RDNs joined by `+`). */
const withSubject = (subject: string): X509Certificate => ({ subject }) as X509Certificate;

describe("the sandbox's reading of an enterprise certificate's orgno (reference §1)", () => {
  it('reads the certificates the sandbox PKI issues', () => {
    const issued = createTestPki().issueEnterpriseCertificate({ orgno: '984661185' });
    expect(orgnoFromCertificate(new X509Certificate(issued.certPem))).toBe('984661185');
  });

  it('prefers serialNumber, by name or OID, a prefix such as NTRNO- removed', () => {
    expect(orgnoFromCertificate(withSubject('C=NO\nO=A\nserialNumber=991825827'))).toBe('991825827');
    expect(orgnoFromCertificate(withSubject('C=NO\n2.5.4.5=NTRNO-991825827'))).toBe('991825827');
    expect(
      orgnoFromCertificate(withSubject('organizationIdentifier=NTRNO-922020175\nCN=A+serialNumber=991825827')),
    ).toBe('991825827');
  });

  it('falls back to organizationIdentifier, by name or OID', () => {
    expect(orgnoFromCertificate(withSubject('C=NO\norganizationIdentifier=NTRNO-922020175'))).toBe('922020175');
    expect(orgnoFromCertificate(withSubject('C=NO\n2.5.4.97=NTRNO-922020175\nserialNumber=ABC'))).toBe('922020175');
  });

  it('finds none when no attribute holds nine digits', () => {
    expect(orgnoFromCertificate(withSubject('C=NO\nO=A\nCN=991825827'))).toBeUndefined();
    expect(orgnoFromCertificate(withSubject('serialNumber=99182582\norganizationIdentifier=NTRNO-9918258270'))).toBe(
      undefined,
    );
    expect(orgnoFromCertificate(withSubject(''))).toBeUndefined();
  });
});
