import { Pool, errors as undiciErrors } from 'undici';
import type { Metrics, UpstreamName } from '../observability/metrics.js';
import { UpstreamUnavailableError } from './errors.js';
import { upstreamRequestContext } from './request-context.js';

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Appended to the base URL's path; never carries a personal id. */
  path: string;
  json?: unknown;
  form?: Record<string, string>;
  bearer?: string;
  headers?: Record<string, string>;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or undefined for an empty or non-JSON body. */
  body: unknown;
}

export interface UpstreamTimeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

const DEFAULT_TIMEOUTS: UpstreamTimeouts = { connectMs: 2_000, headersMs: 10_000, bodyMs: 10_000 };

/**
 * The shared HTTP layer for one upstream: keep-alive undici pools (one per origin), timeouts, metrics. Any HTTP status
 * is returned to the caller; only "no answer" (refused, reset, timeout) and 5xx become `UpstreamUnavailableError`.
 */
export class UpstreamClient {
  private readonly pools = new Map<string, Pool>();
  private readonly base: URL;

  constructor(
    readonly name: UpstreamName,
    baseUrl: string,
    private readonly opts: { metrics: Metrics; connections: number; timeouts?: Partial<UpstreamTimeouts> },
  ) {
    this.base = new URL(baseUrl);
  }

  /** Requests `path` relative to the base URL, or an absolute URL (discovered endpoints such as token_endpoint). */
  async request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const target = /^https?:\/\//.test(req.path) ? new URL(req.path) : this.resolve(req.path);
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let body: string | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] = 'application/json';
    } else if (req.form) {
      body = new URLSearchParams(req.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    if (req.bearer) headers.authorization = `Bearer ${req.bearer}`;
    const correlationId = upstreamRequestContext.getStore()?.correlationId;
    if (correlationId) headers['x-correlation-id'] = correlationId;

    const started = performance.now();
    let status = 'error';
    try {
      const res = await this.pool(target.origin).request({
        method: req.method,
        path: target.pathname + target.search,
        headers,
        body,
      });
      status = String(res.statusCode);
      const text = await res.body.text();
      const parsed = parseJson(text);
      if (res.statusCode >= 500) {
        throw new UpstreamUnavailableError(this.name, `HTTP ${res.statusCode}`, res.statusCode);
      }
      return { status: res.statusCode, headers: res.headers, body: parsed };
    } catch (err) {
      if (err instanceof UpstreamUnavailableError) throw err;
      throw new UpstreamUnavailableError(this.name, describeNetworkError(err));
    } finally {
      this.opts.metrics.upstreamRequests.inc({ upstream: this.name, method: req.method, status });
      this.opts.metrics.upstreamDuration.observe(
        { upstream: this.name, method: req.method, status },
        (performance.now() - started) / 1000,
      );
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }

  private resolve(path: string): URL {
    const basePath = this.base.pathname.replace(/\/+$/, '');
    return new URL(basePath + (path.startsWith('/') ? path : `/${path}`), this.base.origin);
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      const t = { ...DEFAULT_TIMEOUTS, ...this.opts.timeouts };
      pool = new Pool(origin, {
        connections: this.opts.connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connectTimeout: t.connectMs,
        headersTimeout: t.headersMs,
        bodyTimeout: t.bodyMs,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeNetworkError(err: unknown): string {
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) return 'timeout';
  if (err instanceof undiciErrors.ConnectTimeoutError) return 'connect timeout';
  const code = (err as { code?: string } | undefined)?.code;
  return code ? code.toLowerCase() : 'network error';
}
