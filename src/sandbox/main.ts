import { startSandbox } from './index.js';

/** `npm run sandbox`: the simulators alone (for benchmarks and other apps), with the variables to point a facade at them. */
const sandbox = await startSandbox({
  krrLatencyMs: Number(process.env.KRR_LATENCY_MS ?? 0),
  populateUnknownPersons: process.env.POPULATE_UNKNOWN_PERSONS === 'true',
  accessTokenTtlSeconds: Number(process.env.ACCESS_TOKEN_TTL_SECONDS ?? 120),
});
const mp = sandbox.upstream.maskinporten;
const caller = await sandbox.callerIssuer.issueToken();
const {
  claim,
  file: { tenants },
} = sandbox.tenants;
const tenantLines = await Promise.all(
  tenants.map(async (t) => {
    const how =
      t.via === 'onbehalfof' ? `onbehalfof, registration '${t.onBehalfOf}'` : 'consumer_org, Altinn delegation';
    const token = await sandbox.callerIssuer.issueToken({ tenant: t.organizationNumber });
    return [`  ${t.organizationNumber}  ${t.name}  (via ${how})`, `    caller token: ${token.access_token}`];
  }),
);
const example = tenants[0]?.organizationNumber ?? '910825526';
console.log(
  [
    'Sandbox simulators running on loopback. Point a facade at them with:',
    '',
    `MASKINPORTEN_ISSUER=${mp.issuer}`,
    `MASKINPORTEN_CLIENT_ID=${mp.clientId}`,
    `MASKINPORTEN_KEY_FILE=${mp.keyFile}`,
    `MASKINPORTEN_CERT_FILE=${mp.certFile}`,
    `KRR_URL=${sandbox.upstream.krrUrl}`,
    `ADMIN_API_URL=${sandbox.upstream.adminApiUrl}`,
    `ADMIN_SUPPLIER=true`,
    `AUTH_ISSUER=${sandbox.upstream.auth.issuer}`,
    `AUTH_AUDIENCE=${sandbox.upstream.auth.audience}`,
    `TENANTS_FILE=${sandbox.tenantsFile}`,
    `AUTH_TENANT_CLAIM=${claim}`,
    '',
    `A caller token (every scope, ${caller.expires_in} s, acting as the facade's own organisation): ${caller.access_token}`,
    '',
    `Customer organisations (tenants; a caller token names one in the claim '${claim}'):`,
    ...tenantLines.flat(),
    '',
    'From a facade in sandbox mode (SANDBOX=true, PORT default 4000), a caller token for one tenant:',
    `  curl -s -X POST http://localhost:4000/sandbox/caller-token -H 'content-type: application/json' -d '{"tenant": "${example}"}'`,
  ].join('\n'),
);

const stop = () => {
  sandbox.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
