import { startSandbox } from './index.js';

/** `npm run sandbox`: the simulators alone (for benchmarks and other apps), with the variables to point a facade at them. */
const sandbox = await startSandbox({
  krrLatencyMs: Number(process.env.KRR_LATENCY_MS ?? 0),
  populateUnknownPersons: process.env.POPULATE_UNKNOWN_PERSONS === 'true',
  accessTokenTtlSeconds: Number(process.env.ACCESS_TOKEN_TTL_SECONDS ?? 120),
});
const mp = sandbox.upstream.maskinporten;
const caller = await sandbox.callerIssuer.issueToken();
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
    '',
    `A caller token (every scope, ${caller.expires_in} s): ${caller.access_token}`,
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
