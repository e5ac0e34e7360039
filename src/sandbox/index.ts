import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UpstreamConfig } from '../config.js';
import { startAdminSimulator, type AdminSimulator } from './admin.js';
import { startCallerIssuer, type CallerIssuer } from './caller-issuer.js';
import { startKrrSimulator, type KrrSimulator } from './krr.js';
import { startMaskinportenSimulator, type MaskinportenSimulator } from './maskinporten.js';
import { createTestPki, generateRsaKeyPairAsync, type IssuedCertificate, type TestPki } from './pki.js';

/** The facade's own organisation in the sandbox (a valid orgno: Digdir's). */
export const SANDBOX_ORGNO = '991825827';
export const SANDBOX_CLIENT_ID = 'sandbox-facade-client';
export const SANDBOX_CLIENT_NAME = 'GraphQL-fasade for KRR og selvbetjening (sandkasse)';

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

/** The KRR scopes the facade asks for itself: what the seeded customers delegated / registered for. */
export const SANDBOX_KRR_SCOPES = ['krr:global/kontaktinformasjon.read', 'krr:global/digitalpost.read'];

/** The sandbox's customer organisations (valid orgnos), one per supplier mechanism. */
export const SANDBOX_CUSTOMERS = {
  /** "Eksempel kommune": delegated the KRR scopes to SANDBOX_ORGNO in Altinn (`consumer_org`). */
  delegating: { orgno: '910825526', name: 'Eksempel kommune' },
  /** "Annen kommune": an onbehalfof registration `annen-kommune` on the facade's client (`iss_onbehalfof`). */
  onBehalfOf: { orgno: '910825534', name: 'Annen kommune', onBehalfOf: 'annen-kommune' },
} as const;

/** One entry of a tenants file (issue 13): the fixed members. */
export interface SandboxTenant {
  organizationNumber: string;
  name: string;
  via: 'consumer_org' | 'onbehalfof';
  onBehalfOf?: string;
}

/** The facade's default tenant configuration in sandbox mode. */
export interface SandboxTenants {
  /** The caller-token claim naming the caller's tenant (`AUTH_TENANT_CLAIM`); the caller issuer writes it. */
  claim: string;
  /** The content of a `TENANTS_FILE`. */
  file: { tenants: SandboxTenant[] };
}

/** The caller-token claim the sandbox's caller issuer writes the tenant into. */
export const SANDBOX_TENANT_CLAIM = 'tenant';

/** A fresh copy of the sandbox's tenant configuration. */
export function sandboxTenants(): SandboxTenants {
  const { delegating, onBehalfOf } = SANDBOX_CUSTOMERS;
  return {
    claim: SANDBOX_TENANT_CLAIM,
    file: {
      tenants: [
        { organizationNumber: delegating.orgno, name: delegating.name, via: 'consumer_org' },
        {
          organizationNumber: onBehalfOf.orgno,
          name: onBehalfOf.name,
          via: 'onbehalfof',
          onBehalfOf: onBehalfOf.onBehalfOf,
        },
      ],
    },
  };
}

export interface Sandbox {
  pki: TestPki;
  enterprise: IssuedCertificate;
  maskinporten: MaskinportenSimulator;
  krr: KrrSimulator;
  admin: AdminSimulator;
  callerIssuer: CallerIssuer;
  /** The facade's configuration against the simulators: the same variables as against Digdir. */
  upstream: UpstreamConfig;
  /**
   * The facade's default tenants in sandbox mode: one customer by Altinn delegation (seeded in the Maskinporten
   * simulator), one by onbehalfof registration (seeded on the facade's client in the admin simulator).
   */
  tenants: SandboxTenants;
  /** `tenants.file` written as JSON (a `TENANTS_FILE` for a facade pointed at these simulators). */
  tenantsFile: string;
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
 * The sandboxes' key directories not yet removed by `close`: removed when the process exits whatever the way (an
 * error nothing caught, `process.exit`, a closed stdout), so that no enterprise key of a sandbox stays on disk.
 */
const dirsToRemoveAtExit = new Set<string>();
let exitHookInstalled = false;

function removeAtExit(dir: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const left of dirsToRemoveAtExit) rmSync(left, { recursive: true, force: true });
    });
  }
  dirsToRemoveAtExit.add(dir);
}

