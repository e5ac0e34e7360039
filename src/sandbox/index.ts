import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UpstreamConfig } from '../config.js';
import { startAdminSimulator, type AdminSimulator } from './admin.js';
import { startCallerIssuer, type CallerIssuer } from './caller-issuer.js';
import { startKrrSimulator, type KrrSimulator } from './krr.js';
import { startMaskinportenSimulator, type MaskinportenSimulator } from './maskinporten.js';
import { createTestPki, type IssuedCertificate, type TestPki } from './pki.js';

/** The facade's own organisation in the sandbox (a valid orgno: Digdir's). */
export const SANDBOX_ORGNO = '991825827';
export const SANDBOX_CLIENT_ID = 'sandbox-facade-client';

/** Every Maskinporten scope the facade's sandbox client is registered for. */
export const SANDBOX_CLIENT_SCOPES = [
  'krr:global/kontaktinformasjon.read',
  'krr:global/digitalpost.read',
  'idporten:dcr.read',
  'idporten:dcr.write',
  'idporten:dcr.modify',
  'idporten:dcr/onbehalfof:write',
  'idporten:dcr.supplier',
];

export interface Sandbox {
  pki: TestPki;
  enterprise: IssuedCertificate;
  maskinporten: MaskinportenSimulator;
  krr: KrrSimulator;
  admin: AdminSimulator;
  callerIssuer: CallerIssuer;
  /** The facade's configuration against the simulators: the same variables as against Digdir. */
  upstream: UpstreamConfig;
  close(): Promise<void>;
}

export interface SandboxOptions {
  /** Maskinporten access token lifetime (`expires_in`), seconds. */
  accessTokenTtlSeconds?: number;
  /** Artificial KRR latency per request, for benchmarks. */
  krrLatencyMs?: number;
  /** Answer unknown valid ids with generated persons instead of IKKE_REGISTRERT (benchmarks). */
  populateUnknownPersons?: boolean;
  now?: () => number;
}

/**
 * Starts every simulator on its own loopback port, generates a test PKI and an enterprise-like certificate, and
 * writes the key and chain to PEM files so the facade loads them exactly as it would in production.
 */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const pki = createTestPki({ name: 'Sandbox Test CA' });
  const enterprise = pki.issueEnterpriseCertificate({
    orgno: SANDBOX_ORGNO,
    organizationName: 'DIGITALISERINGSDIREKTORATET TEST',
  });
  const dir = await mkdtemp(join(tmpdir(), 'facade-sandbox-'));
  await chmod(dir, 0o700);
  const keyFile = join(dir, 'enterprise-key.pem');
  const certFile = join(dir, 'enterprise-chain.pem');
  await writeFile(keyFile, enterprise.keyPem, { mode: 0o600 });
  await writeFile(certFile, enterprise.chainPem, { mode: 0o600 });

  const maskinporten = await startMaskinportenSimulator({
    trustedCaCertsPem: [pki.caCertPem],
    clients: [{ clientId: SANDBOX_CLIENT_ID, orgno: SANDBOX_ORGNO, scopes: SANDBOX_CLIENT_SCOPES }],
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? 120,
    now: opts.now,
  });
  const resource = {
    maskinportenIssuer: maskinporten.issuer,
    maskinportenJwksUrl: maskinporten.jwksUrl,
    now: opts.now,
  };
  const [krr, admin, callerIssuer] = await Promise.all([
    startKrrSimulator({ ...resource, latencyMs: opts.krrLatencyMs, populateUnknown: opts.populateUnknownPersons }),
    startAdminSimulator({ ...resource, ownerOrgno: SANDBOX_ORGNO }),
    startCallerIssuer(),
  ]);

  return {
    pki,
    enterprise,
    maskinporten,
    krr,
    admin,
    callerIssuer,
    upstream: {
      maskinporten: { issuer: maskinporten.issuer, clientId: SANDBOX_CLIENT_ID, keyFile, certFile },
      krrUrl: krr.url,
      adminApiUrl: admin.url,
      auth: { issuer: callerIssuer.issuer, audience: callerIssuer.audience },
    },
    async close() {
      await Promise.all([maskinporten.close(), krr.close(), admin.close(), callerIssuer.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
