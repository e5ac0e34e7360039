import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import Negotiator from 'negotiator';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import type { Caller } from '../auth/caller.js';
import { GraphQLError } from 'graphql';
import type { AnswerHandOff } from '../graphql/answer-hand-off.js';
import { AdmissionAbandoned, type Departure, type RequestAdmission } from '../graphql/admission.js';
import type { GraphQLContext } from '../graphql/context.js';
import { checkDocument, jsonDepthExceeds, type DocumentLimits } from '../graphql/document-limits.js';
import type { Metrics } from '../observability/metrics.js';
import { unredacted } from '../observability/logger.js';
import { mayHoldPersonalId, redactPersonalIds, uuidMayHoldPersonalId } from '../observability/personal-ids.js';
import { bindRequest, startRequestSpan, tracingEnabled, type RequestTrace } from '../observability/tracing.js';
import type { UpstreamRequestContext } from '../upstream/request-context.js';
import { RetryBudget } from '../upstream/retry.js';
import { BodyBudget, HttpError, NO_BODY, readBody, type BodyHold, type DecodeTurns } from './body.js';
import type { GraphiQL } from './graphiql.js';
import { jsonLineBytes } from './json-pieces.js';
import { createServer } from './node-http.js';
import type { InFlightRequests } from './in-flight.js';
import { PendingAnswers } from './pending-answers.js';
import { resolveTrustedRequest, type TrustedDocuments } from './trusted-documents.js';