/**
 * Starts every simulator on its own loopback port, generates a test PKI and an enterprise-like certificate, and
 * writes the key and chain to PEM files so the facade loads them exactly as it would in production.
 */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const tenants = sandboxTenants();
  // The RSA key generations (0.1–0.4 s each on a slow machine) run at once on the thread pool: the caller issuer's,
  // the CA's and the enterprise certificate's; the Maskinporten simulator's follows (it needs the CA). One after the
  // other they took most of a sandbox's start, which every test app makes.
  const callerIssuerStarting = startCallerIssuer({ tenantClaim: tenants.claim });
  callerIssuerStarting.catch(() => undefined); // awaited further on: its failure must not go unhandled meanwhile
  /** The simulators started so far (closed again when the start fails, and by `close`), and the key's directory. */
  const servers: Promise<{ close(): Promise<void> }>[] = [callerIssuerStarting];
  let dir: string | undefined;
  const removeDir = async () => {
    if (dir === undefined) return;
    await rm(dir, { recursive: true, force: true });
    dirsToRemoveAtExit.delete(dir);
  };
  try {
    const [caKeys, enterpriseKeys] = await Promise.all([generateRsaKeyPairAsync(), generateRsaKeyPairAsync()]);
    const pki = createTestPki({ name: 'Sandbox Test CA', caKeys });
    const enterprise = pki.issueEnterpriseCertificate({
      orgno: SANDBOX_ORGNO,
      organizationName: 'DIGITALISERINGSDIREKTORATET TEST',
      keys: enterpriseKeys,
    });
    dir = await mkdtemp(join(tmpdir(), 'facade-sandbox-'));
    removeAtExit(dir);
    await chmod(dir, 0o700);
    const keyFile = join(dir, 'enterprise-key.pem');
    const certFile = join(dir, 'enterprise-chain.pem');
    await writeFile(keyFile, enterprise.keyPem, { mode: 0o600 });
    await writeFile(certFile, enterprise.chainPem, { mode: 0o600 });

    const tenantsFile = join(dir, 'tenants.json');
    await writeFile(tenantsFile, `${JSON.stringify(tenants.file, null, 2)}\n`, { mode: 0o600 });

    const { delegating, onBehalfOf } = SANDBOX_CUSTOMERS;
    const maskinporten = await startMaskinportenSimulator({
      trustedCaCertsPem: [pki.caCertPem],
      clients: [{ clientId: SANDBOX_CLIENT_ID, orgno: SANDBOX_ORGNO, scopes: SANDBOX_CLIENT_SCOPES }],
      delegations: [{ consumerOrg: delegating.orgno, supplierOrgno: SANDBOX_ORGNO, scopes: SANDBOX_KRR_SCOPES }],
      accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? 120,
      now: opts.now,
    });
    servers.push(Promise.resolve(maskinporten));
    const resource = {
      maskinportenIssuer: maskinporten.issuer,
      maskinportenJwksUrl: maskinporten.jwksUrl,
      now: opts.now,
    };
    const krrStarting = startKrrSimulator({
      ...resource,
      latencyMs: opts.krrLatencyMs,
      populateUnknown: opts.populateUnknownPersons,
    });
    const adminStarting = startAdminSimulator({
      ...resource,
      ownerOrgno: SANDBOX_ORGNO,
      maskinportenClients: [
        {
          clientId: SANDBOX_CLIENT_ID,
          clientName: SANDBOX_CLIENT_NAME,
          description: "The facade's own Maskinporten client",
          scopes: SANDBOX_CLIENT_SCOPES,
          onBehalfOf: [
            {
              onbehalfof: onBehalfOf.onBehalfOf,
              name: onBehalfOf.name,
              orgno: onBehalfOf.orgno,
              url: 'https://annen-kommune.eksempel.no',
            },
          ],
        },
      ],
    });
    servers.push(krrStarting, adminStarting);
    const [krr, admin, callerIssuer] = await Promise.all([krrStarting, adminStarting, callerIssuerStarting]);
    // iss_onbehalfof is checked against the admin simulator's registrations as they are at each token request.
    maskinporten.setOnBehalfOfLookup((clientId, id) => admin.findOnBehalfOf(clientId, id));

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
      tenants,
      tenantsFile,
      async close() {
        await Promise.all(servers.map(async (server) => (await server).close()));
        await removeDir();
      },
    };
  } catch (err) {
    // Nothing a failed start opened stays listening or on disk.
    await Promise.allSettled(servers.map(async (server) => (await server).close()));
    await removeDir();
    throw err;
  }
}
