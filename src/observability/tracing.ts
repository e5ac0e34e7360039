import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type * as OtelApi from '@opentelemetry/api';
import type { Attributes, Context, Span, TextMapPropagator, Tracer } from '@opentelemetry/api';
import type { UpstreamRequestContext } from '../upstream/request-context.js';
import { holdsValidPersonalId, mayHoldPersonalId, redactPersonalIds } from './personal-ids.js';

/**
 * OpenTelemetry traces through the official SDK, configured by the standard `OTEL_*` variables only, and OFF unless
 * `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) or `OTEL_TRACES_EXPORTER` is set. Off, no
 * SDK module is loaded and every call site costs one check of {@link tracingEnabled}.
 *
 * Spans are made by hand, never by auto-instrumentation (which records raw URLs, with ids in them), and their parents
 * are passed explicitly: no context manager is registered, so no AsyncLocalStorage runs (on Node 20 an active one costs
 * about a third of the one-person throughput). A GraphQL request's spans hang under its HTTP server span through the
 * request's {@link UpstreamRequestContext} (`trace`) or, where a context is rebuilt (the KRR batcher keeps only the
 * correlation id), through the request id.
 *
 * What spans carry: methods, route templates (`/clients/{id}/jwks`, never a path with a real id), statuses, retry
 * numbers, operation names and types, error codes and types, scopes and organisation numbers. Never a personal id, a
 * token, a grant, a secret, a query string, a GraphQL document or variables, an error message (it may quote input), or
 * the caller's address. Exceptions are recorded as `error.type` (a class or code), not as exception events.
 */

/** True once {@link startTracing} started the SDK. Checked before any tracing work, on every hot path. */
export let tracingEnabled = false;

/** The span upstream calls and token requests of one GraphQL request are made under (its operation span). */
export type TraceParent = Span;

export const DEFAULT_SERVICE_NAME = 'digdir-graphql-facade';
/** Operation names are cut to this many characters in spans. */
export const MAX_OPERATION_NAME_LENGTH = 128;

/**
 * Refused tracing configuration (an exporter, protocol or sampler the facade does not support, an unusable endpoint):
 * the start stops. `problems` names each variable; the message is all of them.
 */
export class TracingConfigError extends Error {
  override name = 'TracingConfigError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

export interface TracingSettings {
  exporters: ('otlp' | 'console')[];
  /** OTLP's transport (`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, `OTEL_EXPORTER_OTLP_PROTOCOL`; default http/protobuf). */
  protocol: 'http/protobuf' | 'http/json';
  /** W3C trace context in and out (`OTEL_PROPAGATORS` names `tracecontext`, or is unset). */
  propagate: boolean;
}

type Env = Record<string, string | undefined>;

const set = (env: Env, name: string) => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};
const list = (value: string) =>
  [
    ...new Set(
      value
        .split(',')
        .map((v) => v.trim().toLowerCase())
        .filter(Boolean),
    ),
  ] as string[];

/** The samplers the SDK builds from `OTEL_TRACES_SAMPLER`, and whether each reads `OTEL_TRACES_SAMPLER_ARG`. */
export const SAMPLERS: Readonly<Record<string, boolean>> = {
  always_on: false,
  always_off: false,
  traceidratio: true,
  parentbased_always_on: false,
  parentbased_always_off: false,
  parentbased_traceidratio: true,
};

/**
 * `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` as the SDK reads them (sdk-trace-base's buildSamplerFromEnv):
 * the name exactly (not trimmed, lower case), the ratio as a number. The SDK answers anything else with a warning and
 * `parentbased_always_on` or a ratio of 1, keeping every trace; refused here instead. An argument given to a sampler
 * that takes none is ignored, as the SDK ignores it.
 */
function samplerProblems(env: Env): string[] {
  const raw = env.OTEL_TRACES_SAMPLER;
  const name = raw === undefined || raw.trim() === '' ? 'parentbased_always_on' : raw;
  if (!Object.hasOwn(SAMPLERS, name)) {
    return [`OTEL_TRACES_SAMPLER: "${name}" is not supported (${Object.keys(SAMPLERS).join(', ')}; in lower case)`];
  }
  const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  if (!SAMPLERS[name] || arg === undefined) return [];
  if (arg === '') {
    return [
      `OTEL_TRACES_SAMPLER_ARG is blank: give the ratio of ${name} (a decimal number from 0 to 1) or leave the variable out`,
    ];
  }
  const ratio = /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(arg) ? Number(arg) : NaN;
  return ratio >= 0 && ratio <= 1
    ? []
    : [`OTEL_TRACES_SAMPLER_ARG: "${arg}" is not a ratio of ${name} (a decimal number from 0 to 1, e.g. 0.1)`];
}

