import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DestinationStream, Logger } from 'pino';
import { Authenticator } from './auth/authenticator.js';
import type { Caller } from './auth/caller.js';
import { CALLER_SCOPES } from './auth/scopes.js';
import type { Config, UpstreamConfig } from './config.js';
import type { GraphQLContext } from './graphql/context.js';
import { buildSchema } from './graphql/schema.js';
import { AnswerHandOff } from './graphql/answer-hand-off.js';
import { createGraphQLServer } from './graphql/server.js';
import { HttpError, readBody } from './http/body.js';
import { createGraphiQL } from './http/graphiql.js';
import { InFlightRequests } from './http/in-flight.js';
import { hasLongList } from './http/json-pieces.js';
import { listenOn } from './http/listen.js';
import { createServer } from './http/node-http.js';
import { createHttpServer, refusedUnlessRead, sendJson, sendMetrics, type ContextRequest } from './http/server.js';
import { loadTrustedDocuments, type TrustedDocuments } from './http/trusted-documents.js';
import { KRR_CONTACT_SCOPE, KrrClient } from './krr/client.js';
import { createPersonsContext, type PersonsContext } from './krr/context.js';
import { collectWhenBusy, LoopUtilization } from './krr/batch-window.js';
import { PersonBatcher } from './krr/batcher.js';
import { AnswerSizes } from './krr/answer-sizes.js';
import { PersonRateLimiter, type PersonLimiter } from './krr/rate-limit.js';
import { inProcessLocks, type ClientLocks } from './clients/locks.js';
import type { ActingFor } from './generated/graphql.js';
import { OWN_PARTY, type LookupParty } from './krr/client.js';
import { actingFor, clientAdministrationRefused, tenantParty } from './tenants/parties.js';
import { callerResolvers } from './tenants/resolvers.js';
import { loadTenantsFile, parseTenants, TenantDirectory, type Tenant } from './tenants/tenants.js';
import { SERIALIZED_MODEL_TYPES } from './krr/model.js';
import { personResolvers } from './krr/resolvers.js';
import { createAuditLog } from './observability/audit.js';
import { AdminApiClient } from './clients/admin-client.js';
import { createClientsContext, type ClientsContext } from './clients/context.js';
import { clientResolvers } from './clients/resolvers.js';
import { loadCredentials, organizationNumberOf } from './maskinporten/credentials.js';
import { TokenService } from './maskinporten/token-service.js';
import { createLogger } from './observability/logger.js';
import { Metrics } from './observability/metrics.js';
import type { Sandbox, SandboxOptions } from './sandbox/index.js';
import { UpstreamClient } from './upstream/http-client.js';

/**
 * One request's GraphQL context. The domain contexts (loaders, caches) are made on first use: an operation usually
 * needs one of them. Accessors live on the prototype and state in plain properties, because Apollo hands resolvers a
 * copy (`Object.assign` onto `Object.create(prototype)`), which keeps both.
 */
class RequestContext implements GraphQLContext {
  personsContext: PersonsContext | undefined = undefined;
  clientsContext: ClientsContext | undefined = undefined;
  readonly caller: Caller;
  readonly requestId: string;
  readonly callerRequestId: string | undefined;
  readonly log: () => Logger;
  readonly operationName: string | null;
  readonly admitted: boolean;
  readonly acceptedAt: number;

  constructor(
    request: ContextRequest,
    readonly actingFor: ActingFor,
    readonly make: { persons: () => PersonsContext; clients: () => ClientsContext },
  ) {
    this.caller = request.caller;
    this.requestId = request.requestId;
    this.callerRequestId = request.callerRequestId;
    this.log = request.log;
    this.operationName = request.operationName;
    this.admitted = request.admitted;
    this.acceptedAt = request.acceptedAt;
  }

  get persons(): PersonsContext {
    return (this.personsContext ??= this.make.persons());
  }

  get clients(): ClientsContext {
    return (this.clientsContext ??= this.make.clients());
  }
}

export interface AppOptions {
  /** Where normal log lines go (default stdout). */
  logDestination?: DestinationStream;
  /** The clock of the token service and the 18-month rule; injectable for tests. */
  now?: () => number;
  sandbox?: SandboxOptions;
  /** Where audit lines go when AUDIT_LOG_FILE is unset (default: stdout, a stream of their own). */
  auditDestination?: NodeJS.WritableStream;
  /** Runs of a document before it is compiled (compiled-execution.ts); tests set 0 so every answer is compiled. */
  compileAfterRuns?: 0 | 1;
}

