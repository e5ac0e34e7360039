import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DestinationStream, Logger } from 'pino';
import { Authenticator } from './auth/authenticator.js';
import type { Caller } from './auth/caller.js';
import { CALLER_SCOPES } from './auth/scopes.js';
import type { Config, UpstreamConfig } from './config.js';
import type { GraphQLContext } from './graphql/context.js';
import { buildSchema } from './graphql/schema.js';
import { createGraphQLServer } from './graphql/server.js';
import { readBody } from './http/body.js';
import { createGraphiQL } from './http/graphiql.js';
import { createHttpServer, sendJson } from './http/server.js';
import { loadTrustedDocuments } from './http/trusted-documents.js';
import { KRR_CONTACT_SCOPE, KrrClient } from './krr/client.js';
import { createPersonsContext, type PersonsContext } from './krr/context.js';
import { PersonBatcher } from './krr/batcher.js';
import { PersonRateLimiter } from './krr/rate-limit.js';
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

  constructor(
    readonly caller: Caller,
    readonly requestId: string,
    readonly log: () => Logger,
    readonly operationName: string | null,
    readonly make: { persons: () => PersonsContext; clients: () => ClientsContext },
  ) {}

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
}

export interface App {
  /** Base URL the facade listens on, e.g. http://127.0.0.1:4000 */
  url: string;
  config: Config;
  metrics: Metrics;
  log: Logger;
  tokens: TokenService;
  sandbox?: Sandbox;
  close(): Promise<void>;
}

/** Composes config, token service, upstream clients, the GraphQL server and the HTTP routes, and listens. */
export async function startApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const log = createLogger({ level: config.logLevel, destination: opts.logDestination });
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
    const http = (name: 'maskinporten' | 'krr' | 'admin', url: string) => {
      const client = new UpstreamClient(name, url, {
        metrics,
        connections: config.upstreamConnections,
        deadlineMs: config.timeouts[name],
        breaker: config.breaker,
      });
      closers.push(() => client.close());
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
    const krr = new KrrClient(krrHttp, tokens, { apiVersion: config.krrApiVersion, metrics });
    const batcher = new PersonBatcher(krr, { windowMs: config.krrBatchWindowMs });
    const adminHttp = http('admin', upstream.adminApiUrl);
    const admin = new AdminApiClient(adminHttp, tokens, {
      ownOrgno: organizationNumberOf(credentials),
      supplier: config.adminSupplier ?? Boolean(sandbox),
    });

    const audit = await createAuditLog({ file: config.auditLogFile, destination: opts.auditDestination });
    closers.push(() => audit.close());
    const limiter = new PersonRateLimiter({ personsPerMinute: config.personsPerMinute });
    const trustedDocuments = config.trustedDocumentsFile
      ? await loadTrustedDocuments(config.trustedDocumentsFile)
      : undefined;
    const apollo = createGraphQLServer({
      schema: buildSchema([personResolvers, clientResolvers]),
      metrics,
      introspection: config.introspection ?? !config.production,
      persistedQueries: !trustedDocuments,
      limits: config.queryLimits,
      admission: config.admission,
    });
    await apollo.start();
    const authenticator = new Authenticator(upstream.auth);

    const tokenReady = cached(READINESS_CACHE_MS, () => tokens.probe({ scopes: [KRR_CONTACT_SCOPE] }));
    const server = createHttpServer({
      apollo,
      authenticator,
      metrics,
      log,
      corsOrigins: config.corsOrigins,
      bodyLimitBytes: config.maxBodyBytes,
      bodyBytesInFlightLimit: config.maxBodyBytesInFlight,
      buildContext: (caller, requestId, requestLog, operationName, upstreamContext) =>
        new RequestContext(caller, requestId, requestLog, operationName, {
          persons: () =>
            createPersonsContext({ batcher, now, audit, limiter, requestId, caller, upstream: upstreamContext }),
          clients: () =>
            createClientsContext({ api: admin.forRequest(upstreamContext), audit, caller, requestId }),
        }),
      ready: async () => (await tokenReady()) && krrHttp.breakerState !== 'open' && adminHttp.breakerState !== 'open',
      draining: () => draining,
      extraRoutes: sandbox ? sandboxRoutes(sandbox) : undefined,
      trustedDocuments,
      graphiql:
        (config.graphiql ?? !config.production)
          ? createGraphiQL({
              defaultHeaders: sandbox
                ? async () => ({ Authorization: `Bearer ${(await sandbox.callerIssuer.issueToken()).access_token}` })
                : undefined,
            })
          : undefined,
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    let draining = false;
    let closing: Promise<void> | undefined;
    const { port } = server.address() as AddressInfo;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `http://${host}:${port}`;
    log.info({ url: `${url}/graphql`, sandbox: Boolean(sandbox) }, 'facade listening');

    return {
      url,
      config,
      metrics,
      log,
      tokens,
      sandbox,
      /**
       * Graceful shutdown: /readyz answers 503 at once, new connections are refused after `shutdownDelayMs` (time for
       * the load balancer to notice), in-flight requests get `shutdownGraceMs` to finish, then everything closes.
       */
      async close() {
        if (closing) return closing;
        draining = true;
        closing = (async () => {
          await sleep(config.shutdownDelayMs);
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          const grace = sleep(config.shutdownGraceMs, true).then(() => server.closeAllConnections());
          await Promise.race([closed, grace]);
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

const READINESS_CACHE_MS = 5_000;

/** Memoizes an async check for `ttlMs` (readiness probes come often; a token probe need not run each time). */
function cached(ttlMs: number, check: () => Promise<boolean>): () => Promise<boolean> {
  let last: { at: number; value: Promise<boolean> } | undefined;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > ttlMs) last = { at: now, value: check() };
    return last.value;
  };
}

function sleep(ms: number, unref = false): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (unref) timer.unref();
  });
}

/** `POST /sandbox/caller-token` (sandbox mode only): a caller token from the embedded issuer, default every scope. */
function sandboxRoutes(sandbox: Sandbox) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (!req.url?.startsWith('/sandbox/caller-token')) return false;
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'use POST' });
      return true;
    }
    let scope: string = CALLER_SCOPES.join(' ');
    const text = await readBody(req, 16 * 1024).catch(() => '');
    if (text.trim()) {
      try {
        const body = JSON.parse(text) as { scope?: unknown };
        if (body.scope !== undefined) {
          if (typeof body.scope !== 'string') throw new Error('scope');
          scope = body.scope;
        }
      } catch {
        sendJson(res, 400, { error: 'invalid_request', error_description: 'body must be JSON {"scope": "a b"}' });
        return true;
      }
    }
    sendJson(res, 200, await sandbox.callerIssuer.issueToken({ scope }));
    return true;
  };
}
