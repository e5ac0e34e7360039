import { HeaderMap, type ApolloServerPlugin, type GraphQLResponse, type HTTPGraphQLHead } from '@apollo/server';
import { getDirective } from '@graphql-tools/utils';
import {
  BREAK,
  GraphQLError,
  Kind,
  getNamedType,
  isAbstractType,
  isEnumType,
  isLeafType,
  isNonNullType,
  isObjectType,
  isSpecifiedScalarType,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLFormattedError,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { hasRequiredScopes } from '../auth/caller.js';
import type { GraphQLContext } from './context.js';
import { SecondSight, mayCacheDocument } from './second-sight.js';

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
  /** Runs of a document by graphql-js before it is compiled: 0 or 1 (default, {@link COMPILE_AFTER_RUNS}). */
  compileAfterRuns?: 0 | 1;
  /**
   * Object types whose resolvers give every enum and built-in scalar field (String, Boolean, …) in its serialized
   * form already, so that serializing it changes nothing (the KRR model: `SERIALIZED_MODEL_TYPES` in krr/model.ts). An
   * operation whose every such leaf is a field of one of them is compiled without leaf serialization (graphql-jit's
   * `disableLeafSerialization`): per leaf, graphql-jit otherwise calls a runtime check with a fresh locations array,
   * path array and rest arguments, which V8 removes only when it inlines the call (a 1000-person query made 0.33 or
   * 0.67 MB of them, by how it was optimized). Null checks and errors stay as they were.
   */
  serializedTypes?: ReadonlySet<string>;
}

export const MAX_COMPILED_OPERATIONS = 500;
export const MAX_COMPILED_BYTES = 16 * 1024 * 1024;
/**
 * A compile costs 0.2–0.8 ms (the README's operations), the CPU of several one-person queries: a document is compiled
 * on its second run, so one sent once (an explorer's edits, a caller sending endless distinct documents) never pays
 * for it.
 */
export const COMPILE_AFTER_RUNS: 0 | 1 = 1;

/** A compiled document's operations: compiled, or not compilable (graphql-js runs them). */
interface Entry {
  operations: Map<string, CompiledQuery | undefined>;
  weight: number;
}

/**
 * A compiled operation's memory, counted generously: the README's example operations and the bench's persons query
 * took 9–23 KB of heap each once compiled (40–150 bytes per character of their source, the parsed document included;
 * measured over 100 compiles each), and the machine code V8 makes of them when they run comes on top.
 */
export function compiledWeight(document: DocumentNode): number {
  return Math.max(32 * 1024, (document.loc?.source.body.length ?? 0) * 150);
}

/**
 * Answers resolved operations with graphql-jit instead of graphql-js (about 7× less time per field on large answers),
 * from Apollo's `responseForOperation` hook: parsing, validation, the query limits, `didResolveOperation` and
 * `willSendResponse` hooks all run as before. Apollo runs neither `didEncounterErrors` nor `formatError` for a plugin's
 * answer, so both happen here, the way Apollo's own execution path does them (requestPipeline.js, errorNormalize.js).
 *
 * Falls back to Apollo's execution (answers null) when graphql-jit cannot compile an operation, for a document's first
 * run ({@link COMPILE_AFTER_RUNS}), and when the variables are refused: nothing has run yet then, and Apollo reports
 * the coercion errors with its own messages and status. Operations graphql-jit would answer differently go to Apollo's
 * execution too ({@link graphqlJsOnlyReason}).
 */
