import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse, type HTTPGraphQLHead } from '@apollo/server';
import { GraphQLError, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import type { GraphQLContext } from './context.js';

/**
 * Which executor answers operations: `compiled` (graphql-jit, through {@link compiledExecutionPlugin}) or `graphql-js`
 * (Apollo's own execution). GRAPHQL_EXECUTOR; both give identical responses (test/graphql/executors.test.ts).
 */
export type Executor = 'compiled' | 'graphql-js';

export interface CompiledExecutionOptions {
  schema: GraphQLSchema;
  /** The server's own `formatError`: a compiled answer's errors are formatted exactly as Apollo formats its own. */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Told of an answer's errors before they are formatted, as Apollo's `didEncounterErrors` hook would be. */
  onErrors?: (errors: readonly GraphQLError[], context: GraphQLContext) => void;
  /** Compiled operations kept (least recently used dropped first); default {@link MAX_COMPILED_OPERATIONS}. */
  maxOperations?: number;
  /** Their summed weight ({@link compiledWeight}); default {@link MAX_COMPILED_BYTES}. */
  maxBytes?: number;
  /** Runs of a document by graphql-js before it is compiled; default {@link COMPILE_AFTER_RUNS}. */
  compileAfterRuns?: number;
}

export const MAX_COMPILED_OPERATIONS = 500;
export const MAX_COMPILED_BYTES = 16 * 1024 * 1024;
/**
 * A compile costs about as much as running a one-person query ten times: a document is compiled on its second run, so
 * one sent once (an explorer's edits, a caller sending endless distinct documents) never pays for it.
 */
export const COMPILE_AFTER_RUNS = 1;

/** A document's operations: compiled, not compilable (graphql-js runs them), and how often graphql-js ran it so far. */
interface Entry {
  runs: number;
  operations: Map<string, CompiledQuery | undefined>;
  weight: number;
}

/**
 * A compiled operation's memory: its generated code grows with the selections it covers, about 40 bytes of code and
 * closures for every byte of the document's source (measured on the README's example operations), and at least 8 KB.
 */
export function compiledWeight(document: DocumentNode): number {
  return Math.max(8 * 1024, (document.loc?.source.body.length ?? 0) * 40);
}

/**
 * Answers resolved operations with graphql-jit instead of graphql-js (about 7× less time per field on large answers),
 * from Apollo's `responseForOperation` hook: parsing, validation, the query limits, `didResolveOperation` and
 * `willSendResponse` hooks all run as before. Apollo runs neither `didEncounterErrors` nor `formatError` for a plugin's
 * answer, so both happen here, the way Apollo's own execution path does them (requestPipeline.js, errorNormalize.js).
 *
 * Falls back to Apollo's execution (answers null) when graphql-jit cannot compile an operation, for a document's first
 * run ({@link COMPILE_AFTER_RUNS}), and when the variables are refused: nothing has run yet then, and Apollo reports
 * the coercion errors with its own messages and status.
 */
export function compiledExecutionPlugin(opts: CompiledExecutionOptions): ApolloServerPlugin<GraphQLContext> {
  const compileAfterRuns = opts.compileAfterRuns ?? COMPILE_AFTER_RUNS;
  const cache = new LRUCache<DocumentNode, Entry>({
    max: opts.maxOperations ?? MAX_COMPILED_OPERATIONS,
    maxSize: opts.maxBytes ?? MAX_COMPILED_BYTES,
    sizeCalculation: (entry) => entry.weight,
  });

  const compiledFor = (document: DocumentNode, operationName: string | undefined): CompiledQuery | undefined => {
    let entry = cache.get(document);
    if (!entry) {
      // Counted by the document alone until it is compiled: a run by graphql-js keeps nothing else alive.
      // (Fix, test/graphql/executors.test.ts: the first run used to go to graphql-js whatever `compileAfterRuns` said,
      // so `compileAfterRuns: 0` compiled on the second run, not the first; counted from 0, every setting holds.)
      entry = { runs: 0, operations: new Map(), weight: 1 };
      cache.set(document, entry);
    }
    if (entry.runs < compileAfterRuns) {
      entry.runs++;
      return undefined;
    }
    const key = operationName ?? '';
    if (entry.operations.has(key)) return entry.operations.get(key);
    const result = compileQuery(opts.schema, document, operationName);
    const compiled = isCompiledQuery(result) ? result : undefined;
    entry = { ...entry, operations: new Map(entry.operations).set(key, compiled) };
    entry.weight += compiledWeight(document);
    cache.set(document, entry);
    return compiled;
  };

  return {
    async requestDidStart() {
      return {
        async responseForOperation(requestContext): Promise<GraphQLResponse | null> {
          const { document, operation, request, contextValue } = requestContext;
          // No operation when the name asked for is not in the document (typed as always there, it is not): Apollo's
          // execution answers that with graphql-js's message.
          if (!operation || operation.operation === 'subscription') return null;
          const compiled = compiledFor(document, request.operationName ?? operation.name?.value);
          if (!compiled) return null;
          const result = await compiled.query(undefined, contextValue, request.variables ?? {});
          // No data at all: the variables were refused before anything ran; Apollo's path answers with its messages.
          if (!('data' in result)) return null;
          const http: HTTPGraphQLHead = { status: undefined, headers: new HeaderMap() };
          const errors = result.errors?.length ? result.errors.map(asGraphQLError) : undefined;
          if (errors) opts.onErrors?.(errors, contextValue);
          return {
            http,
            body: {
              kind: 'single',
              singleResult: {
                data: result.data,
                ...(errors ? { errors: formatErrors(errors, opts.formatError, http) } : {}),
              },
            },
          };
        },
      };
    },
  };
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const cause = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(cause.message, { originalError: cause });
}

/**
 * Apollo's normalizeAndFormatErrors (errorNormalize.js, not exported), as Apollo applies it to execution errors: a
 * code for every error (INTERNAL_SERVER_ERROR by default), `extensions.http` moved into the response's head, then the
 * server's `formatError`; an error thrown while formatting becomes a bare internal error.
 */
function formatErrors(
  errors: readonly GraphQLError[],
  formatError: CompiledExecutionOptions['formatError'],
  http: HTTPGraphQLHead,
): GraphQLFormattedError[] {
  return errors.map((error) => {
    try {
      const extensions: Record<string, unknown> = { ...error.extensions };
      extensions.code = error.extensions?.code ?? 'INTERNAL_SERVER_ERROR';
      const head = extensions.http;
      if (isPartialHead(head)) {
        if (head.status) http.status = head.status;
        for (const [name, value] of head.headers ?? []) http.headers.set(name, value);
        delete extensions.http;
      }
      return formatError({ ...error.toJSON(), extensions }, error);
    } catch {
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
}

function isPartialHead(x: unknown): x is Partial<HTTPGraphQLHead> {
  return (
    !!x &&
    typeof x === 'object' &&
    (!('status' in x) || typeof x.status === 'number') &&
    (!('headers' in x) || x.headers instanceof Map)
  );
}
