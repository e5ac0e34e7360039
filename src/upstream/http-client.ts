import {
  COMPRESSED_ENCODINGS,
  ContentCodingError,
  NO_COMPRESSION,
  contentCodings,
  decodeBody,
} from '../http/content-coding.js';
import type { Metrics, UpstreamName } from '../observability/metrics.js';
import {
  endUpstreamSpan,
  injectTraceContext,
  parentOf,
  startUpstreamSpan,
  tracingEnabled,
  type TraceParent,
} from '../observability/tracing.js';
import { BreakerOpenError, UpstreamBreaker, type BreakerOptions, type BreakerState } from './breaker.js';
import {
  NOT_SENT_SHUTDOWN,
  STOPPED_BY_SHUTDOWN,
  UpstreamUnavailableError,
  isShutdownStop,
  isUnreadableAnswer,
  type UnreadableAnswer,
} from './errors.js';
import { parseJsonArray, parseJsonText, readJsonArray } from './json-array-body.js';
import type { UpstreamRequestContext } from './request-context.js';
import { Pool, request, undiciErrors, type RequestProgress } from './undici-parts.js';
import {
  DEFAULT_RETRY_POLICY,
  RETRYABLE_STATUSES,
  parseRetryAfter,
  withRetries,
  type RetryDecision,
  type RetryOutcome,
  type RetryPolicy,
} from './retry.js';

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Appended to the base URL's path; never carries a personal id. */
  path: string;
  json?: unknown;
  form?: Record<string, string>;
  bearer?: string;
  headers?: Record<string, string>;
  /**
   * Safe to repeat (reads: KRR look-ups, admin GETs). Retried on 429, 502, 503, 504 and connection errors with
   * backoff, honouring Retry-After, within the request's retry budget and deadline. Writes are never retried.
   */
  retry?: boolean;
  /** The GraphQL request this call serves: correlation id and retry budget. */
  context?: UpstreamRequestContext;
  /** Tracing: the span this call hangs under when not the context's (a token request's own span). */
  trace?: TraceParent;
  /** Tracing: this call's attempt number (1-based) when the caller retries it itself (token requests). */
  attempt?: number;
  /**
   * The answer is expected as `{"<jsonArray>":[…]}` (KRR's `personer`): parsed in pieces, never as one large string
   * (upstream/json-array-body.ts). The parsed body is the same either way.
   */
  jsonArray?: string;
  /**
   * Epoch ms (Date.now): end the call by then even if the client's own deadline is later. For callers that retry
   * themselves (token requests), so all their attempts share one deadline: see {@link UpstreamClient.deadlineFromNow}.
   */
  deadlineAt?: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: unknown;
  /** With `jsonArray`: the body's size in bytes (decoded, when it came compressed). */
  bodyBytes?: number;
}

export interface UpstreamClientOptions {
  metrics: Metrics;
  connections: number;
  /** The whole call, retries included, never outlives this (ms). */
  deadlineMs?: number;
  /** TCP connect timeout (ms); headers and body timeouts follow the deadline. */
  connectTimeoutMs?: number;
  retryPolicy?: RetryPolicy;
  breaker?: Omit<BreakerOptions, 'name' | 'onStateChange'>;
  /** The largest answer body read, as sent and once decoded (bytes); default {@link DEFAULT_MAX_RESPONSE_BYTES}. */
  maxResponseBytes?: number;
  /** Ask for gzip, deflate or brotli answers (UPSTREAM_COMPRESSION); compressed ones are decoded either way. */
  compression?: boolean;
}

const DEFAULT_DEADLINE_MS = 5_000;
/** As undici's `body.text()` reads: UTF-8, a byte order mark dropped. */
const UTF8 = new TextDecoder();
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * The shared HTTP layer for one upstream: keep-alive undici pools (one per origin), a deadline per call, retries where
 * safe, a circuit breaker, metrics. Any HTTP status below 500 is returned to the caller; "no answer" (refused, reset,
 * timeout, breaker open) and 5xx become `UpstreamUnavailableError`.
 */
export class UpstreamClient {
  private readonly pools = new Map<string, Pool>();
  private stopped = false;
  private readonly base: URL;
  private readonly breaker: UpstreamBreaker;
  private readonly deadlineMs: number;
  private readonly maxResponseBytes: number;
  private readonly acceptEncoding: string;

  constructor(
    readonly name: UpstreamName,
    baseUrl: string,
    private readonly opts: UpstreamClientOptions,
  ) {
    this.base = new URL(baseUrl);
    this.deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.acceptEncoding = opts.compression ? COMPRESSED_ENCODINGS : NO_COMPRESSION;
    const gauge = opts.metrics.breakerState.labels({ upstream: name });
    gauge.set(0);
    this.breaker = new UpstreamBreaker({
      name,
      ...opts.breaker,
      onStateChange: (state) => gauge.set(BREAKER_STATE_VALUE[state]),
    });
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** Requests `path` relative to the base URL, or an absolute URL (discovered endpoints such as token_endpoint). */
  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const deadlineAt = Math.min(this.deadlineFromNow(), req.deadlineAt ?? Infinity);
    const once = tracingEnabled
      ? (attempt?: number) => this.tracedAttempt(req, deadlineAt, attempt ?? req.attempt ?? 1)
      : () => this.breaker.run(() => this.send(req, deadlineAt), isUpstreamFailure).catch(this.openToUnavailable);
    if (!req.retry) return once();
    const policy = this.opts.retryPolicy ?? DEFAULT_RETRY_POLICY;
    return withRetries(once, {
      policy,
      budget: req.context?.retryBudget,
      deadlineAt,
      decide: retryDecision,
      onRetry: () => this.countRetry(),
    });
  }