export interface App {
  /** Base URL the facade listens on, e.g. http://127.0.0.1:4000 */
  url: string;
  /** With METRICS_PORT: where /metrics is served instead of on `url`. */
  metricsUrl?: string;
  config: Config;
  metrics: Metrics;
  log: Logger;
  tokens: TokenService;
  sandbox?: Sandbox;
  /** With TRUSTED_DOCUMENTS_FILE: the documents that run here. */
  trustedDocuments?: TrustedDocuments;
  close(): Promise<void>;
}

/** Composes config, token service, upstream clients, the GraphQL server and the HTTP routes, and listens. */
export async function startApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const log = createLogger({ level: config.logLevel, destination: opts.logDestination });
  for (const warning of config.warnings) log.warn(warning);
  const metrics = new Metrics({ defaultMetrics: true });
  const now = opts.now ?? Date.now;

  let sandbox: Sandbox | undefined;
  if (config.sandbox) {
    // Imported only in sandbox mode: production never loads the simulators.
    const { startSandbox } = await import('./sandbox/index.js');
    sandbox = await startSandbox({ now: opts.now, ...opts.sandbox });
  }
  // Cleanups in the order things were started; run in reverse on close or on a failed start.
  const closers: (() => Promise<void>)[] = [];
  if (sandbox) closers.push(sandbox.close.bind(sandbox));
  const runClosers = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };

  try {
    const upstream: UpstreamConfig | undefined = sandbox?.upstream ?? config.upstream;
    if (!upstream) throw new Error('no upstream configuration');
    const credentials = await loadCredentials(upstream.maskinporten);
    const upstreamClients: UpstreamClient[] = [];
    const http = (name: 'maskinporten' | 'krr' | 'admin', url: string) => {
      const client = new UpstreamClient(name, url, {
        metrics,
        connections: config.upstreamConnections,
        maxResponseBytes: config.upstreamMaxResponseBytes,
        compression: config.upstreamCompression,
        deadlineMs: config.timeouts[name],
        breaker: config.breaker,
      });
      closers.push(() => client.close());
      upstreamClients.push(client);
      return client;
    };
    const maskinportenHttp = http('maskinporten', upstream.maskinporten.issuer);
    const krrHttp = http('krr', upstream.krrUrl);
    const tokens = new TokenService({
      issuer: upstream.maskinporten.issuer,
      clientId: upstream.maskinporten.clientId,
      credentials,
      http: maskinportenHttp,
      metrics,
      log: log.child({ component: 'maskinporten' }),
      now,
    });
    await tokens.warmUp();
    const answerSizes = config.krrBatchMaxAnswerBytes > 0 ? new AnswerSizes(config.krrBatchMaxAnswerBytes) : undefined;
    const krr = new KrrClient(krrHttp, tokens, { apiVersion: config.krrApiVersion, metrics, answerSizes });
    const adminHttp = http('admin', upstream.adminApiUrl);
    const admin = new AdminApiClient(adminHttp, tokens, {
      ownOrgno: organizationNumberOf(credentials),
      supplier: config.adminSupplier ?? Boolean(sandbox),
      allowedScopes: config.adminAllowedScopes,
    });

    const audit = await createAuditLog({ file: config.auditLogFile, destination: opts.auditDestination });
    closers.push(() => audit.close());
    const shared = await sharedState(config, log, metrics);
    if (shared.close) closers.push(shared.close);
    const ownOrgno = organizationNumberOf(credentials);
    const tenantDirectory = await tenantsOf(config, sandbox, ownOrgno, log);
    const ownParty: LookupParty = { ...OWN_PARTY, ...(ownOrgno ? { consumer: ownOrgno } : {}) };
    const parties = new Map(
      tenantDirectory.tenants.map((tenant) => [
        tenant,
        {
          party: tenantParty(tenant, { orgno: ownOrgno, clientId: upstream.maskinporten.clientId }),
          limiter:
            tenant.personsPerMinute === undefined
              ? undefined
              : shared.makeLimiter(tenant.personsPerMinute, 'tenant-persons'),
        },
      ]),
    );
    const trustedDocuments = config.trustedDocumentsFile
      ? await loadTrustedDocuments(config.trustedDocumentsFile)
      : undefined;
    const answers = new AnswerHandOff<GraphQLContext>(hasLongList);
    const { apollo, admission, costBudget } = createGraphQLServer({
      answers,
      schema: buildSchema([personResolvers, clientResolvers, callerResolvers]),
      metrics,
      introspection: config.introspection ?? !config.production,
      persistedQueries: !trustedDocuments,
      limits: config.queryLimits,
      admission: config.admission,
      executor: config.executor,
      compileAfterRuns: opts.compileAfterRuns,
      serializedTypes: SERIALIZED_MODEL_TYPES,
    });
    if (costBudget) closers.push(async () => costBudget.stop());
    // The window trades latency for fewer, larger KRR calls; with KRR_BATCH_WINDOW_MODE=busy only while that pays.
    let collect: ((callsInFlight: number) => boolean) | undefined;
    if (config.krrBatchWindowMode === 'busy') {
      const loop = new LoopUtilization();
      closers.push(async () => loop.stop());
      collect = collectWhenBusy({
        admissionBusy: () => admission.busy,
        loopUtilization: () => loop.current,
        connections: config.upstreamConnections,
      });
    }
    const batcher = new PersonBatcher(krr, {
      windowMs: config.krrBatchWindowMs,
      maxIds: config.krrBatchMaxIds,
      answerSizes,
      deadlineMs: config.timeouts.krr,
      ...(collect ? { collect } : {}),
      ...(costBudget ? { onAnswered: (ms: number) => costBudget.batchAnswered(ms) } : {}),
    });
    await apollo.start();
    const authenticator = new Authenticator({
      ...upstream.auth,
      maxTokenLifetimeSeconds: config.callerTokens.maxLifetimeSeconds,
      clockSkewSeconds: config.callerTokens.clockSkewSeconds,
      scopePrefixes: config.callerTokens.scopePrefixes,
      log: log.child({ component: 'auth' }),
      ...(sandbox ? { tokenHint: SANDBOX_TOKEN_HINT } : {}),
    });
    closers.push(async () => authenticator.flushLog());

    // Upstream state is reported, never a condition of readiness: a KRR outage must not take the replica out of
    // rotation for admin operations, nor the reverse (DESIGN.md "Failures stay small").
    let lastTokenState: string | undefined;
    const tokenState = cached(HEALTH_CACHE_MS, async () => {
      const probe = await tokens.probe({ scopes: [KRR_CONTACT_SCOPE] }).catch(() => undefined);
      lastTokenState = !probe ? 'token probe failed' : probe.ok ? 'ok' : probe.reason;
      return lastTokenState;
    });
    const breaker = (client: UpstreamClient) =>
      client.breakerState === 'closed' ? 'ok' : `breaker ${client.breakerState}`;
    /** Each component's state in a few words ("ok", "MP-123 invalid_grant: …", "breaker open"), without secrets. */
    const components = (token: string): Record<string, string> => ({
      maskinporten: token === 'ok' ? breaker(maskinportenHttp) : token,
      krr: breaker(krrHttp),
      admin: breaker(adminHttp),
      callerTokens: authenticator.keysStatus(),
    });
    const health = async (verbose: boolean) => {
      if (!verbose) return { status: 'ok' };
      const token = await tokenState();
      return {
        status: 'ok',
        draining,
        components: components(token),
        upstreams: {
          maskinporten: { token: token === 'ok' ? 'ok' : 'unavailable', breaker: maskinportenHttp.breakerState },
          krr: { breaker: krrHttp.breakerState },
          admin: { breaker: adminHttp.breakerState },
        },
      };
    };
    // A readiness probe gives up after about a second: a slow token probe reports its last outcome instead.
    const readiness = async () =>
      components(await within(READY_WAIT_MS, tokenState(), () => lastTokenState ?? 'token probe in progress'));
    /** The sandbox guide's curl lines name the facade's URL, known once it listens (PORT may be 0). */
    let facadeUrl = `http://localhost:${config.port}`;
    const guideHtml = sandbox ? (await import('./http/sandbox-guide.js')).sandboxGuideHtml : undefined;
    const inFlight = new InFlightRequests();
    const server = createHttpServer({
      inFlight,
      apollo,
      answers,
      authenticator,
      metrics,
      log,
      corsOrigins: config.corsOrigins,
      bodyLimitBytes: config.maxBodyBytes,
      bodyBytesInFlightLimit: config.maxBodyBytesInFlight,
      maxAnswerBytes: config.queryLimits.maxAnswerBytes,
      unreadAnswers: { maxBytes: config.maxUnreadAnswerBytes, timeoutMs: config.answerReadTimeoutMs },
      admit: (caller) => {
        const resolution = tenantDirectory.resolve(caller);
        return resolution.ok ? undefined : resolution.message;
      },
      admission,
      buildContext: (request) => {
        const { caller, requestId, callerRequestId, upstream: upstreamContext } = request;
        const resolution = tenantDirectory.resolve(caller);
        const tenant = resolution.ok ? resolution.tenant : undefined;
        const acting = tenant ? parties.get(tenant) : undefined;
        return new RequestContext(request, actingFor(tenant, ownOrgno), {
          persons: () =>
            createPersonsContext({
              batcher,
              now,
              audit,
              limiter: shared.limiter,
              requestId,
              callerRequestId,
              caller,
              upstream: upstreamContext,
              party: acting?.party ?? ownParty,
              partyLimiter: acting?.limiter,
              onLookedUp: (consumer, count) => metrics.personsLookedUp.inc({ consumer }, count),
              onAuditFailed: () => metrics.auditWriteFailures.inc({ kind: 'person' }),
            }),
          clients: () => {
            if (tenant) throw clientAdministrationRefused(tenant);
            return createClientsContext({
              api: admin.forRequest(upstreamContext),
              locks: shared.locks,
              audit,
              caller,
              requestId,
              callerRequestId,
              onBehalfOfChanged: (clientId, id) => {
                // Our own client's registration changed: tokens obtained through it must not outlive the change.
                if (clientId === upstream.maskinporten.clientId) tokens.forgetOnBehalfOf(id);
              },
              onAuditFailed: () => metrics.auditWriteFailures.inc({ kind: 'change' }),
            });
          },
        });
      },
      health,
      readiness,
      serveMetrics: config.metricsPort === undefined,
      documentLimits: config.documentLimits,
      draining: () => draining,
      extraRoutes: sandbox ? sandboxRoutes(sandbox) : undefined,
      trustedDocuments,
      graphiql:
        (config.graphiql ?? !config.production)
          ? createGraphiQL({
              defaultHeaders: sandbox
                ? async () => ({ Authorization: `Bearer ${(await sandbox.callerIssuer.issueToken()).access_token}` })
                : undefined,
              sandboxGuide: guideHtml && ((now: Date) => guideHtml(now, facadeUrl)),
            })
          : undefined,
    });
    await listenOn(server, config.port, config.host, 'PORT');
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    let metricsUrl: string | undefined;
    if (config.metricsPort !== undefined) {
      const metricsServer = createMetricsServer(metrics, log);
      await listenOn(metricsServer, config.metricsPort, config.host, 'METRICS_PORT');
      closers.push(() => new Promise<void>((resolve) => metricsServer.close(() => resolve())));
      metricsUrl = `http://${loopbackHost(config.host)}:${(metricsServer.address() as AddressInfo).port}/metrics`;
    }
    let draining = false;
    let closing: Promise<void> | undefined;
    const { port } = server.address() as AddressInfo;
    const url = `http://${loopbackHost(config.host)}:${port}`;
    facadeUrl = url;
    // `url` is where this host reaches it; `listen` what it is bound to (0.0.0.0 by default outside the sandbox).
    log.info(
      { url: `${url}/graphql`, listen: `${config.host}:${port}`, metrics: metricsUrl, sandbox: Boolean(sandbox) },
      'facade listening',
    );

    return {
      url,
      metricsUrl,
      config,
      metrics,
      log,
      tokens,
      sandbox,
      trustedDocuments,
      /**
       * Graceful shutdown: /readyz answers 503 at once, new connections are refused after `shutdownDelayMs` (time for
       * the load balancer to notice), in-flight requests get `shutdownGraceMs` to finish. Requests still running then
       * have their upstream calls stopped: each ends as what it is (a change sent without an answer: outcome unknown),
       * answers its caller and writes its audit record, within {@link STOPPED_REQUESTS_MS}; then everything closes,
       * the audit log and the shared state last of what those requests use.
       */
      async close() {
        if (closing) return closing;
        draining = true;
        closing = (async () => {
          await sleep(config.shutdownDelayMs);
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          // A request that came before the drain is answered without `Connection: close` and leaves its connection
          // idle afterwards: closed as soon as it is, not kept to the end of the grace.
          server.closeIdleConnections();
          const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
          const graceOver = await Promise.race([
            closed.then(() => false),
            sleep(config.shutdownGraceMs, true).then(() => true),
          ]);
          clearInterval(sweep);
          if (graceOver) {
            for (const client of upstreamClients) client.stop();
            const stoppedBy = Date.now() + STOPPED_REQUESTS_MS;
            await inFlight.idle(STOPPED_REQUESTS_MS);
            // Their answers go out with `Connection: close`; a caller that does not read its answer is not waited for.
            await Promise.race([closed, sleep(Math.max(0, stoppedBy - Date.now()), true)]);
            server.closeAllConnections();
          }
          await apollo.stop();
          await runClosers();
          log.info('stopped');
        })();
        return closing;
      },
    };
  } catch (err) {
    await runClosers();
    throw err;
  }
}

