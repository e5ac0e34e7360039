/**
 * `npm run token -- --scope krr:global/kontaktinformasjon.read`: fetches one Maskinporten token with the facade's own
 * configuration and credentials (the same environment variables as `npm start`), and shows what came back. For
 * checking a new client, certificate or scope before the facade depends on it. In sandbox mode (SANDBOX=true, or no
 * MASKINPORTEN_* variable set) it starts the embedded simulators and asks those.
 */
import { parseArgs } from 'node:util';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { destination } from 'pino';
import { ConfigError, loadConfig, type UpstreamConfig } from '../src/config.js';
import { CredentialsError, organizationNumberOf } from '../src/maskinporten/credentials.js';
import { createStandaloneTokenService } from '../src/maskinporten/standalone.js';
import { createLogger } from '../src/observability/logger.js';
import { Metrics } from '../src/observability/metrics.js';
import type { Sandbox } from '../src/sandbox/index.js';
import { UpstreamAuthError, UpstreamStatusError, UpstreamUnavailableError } from '../src/upstream/errors.js';
import type { UpstreamClient } from '../src/upstream/http-client.js';

const USAGE = `Usage: npm run token -- --scope SCOPE [--scope SCOPE ...] [--resource URL] [--consumer-org ORGNO] [--raw]

Fetches a Maskinporten token with the facade's configuration (MASKINPORTEN_ISSUER, MASKINPORTEN_CLIENT_ID and
MASKINPORTEN_KEY_FILE/CERT_FILE, MASKINPORTEN_KEYSTORE_FILE/PASSWORD or MASKINPORTEN_KID) and prints the decoded
token. Without any MASKINPORTEN_* variable (unless SANDBOX=false), or with SANDBOX=true, the embedded sandbox
simulators answer.

Options:
  --scope SCOPE          a scope to ask for; repeatable, or several separated by spaces (required)
  --resource URL         audience-restricted token for this resource (RFC 8707)
  --consumer-org ORGNO   act for this organisation (Altinn delegation)
  --raw                  also print the token itself, alone on the last line
  -h, --help             this text

Exit status: 0 token obtained, 1 configuration, credentials or token request failed, 2 usage error.`;

/** One line per documented Maskinporten error code (upstream-apis.md §1): what to check first. */
const MP_HINTS: Record<string, string> = {
  'MP-011': 'a request parameter is invalid: check the --resource URL and the --consumer-org orgno',
  'MP-012': 'the grant was used before (jti reused): retry; if it persists, report it as a bug',
  'MP-100':
    'unknown client: check MASKINPORTEN_CLIENT_ID, and that the client exists in this environment (test vs production, MASKINPORTEN_ISSUER)',
  'MP-110':
    "wrong aud: MASKINPORTEN_ISSUER must be exactly the issuer in Maskinporten's metadata, trailing slash included",
  'MP-120':
    'the certificate is not accepted: a test certificate against production or the reverse, or an expired or untrusted certificate',
  'MP-121': 'the registered key has expired: register a new key on the client and update MASKINPORTEN_KID',
  'MP-122': "the certificate's organisation number is not the client's owner: use the owner's enterprise certificate",
  'MP-123': 'the x5c header is not accepted: the certificate chain must be leaf first, base64 DER',
  'MP-124': 'the signature does not verify: the private key does not match the certificate or the registered key',
  'MP-130':
    'the grant is expired or not yet valid: check the clock of this machine (NTP); clock skew above ~10 s fails',
  'MP-200':
    'the scope is not registered on the client: add it to the client (Samarbeidsportalen/admin API) or check its spelling',
  'MP-201': 'the scope is not allowed for this integration type',
  'MP-250': 'the consumer has no access to the scope: the delegation in Altinn is missing',
  'MP-251':
    'the --consumer-org organisation has not delegated this scope to you in Altinn: the customer must delegate it (or use an onbehalfof registration)',
};