  /** The deadline (epoch ms) of a call starting now: this upstream's timeout (e.g. MASKINPORTEN_TIMEOUT_MS) from now. */
  deadlineFromNow(): number {
    return Date.now() + this.deadlineMs;
  }

  countRetry(): void {
    this.opts.metrics.upstreamRetries.inc({ upstream: this.name });
  }

  /**
   * Ends every call under way now (the shutdown grace is over): each fails as stopped by the shutdown, which for a
   * change means its outcome is unknown (it may have been sent); calls asked for after this fail without being sent.
   */
  stop(): void {
    this.stopped = true;
    for (const pool of this.pools.values()) void pool.destroy(new ShutdownStop()).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.breaker.shutdown();
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => (p.destroyed ? undefined : p.close())));
  }

  private readonly openToUnavailable = (err: unknown): never => {
    if (err instanceof BreakerOpenError) throw new UpstreamUnavailableError(this.name, 'circuit open');
    throw err;
  };

  /** One attempt as a client span (tracing on): route template, status or failure type, retry number. */
  private tracedAttempt(req: UpstreamRequest, deadlineAt: number, attempt: number): Promise<UpstreamResponse> {
    const parent = req.trace ?? parentOf(req.context);
    const span = startUpstreamSpan(this.name, req.method, req.path, attempt, parent, this.base);
    return this.breaker
      .run(() => this.send(req, deadlineAt, span), isUpstreamFailure)
      .then(
        (res) => {
          endUpstreamSpan(span, res.status);
          return res;
        },
        (err: unknown) => {
          endUpstreamSpan(span, undefined, err);
          return this.openToUnavailable(err);
        },
      );
  }

  private async send(req: UpstreamRequest, deadlineAt: number, span?: TraceParent): Promise<UpstreamResponse> {
    if (this.stopped) throw new UpstreamUnavailableError(this.name, NOT_SENT_SHUTDOWN);
    const remaining = deadlineAt - Date.now();
    if (remaining <= 0) throw new UpstreamUnavailableError(this.name, 'timeout');
    const target = /^https?:\/\//.test(req.path) ? new URL(req.path) : this.resolve(req.path);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'accept-encoding': this.acceptEncoding,
      ...req.headers,
    };
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    } else if (req.form) {
      body = new URLSearchParams(req.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    if (req.bearer) headers.authorization = `Bearer ${req.bearer}`;
    const correlationId = req.context?.correlationId;
    if (correlationId) headers['x-correlation-id'] = correlationId;
    if (span) injectTraceContext(span, headers);

    const started = performance.now();
    let status = 'error';
    // Not AbortSignal.timeout: its timer and signal live until the deadline even when the answer came long before,
    // thousands of them at full load, promoted to the old generation. This timer goes when the call ends.
    const deadline = new AbortController();
    const timer = setTimeout(abortAtDeadline, remaining, deadline);
    const progress: RequestProgress = { dispatched: false };
    try {
      const res = await request(
        this.pool(target.origin),
        {
          method: req.method,
          path: target.pathname + target.search,
          headers,
          body,
          // Covers the wait for a pooled connection too, which headersTimeout does not.
          signal: deadline.signal,
          headersTimeout: remaining,
          bodyTimeout: remaining,
        },
        progress,
      );
      // 408: the upstream timed the request out (closing an idle keep-alive connection as the request came, RFC 9110
      // §15.5.9): not processed, so as unavailable as a 503 and as safe to retry; never a refusal of the request.
      if (res.statusCode >= 500 || res.statusCode === 408) {
        status = String(res.statusCode);
        await discard(res.body);
        const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
        throw new UpstreamUnavailableError(this.name, `HTTP ${res.statusCode}`, res.statusCode, retryAfterMs);
      }
      // undici's maxResponseSize counts the bytes as they come: an answer that declares more is refused now, not after
      // its sender trickles (or never sends) them until the deadline.
      if (Number(res.headers['content-length']) > this.maxResponseBytes) {
        res.body.destroy();
        throw new UpstreamUnavailableError(this.name, 'answer too large');
      }
      const codings = contentCodings(res.headers['content-encoding']);
      let answer: unknown;
      const read = { bytes: 0 };
      // The body as sent is bounded by the pool (maxResponseSize); a decoded one by decodeBody.
      if (codings.length > 0) {
        const decoded = await decodeBody(Buffer.from(await res.body.arrayBuffer()), codings, this.maxResponseBytes);
        read.bytes = decoded.length;
        answer = req.jsonArray ? parseJsonArray(req.jsonArray, [decoded]) : parseJsonText(UTF8.decode(decoded));
      } else {
        answer = req.jsonArray
          ? await readJsonArray(req.jsonArray, res.body as AsyncIterable<Buffer>, read)
          : parseJsonText(await res.body.text());
      }
      // Counted by its status once the body was read: an answer too large or undecodable counts as an error.
      status = String(res.statusCode);
      const response: UpstreamResponse = { status: res.statusCode, headers: res.headers, body: answer };
      if (req.jsonArray) response.bodyBytes = read.bytes;
      return response;
    } catch (err) {
      if (err instanceof UpstreamUnavailableError) throw err;
      // A call still waiting in the pool's queue for a connection was never sent: nothing it asked for was done.
      if (err instanceof ShutdownStop || this.stopped) {
        throw new UpstreamUnavailableError(this.name, progress.dispatched ? STOPPED_BY_SHUTDOWN : NOT_SENT_SHUTDOWN);
      }
      throw new UpstreamUnavailableError(this.name, unreadableReason(err) ?? describeNetworkError(err));
    } finally {
      clearTimeout(timer);
      this.opts.metrics.upstreamRequests.inc({ upstream: this.name, method: req.method, status });
      this.opts.metrics.upstreamDuration.observe(
        { upstream: this.name, method: req.method, status },
        (performance.now() - started) / 1000,
      );
    }
  }

  private resolve(path: string): URL {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    return new URL(basePath + (path.startsWith('/') ? path : `/${path}`), this.base.origin);
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.opts.connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connectTimeout: Math.min(this.opts.connectTimeoutMs ?? 2_000, this.deadlineMs),
        headersTimeout: this.deadlineMs,
        bodyTimeout: this.deadlineMs,
        // Refused once that many bytes came (and by its Content-Length in send): an upstream cannot fill the heap.
        maxResponseSize: this.maxResponseBytes,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}

/** How long a failure's body (never read) may take to come before its connection is dropped instead. */
const DISCARD_WAIT_MS = 100;

/**
 * Discards a failure's body: read away when it comes at once, so the connection is kept; a body that stalls or drips
 * is not waited for (that wait spent the deadline a retry needed), its connection dropped.
 */
async function discard(body: { dump(): Promise<void>; destroy(): unknown }): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const read = await Promise.race([
    body.dump().then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => (timer = setTimeout(resolve, DISCARD_WAIT_MS, false))),
  ]);
  clearTimeout(timer);
  if (!read) body.destroy();
}

