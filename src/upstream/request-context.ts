import type { TraceParent } from '../observability/tracing.js';
import type { RetryBudget } from './retry.js';

/**
 * What every upstream call of one GraphQL request shares. Passed explicitly (not through AsyncLocalStorage): on
 * Node 20 an active AsyncLocalStorage installs promise hooks that cost about a third of the one-person throughput.
 */
export interface UpstreamRequestContext {
  /** The facade's request id, sent upstream as `X-Correlation-ID` so logs on both sides can be joined. */
  correlationId: string;
  /** Shared by every upstream call of the request, so retries cannot multiply load during an outage. */
  retryBudget?: RetryBudget;
  /** With tracing on: the span this request's upstream calls and token requests are made under (passed, not ambient). */
  trace?: TraceParent;
}