/**
 * How long requests cut short by the end of the shutdown grace get, once their upstream calls are stopped, to answer
 * and write their audit records (a Redis lock's release, an audit line).
 */
export const STOPPED_REQUESTS_MS = 3_000;

/**
 * When a stopping process exits regardless (exit code 1): after the delay, the grace, the time stopped requests get
 * and 5 s for the rest (Redis, the audit log's last writes, the spans still queued). Kubernetes'
 * `terminationGracePeriodSeconds` must be longer (deploy/kubernetes/base/deployment.yaml).
 */
export function forcedExitAfterMs(config: Pick<Config, 'shutdownDelayMs' | 'shutdownGraceMs'>): number {
  return config.shutdownDelayMs + config.shutdownGraceMs + STOPPED_REQUESTS_MS + 5_000;
}

/** How often the drain closes connections that have become idle. */
const IDLE_SWEEP_MS = 100;

const HEALTH_CACHE_MS = 5_000;
/** Sandbox mode's issuer makes new keys at every start: a token from before a restart has an unknown kid. */
export const SANDBOX_TOKEN_HINT =
  'Sandbox mode: get a token with POST /sandbox/caller-token (tokens from before a restart are not accepted).';

/** How long /readyz waits for a token probe before it reports the previous one's outcome. */
const READY_WAIT_MS = 500;

