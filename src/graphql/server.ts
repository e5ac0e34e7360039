import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { Metrics } from '../observability/metrics.js';
import type { GraphQLContext } from './context.js';
import { createFormatError } from './errors.js';
import { personalIdsPostOnlyPlugin } from './post-only.js';
import { Admission, RequestAdmission } from './admission.js';
import { AdaptiveCostBudget } from './cost-budget.js';
import { supportedOperationTypesRule } from './operation-types.js';
import { queryLimitRules, queryLimitsPlugin, type QueryLimits } from './limits.js';
import { countRequest, logUnexpectedErrors, observabilityPlugin } from './plugins.js';
import { COMPILE_AFTER_RUNS, compiledExecutionPlugin, type Executor } from './compiled-execution.js';
import type { AnswerHandOff } from './answer-hand-off.js';
import { RefusingCache, SecondSightCache, mayCacheDocument } from './second-sight.js';

export interface GraphQLServerOptions {
  schema: GraphQLSchema;
  metrics: Metrics;
  /** Introspection and "did you mean" suggestions: both reveal the schema, so they go together. */
  introspection: boolean;
  /** Apollo's automatic persisted queries; off in trusted-documents mode, where only the manifest may run. */
  persistedQueries: boolean;
  /** Depth, aliases, directives, tokens, cost and distinct persons, all checked before execution. */
  limits: QueryLimits;
  /**
   * Admission control: the summed cost of operations executing at once (at most; `adaptive`: as much of it as keeps the
   * CPU busy, cost-budget.ts), and how long one may wait for its turn.
   */
  admission: { maxCostInFlight: number; mode?: 'adaptive' | 'fixed'; queueTimeoutMs: number };
  /** graphql-jit (default) or graphql-js answers resolved operations; the responses are the same. */
  executor?: Executor;
  /** See {@link COMPILE_AFTER_RUNS}. */
  compileAfterRuns?: 0 | 1;
  /** Types whose leaves the compiled executor need not serialize (compiled-execution.ts, `serializedTypes`). */
  serializedTypes?: ReadonlySet<string>;
  /** Long answers handed to the HTTP layer as objects, to be written in pieces (answer-hand-off.ts). */
  answers?: AnswerHandOff<GraphQLContext>;
}

/** What the cache of automatic persisted queries may hold: their texts, two bytes a character (Apollo shares 30 MB). */
const PERSISTED_QUERY_BYTES = 8 * 1024 * 1024;

/** What the cache of parsed and validated documents may hold, by {@link documentSize}. */
const DOCUMENT_STORE_BYTES = 16 * 1024 * 1024;

/**
 * A parsed document's real weight. Apollo's default cache measures `JSON.stringify(document)`, which leaves out the
 * source text and the token list every node's `loc` keeps alive: distinct valid documents padded with a 99 KB comment
 * each filled the 128 MB heap past its 30 MiB cap and crashed the process. Counted here: the tree, the source (two
 * bytes a character) and its tokens (about a hundred bytes each, at most one per character; a comment is one).
 */
export function documentSize(document: DocumentNode): number {
  const source = document.loc?.source.body.length ?? 0;
  return JSON.stringify(document).length + source * 2 + (document.loc?.endToken ? countTokens(document) * 100 : 0);
}

function countTokens(document: DocumentNode): number {
  let count = 0;
  for (let token = document.loc?.startToken ?? null; token; token = token.next) count++;
  return count;
}

export interface GraphQLServer {
  apollo: ApolloServer<GraphQLContext>;
  /** Admission control at the door: the HTTP layer lets an operation in here before it hands it to Apollo. */
  admission: RequestAdmission;
  /** The adaptive budget (QUERY_COST_IN_FLIGHT_MODE=adaptive), started: tell it of KRR waits, stop it on close. */
  costBudget?: AdaptiveCostBudget;
}