export interface HttpServerOptions {
  apollo: ApolloServer<GraphQLContext>;
  /** Long answers Apollo hands over as objects, written here in pieces (graphql/answer-hand-off.ts). */
  answers?: Pick<AnswerHandOff<GraphQLContext>, 'expect' | 'take'>;
  authenticator: Authenticator;
  metrics: Metrics;
  log: Logger;
  corsOrigins: string[];
  bodyLimitBytes: number;
  /**
   * The request bodies held at once (read, and their answers not yet written): beyond it a request is refused with 503
   * OVERLOADED instead of being read into memory. Requests waiting for admission hold their body, so this bounds them.
   */
  bodyBytesInFlightLimit: number;
  /** The largest answer sent (`QUERY_MAX_ANSWER_BYTES`, which the query limits estimate before anything runs). */
  maxAnswerBytes: number;
  /** Answers written and not yet taken by their callers: how many bytes at most, and for how long (pending-answers.ts). */
  unreadAnswers: { maxBytes: number; timeoutMs: number };
  buildContext(request: ContextRequest): GraphQLContext;
  /** Admission control at the door: an operation waits here for its turn before Apollo builds anything for it. */
  admission?: Pick<RequestAdmission, 'enter'>;
  /**
   * After authentication: undefined to let the caller in, or why it may not act here (403 FORBIDDEN; supplier mode:
   * a caller without a tenant where one is required, or naming an organisation that is not a customer).
   */
  admit?(caller: Caller): string | undefined;
  /** `GET /healthz` (`?verbose`: the state of each upstream, without secrets). */
  health(verbose: boolean): Promise<Record<string, unknown>>;
  /**
   * `GET /readyz`'s `components`: each upstream's state in a few words, without secrets. Reported, never a condition:
   * /readyz answers 200 whatever they say and 503 only while draining. Must answer within a readiness probe's timeout.
   */
  readiness?(): Promise<Record<string, string>>;
  /** Serve `/metrics` on this server (false when METRICS_PORT gives it a port of its own). */
  serveMetrics: boolean;
  /** Checked on the raw request before graphql-js parses it. */
  documentLimits: DocumentLimits;
  /** True once shutdown began: /readyz answers 503 and responses ask clients to reconnect elsewhere. */
  draining(): boolean;
  /** With `TRUSTED_DOCUMENTS_FILE`: only these documents run, requested by hash. */
  trustedDocuments?: TrustedDocuments;
  /** The GraphiQL page and its assets; undefined when disabled. */
  graphiql?: GraphiQL;
  /** Counts the requests being handled, for the shutdown (app.ts `close`). */
  inFlight?: InFlightRequests;
  /** Extra routes (sandbox mode's `/sandbox/caller-token`), given the exact path; answer true when handled. */
  extraRoutes?: (path: string, req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

/** What the HTTP layer knows of a request when Apollo asks for its context. */
export interface ContextRequest {
  caller: Caller;
  requestId: string;
  callerRequestId: string | undefined;
  log: () => Logger;
  operationName: string | null;
  upstream: UpstreamRequestContext;
  /** Measured within the limits and admitted at the door (graphql/admission.ts, RequestAdmission). */
  admitted: boolean;
  /** `performance.now()` when the request was accepted, before any wait for admission. */
  acceptedAt: number;
}

/** A caller's `x-request-id` worth keeping: short, plain, and never carrying an 11-digit run (a fødselsnummer). */
const CALLER_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** Upstream retries one GraphQL request may spend in all, across every upstream call it makes. */
const RETRY_BUDGET_PER_REQUEST = 3;

/**
 * A UUID without an 11-digit run (its last group has 12 hex digits, all of them decimal in about 0.4 % of UUIDs): the
 * log scrubs such runs as possible personal ids, and a request id must read the same in logs and audit records.
 */
export function newRequestId(): string {
  for (;;) {
    const id = randomUUID();
    if (!uuidMayHoldPersonalId(id)) return id;
  }
}

/** The request target as routed: the exact, undecoded path and the raw query string (with its `?`). */
export interface RequestTarget {
  path: string;
  search: string;
}

/**
 * Splits an origin-form request target (RFC 9112 §3.2.1) without normalising it: routing happens on the exact path,
 * so `/a/../graphql` or `/%2e%2e/graphql` can never reach a route by another name than the one a proxy rule sees.
 * Undefined for a malformed target (absolute-form, authority-like `//…`, characters a URI cannot hold).
 */
export function parseRequestTarget(raw: string | undefined): RequestTarget | undefined {
  if (!raw || raw[0] !== '/' || raw[1] === '/') return undefined;
  if (!/^[\x21-\x7e]+$/.test(raw)) return undefined;
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  const search = q === -1 ? '' : raw.slice(q);
  if (path.includes('#')) return undefined;
  return { path, search };
}

/**
 * `?verbose`, `?verbose=1` or `?verbose=true`: any value but one that says no (`0`, `false`, `no`, `off`, in any case),
 * which a monitoring tool's URL template may well send and which asked for the short answer, not the upstreams' state.
 */
function wantsVerbose(search: string): boolean {
  const value = new URLSearchParams(search).get('verbose');
  return value !== null && !/^(0|false|no|off)$/i.test(value.trim());
}

/** Dot segments, encoded separators or dots, backslashes and empty segments: never a route of ours. */
function isAmbiguousPath(path: string): boolean {
  return /%2e|%2f|%5c|\\|\/\.{1,2}(\/|$)|\/\//i.test(path);
}

/** The routes that report on the facade (health, readiness, metrics): read with GET or HEAD only. */
const PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * For a route that only reports (health, readiness, metrics): GET, and HEAD (node:http leaves the body out). Any
 * other method is answered 405 here, and true returned.
 */
export function refusedUnlessRead(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  res.setHeader('allow', 'GET, HEAD');
  sendJson(res, 405, { error: 'method not allowed' });
  return true;
}

/** The options, and the access log made of their logger once. */
type Serving = HttpServerOptions & { accessLog: Logger; pendingAnswers: PendingAnswers };

/** node:http front: routing, CORS, body limits, caller authentication, then Apollo. */
export function createHttpServer(options: HttpServerOptions): Server {
  const opts: Serving = {
    ...options,
    accessLog: unredacted(options.log),
    pendingAnswers: new PendingAnswers({ ...options.unreadAnswers, log: options.log }),
  };
  const bodies = new BodyBudget(opts.bodyBytesInFlightLimit, opts.bodyLimitBytes);
  const inFlight = opts.inFlight;
  const server = createServer((req, res) => {
    inFlight?.begin();
    handle(opts, bodies, req, res).then(inFlight && (() => inFlight.end()), (err: unknown) => {
      inFlight?.end();
      // A client that hangs up mid-request is routine (load balancers, impatient callers), not a server fault.
      if (req.destroyed || (err as { code?: string }).code === 'ECONNRESET') {
        opts.log.debug({ code: (err as { code?: string }).code }, 'client went away');
        res.destroy();
        return;
      }
      // Only the error's type and message: an error object may carry the request (its URL, its body) as properties.
      const e = err as { name?: unknown; message?: unknown; stack?: unknown };
      opts.log.error({ err: { type: e.name, message: e.message, stack: e.stack } }, 'unhandled HTTP error');
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

async function handle(opts: Serving, bodies: BodyBudget, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Responses carry personal data, tokens or state: nothing here may be kept by a browser or a shared cache.
  res.setHeader('cache-control', 'no-store');
  const target = parseRequestTarget(req.url);
  if (!target) {
    opts.log.debug('malformed request target');
    res.setHeader('connection', 'close');
    return sendJson(res, 400, { error: 'malformed request target' });
  }
  if (opts.draining()) res.setHeader('connection', 'close');
  if (isAmbiguousPath(target.path)) return sendJson(res, 404, { error: 'not found' });
  if (opts.extraRoutes && (await opts.extraRoutes(target.path, req, res))) return;
  if (opts.graphiql && req.method === 'GET' && opts.graphiql.asset(target.path, res)) return;
  const probe = PROBE_PATHS.has(target.path) && (target.path !== '/metrics' || opts.serveMetrics);
  if (probe && refusedUnlessRead(req, res)) return;
  switch (target.path) {
    case '/healthz':
      return sendJson(res, 200, await opts.health(wantsVerbose(target.search)));
    case '/readyz': {
      if (opts.draining()) return sendJson(res, 503, { status: 'draining' });
      const components = await opts.readiness?.().catch(() => undefined);
      return sendJson(res, 200, { status: 'ready', ...(components ? { components } : {}) });
    }
    case '/metrics':
      if (!opts.serveMetrics) break;
      return sendMetrics(opts.metrics, res);
    case '/graphql': {
      const trace = tracingEnabled ? startRequestSpan(req, res, '/graphql') : undefined;
      return handleGraphQL(opts, bodies, req, res, target, trace);
    }
  }
  return sendJson(res, 404, { error: 'not found' });
}

export async function sendMetrics(metrics: Metrics, res: ServerResponse): Promise<void> {
  const text = await metrics.registry.metrics();
  // no-store on METRICS_PORT too, which handle() does not serve: the same answer wherever it is scraped.
  res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
  res.end(text);
}

/** How often a header was sent (node:http keeps only the first of some, `authorization` among them). */
function headerCount(req: IncomingMessage, name: string): number {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if ((req.rawHeaders[i] as string).toLowerCase() === name) count++;
  }
  return count;
}

async function handleGraphQL(
  opts: Serving,
  bodies: BodyBudget,
  req: IncomingMessage,
  res: ServerResponse,
  target: RequestTarget,
  trace?: RequestTrace,
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
  if (opts.graphiql?.wants(req, target.search)) return opts.graphiql.page(res);
  // The facade's own id names the request in logs, audit records and upstream calls; a caller's x-request-id is
  // kept beside it (validated) so the caller can find its request, but never stands in for it.
  const requestId = newRequestId();
  res.setHeader('x-request-id', requestId);
  const headerId = req.headers['x-request-id'];
  const callerRequestId =
    typeof headerId === 'string' && CALLER_REQUEST_ID.test(headerId) && !mayHoldPersonalId(headerId)
      ? headerId
      : undefined;

  if (headerCount(req, 'authorization') > 1) {
    return graphqlError(res, 400, 'Send one Authorization header.', 'BAD_REQUEST');
  }
  const auth = await opts.authenticator.authenticate(req.headers);
  if (!auth.ok) {
    // RFC 6750 §3: the reason in the challenge (401); the issuer's keys out of reach is ours to retry (503).
    if (auth.challenge) res.setHeader('www-authenticate', auth.challenge);
    else if (auth.status === 503) res.setHeader('retry-after', '5');
    return graphqlError(res, auth.status, auth.message, auth.status === 401 ? 'UNAUTHENTICATED' : 'UNAVAILABLE');
  }
  const refusal = opts.admit?.(auth.caller);
  if (refusal !== undefined) return graphqlError(res, 403, refusal, 'FORBIDDEN');

  const hold = req.method === 'POST' ? bodies.open(res) : NO_BODY;
  try {
    await serveRequest(opts, bodies.decoding, req, res, {
      method: req.method,
      target,
      trace,
      caller: auth.caller,
      requestId,
      callerRequestId,
      hold,
    });
  } finally {
    // Held while the body is needed and no longer: until its answer is handed over, or it is refused (a connection
    // dropped with answers queued on it closes none of their responses: their 'close' cannot be relied on).
    hold.release();
  }
}

/** What handleGraphQL knows of a request once its caller is authenticated. */
interface Authenticated {
  method: 'GET' | 'POST';
  target: RequestTarget;
  trace?: RequestTrace;
  caller: Caller;
  requestId: string;
  callerRequestId?: string;
  /** The request body's share of the bodies' budget. */
  hold: BodyHold;
}

/** Reads and checks the request of an authenticated caller, waits for admission, and runs it. */
async function serveRequest(
  opts: Serving,
  decoding: DecodeTurns,
  req: IncomingMessage,
  res: ServerResponse,
  { method, target, trace, caller, requestId, callerRequestId, hold }: Authenticated,
): Promise<void> {
  let body: unknown;
  try {
    const text = method === 'POST' ? await readBody(req, opts.bodyLimitBytes, decoding, hold) : '';
    body = parseBody(text, req.headers['content-type']);
  } catch (err) {
    if (err instanceof HttpError) {
      for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
      return graphqlError(res, err.status, err.message, err.code);
    }
    throw err;
  }
  if (method === 'GET' && urlMayHoldPersonalId(target.search)) {
    res.setHeader('allow', 'POST');
    return graphqlError(
      res,
      405,
      'Send this request as POST: a personal id must never stand in a URL (this one may hold one).',
      'METHOD_NOT_ALLOWED',
    );
  }
  let search = target.search;
  if (opts.trustedDocuments) {
    const trusted = resolveTrustedRequest(opts.trustedDocuments, method, body, search);
    if (!trusted.ok) return graphqlError(res, trusted.status, trusted.message, trusted.code);
    body = trusted.body;
    search = trusted.search;
  }

  const fields = requestFields(method, body, search);
  const refused = checkRequest(fields, opts.documentLimits);
  if (refused) return graphqlError(res, 400, refused, 'BAD_REQUEST');

  const operationName = typeof fields.operationName === 'string' ? fields.operationName : null;
  const started = performance.now();
  // The access log names the operation, never the query string or variables (they may carry personal ids).
  const logAccess = opts.accessLog.isLevelEnabled('info')
    ? (status: number) =>
        // The same line a child logger would write, without building one.
        opts.accessLog.info(
          {
            requestId,
            callerRequestId,
            method,
            path: target.path,
            status,
            ms: Math.round(performance.now() - started),
            operationName,
          },
          'graphql request',
        )
    : undefined;
  if (logAccess) res.once('finish', () => logAccess(res.statusCode));
  let release: (() => void) | undefined;
  try {
    release = await opts.admission?.enter(fields, new ResponseDeparture(res));
  } catch (err) {
    if (err instanceof AdmissionAbandoned) {
      // Nothing was sent: logged as 499, as nginx logs a client that closed the connection before its answer.
      logAccess?.(499);
      return;
    }
    if (!(err instanceof GraphQLError)) throw err;
    res.setHeader('retry-after', '1');
    return graphqlError(res, 503, err.message, 'OVERLOADED');
  }
  try {
    const admitted = release !== undefined;
    // One literal, not a spread of one: on Node 20 `{ ...a, b }` takes V8's slow path, 1–3 µs a request.
    const accepted = {
      caller,
      method,
      search,
      body,
      operationName,
      requestId,
      callerRequestId,
      started,
      admitted,
    };
    await runOperation(opts, req, res, accepted, trace);
  } finally {
    release?.();
  }
}

/**
 * The caller's departure as admission asks for it: gone when the connection closed before the answer was written (it
 * may have left while its body was read), so a caller that gave up while its operation waited is not served after it
 * left. The signal and its listener are made only for an operation that has to wait. A class: on Node 20 an object
 * literal with a getter takes about 0.8 µs to make.
 */
class ResponseDeparture implements Departure {
  constructor(private readonly res: ServerResponse) {}

  get gone(): boolean {
    return this.res.closed && !this.res.writableFinished;
  }

  signal(): AbortSignal {
    const controller = new AbortController();
    const onClose = () => {
      if (this.gone) controller.abort();
    };
    this.res.once('close', onClose);
    onClose();
    return controller.signal;
  }
}

/** What handleGraphQL learned of a request before admitting it. */
interface AcceptedRequest {
  caller: Caller;
  method: string;
  search: string;
  body: unknown;
  operationName: string | null;
  requestId: string;
  callerRequestId: string | undefined;
  /** When the request was accepted (before any wait for admission). */
  started: number;
  /** Admitted at the door (else Apollo's limits plugin admits it). */
  admitted: boolean;
}

/** Hands an admitted operation to Apollo and writes the answer; everything the operation makes is made from here on. */
async function runOperation(
  opts: Serving,
  req: IncomingMessage,
  res: ServerResponse,
  accepted: AcceptedRequest,
  trace: RequestTrace | undefined,
): Promise<void> {
  const { caller, method, search, body, operationName, requestId, callerRequestId, started, admitted } = accepted;
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  // A child logger costs more than the rest of a small request's logging: made only when something logs.
  let requestLog: Logger | undefined;
  const log = () => (requestLog ??= opts.log.child({ requestId, callerRequestId }));
  const upstream = { correlationId: requestId, retryBudget: new RetryBudget(RETRY_BUDGET_PER_REQUEST) };
  if (trace) bindRequest(trace, requestId, upstream);
  let context: GraphQLContext | undefined;
  const result = await opts.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method, headers, search, body },
    context: async () => {
      context = opts.buildContext({
        caller,
        requestId,
        callerRequestId,
        log,
        operationName,
        upstream,
        admitted,
        acceptedAt: started,
      });
      return opts.answers ? opts.answers.expect(context) : context;
    },
  });

  for (const [key, value] of result.headers) res.setHeader(key, value);
  res.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    const answer = context && opts.answers?.take(context);
    // As bytes: node:http writes a Buffer beside the headers as it is, but joins a string to the headers and encodes
    // the whole again, which took three times as long for a 1000-person answer (157 KB: 0.55–0.74 ms against 0.16–0.19).
    const bytes =
      answer && result.body.string === ''
        ? jsonLineBytes(answer, opts.maxAnswerBytes)
        : Buffer.from(result.body.string);
    if (!bytes || bytes.length > opts.maxAnswerBytes) return answerTooLarge(opts, res);
    res.end(bytes);
    opts.pendingAnswers.track(res, req.socket);
    return;
  }
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
  opts.pendingAnswers.track(res, req.socket);
}

/**
 * An answer that came out larger than QUERY_MAX_ANSWER_BYTES, which the limits estimated it within (free text up to its
 * input bounds, lists longer than their estimates, errors): not sent, and made no further than the limit.
 */
function answerTooLarge(opts: Serving, res: ServerResponse): void {
  const max = opts.maxAnswerBytes;
  opts.log.warn({ maxAnswerBytes: max }, 'an answer larger than QUERY_MAX_ANSWER_BYTES was not sent');
  graphqlError(
    res,
    400,
    `The answer to this query came to more than ${(max / (1024 * 1024)).toFixed(1)} MB, the maximum: select fewer fields or aliases, or split the persons over several requests.`,
    'ANSWER_TOO_LARGE',
  );
}

interface RequestFields {
  query: unknown;
  operationName: unknown;
  /** Parsed (POST) or the raw JSON text (GET). */
  variables: unknown;
}

/** The GraphQL-over-HTTP fields of a request, from the JSON body (POST) or the query string (GET). */
function requestFields(method: string, body: unknown, search: string): RequestFields {
  if (method === 'GET') {
    const params = new URLSearchParams(search);
    return {
      query: params.get('query'),
      operationName: params.get('operationName'),
      variables: params.get('variables'),
    };
  }
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  return { query: b.query, operationName: b.operationName, variables: b.variables };
}

/** Document size, nesting and names, the operation name and the variables' nesting, before anything is parsed. */
function checkRequest(fields: RequestFields, limits: DocumentLimits): string | undefined {
  if (typeof fields.query === 'string') {
    const refused = checkDocument(fields.query, limits);
    if (refused) return refused.message;
  }
  if (typeof fields.operationName === 'string' && fields.operationName.length > limits.maxNameLength) {
    return `operationName is longer than ${limits.maxNameLength} characters.`;
  }
  if (typeof fields.variables === 'string') {
    // GET: the variables are JSON text; its brackets are counted the same way a document's are.
    const refused = checkDocument(fields.variables, { ...limits, maxNameLength: Number.MAX_SAFE_INTEGER });
    if (refused) return `variables: ${refused.message.replace('The document', 'The JSON')}`;
  } else if (jsonDepthExceeds(fields.variables, limits.maxNesting)) {
    return `The variables nest more than ${limits.maxNesting} levels deep.`;
  }
  return undefined;
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text.length === 0) return undefined;
  // Apollo's CSRF prevention and content-type checks decide what is acceptable; only JSON is parsed here.
  const media = jsonMediaType(contentType);
  if (media === undefined) return text;
  if (media === 'other charset') {
    throw new HttpError(415, 'Send the request body as JSON in UTF-8 (Content-Type: application/json).');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
}

/**
 * Whether a Content-Type is `application/json` (RFC 9110 §8.3: the type and subtype in any case, parameters after
 * `;`), and in UTF-8 (RFC 8259 §8.1; the body was read as UTF-8): `json`, `other charset`, or undefined for another
 * type (`application/jsonx` is not JSON).
 */
function jsonMediaType(contentType: string | undefined): 'json' | 'other charset' | undefined {
  if (!contentType) return undefined;
  const [essence = '', ...parameters] = contentType.split(';');
  if (essence.trim().toLowerCase() !== 'application/json') return undefined;
  for (const parameter of parameters) {
    const at = parameter.indexOf('=');
    if (at < 0 || parameter.slice(0, at).trim().toLowerCase() !== 'charset') continue;
    const charset = parameter
      .slice(at + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') return 'other charset';
  }
  return 'json';
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

/**
 * Whether a query string may hold a personal id once decoded, whatever the document: the operation's own check (a
 * PersonIdentifier argument) needs the document, which a persisted query's hash alone does not give, and a hash the
 * facade did not know yet was answered PERSISTED_QUERY_NOT_FOUND where a known one got 405.
 */
function urlMayHoldPersonalId(search: string): boolean {
  if (search.length < 12) return false;
  // Decoded as Apollo reads the URL (WHATWG form decoding: a malformed escape stays as it is, the rest decoded).
  for (const [name, value] of new URLSearchParams(search)) {
    if (mayHoldPersonalId(name) || mayHoldPersonalId(value)) return true;
  }
  return false;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';

/**
 * A GraphQL error answer of the facade's own, in the media type the caller's `Accept` prefers as Apollo's answers are
 * (GraphQL over HTTP: a client asking for application/graphql-response+json reads the body of a non-200 answer only
 * in that type). The message may quote what the caller sent (a header), so ids are scrubbed.
 */
function graphqlError(res: ServerResponse, status: number, message: string, code: string): void {
  const accept = res.req?.headers.accept;
  // Apollo's order (chooseContentTypeForSingleResultResponse): application/json wins a tie.
  const type = accept
    ? new Negotiator({ headers: { accept } }).mediaType([JSON_TYPE, GRAPHQL_RESPONSE_TYPE])
    : undefined;
  const body = { errors: [{ message: redactPersonalIds(message), extensions: { code } }] };
  sendJson(res, status, body, type === GRAPHQL_RESPONSE_TYPE ? type : JSON_TYPE);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = JSON_TYPE): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}
