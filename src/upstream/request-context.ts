import { AsyncLocalStorage } from 'node:async_hooks';
import type { RetryBudget } from './retry.js';

/** What every upstream call of one GraphQL request shares, without threading it through each domain's code. */
export interface UpstreamRequestContext {
  /** The facade's request id, sent upstream as `X-Correlation-ID` so logs on both sides can be joined. */
  correlationId: string;
  /** Shared by every upstream call of the request, so retries cannot multiply load during an outage. */
  retryBudget?: RetryBudget;
}

export const upstreamRequestContext = new AsyncLocalStorage<UpstreamRequestContext>();