/**
 * The OTLP endpoint the exporter will use: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is, else
 * `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` appended to its text (after a query or fragment, were there one, so
 * spans would go to the collector's root). An http(s) URL without credentials (they belong in the secret
 * `OTEL_EXPORTER_OTLP_HEADERS`) or fragment; the SDK answers an unparseable one with a warning and localhost:4318.
 * The value is never echoed: it may hold credentials.
 */
function endpointProblems(env: Env): string[] {
  const traces = set(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const name = traces === undefined ? 'OTEL_EXPORTER_OTLP_ENDPOINT' : 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT';
  const value = traces ?? set(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (value === undefined) return [];
  const queryAllowed = traces !== undefined;
  let fine = false;
  try {
    const url = new URL(value);
    const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(value)?.[1] ?? '';
    fine =
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      !url.username &&
      !url.password &&
      !authority.includes('@') &&
      !value.includes('#') &&
      (queryAllowed || !value.includes('?'));
  } catch {
    fine = false;
  }
  return fine
    ? []
    : [
        `${name} must be an absolute http(s) URL without credentials${queryAllowed ? '' : ', query'} or fragment ` +
          '(credentials go in OTEL_EXPORTER_OTLP_HEADERS)',
      ];
}

/**
 * Whether and how to trace, from the standard variables: undefined (off) unless an OTLP endpoint or
 * `OTEL_TRACES_EXPORTER` is set, or when `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. With tracing on,
 * throws {@link TracingConfigError} naming every choice this build does not ship or the SDK would not follow: an
 * exporter or protocol (zipkin, grpc, …), a sampler or ratio, an OTLP endpoint it would send elsewhere.
 */
export function tracingSettings(env: Env = process.env): TracingSettings | undefined {
  if (set(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const exporterVar = set(env, 'OTEL_TRACES_EXPORTER');
  const endpoint = set(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? set(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (!exporterVar && !endpoint) return undefined;
  const names = exporterVar ? list(exporterVar) : ['otlp'];
  if (names.length === 0 || (names.length === 1 && names[0] === 'none')) return undefined;
  const problems: string[] = [];
  const exporters: TracingSettings['exporters'] = [];
  for (const name of names) {
    if (name !== 'otlp' && name !== 'console') {
      problems.push(`OTEL_TRACES_EXPORTER: "${name}" is not supported (otlp, console, or none to turn tracing off)`);
    } else {
      exporters.push(name);
    }
  }
  const protocolVar = set(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : undefined;
  const protocolName = protocolVar ?? 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = (set(env, protocolName) ?? 'http/protobuf').toLowerCase();
  if (exporters.includes('otlp')) {
    if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
      problems.push(`${protocolName}: "${protocol}" is not supported (http/protobuf or http/json)`);
    }
    problems.push(...endpointProblems(env));
  }
  problems.push(...samplerProblems(env));
  if (problems.length > 0) throw new TracingConfigError(problems);
  const propagators = set(env, 'OTEL_PROPAGATORS');
  return {
    exporters,
    protocol: protocol === 'http/json' ? 'http/json' : 'http/protobuf',
    propagate: propagators === undefined || list(propagators).includes('tracecontext'),
  };
}

/** Where the SDK's own warnings go (export failures and the like). */
export interface TracingLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

interface Runtime {
  api: typeof OtelApi;
  tracer: Tracer;
  propagator: TextMapPropagator | undefined;
  shutdown(): Promise<void>;
}

let runtime: Runtime | undefined;

/** GraphQL requests in flight, by request id: their server span and what their upstream calls hang under. */
const requests = new Map<string, RequestTrace>();

/**
 * Starts the SDK when the variables ask for it (see {@link tracingSettings}); loads nothing otherwise. The exporter,
 * batch processor, sampler, limits and resource read their own standard variables (`OTEL_EXPORTER_OTLP_*`,
 * `OTEL_BSP_*`, `OTEL_TRACES_SAMPLER[_ARG]`, `OTEL_SPAN_*_LIMIT`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME`).
 */
export async function startTracing(opts: { env?: Env; log?: TracingLog } = {}): Promise<TracingSettings | undefined> {
  const env = opts.env ?? process.env;
  const settings = tracingSettings(env);
  if (!settings || runtime) return settings;
  const [api, core, resources, sdk] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
  ]);
  if (opts.log) {
    const level = core.diagLogLevelFromString(set(env, 'OTEL_LOG_LEVEL')) ?? api.DiagLogLevel.WARN;
    api.diag.setLogger(diagLogger(opts.log), { logLevel: level, suppressOverrideMessage: true });
  }
  const processors = [];
  for (const exporter of settings.exporters) {
    if (exporter === 'otlp') {
      const { OTLPTraceExporter } =
        settings.protocol === 'http/json'
          ? await import('@opentelemetry/exporter-trace-otlp-http')
          : await import('@opentelemetry/exporter-trace-otlp-proto');
      processors.push(new sdk.BatchSpanProcessor(new OTLPTraceExporter()));
    } else {
      processors.push(new sdk.SimpleSpanProcessor(new sdk.ConsoleSpanExporter()));
    }
  }
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the env detector) override the default name.
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ 'service.name': DEFAULT_SERVICE_NAME }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  // Never registered globally: no context manager (no AsyncLocalStorage), no global propagator.
  const provider = new sdk.BasicTracerProvider({ resource, spanProcessors: processors });
  runtime = {
    api,
    tracer: provider.getTracer(DEFAULT_SERVICE_NAME),
    propagator: settings.propagate ? new core.W3CTraceContextPropagator() : undefined,
    shutdown: () => provider.shutdown(),
  };
  tracingEnabled = true;
  opts.log?.info(
    {
      exporters: settings.exporters,
      protocol: settings.protocol,
      serviceName: resource.attributes['service.name'],
      propagation: settings.propagate ? 'tracecontext' : 'none',
    },
    'OpenTelemetry tracing on',
  );
  return settings;
}

/** Exports what is still queued (at most `timeoutMs`) and stops the SDK; tracing is off afterwards. */
export async function stopTracing(timeoutMs = 5_000): Promise<void> {
  const rt = runtime;
  if (!rt) return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      rt.shutdown(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
  } finally {
    clearTimeout(timer);
    tracingEnabled = false;
    runtime = undefined;
    requests.clear();
  }
}

function diagLogger(log: TracingLog): OtelApi.DiagLogger {
  // The SDK's messages name its own state (an export failed, a queue is full), never span data.
  const text = (message: string, args: unknown[]) =>
    [message, ...args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a)))].join(' ');
  return {
    error: (m, ...a) => log.error({ component: 'opentelemetry' }, text(m, a)),
    warn: (m, ...a) => log.warn({ component: 'opentelemetry' }, text(m, a)),
    info: (m, ...a) => log.info({ component: 'opentelemetry' }, text(m, a)),
    debug: (m, ...a) => log.debug({ component: 'opentelemetry' }, text(m, a)),
    verbose: (m, ...a) => log.debug({ component: 'opentelemetry' }, text(m, a)),
  };
}

