import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type UpstreamName = 'maskinporten' | 'krr' | 'admin';

/** One registry per app instance, so several apps in one process (the tests) never share counters. */
export class Metrics {
  readonly registry = new Registry();

  /** Every HTTP request the facade sends upstream, token requests included. Labels never carry personal data. */
  readonly upstreamRequests = new Counter({
    name: 'facade_upstream_requests_total',
    help: 'HTTP requests sent to upstreams, by upstream, method and status (status "error" when no response came)',
    labelNames: ['upstream', 'method', 'status'] as const,
    registers: [this.registry],
  });

  readonly upstreamDuration = new Histogram({
    name: 'facade_upstream_request_duration_seconds',
    help: 'Upstream request latency',
    labelNames: ['upstream', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly graphqlRequests = new Counter({
    name: 'facade_graphql_requests_total',
    help: 'GraphQL requests by operation type and outcome',
    labelNames: ['operation_type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: 'facade_graphql_request_duration_seconds',
    help: 'GraphQL request latency',
    labelNames: ['operation_type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly upstreamRetries = new Counter({
    name: 'facade_upstream_retries_total',
    help: 'Upstream calls repeated after a retryable failure (429, 502, 503, 504, connection errors)',
    labelNames: ['upstream'] as const,
    registers: [this.registry],
  });

  readonly breakerState = new Gauge({
    name: 'facade_upstream_breaker_state',
    help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open',
    labelNames: ['upstream'] as const,
    registers: [this.registry],
  });

  readonly tokenCache = new Counter({
    name: 'facade_token_cache_total',
    help: 'Maskinporten token cache look-ups by result (hit, miss, refresh, coalesced)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly personBatchSize = new Histogram({
    name: 'facade_krr_batch_size',
    help: 'Distinct person ids per KRR request',
    buckets: [1, 2, 5, 10, 50, 100, 250, 500, 1000],
    registers: [this.registry],
  });

  readonly personsLookedUp = new Counter({
    name: 'facade_persons_looked_up_total',
    help: 'Persons looked up in KRR, per legal consumer (organisation number in supplier mode, "own" otherwise)',
    labelNames: ['consumer'] as const,
    registers: [this.registry],
  });

  readonly rateLimitFallbacks = new Counter({
    name: 'facade_rate_limit_fallback_total',
    help: 'Person rate-limit decisions made per replica because Redis (REDIS_URL) could not answer',
    registers: [this.registry],
  });

  readonly krrBatchSplits = new Counter({
    name: 'facade_krr_batch_splits_total',
    help: 'KRR requests refused as a whole (400, 404, 413, 422) and split in two to isolate the refused ids',
    registers: [this.registry],
  });

  /**
   * Audit writes that failed (the facade fails closed): `person`, a look-up that withheld its persons with
   * AUDIT_UNAVAILABLE; `change`, a client change refused with AUDIT_UNAVAILABLE before anything was sent upstream, or
   * made upstream and left without its completed record. Both series exist from the start (at 0), so an alert on
   * `increase()` sees the first failure.
   */
  readonly auditWriteFailures = new Counter({
    name: 'facade_audit_write_failures_total',
    help: 'Audit writes that failed: person (a look-up withheld its persons), change (a change refused or unrecorded)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  /** Read by the admission gauges when scraped (not set per request: they change twice per operation). */
  admissionState: { costInFlight: number; waiting: number; budget: number } | undefined;

  readonly admissionCostInFlight: Gauge = new Gauge({
    name: 'facade_admission_cost_in_flight',
    help: 'Summed cost of the GraphQL operations executing now (admission control, QUERY_MAX_COST_IN_FLIGHT)',
    registers: [this.registry],
    collect: (): void => this.admissionCostInFlight.set(this.admissionState?.costInFlight ?? 0),
  });

  readonly admissionBudget: Gauge = new Gauge({
    name: 'facade_admission_budget',
    help: 'The summed cost admitted at once now: QUERY_MAX_COST_IN_FLIGHT, or less while the adaptive budget says so',
    registers: [this.registry],
    collect: (): void => this.admissionBudget.set(this.admissionState?.budget ?? 0),
  });

  readonly admissionWaiting: Gauge = new Gauge({
    name: 'facade_admission_waiting',
    help: 'GraphQL operations waiting for admission',
    registers: [this.registry],
    collect: (): void => this.admissionWaiting.set(this.admissionState?.waiting ?? 0),
  });

  readonly admissionWait = new Histogram({
    name: 'facade_admission_wait_seconds',
    help: 'How long admitted GraphQL operations waited for their turn',
    buckets: [0.001, 0.005, 0.025, 0.1, 0.25, 1, 2.5, 10],
    registers: [this.registry],
  });

  readonly admissionRefused = new Counter({
    name: 'facade_admission_refused_total',
    help: 'GraphQL operations refused with OVERLOADED after waiting QUERY_QUEUE_TIMEOUT_MS',
    registers: [this.registry],
  });

  readonly admissionAbandoned = new Counter({
    name: 'facade_admission_abandoned_total',
    help: 'GraphQL operations dropped unrun because their caller disconnected while they waited for admission',
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    for (const kind of ['person', 'change'] as const) this.auditWriteFailures.inc({ kind }, 0);
    // Unprefixed (process_cpu_seconds_total, nodejs_heap_size_used_bytes, …), as the stock Node.js dashboards expect;
    // the facade's own metrics are the ones named facade_*.
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
