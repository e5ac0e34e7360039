import { GraphQLIncludeDirective, GraphQLSkipDirective, Kind, getDirectiveValues } from 'graphql';
import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionNode, SelectionSetNode } from 'graphql';
import type { Resolvers } from '../generated/graphql.js';
import type { GraphQLContext } from '../graphql/context.js';
import type { LookupKind } from './client.js';

export const personResolvers: Resolvers = {
  Query: {
    person: async (_parent, { id }, ctx, info) => {
      const [result] = await ctx.persons.lookup([id], lookupKind(ctx, info), operationName(ctx, info));
      if (!result || result instanceof Error) throw result ?? new Error('no result');
      return result;
    },
    persons: async (_parent, { ids }, ctx, info) => {
      // `[Person]!`: a refusal nulls the whole answer (the class's tag, not instanceof: graphql may be loaded twice).
      const nonNull = (info.returnType as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'GraphQLNonNull';
      const results = await ctx.persons.lookup(ids, lookupKind(ctx, info), operationName(ctx, info), nonNull);
      // An Error entry becomes null with the error at its own path (graphql-js completes list items that way).
      return results as never;
    },
  },
};

/** The operation that revealed the persons, for the audit log: its name in the document, else the one requested. */
function operationName(ctx: GraphQLContext, info: GraphQLResolveInfo): string | null {
  return info.operation.name?.value ?? ctx.operationName;
}

const CONTACT_ONLY: LookupKind = Object.freeze({ digitalPost: false });
const WITH_DIGITAL_POST: LookupKind = Object.freeze({ digitalPost: true });

/**
 * Per root field node (its document is parsed once and cached by Apollo): does it select `digitalMailbox`? CONDITIONAL
 * when a `@skip`/`@include` on the way (fragments followed) could change the answer: the variables decide, per call.
 */
const CONDITIONAL = Symbol('conditional');
const selectsMailbox = new WeakMap<FieldNode, boolean | typeof CONDITIONAL>();

/**
 * Digital-post data is asked of KRR (and its scope of Maskinporten), and audited, only for the persons of a root field
 * that selects `digitalMailbox` (fragments followed, `@skip` and `@include` honoured) when the caller may see it:
 * `{ a: person(…) { digitalMailbox {…} } b: person(…) { email {…} } }` looks up b without it, and so does
 * `person(…) { email {…} digitalMailbox @skip(if: true) {…} }`. Decided once per field node when no `@skip`/`@include`
 * is involved, so the one-person path stays a WeakMap look-up.
 */
function lookupKind(ctx: GraphQLContext, info: GraphQLResolveInfo): LookupKind {
  if (!ctx.caller.scopes.has('digitalpost.read')) return CONTACT_ONLY;
  // Several nodes when the same response key is selected more than once; their selections are merged.
  const nodes = info.fieldNodes;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i] as FieldNode;
    let found = selectsMailbox.get(node);
    if (found === undefined) {
      found = selects(node.selectionSet, 'digitalMailbox', info.fragments, undefined);
      selectsMailbox.set(node, found);
    }
    if (found === CONDITIONAL)
      found = selects(node.selectionSet, 'digitalMailbox', info.fragments, info.variableValues);
    if (found === true) return WITH_DIGITAL_POST;
  }
  return CONTACT_ONLY;
}

/**
 * Whether `set` selects `field`. Without `variables`, for the cache: CONDITIONAL when it is not selected
 * unconditionally but a `@skip`/`@include` could change that. With `variables`, the directives are evaluated as
 * graphql-js does (a selection is skipped when `@skip(if: true)` or `@include(if: false)`).
 */
function selects(
  set: SelectionSetNode | undefined,
  field: string,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: GraphQLResolveInfo['variableValues'] | undefined,
  seen = new Set<string>(),
): boolean | typeof CONDITIONAL {
  if (!set) return false;
  let conditional = false;
  for (const sel of set.selections) {
    if (sel.directives?.length && isConditional(sel)) {
      if (!variables) {
        conditional = true;
        continue;
      }
      if (!included(sel, variables)) continue;
    }
    let found: boolean | typeof CONDITIONAL;
    if (sel.kind === Kind.FIELD) {
      found = sel.name.value === field || selects(sel.selectionSet, field, fragments, variables, seen);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      found = selects(sel.selectionSet, field, fragments, variables, seen);
    } else {
      const name = sel.name.value;
      if (seen.has(name)) continue;
      seen.add(name);
      found = selects(fragments[name]?.selectionSet, field, fragments, variables, seen);
    }
    if (found === true) return true;
    if (found === CONDITIONAL) conditional = true;
  }
  return conditional ? CONDITIONAL : false;
}

function isConditional(sel: SelectionNode): boolean {
  return (sel.directives ?? []).some((d) => d.name.value === 'skip' || d.name.value === 'include');
}

/** graphql-js's own rule (execute's shouldIncludeNode), with the request's coerced variables. */
function included(sel: SelectionNode, variables: GraphQLResolveInfo['variableValues']): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, sel, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, sel, variables)?.if !== false;
}