function contextOf(rt: Runtime, parent: Span | undefined): Context {
  return parent ? rt.api.trace.setSpan(rt.api.ROOT_CONTEXT, parent) : rt.api.ROOT_CONTEXT;
}

/** A class or code naming what went wrong; never a message (messages may quote input). */
function errorType(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { status?: unknown; reason?: unknown; code?: unknown; name?: unknown };
    if (typeof e.status === 'number') return String(e.status);
    if (typeof e.reason === 'string') return token(e.reason);
    if (typeof e.code === 'string') return token(e.code);
    const name = err.constructor?.name;
    if (name && name !== 'Error' && name !== 'Object') return token(name);
    if (typeof e.name === 'string') return token(e.name);
  }
  return '_OTHER';
}

/** A short identifier-like string: bounded, spaces as `_`, no 11-digit run. */
function token(value: string): string {
  return redactPersonalIds(value.slice(0, 64).replace(/\s+/g, '_'));
}

function fail(rt: Runtime, span: Span, type: string): void {
  span.setAttribute('error.type', type);
  span.setStatus({ code: rt.api.SpanStatusCode.ERROR });
}

// ---- the HTTP server span -------------------------------------------------------------------------------------------

/** One traced HTTP request: its server span, and once authenticated, its request id and upstream context. */
export interface RequestTrace {
  span: Span;
  requestId?: string;
  upstream?: UpstreamRequestContext;
  /** The GraphQL operation span, once Apollo started on the request. */
  operation?: Span;
}

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/**
 * The server span of one request to `route` (the exact route matched, e.g. `/graphql`), child of the caller's trace
 * when it sent a valid `traceparent`. Ended when the response closes, with its status. Undefined with tracing off.
 */