export function createGraphQLServer(opts: GraphQLServerOptions): GraphQLServer {
  const { metrics } = opts;
  const { maxCostInFlight, mode, queueTimeoutMs } = opts.admission;
  const costBudget =
    mode === 'adaptive'
      ? new AdaptiveCostBudget({ max: maxCostInFlight, apply: (budget) => admission.setBudget(budget) })
      : undefined;
  const admission: Admission = new Admission({
    maxCostInFlight,
    queueTimeoutMs,
    onAdmitted: (seconds) => metrics.admissionWait.observe(seconds),
    onRefused: () => metrics.admissionRefused.inc(),
    onAbandoned: () => metrics.admissionAbandoned.inc(),
    ...(costBudget ? { onReleased: (weight: number) => costBudget.operationDone(weight) } : {}),
  });
  metrics.admissionState = admission;
  const formatError = createFormatError(!opts.introspection);
  const apollo = new ApolloServer<GraphQLContext>({
    schema: opts.schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    validationRules: [supportedOperationTypesRule, ...queryLimitRules(opts.limits)],
    parseOptions: { maxTokens: opts.limits.maxTokens },
    // Kept on its second sight, and never with a person's id in its text (see mayCacheDocument).
    documentStore: new SecondSightCache(
      new InMemoryLRUCache<DocumentNode>({ maxSize: DOCUMENT_STORE_BYTES, sizeCalculation: documentSize }),
      (document) => !mayCacheDocument(document.loc?.source.body ?? ''),
    ),
    // Automatic persisted queries: a hash registers its text on first sight (the protocol needs it), never a text
    // holding a person's id, whose hash alone is then not found (the client sends the text again, as APQ expects).
    persistedQueries: opts.persistedQueries
      ? {
          cache: new RefusingCache(
            new InMemoryLRUCache<string>({
              maxSize: PERSISTED_QUERY_BYTES,
              sizeCalculation: (text) => 2 * text.length,
            }),
            (text) => !mayCacheDocument(text),
          ),
        }
      : false,
    introspection: opts.introspection,
    hideSchemaDetailsFromClientErrors: !opts.introspection,
    // main.ts owns SIGTERM/SIGINT (graceful shutdown of the whole app); Apollo's own handlers would race it.
    stopOnTerminationSignals: false,
    ...(opts.answers ? { stringifyResult: opts.answers.stringifyResult } : {}),
    // Apollo's landing page loads from a CDN; the facade serves its own page (http/graphiql.ts).
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Responses carry personal data and are never cached; the plugin's per-field hook is pure overhead here.
      ApolloServerPluginCacheControlDisabled(),
      // Nothing leaves for Apollo's cloud, whatever APOLLO_KEY, APOLLO_GRAPH_REF or APOLLO_SCHEMA_REPORTING a platform
      // sets for its other services: usage reports carry operations and error messages. Inline traces are for
      // federated subgraphs, which this schema is not; left on, Apollo loads its protobuf code (0.8 MB of heap).
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      personalIdsPostOnlyPlugin(),
      queryLimitsPlugin(opts.limits, admission, (context) => context.admitted),
      observabilityPlugin(opts.metrics),
      ...(opts.answers ? [opts.answers.plugin] : []),
      // Last: every other plugin's hooks before execution have run when it answers.
      ...((opts.executor ?? 'compiled') === 'compiled'
        ? [
            compiledExecutionPlugin({
              schema: opts.schema,
              formatError,
              onErrors: logUnexpectedErrors,
              compileAfterRuns: opts.compileAfterRuns ?? COMPILE_AFTER_RUNS,
              serializedTypes: opts.serializedTypes,
            }),
          ]
        : []),
    ],
  });
  // Refused at the door, the operation never reaches Apollo: counted as observabilityPlugin would have counted it.
  const door = new RequestAdmission(admission, opts.schema, opts.limits, (operationType, waitedSeconds) =>
    countRequest(metrics, operationType, 'error', waitedSeconds),
  );
  return { apollo, admission: door, ...(costBudget ? { costBudget: costBudget.start() } : {}) };
}
