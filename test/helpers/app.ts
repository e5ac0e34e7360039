import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startApp, type App, type AppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { Sandbox } from '../../src/sandbox/index.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  body: {
    data?: T | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

export interface TestApp {
  app: App;
  sandbox: Sandbox;
  url: string;
  /** Every normal log line the app wrote, as text. */
  logLines: string[];
  /** The audit log's records (AUDIT_LOG_FILE in a temporary directory unless the test sets it). */
  auditRecords(): Promise<Record<string, unknown>[]>;
  token(scope?: string): Promise<string>;
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    opts?: { token?: string | null; scope?: string },
  ): Promise<GraphQLResponse<T>>;
  /** The value of `facade_upstream_requests_total`, summed over every series matching `labels`. */
  upstreamRequests(labels: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

/**
 * The variables that point a facade at a running sandbox's simulators, as an operator would configure one against
 * Digdir (`SANDBOX=false`): how a second replica joins the first one's upstreams.
 */
export function sandboxUpstreamEnv(sandbox: Sandbox): Record<string, string> {
  const { maskinporten, krrUrl, adminApiUrl, auth } = sandbox.upstream;
  return {
    SANDBOX: 'false',
    MASKINPORTEN_ISSUER: maskinporten.issuer,
    MASKINPORTEN_CLIENT_ID: maskinporten.clientId,
    MASKINPORTEN_KEY_FILE: maskinporten.keyFile ?? '',
    MASKINPORTEN_CERT_FILE: maskinporten.certFile ?? '',
    KRR_URL: krrUrl,
    ADMIN_API_URL: adminApiUrl,
    ADMIN_SUPPLIER: 'true',
    AUTH_ISSUER: auth.issuer,
    AUTH_AUDIENCE: auth.audience,
  };
}

/**
 * Starts the facade on port 0 with its log captured: in sandbox mode, exactly as `npm start` does, or, given
 * `peerOf`, as another replica against that app's sandbox (same simulators, same caller issuer).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  opts: Omit<AppOptions, 'logDestination'> & { peerOf?: TestApp } = {},
): Promise<TestApp> {
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const dir = await mkdtemp(join(tmpdir(), 'facade-test-'));
  const auditFile = env.AUDIT_LOG_FILE ?? join(dir, 'audit.jsonl');
  const { peerOf, ...appOptions } = opts;
  const base = peerOf ? sandboxUpstreamEnv(peerOf.sandbox) : { SANDBOX: 'true' };
  const config = loadConfig({
    ...base,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    AUDIT_LOG_FILE: auditFile,
    // Production's 5 s for load balancers to notice the drain made every production-posture app's close() take 5 s
    // (a minute of CI); the tests of draining set their own delay.
    SHUTDOWN_DELAY_MS: '0',
    ...env,
  });
  // Every document compiled on its first run: the suite's answers come from the executor production uses for
  // repeated documents (test/graphql/executors.test.ts compares it with graphql-js, first runs included).
  const app = await startApp(config, { compileAfterRuns: 0, ...appOptions, logDestination: destination });
  const sandbox = peerOf?.sandbox ?? app.sandbox;
  if (!sandbox) throw new Error('expected sandbox mode');
  const tokens = new Map<string, string>();

  const token = async (scope?: string) => {
    const key = scope ?? '*';
    let value = tokens.get(key);
    if (!value) {
      const res = await fetch(`${peerOf?.url ?? app.url}/sandbox/caller-token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(scope === undefined ? {} : { scope }),
      });
      value = ((await res.json()) as { access_token: string }).access_token;
      tokens.set(key, value);
    }
    return value;
  };

  return {
    app,
    sandbox,
    url: app.url,
    logLines,
    async auditRecords() {
      const text = await readFile(auditFile, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    token,
    async graphql(query, variables, gqlOpts = {}) {
      const bearer = gqlOpts.token === null ? undefined : (gqlOpts.token ?? (await token(gqlOpts.scope)));
      const res = await fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: (await res.json()) as GraphQLResponse['body'] } as never;
    },
    async upstreamRequests(labels) {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith('facade_upstream_requests_total{')) continue;
        if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
          sum += Number(line.split(' ').pop());
      }
      return sum;
    },
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