export function startRequestSpan(req: IncomingMessage, res: ServerResponse, route: string): RequestTrace | undefined {
  const rt = runtime;
  if (!rt) return undefined;
  const method = req.method && HTTP_METHODS.has(req.method) ? req.method : '_OTHER';
  const span = rt.tracer.startSpan(
    `${method} ${route}`,
    {
      kind: rt.api.SpanKind.SERVER,
      attributes: {
        'http.request.method': method,
        'http.route': route,
        'url.scheme': 'http',
        'network.protocol.version': req.httpVersion,
      },
    },
    callerContext(rt, req.headers),
  );
  const trace: RequestTrace = { span };
  res.once('close', () => endRequestSpan(rt, trace, res));
  return trace;
}

/**
 * The caller's trace context. Its ids and `tracestate` are exported and sent upstream as they are: a trace or parent
 * span id holding a valid personal id among its digits starts a trace of the facade's own instead, and a `tracestate`
 * that may hold one is dropped.
 */
function callerContext(rt: Runtime, headers: IncomingHttpHeaders): Context {
  if (!rt.propagator || headers.traceparent === undefined) return rt.api.ROOT_CONTEXT;
  const context = rt.propagator.extract(rt.api.ROOT_CONTEXT, headers, rt.api.defaultTextMapGetter);
  const remote = rt.api.trace.getSpanContext(context);
  if (remote && (holdsValidPersonalId(remote.traceId) || holdsValidPersonalId(remote.spanId))) {
    return rt.api.ROOT_CONTEXT;
  }
  if (remote?.traceState && mayHoldPersonalId(remote.traceState.serialize())) {
    return rt.api.trace.setSpanContext(rt.api.ROOT_CONTEXT, { ...remote, traceState: undefined });
  }
  return context;
}

function endRequestSpan(rt: Runtime, trace: RequestTrace, res: ServerResponse): void {
  if (trace.requestId !== undefined) requests.delete(trace.requestId);
  const { span } = trace;
  // The facade's own request id (never an 11-digit run), to join the trace with log lines and audit records.
  const requestId = res.getHeader('x-request-id');
  if (typeof requestId === 'string') span.setAttribute('facade.request_id', requestId);
  if (res.headersSent) span.setAttribute('http.response.status_code', res.statusCode);
  if (!res.writableFinished) fail(rt, span, 'response_aborted');
  else if (res.statusCode >= 500) fail(rt, span, String(res.statusCode));
  if (trace.operation?.isRecording()) {
    trace.operation.setAttribute('facade.outcome', 'aborted');
    trace.operation.end();
  }
  span.end();
}

/**
 * Once the request has its id and upstream context: upstream calls made for it hang under its spans (see
 * {@link parentOf}).
 */
export function bindRequest(trace: RequestTrace, requestId: string, upstream: UpstreamRequestContext): void {
  trace.requestId = requestId;
  trace.upstream = upstream;
  upstream.trace = trace.span;
  requests.set(requestId, trace);
}

/**
 * The span an upstream call or token request made for `context` hangs under: the context's own, or that of the GraphQL
 * request its correlation id names (a batch's context keeps only the first joiner's correlation id).
 */
export function parentOf(context: UpstreamRequestContext | undefined): TraceParent | undefined {
  if (!context) return undefined;
  if (context.trace) return context.trace;
  const trace = requests.get(context.correlationId);
  return trace ? (trace.upstream?.trace ?? trace.span) : undefined;
}

// ---- the GraphQL operation span -------------------------------------------------------------------------------------

/** The operation span of the request `requestId` (Apollo's requestDidStart); upstream calls go under it from now on. */
export function startOperationSpan(requestId: string): Span | undefined {
  const rt = runtime;
  if (!rt) return undefined;
  const trace = requests.get(requestId);
  const span = rt.tracer.startSpan('GraphQL Operation', { kind: rt.api.SpanKind.INTERNAL }, contextOf(rt, trace?.span));
  if (trace) {
    trace.operation = span;
    if (trace.upstream) trace.upstream.trace = span;
  }
  return span;
}

/**
 * An operation name fit for a span: at most {@link MAX_OPERATION_NAME_LENGTH} characters, 11-digit runs (a
 * fødselsnummer in a name such as `lookup_11822648950`) replaced.
 */
