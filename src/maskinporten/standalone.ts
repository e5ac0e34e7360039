import type { Logger } from 'pino';
import type { MaskinportenConfig } from '../config.js';
import type { Metrics } from '../observability/metrics.js';
import { UpstreamClient } from '../upstream/http-client.js';
import { loadCredentials, type GrantCredentials } from './credentials.js';
import { TokenService } from './token-service.js';

export interface StandaloneTokenService {
  tokens: TokenService;
  credentials: GrantCredentials;
  /** Close it when done: it holds the keep-alive connections to Maskinporten. */
  http: UpstreamClient;
}

/**
 * A token service of its own, outside the app: credentials loaded from `config` and an HTTP client of its own. For the
 * tools that ask Maskinporten as a client without the facade would (`npm run token`, the benchmark's direct baseline);
 * the app composes its token service in app.ts, with its breaker settings and shutdown order.
 */
export async function createStandaloneTokenService(
  config: MaskinportenConfig,
  opts: { metrics: Metrics; log: Logger; connections?: number; deadlineMs?: number },
): Promise<StandaloneTokenService> {
  const credentials = await loadCredentials(config);
  const http = new UpstreamClient('maskinporten', config.issuer, {
    metrics: opts.metrics,
    connections: opts.connections ?? 1,
    deadlineMs: opts.deadlineMs,
  });
  const tokens = new TokenService({
    issuer: config.issuer,
    clientId: config.clientId,
    credentials,
    http,
    metrics: opts.metrics,
    log: opts.log,
  });
  return { tokens, credentials, http };
}