/**
 * Supplier mode's tenants: `TENANTS_FILE`, or in sandbox mode without it the sandbox's seeded customers (with the
 * caller issuer's `tenant` claim unless AUTH_TENANT_CLAIM says otherwise). No file: every caller acts as us.
 */
async function tenantsOf(
  config: Config,
  sandbox: Sandbox | undefined,
  ownOrgno: string | undefined,
  log: Logger,
): Promise<TenantDirectory> {
  let tenants: Tenant[] = [];
  let claim = config.tenants.claim;
  if (config.tenants.file) {
    tenants = await loadTenantsFile(config.tenants.file);
  } else if (sandbox?.tenants) {
    tenants = parseTenants(sandbox.tenants.file, 'sandbox tenants');
    claim ??= sandbox.tenants.claim;
  }
  if (tenants.length > 0) {
    log.info(
      { tenants: tenants.map((t) => t.organizationNumber), claim: claim ?? 'callers lists' },
      'supplier mode: acting for customer organisations',
    );
  }
  return new TenantDirectory(tenants, { claim, required: config.tenants.required, ownOrgno });
}

/**
 * What replicas must share (the person rate limit, the per-client admin lock): in Redis with `REDIS_URL`, else in
 * this process, which is right for one replica only.
 */
async function sharedState(
  config: Config,
  log: Logger,
  metrics: Metrics,
): Promise<{
  limiter: PersonLimiter;
  /** A limit of its own (a tenant's `personsPerMinute`), shared the same way. */
  makeLimiter: (personsPerMinute: number, name: string) => PersonLimiter;
  locks: ClientLocks;
  close?: () => Promise<void>;
}> {
  if (!config.redis) {
    log.info('no REDIS_URL: rate limits and client locks are per replica (run one replica, or set REDIS_URL)');
    const makeLimiter = (personsPerMinute: number) => new PersonRateLimiter({ personsPerMinute });
    return { limiter: makeLimiter(config.personsPerMinute), makeLimiter, locks: inProcessLocks() };
  }
  // Loaded only here: ioredis and rate-limiter-flexible (~2.4 MB of heap) are of no use to a replica without Redis.
  const [{ connectSharedStore, describeRedisUrl }, { SharedPersonRateLimiter }, { RedisLeaseLocks }] =
    await Promise.all([import('./state/redis.js'), import('./state/shared-rate-limit.js'), import('./state/lease.js')]);
  const store = await connectSharedStore(config.redis.url, config.redis.keyPrefix, log);
  log.info({ redis: describeRedisUrl(config.redis.url) }, 'rate limits and client locks are shared through Redis');
  const makeLimiter = (personsPerMinute: number, name: string) =>
    new SharedPersonRateLimiter({
      store,
      personsPerMinute,
      name,
      log,
      onFallback: () => metrics.rateLimitFallbacks.inc(),
    });
  return {
    limiter: makeLimiter(config.personsPerMinute, 'persons'),
    makeLimiter,
    locks: new RedisLeaseLocks({ store }),
    close: () => store.close(),
  };
}

function loopbackHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}

/** `METRICS_PORT`: /metrics alone on a port of its own, so the public port need not expose it. */
function createMetricsServer(metrics: Metrics, log: Logger): Server {
  return createServer((req, res) => {
    if (req.url === '/metrics') {
      if (refusedUnlessRead(req, res)) return;
      sendMetrics(metrics, res).catch((err: unknown) => {
        log.error({ err: { message: (err as Error).message } }, 'metrics failed');
        res.destroy();
      });
      return;
    }
    sendJson(res, 404, { error: 'not found' });
  });
}

/** Memoizes an async check for `ttlMs` (health probes come often; a token probe need not run each time). */
function cached<T>(ttlMs: number, check: () => Promise<T>): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > ttlMs) last = { at: now, value: check() };
    return last.value;
  };
}

/** `value`, or `fallback()` when it has not settled within `ms`. */
async function within<T>(ms: number, value: Promise<T>, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), ms);
  });
  try {
    return await Promise.race([value, late]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number, unref = false): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (unref) timer.unref();
  });
}

/** `POST /sandbox/caller-token` (sandbox mode only): a caller token from the embedded issuer, default every scope. */
function sandboxRoutes(sandbox: Sandbox) {
  const usage = 'body must be JSON {"scope": "a b", "tenant": "<9-digit organisation number>"}, both optional';
  return async (path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (path !== '/sandbox/caller-token') return false;
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'use POST' });
      return true;
    }
    let scope: string = CALLER_SCOPES.join(' ');
    let tenant: string | undefined;
    let text: string;
    try {
      text = await readBody(req, 16 * 1024);
    } catch (err) {
      // Unread is not empty: read as empty, a body in a coding the facade does not read would get every scope.
      if (!(err instanceof HttpError)) throw err;
      for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
      sendJson(res, err.status, { error: 'invalid_request', error_description: err.message });
      return true;
    }
    if (text.trim()) {
      try {
        const body = JSON.parse(text) as { scope?: unknown; tenant?: unknown };
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('body');
        if (body.scope !== undefined) {
          if (typeof body.scope !== 'string') throw new Error('scope');
          scope = body.scope;
        }
        if (body.tenant !== undefined) {
          if (typeof body.tenant !== 'string' || !/^\d{9}$/.test(body.tenant)) throw new Error('tenant');
          tenant = body.tenant;
        }
      } catch {
        sendJson(res, 400, { error: 'invalid_request', error_description: usage });
        return true;
      }
    }
    // The tenant goes into the claim the sandbox's tenant configuration names (`sandbox.tenants.claim`).
    sendJson(res, 200, await sandbox.callerIssuer.issueToken({ scope, ...(tenant !== undefined ? { tenant } : {}) }));
    return true;
  };
}
