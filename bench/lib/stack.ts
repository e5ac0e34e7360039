/**
 * What a benchmark runs against: a sandbox process (the simulators, `npm run sandbox`), a facade process pointed at it
 * with the variables the sandbox prints, and a direct client (the repo's own TokenService) for the baselines.
 */
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { createStandaloneTokenService } from '../../src/maskinporten/standalone.js';
import type { TokenService } from '../../src/maskinporten/token-service.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import type { UpstreamClient } from '../../src/upstream/http-client.js';
import { nodeCommandOf } from './node-command.js';
import { counters, parsePrometheus, type CounterSnapshot } from './prometheus.js';
import { freePort, spawnNode, waitForHttp200, type Child } from './processes.js';

export const KRR_SCOPE = 'krr:global/kontaktinformasjon.read';
export const ADMIN_READ_SCOPE = 'idporten:dcr.read';

const TSX = ['--import', 'tsx'];

export interface SandboxProcess {
  child: Child;
  latencyMs: number;
  /** The variables `src/sandbox/main.ts` prints (MASKINPORTEN_*, KRR_URL, ADMIN_API_URL, AUTH_*, …). */
  vars: Record<string, string>;
  callerToken: string;
}

/** `npm run sandbox` as a child process, with generated persons for unknown ids (realistic answer sizes). */
export async function startSandboxProcess(name: string, root: string, latencyMs: number): Promise<SandboxProcess> {
  const child = spawnNode(
    name,
    [...TSX, 'src/sandbox/main.ts'],
    { ...process.env, KRR_LATENCY_MS: String(latencyMs), POPULATE_UNKNOWN_PERSONS: 'true' },
    root,
  );
  const tokenLine = await child.waitForLine((line) => line.startsWith('A caller token'), 60_000);
  const vars: Record<string, string> = {};
  for (const line of child.output) {
    const match = /^([A-Z][A-Z0-9_]*)=(\S+)$/.exec(line);
    if (match) vars[match[1] as string] = match[2] as string;
  }
  for (const required of ['MASKINPORTEN_ISSUER', 'MASKINPORTEN_CLIENT_ID', 'KRR_URL', 'ADMIN_API_URL', 'AUTH_ISSUER']) {
    if (!vars[required]) throw new Error(`${name} did not print ${required}\n${child.tail()}`);
  }
  const callerToken = tokenLine.slice(tokenLine.lastIndexOf(': ') + 2).trim();
  return { child, latencyMs, vars, callerToken };
}

/**
 * bench/independent-krr/server.mjs, a KRR written apart from src/sandbox (verifying tokens against the simulators'
 * Maskinporten), and `sandbox` with its KRR_URL pointing there: issue 16's outside check.
 */
export async function withIndependentKrr(
  root: string,
  sandbox: SandboxProcess,
): Promise<{ krr: Child; sandbox: SandboxProcess }> {
  const krr = spawnNode(
    'independent-krr',
    [join(root, 'bench', 'independent-krr', 'server.mjs')],
    { ...process.env, ...sandbox.vars },
    root,
  );
  const line = await krr.waitForLine((l) => l.startsWith('KRR_URL='), 30_000);
  return { krr, sandbox: { ...sandbox, vars: { ...sandbox.vars, KRR_URL: line.slice('KRR_URL='.length) } } };
}

export interface FacadeProcess {
  child: Child;
  url: string;
  env: Record<string, string>;
  scrape(): Promise<CounterSnapshot>;
}

/**
 * The facade (`dist/main.js`, or `src/main.ts` through tsx with `entry: 'tsx'`) as a child process against `sandbox`,
 * on a free loopback port, in production posture, with limits out of the way of the load.
 */