/** What the pools are destroyed with when the shutdown stops the calls under way. */
class ShutdownStop extends Error {
  constructor() {
    super(STOPPED_BY_SHUTDOWN);
  }
}

function abortAtDeadline(deadline: AbortController): void {
  deadline.abort(new DOMException('the upstream call reached its deadline', 'TimeoutError'));
}

/**
 * Whether an outcome is worth another attempt: 429, 502, 503, 504 and connection errors, honouring Retry-After. Not a
 * timeout (the deadline is spent), not an open breaker (it answers for the upstream), not a 500 (a bug upstream).
 */
export function retryDecision(outcome: RetryOutcome<UpstreamResponse>): RetryDecision {
  if (outcome.ok) {
    const { status, headers } = outcome.value;
    return status === 429
      ? { retry: true, retryAfterMs: parseRetryAfter(headers['retry-after'], Date.now()) }
      : { retry: false };
  }
  const err = outcome.error;
  if (
    !(err instanceof UpstreamUnavailableError) ||
    err.reason === 'circuit open' ||
    err.reason === 'timeout' ||
    isUnreadableAnswer(err) ||
    isShutdownStop(err)
  ) {
    return { retry: false };
  }
  const retryable = err.status === undefined || RETRYABLE_STATUSES.has(err.status);
  return { retry: retryable, retryAfterMs: err.retryAfterMs };
}

/** 5xx, timeouts and connection errors count against the breaker; answers below 500 never reach here as errors. */
function isUpstreamFailure(err: unknown): boolean {
  return err instanceof UpstreamUnavailableError;
}

/** Why an answer that came could not be read (undici's size limit, or its content coding), or undefined. */
function unreadableReason(err: unknown): UnreadableAnswer | undefined {
  if (err instanceof undiciErrors.ResponseExceededMaxSizeError) return 'answer too large';
  if (err instanceof ContentCodingError) return err.problem === 'too large' ? 'answer too large' : 'undecodable answer';
  return undefined;
}

function describeNetworkError(err: unknown): string {
  if (
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    (err as { name?: string } | undefined)?.name === 'TimeoutError' ||
    (err as { name?: string } | undefined)?.name === 'AbortError'
  ) {
    return 'timeout';
  }
  if (err instanceof undiciErrors.ConnectTimeoutError) return 'connect timeout';
  const code = (err as { code?: string } | undefined)?.code;
  return code ? code.toLowerCase() : 'network error';
}