export function spanOperationName(name: string): string {
  // Replaced before cutting: a cut through a run must not leave part of an id behind.
  return redactPersonalIds(name).slice(0, MAX_OPERATION_NAME_LENGTH);
}

/** didResolveOperation: the span is named `{type} {name}` (semantic conventions for GraphQL). */
export function nameOperationSpan(span: Span, type: string, name: string | null | undefined): void {
  span.setAttribute('graphql.operation.type', type);
  if (name) {
    const bounded = spanOperationName(name);
    span.setAttribute('graphql.operation.name', bounded);
    span.updateName(`${type} ${bounded}`);
  } else {
    span.updateName(type);
  }
}

/** Most distinct error codes an operation span lists. */
const MAX_ERROR_CODES = 10;

/** willSendResponse: the outcome (`success`, `partial`, `error`) and the errors' codes (never their messages). */
export function endOperationSpan(
  span: Span,
  outcome: string,
  errors: readonly { extensions?: Record<string, unknown> }[] | undefined,
): void {
  const rt = runtime;
  if (!rt || !span.isRecording()) return;
  span.setAttribute('facade.outcome', outcome);
  if (errors?.length) {
    const codes = [...new Set(errors.map((e) => token(String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'))))];
    span.setAttribute('graphql.error.codes', codes.slice(0, MAX_ERROR_CODES));
    span.setAttribute('graphql.error.count', errors.length);
    if (outcome === 'error') fail(rt, span, codes[0] as string);
  }
  span.end();
}

// ---- upstream calls -------------------------------------------------------------------------------------------------

const ADMIN_ROUTE = /^\/clients(?:\/[^/]+(?:\/(secret|jwks|onbehalfof)(\/[^/]+)?)?)?\/?$/;
/** A path segment kept as is in a route template: words, `.well-known`, an API version. Anything else is an id. */
const LITERAL_SEGMENT = /^(?:[A-Za-z._-]{1,64}|v\d{1,2})$/;

/**
 * The route template of an upstream path: `/clients/{id}/jwks`, `/clients/{id}/onbehalfof/{onbehalfofId}`,
 * `/rest/v2/personer`, `/token`. Never a real id and never a query string; an admin path outside the admin API's
 * shapes, and any segment elsewhere that is not a plain word, becomes `{id}`.
 */
export function routeTemplate(upstream: string, path: string): string {
  let pathname = path;
  const scheme = /^https?:\/\/[^/?#]*/i.exec(pathname);
  if (scheme) pathname = pathname.slice(scheme[0].length) || '/';
  const q = pathname.search(/[?#]/);
  if (q !== -1) pathname = pathname.slice(0, q);
  const segments = pathname.split('/').filter(Boolean);
  if (upstream === 'admin') {
    const m = ADMIN_ROUTE.exec(pathname);
    if (m) {
      if (segments.length === 1) return '/clients';
      return `/clients/{id}${m[1] ? `/${m[1]}` : ''}${m[2] ? '/{onbehalfofId}' : ''}`;
    }
  }
  // Outside the admin API's shapes every admin segment but the first is an id, whatever it looks like.
  const shown = segments
    .slice(0, 8)
    .map((s, i) => (LITERAL_SEGMENT.test(s) && (upstream !== 'admin' || i === 0) ? s : '{id}'));
  return `/${shown.join('/')}${segments.length > 8 ? '/…' : ''}`;
}

/**
 * One upstream call attempt: a client span named `{method} {route template}` under `parent`. `attempt` is 1-based;
 * `http.request.resend_count` is the retry number (0 for the first attempt).
 */
export function startUpstreamSpan(
  upstream: string,
  method: string,
  path: string,
  attempt: number,
  parent: TraceParent | undefined,
  base: URL,
): Span | undefined {
  const rt = runtime;
  if (!rt) return undefined;
  const template = routeTemplate(upstream, path);
  const target = /^https?:\/\//i.test(path) ? safeUrl(path) : base;
  const attributes: Attributes = {
    'facade.upstream': upstream,
    'http.request.method': method,
    'url.template': template,
    'http.request.resend_count': Math.max(0, attempt - 1),
  };
  if (target) {
    attributes['server.address'] = target.hostname;
    attributes['server.port'] = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
  }
  return rt.tracer.startSpan(
    `${method} ${template}`,
    { kind: rt.api.SpanKind.CLIENT, attributes },
    contextOf(rt, parent),
  );
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** Writes `traceparent` (and the caller's `tracestate`) naming `span` into the upstream request's headers. */
export function injectTraceContext(span: Span | undefined, headers: Record<string, string>): void {
  const rt = runtime;
  if (!rt?.propagator || !span) return;
  rt.propagator.inject(contextOf(rt, span), headers, rt.api.defaultTextMapSetter);
}

/** Ends an attempt: its HTTP status, or the failure's type (`timeout`, `circuit_open`, `econnrefused`, `503`). */
export function endUpstreamSpan(span: Span | undefined, status: number | undefined, err?: unknown): void {
  const rt = runtime;
  if (!rt || !span) return;
  const code = status ?? (err as { status?: unknown } | undefined)?.status;
  if (typeof code === 'number') span.setAttribute('http.response.status_code', code);
  if (err !== undefined) fail(rt, span, errorType(err));
  else if (status !== undefined && status >= 400) fail(rt, span, String(status));
  span.end();
}

// ---- token requests -------------------------------------------------------------------------------------------------

/** What a token request asks for: the facade's own scopes and organisation numbers, never a token or grant. */
export interface TracedTokenRequest {
  scopes: readonly string[];
  consumerOrg?: string;
  onBehalfOf?: string;
}

/**
 * A Maskinporten token request (every attempt of it) as one span, under the GraphQL request that found no cached
 * token (`context`), or a root span for a background refresh. `run` gets the span its HTTP attempts hang under.
 */
export function traceTokenRequest<T>(
  req: TracedTokenRequest,
  context: UpstreamRequestContext | undefined,
  run: (parent: TraceParent | undefined) => Promise<T>,
): Promise<T> {
  const rt = runtime;
  if (!rt) return run(undefined);
  const attributes: Attributes = {
    'maskinporten.scopes': [...new Set(req.scopes)].sort().map(token),
    'maskinporten.trigger': context ? 'request' : 'background',
  };
  if (req.consumerOrg) attributes['maskinporten.consumer_org'] = token(req.consumerOrg);
  if (req.onBehalfOf) attributes['maskinporten.onbehalfof'] = token(req.onBehalfOf);
  const span = rt.tracer.startSpan(
    'maskinporten token',
    { kind: rt.api.SpanKind.INTERNAL, attributes },
    contextOf(rt, parentOf(context)),
  );
  return run(span).then(
    (value) => {
      span.setAttribute('facade.outcome', 'success');
      span.end();
      return value;
    },
    (err: unknown) => {
      const e = err as { mpCode?: unknown; oauthError?: unknown };
      if (typeof e.mpCode === 'string' && /^MP-\d{3}$/.test(e.mpCode)) span.setAttribute('maskinporten.code', e.mpCode);
      if (typeof e.oauthError === 'string' && /^[a-z_]{1,64}$/.test(e.oauthError)) {
        span.setAttribute('maskinporten.oauth_error', e.oauthError);
      }
      span.setAttribute('facade.outcome', 'error');
      fail(rt, span, typeof e.mpCode === 'string' ? token(e.mpCode) : tokenErrorType(err));
      span.end();
      throw err;
    },
  );
}

function tokenErrorType(err: unknown): string {
  const name = (err as { constructor?: { name?: string } } | undefined)?.constructor?.name;
  return name && name !== 'Error' ? token(name) : '_OTHER';
}

// ---- audit writes ---------------------------------------------------------------------------------------------------

/**
 * One audit write (until its lines are handed to the operating system, or refused), under the operation of the
 * request `requestId`: the record type and count, the outcome, and on failure the error's code (`ENOSPC`).
 */
export function traceAuditWrite(
  written: Promise<void>,
  requestId: string | undefined,
  recordType: 'person_revealed' | 'client_change',
  records: number,
): Promise<void> {
  const rt = runtime;
  if (!rt) return written;
  const trace = requestId === undefined ? undefined : requests.get(requestId);
  const span = rt.tracer.startSpan(
    'audit write',
    {
      kind: rt.api.SpanKind.INTERNAL,
      attributes: { 'audit.record_type': recordType, 'audit.records': records },
    },
    contextOf(rt, trace ? (trace.upstream?.trace ?? trace.span) : undefined),
  );
  return written.then(
    () => {
      span.setAttribute('facade.outcome', 'success');
      span.end();
    },
    (err: unknown) => {
      span.setAttribute('facade.outcome', 'error');
      const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
      fail(rt, span, typeof cause?.code === 'string' ? token(cause.code) : tokenErrorType(err));
      span.end();
      throw err;
    },
  );
}
