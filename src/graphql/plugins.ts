import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { Metrics } from '../observability/metrics.js';
import { endOperationSpan, nameOperationSpan, startOperationSpan, tracingEnabled } from '../observability/tracing.js';
import type { GraphQLContext } from './context.js';
import { UpstreamUnavailableError, isUnreadableAnswer } from '../upstream/errors.js';
import { errorCode, findOriginal } from './errors.js';

const EXPECTED_CODES = new Set([
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'PERSISTED_QUERY_NOT_FOUND',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'RATE_LIMITED',
  'METHOD_NOT_ALLOWED',
  'OVERLOADED',
]);

/** Upstream trouble is expected in production and measured by upstream metrics; one line per request would flood. */
const UPSTREAM_CODES = new Set([
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_AUTH_FAILED',
  'UPSTREAM_REJECTED',
  'AUDIT_UNAVAILABLE',
]);

/**
 * One log line per error that is not an expected refusal (upstream trouble at debug): Apollo's `didEncounterErrors`
 * for its own execution, and the compiled executor (compiled-execution.ts) for its answers.
 */
export function logUnexpectedErrors(errors: readonly GraphQLError[], contextValue: GraphQLContext): void {
  let unreadable: Set<Error> | undefined;
  for (const error of errors) {
    const code = errorCode(error);
    if (EXPECTED_CODES.has(code)) continue;
    let logged = error.originalError ?? error;
    let level: 'debug' | 'warn' | 'error' = UPSTREAM_CODES.has(code) ? 'debug' : 'error';
    // An upstream answer too large or undecodable needs an operator (UPSTREAM_MAX_RESPONSE_BYTES, a proxy's encoding):
    // one warning per such answer, not one per person it failed.
    const answer = findOriginal(error, isUnreadable);
    if (answer) {
      if (unreadable?.has(answer)) continue;
      (unreadable ??= new Set()).add(answer);
      logged = answer;
      level = 'warn';
    }
    contextValue.log()[level](
      {
        code,
        path: error.path,
        err: { type: logged.name, message: logged.message, stack: logged.stack },
      },
      'GraphQL request failed',
    );
  }
}

/**
 * An answer of KRR or the admin API that could not be read. Maskinporten's are left out: one token failure is shared
 * by every request waiting for it, and the token service warns of it itself, once per cause and minute (a warning per
 * request flooded the log during an outage).
 */
const isUnreadable = (e: unknown) =>
  e instanceof UpstreamUnavailableError && e.upstream !== 'maskinporten' && isUnreadableAnswer(e);

/** One GraphQL request in `facade_graphql_requests_total` and the latency histogram. */
export function countRequest(metrics: Metrics, operationType: string, outcome: string, seconds: number): void {
  metrics.graphqlRequests.inc({ operation_type: operationType, outcome });
  metrics.graphqlDuration.observe({ operation_type: operationType }, seconds);
}

/**
 * Request counts and latency by operation type and outcome, a log line for each unexpected error, and with tracing on
 * the operation span (type, bounded name, outcome, error codes). Only requestDidStart, didResolveOperation and
 * willSendResponse: Apollo runs no execution hooks for a response a plugin answers (DESIGN.md "Performance anchors").
 */
export function observabilityPlugin(metrics: Metrics): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      // From when the request was accepted: its wait for admission at the door counts, as it did inside Apollo.
      const started = contextValue.acceptedAt;
      let operationType = 'unknown';
      const span = tracingEnabled ? startOperationSpan(contextValue.requestId) : undefined;
      return {
        async didResolveOperation({ operation, operationName }) {
          operationType = operation?.operation ?? 'unknown';
          if (span) nameOperationSpan(span, operationType, operationName);
        },
        async didEncounterErrors({ errors, contextValue }) {
          logUnexpectedErrors(errors, contextValue);
        },
        async willSendResponse({ response }) {
          const body = response.body;
          const hasErrors = body.kind === 'single' && (body.singleResult.errors?.length ?? 0) > 0;
          const hasData = body.kind === 'single' && body.singleResult.data != null;
          const outcome = !hasErrors ? 'success' : hasData ? 'partial' : 'error';
          countRequest(metrics, operationType, outcome, (performance.now() - started) / 1000);
          if (span) endOperationSpan(span, outcome, body.kind === 'single' ? body.singleResult.errors : undefined);
        },
      };
    },
  };
}