export async function startFacadeProcess(
  name: string,
  root: string,
  sandbox: SandboxProcess,
  opts: { entry: 'tsx' | 'dist'; env?: Record<string, string>; nodeFlags?: string[] },
): Promise<FacadeProcess> {
  const port = await freePort();
  const env: Record<string, string> = {
    ...sandbox.vars,
    SANDBOX: 'false',
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    AUDIT_LOG_FILE: '/dev/null',
    // The configured maximum (config.ts); far above what a 10 s run reaches.
    RATE_LIMIT_PERSONS_PER_MINUTE: '100000000',
    PORT: String(port),
    HOST: '127.0.0.1',
    SHUTDOWN_DELAY_MS: '0',
    SHUTDOWN_GRACE_MS: '2000',
    ...opts.env,
  };
  // The extra flags go after the script's own and before its entry, so one the script also sets (a heap size) wins.
  // With tsx, `npm run dev`'s loader takes the entry's place.
  const script = nodeCommandOf(root, 'start:dist');
  const entry = opts.entry === 'dist' ? script.args.slice(-1) : [...TSX, 'src/main.ts'];
  const args = [...script.args.slice(0, -1), ...(opts.nodeFlags ?? []), ...entry];
  const child = spawnNode(name, args, { ...process.env, ...script.env, ...env }, root);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp200(`${url}/readyz`, child, 60_000);
  return {
    child,
    url,
    env,
    async scrape() {
      const res = await fetch(`${url}/metrics`);
      return counters(parsePrometheus(await res.text()));
    },
  };
}

/** The bare hop (bench/lib/bare-hop.ts): a service between caller and KRR that does nothing the facade adds. */
export interface BareHopProcess {
  child: Child;
  url: string;
}

/**
 * Starts the bare hop against `sandbox`, with the node flags and variables of `npm run start:dist` (the facade's heap
 * settings), its source through tsx as the sandbox's.
 */
export async function startBareHop(name: string, root: string, sandbox: SandboxProcess): Promise<BareHopProcess> {
  const port = await freePort();
  const script = nodeCommandOf(root, 'start:dist');
  const child = spawnNode(
    name,
    [...script.args.slice(0, -1), ...TSX, 'bench/lib/bare-hop.ts'],
    { ...process.env, ...script.env, ...sandbox.vars, PORT: String(port) },
    root,
  );
  await child.waitForLine((line) => line === 'bare hop listening', 60_000);
  return { child, url: `http://127.0.0.1:${port}` };
}

/**
 * A client without the facade: the repo's TokenService and credential loading with the key and certificate the sandbox
 * printed, its own metrics (to count its token requests).
 */
export class DirectClient {
  private constructor(
    private readonly tokens: TokenService,
    private readonly http: UpstreamClient,
    private readonly metrics: Metrics,
  ) {}

  static async create(sandbox: SandboxProcess): Promise<DirectClient> {
    const v = sandbox.vars;
    const config = {
      issuer: v.MASKINPORTEN_ISSUER as string,
      clientId: v.MASKINPORTEN_CLIENT_ID as string,
      keyFile: v.MASKINPORTEN_KEY_FILE,
      certFile: v.MASKINPORTEN_CERT_FILE,
    };
    const metrics = new Metrics();
    const { tokens, http } = await createStandaloneTokenService(config, {
      metrics,
      connections: 2,
      log: createLogger({ level: 'warn' }),
    });
    return new DirectClient(tokens, http, metrics);
  }

  /** A cached token for `scopes` that stays valid at least `validForS` more seconds (a run uses one fixed token). */
  async token(scopes: string[], validForS: number): Promise<string> {
    const req = { scopes };
    let token = await this.tokens.getToken(req);
    const exp = decodeJwt(token).exp;
    if (exp !== undefined && exp * 1000 - Date.now() < validForS * 1000) {
      this.tokens.invalidate(req, token);
      token = await this.tokens.getToken(req);
    }
    return token;
  }

  /** Token requests sent to Maskinporten so far. */
  async tokenRequests(): Promise<number> {
    return counters(parsePrometheus(await this.metrics.registry.metrics())).tokenPosts;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