export function compiledExecutionPlugin(opts: CompiledExecutionOptions): ApolloServerPlugin<GraphQLContext> {
  const compileAfterRuns = opts.compileAfterRuns ?? COMPILE_AFTER_RUNS;
  const cache = new LRUCache<DocumentNode, Entry>({
    max: opts.maxOperations ?? MAX_COMPILED_OPERATIONS,
    maxSize: opts.maxBytes ?? MAX_COMPILED_BYTES,
    sizeCalculation: (entry) => entry.weight,
  });
  // Documents run once, by their query's hash (graphql/second-sight.ts): one sent once (ids in the query text) is kept
  // by nothing here, where an LRU entry would keep it, promoted to the old generation, until pushed out. Its second run
  // is of the document Apollo's store keeps from then on (the store, too, keeps a document on its second sight).
  const ranOnce = new SecondSight();
  const graphqlJsOnly = graphqlJsOnlyReason(opts.schema);
  const serializedTypes = opts.serializedTypes ?? new Set<string>();

  const compiledFor = (
    document: DocumentNode,
    queryHash: string | undefined,
    operation: OperationDefinitionNode,
    operationName: string | undefined,
  ): CompiledQuery | undefined => {
    let entry = cache.get(document);
    if (!entry) {
      // Not kept (second-sight.ts): graphql-js answers, as it does a document's first run.
      if (!mayCacheDocument(document.loc?.source.body ?? '')) return undefined;
      // Apollo hashes every query before it resolves the operation; without a hash, nothing counts as a second run.
      if (compileAfterRuns > 0 && (queryHash === undefined || !ranOnce.seenBefore(queryHash))) return undefined;
      entry = { operations: new Map(), weight: 0 };
    }
    const key = operationName ?? '';
    if (entry.operations.has(key)) return entry.operations.get(key);
    const serialized =
      serializedTypes.size > 0 && leavesAlreadySerialized(opts.schema, document, operation, serializedTypes);
    const result = compileQuery(opts.schema, document, operationName, { disableLeafSerialization: serialized });
    const compiled = isCompiledQuery(result) ? result : undefined;
    entry.operations.set(key, compiled);
    // A new object: lru-cache weighs an entry only when another value is set (the same one keeps its old weight), and
    // then drops the least recently used documents to make room (test/graphql/compiled-cache.test.ts).
    cache.set(document, { ...entry, weight: entry.weight + compiledWeight(document) });
    return compiled;
  };

  return {
    async requestDidStart() {
      return {
        async responseForOperation(requestContext): Promise<GraphQLResponse | null> {
          const { document, queryHash, operation, request, contextValue } = requestContext;
          // No operation when the name asked for is not in the document (typed as always there, it is not): Apollo's
          // execution answers that with graphql-js's message.
          if (!operation) return null;
          // Operations graphql-jit would answer differently (see graphqlJsOnly) go to graphql-js.
          if (graphqlJsOnly(document, operation, contextValue.caller.scopes)) return null;
          const compiled = compiledFor(document, queryHash, operation, request.operationName ?? operation.name?.value);
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

/**
 * Why graphql-js must answer an operation because graphql-jit (0.8.9) would answer it differently, or undefined. Each
 * difference was found by test/graphql/executors.test.ts ("differences found, as regressions"):
 * - `subscription`: not answered here at all.
 * - `null cuts the root short`: several root fields, one of them non-null (a query's: mutation payloads are nullable).
 *   When such a field fails, `data` is null, and graphql-js answers at once; graphql-jit runs every root field to its
 *   end and lists their errors too, errors of a query's slower siblings that graphql-js never saw (and, for a mutation
 *   with a non-null payload, changes made upstream and audited for an answer showing none of them).
 * - `refused non-null field`: a non-null field the caller may not read throws FORBIDDEN at once (requires-scopes.ts);
 *   graphql-js then runs none of its object's later fields (no upstream calls, no errors of theirs), graphql-jit runs
 *   them all and lists their errors too.
 * - `@skip/@include`: graphql-jit gets them wrong around fragments: a fragment under a skipped selection is kept when its
 *   field is selected elsewhere too, and a fragment spread once under a false condition loses its fields at every
 *   other spread (non-null ones included, left out without an error).
 * - `__proto__ alias`: graphql-jit writes a result object as an object literal, where a `"__proto__"` key sets the
 *   object's prototype instead of making a field: the field is left out of the answer without an error (an object
 *   value becomes the prototype), or, at the root, moved to the end.
 */
export function graphqlJsOnlyReason(schema: GraphQLSchema) {
  const requirements = scopeRequirements(schema);
  const cutShort = new WeakMap<OperationDefinitionNode, boolean>();
  return (
    document: DocumentNode,
    operation: OperationDefinitionNode,
    scopes: ReadonlySet<string>,
  ): 'subscription' | 'null cuts the root short' | 'refused non-null field' | WrittenDifferently | undefined => {
    if (operation.operation === 'subscription') return 'subscription';
    let short = cutShort.get(operation);
    if (short === undefined) cutShort.set(operation, (short = nonNullAmongRootFields(schema, document, operation)));
    if (short) return 'null cuts the root short';
    const written = writtenDifferently(document);
    if (written) return written;
    // Last: the only check not cached per document (it depends on the caller's scopes).
    if (requirements.refusesNonNull(document, operation, scopes)) return 'refused non-null field';
    return undefined;
  };
}

/**
 * The field selections of `set`, selected on `type`, fragments followed: each with the type it is selected on (an
 * inline or named fragment's type condition, else `type`). A named fragment is followed once per walk (`walk.spread`).
 */
function* fieldsOf(
  walk: { schema: GraphQLSchema; fragments: Map<string, FragmentDefinitionNode>; spread: Set<string> },
  set: SelectionSetNode,
  type: GraphQLNamedType | null | undefined,
): Generator<[FieldNode, GraphQLNamedType | null | undefined]> {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      yield [selection, type];
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : type;
      yield* fieldsOf(walk, selection.selectionSet, on);
    } else {
      const fragment = walk.fragments.get(selection.name.value);
      if (!fragment || walk.spread.has(fragment.name.value)) continue;
      walk.spread.add(fragment.name.value);
      yield* fieldsOf(walk, fragment.selectionSet, walk.schema.getType(fragment.typeCondition.name.value));
    }
  }
}

/** A walk of `document`'s selections with {@link fieldsOf}. */
function walkOf(schema: GraphQLSchema, document: DocumentNode) {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return { schema, fragments, spread: new Set<string>() };
}

/** More than one root field (fragments followed, `@skip`/`@include` ignored, `__typename` left out), one non-null. */
function nonNullAmongRootFields(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): boolean {
  const root = schema.getRootType(operation.operation);
  if (!root) return false;
  const names = new Set<string>();
  let nonNull = false;
  for (const [selection] of fieldsOf(walkOf(schema, document), operation.selectionSet, root)) {
    const field = root.getFields()[selection.name.value];
    if (!field) continue;
    names.add(selection.alias?.value ?? selection.name.value);
    if (isNonNullType(field.type)) nonNull = true;
  }
  return nonNull && names.size > 1;
}

/** What, written in a document, graphql-jit answers differently (see {@link graphqlJsOnlyReason}). */
type WrittenDifferently = '@skip/@include' | '__proto__ alias';

const differently = new WeakMap<DocumentNode, WrittenDifferently | null>();

/**
 * Whether `document`, as written, holds what graphql-jit answers differently: `@skip` or `@include` on any selection,
 * or a field aliased `__proto__` (cached per parsed document).
 */
function writtenDifferently(document: DocumentNode): WrittenDifferently | undefined {
  let found = differently.get(document);
  if (found === undefined) {
    let reason: WrittenDifferently | null = null;
    visit(document, {
      Directive(node) {
        if (node.name.value !== 'skip' && node.name.value !== 'include') return undefined;
        reason = '@skip/@include';
        return BREAK;
      },
      Field(node) {
        if ((node.alias ?? node.name).value !== '__proto__') return undefined;
        reason = '__proto__ alias';
        return BREAK;
      },
    });
    differently.set(document, (found = reason));
  }
  return found ?? undefined;
}

/**
 * Whether every enum and built-in scalar field `operation` selects (fragments followed, `__typename` aside) is a field
 * of one of `types`. Any other field on the way (an interface, a union, introspection, a field not found) answers
 * false.
 */
function leavesAlreadySerialized(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  types: ReadonlySet<string>,
): boolean {
  const walk = walkOf(schema, document);
  const serialized = (set: SelectionSetNode, type: GraphQLNamedType | null | undefined): boolean => {
    for (const [selection, on] of fieldsOf(walk, set, type)) {
      if (selection.name.value === '__typename') continue;
      if (!isObjectType(on)) return false;
      const field = on.getFields()[selection.name.value];
      if (!field) return false;
      const named = getNamedType(field.type);
      if (isLeafType(named)) {
        if ((isEnumType(named) || isSpecifiedScalarType(named)) && !types.has(on.name)) return false;
      } else if (!selection.selectionSet || !serialized(selection.selectionSet, named)) {
        return false;
      }
    }
    return true;
  };
  return serialized(operation.selectionSet, schema.getRootType(operation.operation));
}

type Requirement = string[][];

/**
 * The `@requiresScopes` a field may check (its own, else its type's: requires-scopes.ts enforces one of them, or none
 * when its type's was checked on the way in), and whether a caller is refused a non-null field an operation selects.
 */
function scopeRequirements(schema: GraphQLSchema) {
  const byField = new Map<GraphQLField<unknown, unknown>, Requirement>();
  const mentioned = new Set<string>(); // every scope some requirement names
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const own = getDirective(schema, type, 'requiresScopes')?.[0]?.scopes as Requirement | undefined;
    for (const field of Object.values(type.getFields())) {
      const required = (getDirective(schema, field, 'requiresScopes')?.[0]?.scopes as Requirement | undefined) ?? own;
      if (!required) continue;
      byField.set(field, required);
      required.flat().forEach((scope) => mentioned.add(scope));
    }
  }

  const everyScope = [...mentioned];

  return {
    /**
     * True when `operation` (fragments followed, `@skip`/`@include` ignored) selects a non-null field with a
     * requirement `scopes` does not meet, on a path the caller may read up to it (a refused nullable field is null,
     * nothing below it runs).
     */
    refusesNonNull(document: DocumentNode, operation: OperationDefinitionNode, scopes: ReadonlySet<string>): boolean {
      if (everyScope.every((scope) => scopes.has(scope))) return false; // the usual caller: nothing refused
      const walk = walkOf(schema, document);
      /** `selection` selected on the object type `on`: refused, or selecting a refused field below. */
      const refusedField = (selection: FieldNode, on: GraphQLObjectType): boolean => {
        const field = on.getFields()[selection.name.value];
        if (!field) return false; // __typename and the like
        const required = byField.get(field);
        if (required && !hasRequiredScopes(scopes, required)) return isNonNullType(field.type);
        return !!selection.selectionSet && refused(selection.selectionSet, getNamedType(field.type));
      };
      const refused = (set: SelectionSetNode, type: GraphQLNamedType | null | undefined): boolean => {
        for (const [selection, on] of fieldsOf(walk, set, type)) {
          // On an interface or union, the field as each type that may be there selects it.
          const objects = isAbstractType(on) ? schema.getPossibleTypes(on) : isObjectType(on) ? [on] : [];
          if (objects.some((object) => refusedField(selection, object))) return true;
        }
        return false;
      };
      return refused(operation.selectionSet, schema.getRootType(operation.operation));
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