/** Placeholders for the variables `loadConfig` requires outside sandbox mode that a token does not depend on. */
const NOT_NEEDED_HERE: Record<string, string> = {
  KRR_URL: 'http://krr.unused.invalid',
  ADMIN_API_URL: 'http://admin.unused.invalid',
  AUTH_ISSUER: 'http://auth.unused.invalid',
  AUTH_AUDIENCE: 'unused',
};

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        scope: { type: 'string', multiple: true },
        resource: { type: 'string' },
        'consumer-org': { type: 'string' },
        raw: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    console.error(USAGE);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const scopes = [...new Set((values.scope ?? []).flatMap((s) => s.split(/\s+/)).filter(Boolean))];
  if (scopes.length === 0) {
    console.error('At least one --scope is required.');
    console.error(USAGE);
    return 2;
  }
  const resource = values.resource?.trim() || undefined;
  const consumerOrg = values['consumer-org']?.trim() || undefined;

  let config;
  try {
    // Only Maskinporten matters here: the facade's other upstreams need not be configured to fetch a token, and without
    // any MASKINPORTEN_* variable the sandbox answers (its placeholders would otherwise count as upstreams being set).
    const maskinportenSet = Object.entries(process.env).some(
      ([name, value]) => name.startsWith('MASKINPORTEN_') && value?.trim(),
    );
    config = loadConfig(maskinportenSet ? { ...NOT_NEEDED_HERE, ...process.env } : { SANDBOX: 'true', ...process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }

  let sandbox: Sandbox | undefined;
  let http: UpstreamClient | undefined;
  try {
    let upstream: UpstreamConfig | undefined = config.upstream;
    if (config.sandbox) {
      const { startSandbox } = await import('../src/sandbox/index.js');
      sandbox = await startSandbox();
      upstream = sandbox.upstream;
      console.log(
        `Sandbox mode (SANDBOX=true or no MASKINPORTEN_* variable): asking the embedded Maskinporten simulator at ${sandbox.maskinporten.url}`,
      );
    }
    if (!upstream) throw new Error('no upstream configuration');
    const mp = upstream.maskinporten;

    const standalone = await createStandaloneTokenService(mp, {
      metrics: new Metrics(),
      deadlineMs: config.timeouts.maskinporten,
      // Warnings to stderr, so stdout stays what this script prints.
      log: createLogger({ level: 'warn', destination: destination({ fd: 2, sync: true }) }),
    });
    const { tokens, credentials } = standalone;
    http = standalone.http;

    console.log(`Issuer:      ${mp.issuer}`);
    console.log(`Client id:   ${mp.clientId}`);
    console.log(
      `Credentials: ${
        credentials.kid
          ? `registered key, kid ${credentials.kid}`
          : `enterprise certificate (x5c, ${credentials.x5c?.length ?? 0} certificates, orgno ${organizationNumberOf(credentials) ?? 'unknown'})`
      }`,
    );
    console.log(`Scopes:      ${scopes.join(' ')}`);
    if (resource) console.log(`Resource:    ${resource}`);
    if (consumerOrg) console.log(`Consumer:    ${consumerOrg}`);

    const token = await tokens.getToken({ scopes, resource, consumerOrg });
    describeToken(token);
    if (values.raw) console.log(token);
    return 0;
  } catch (err) {
    if (err instanceof UpstreamAuthError) {
      console.error(`Token request failed: ${err.message}`);
      if (err.mpCode || err.oauthError) {
        console.error(`Maskinporten error: ${[err.mpCode, err.oauthError].filter(Boolean).join(' ')}`);
      }
      const hint = err.mpCode ? MP_HINTS[err.mpCode] : undefined;
      if (hint) console.error(`Hint: ${hint}`);
      return 1;
    }
    if (err instanceof UpstreamUnavailableError || err instanceof UpstreamStatusError) {
      // Maskinporten's outage (unreachable, 5xx, 429, timeout, an unreadable answer or a redirect): not the setup.
      console.error(`Token request failed: ${err.message}`);
      console.error('Maskinporten is unavailable: try again later.');
      return 1;
    }
    if (err instanceof CredentialsError) {
      console.error(`Credentials: ${err.message}`);
      return 1;
    }
    console.error(`Failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await http?.close();
    await sandbox?.close();
  }
}

/** The token's header and claims when it is a JWT, and its expiry (from `exp`: TokenService keeps `expires_in`). */
function describeToken(token: string): void {
  let header;
  let claims;
  try {
    header = decodeProtectedHeader(token);
    claims = decodeJwt(token);
  } catch {
    console.log('Token:       opaque (not a JWT); nothing to decode');
    return;
  }
  console.log('Token:       JWT');
  console.log(`Header:      ${JSON.stringify(header, null, 2).replace(/\n/g, '\n             ')}`);
  console.log(`Claims:      ${JSON.stringify(claims, null, 2).replace(/\n/g, '\n             ')}`);
  if (typeof claims.exp === 'number') {
    const secondsLeft = Math.round(claims.exp - Date.now() / 1000);
    console.log(`Expires:     ${new Date(claims.exp * 1000).toISOString()} (${secondsLeft} s left)`);
  } else {
    console.log('Expires:     unknown (no exp claim)');
  }
}

// A reader that goes away (`npm run token | head -3`) ends the script quietly, as it ends any command-line tool; the
// sandbox's directory goes with the process (src/sandbox/index.ts).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});
process.exitCode = await main(process.argv.slice(2));
