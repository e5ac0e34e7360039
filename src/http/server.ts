import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import type { Caller } from '../auth/caller.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { Metrics } from '../observability/metrics.js';
import type { UpstreamRequestContext } from '../upstream/request-context.js';
import { RetryBudget } from '../upstream/retry.js';
import { BodyBudget, HttpError, readBody } from './body.js';
import type { GraphiQL } from './graphiql.js';
import { resolveTrustedRequest, type TrustedDocuments } from './trusted-documents.js';

export interface HttpServerOptions {
  apollo: ApolloServer<GraphQLContext>;
  authenticator: Authenticator;
  metrics: Metrics;
  log: Logger;
  corsOrigins: string[];
  bodyLimitBytes: number;
  /**
   * The request bodies held at once (read, and their responses not yet sent): beyond it a request is refused with 503
   * OVERLOADED instead of being read into memory. Requests waiting for admission hold their body, so this bounds them.
   */
  bodyBytesInFlightLimit: number;
  buildContext(
    caller: Caller,
    requestId: string,
    log: () => Logger,
    operationName: string | null,
    upstream: UpstreamRequestContext,
  ): GraphQLContext;
  ready(): Promise<boolean>;
  /** True once shutdown began: /readyz answers 503 and responses ask clients to reconnect elsewhere. */
  draining(): boolean;
  /** With `TRUSTED_DOCUMENTS_FILE`: only these documents run, requested by hash. */
  trustedDocuments?: TrustedDocuments;
  /** The GraphiQL page and its assets; undefined when disabled. */
  graphiql?: GraphiQL;
  /** Extra routes (sandbox mode's `/sandbox/caller-token`); answer true when handled. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** Upstream retries one GraphQL request may spend in all, across every upstream call it makes. */
const RETRY_BUDGET_PER_REQUEST = 3;

/** node:http front: routing, CORS, body limits, caller authentication, then Apollo. */
export function createHttpServer(opts: HttpServerOptions): Server {
  const bodies = new BodyBudget(opts.bodyBytesInFlightLimit);
  const server = createServer((req, res) => {
    handle(opts, bodies, req, res).catch((err: unknown) => {
      // A client that hangs up mid-request is routine (load balancers, impatient callers), not a server fault.
      if (req.destroyed || (err as { code?: string }).code === 'ECONNRESET') {
        opts.log.debug({ code: (err as { code?: string }).code }, 'client went away');
        res.destroy();
        return;
      }
      opts.log.error({ err }, 'unhandled HTTP error');
      if (!res.headersSent)
        sendJson(res, 500, {
          errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
        });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 120_000;
  return server;
}

async function handle(
  opts: HttpServerOptions,
  bodies: BodyBudget,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (opts.draining()) res.setHeader('connection', 'close');
  if (opts.extraRoutes && (await opts.extraRoutes(req, res))) return;
  if (opts.graphiql && req.method === 'GET' && opts.graphiql.asset(url, res)) return;
  switch (url.pathname) {
    case '/healthz':
      return sendJson(res, 200, { status: 'ok' });
    case '/readyz': {
      if (opts.draining()) return sendJson(res, 503, { status: 'draining' });
      const ready = await opts.ready();
      return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready' });
    }
    case '/metrics': {
      const text = await opts.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': opts.metrics.registry.contentType });
      res.end(text);
      return;
    }
    case '/graphql':
      return handleGraphQL(opts, bodies, req, res, url);
    default:
      return sendJson(res, 404, { error: 'not found' });
  }
}

async function handleGraphQL(
  opts: HttpServerOptions,
  bodies: BodyBudget,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  applyCors(opts.corsOrigins, req, res);
  if (req.method === 'OPTIONS') {
    res.writeHead(204);
    res.end();
    return;
  }
  if (req.method !== 'GET' && req.method !== 'POST') {
    res.setHeader('allow', 'GET, POST, OPTIONS');
    return graphqlError(res, 405, 'Use GET (queries) or POST.', 'METHOD_NOT_ALLOWED');
  }
  if (opts.graphiql?.wants(req, url)) return opts.graphiql.page(res);
  const headerId = req.headers['x-request-id'];
  const requestId = typeof headerId === 'string' && REQUEST_ID.test(headerId) ? headerId : randomUUID();
  res.setHeader('x-request-id', requestId);

  const auth = await opts.authenticator.authenticate(req.headers);
  if (!auth.ok) {
    if (auth.status === 401) res.setHeader('www-authenticate', 'Bearer');
    return graphqlError(res, auth.status, auth.message, auth.status === 401 ? 'UNAUTHENTICATED' : 'UNAVAILABLE');
  }

  let body: unknown;
  try {
    const text = req.method === 'POST' ? await readBody(req, opts.bodyLimitBytes) : '';
    if (!bodies.hold(text.length, res)) {
      res.setHeader('retry-after', '1');
      return graphqlError(res, 503, 'The service is busy: try again shortly.', 'OVERLOADED');
    }
    body = parseBody(text, req.headers['content-type']);
  } catch (err) {
    if (err instanceof HttpError) {
      if (err.status === 413) res.setHeader('connection', 'close'); // the rest of the body is never read
      return graphqlError(res, err.status, err.message, 'BAD_REQUEST');
    }
    throw err;
  }

  let search = url.search;
  if (opts.trustedDocuments) {
    const trusted = resolveTrustedRequest(opts.trustedDocuments, req.method, body, url.search);
    if (!trusted.ok) return graphqlError(res, trusted.status, trusted.message, trusted.code);
    body = trusted.body;
    search = trusted.search;
  }

  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const operationName =
    typeof (body as { operationName?: unknown } | undefined)?.operationName === 'string'
      ? (body as { operationName: string }).operationName
      : new URLSearchParams(search).get('operationName');
  // A child logger costs more than the rest of a small request's logging: made only when something logs.
  let requestLog: Logger | undefined;
  const log = () => (requestLog ??= opts.log.child({ requestId }));
  const started = performance.now();
  // The access log names the operation, never the query string or variables (they may carry personal ids).
  if (opts.log.isLevelEnabled('info')) {
    res.once('finish', () =>
      // The same line a child logger would write, without building one.
      opts.log.info(
        {
          requestId,
          method: req.method,
          path: url.pathname,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
          operationName,
        },
        'graphql request',
      ),
    );
  }
  const method = req.method;
  const upstream = { correlationId: requestId, retryBudget: new RetryBudget(RETRY_BUDGET_PER_REQUEST) };
  const result = await opts.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method, headers, search, body },
    context: async () => opts.buildContext(auth.caller, requestId, log, operationName, upstream),
  });

  for (const [key, value] of result.headers) res.setHeader(key, value);
  res.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    res.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text.length === 0) return undefined;
  // Apollo's CSRF prevention and content-type checks decide what is acceptable; only JSON is parsed here.
  if (!contentType?.toLowerCase().includes('application/json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
}

function applyCors(allowed: string[], req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (!origin || !allowed.includes(origin)) return;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-allow-credentials', 'true');
  if (req.method === 'OPTIONS') {
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader(
      'access-control-allow-headers',
      'authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id',
    );
    res.setHeader('access-control-max-age', '600');
  }
}

function graphqlError(res: ServerResponse, status: number, message: string, code: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
