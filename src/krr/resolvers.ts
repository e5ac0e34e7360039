import type {
  FieldNode,
  FragmentDefinitionNode,
  GraphQLResolveInfo,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
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
      const results = await ctx.persons.lookup(ids, lookupKind(ctx, info), operationName(ctx, info));
      // An Error entry becomes null with the error at its own path (graphql-js completes list items that way).
      return results as never;
    },
  },
};

/** The operation that revealed the persons, for the audit log: its name in the document, else the one requested. */
function operationName(ctx: GraphQLContext, info: GraphQLResolveInfo): string | null {
  return info.operation.name?.value ?? ctx.operationName;
}

const kindByOperation = new WeakMap<OperationDefinitionNode, LookupKind>();

/**
 * Digital-post data is asked of KRR (and its scope of Maskinporten) only when the operation selects
 * `digitalMailbox` somewhere and the caller may see it. Decided once per operation, so every look-up of the request
 * shares one kind and one batch.
 */
function lookupKind(ctx: GraphQLContext, info: GraphQLResolveInfo): LookupKind {
  if (!ctx.caller.scopes.has('digitalpost.read')) return { digitalPost: false };
  let kind = kindByOperation.get(info.operation);
  if (!kind) {
    kind = { digitalPost: selects(info.operation.selectionSet, 'digitalMailbox', info.fragments) };
    kindByOperation.set(info.operation, kind);
  }
  return kind;
}

function selects(
  set: SelectionSetNode | undefined,
  field: string,
  fragments: Record<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): boolean {
  if (!set) return false;
  return set.selections.some((sel) => {
    if (sel.kind === 'Field') {
      return (sel as FieldNode).name.value === field || selects(sel.selectionSet, field, fragments, seen);
    }
    if (sel.kind === 'InlineFragment') return selects(sel.selectionSet, field, fragments, seen);
    const name = sel.name.value;
    if (seen.has(name)) return false;
    seen.add(name);
    return selects(fragments[name]?.selectionSet, field, fragments, seen);
  });
}
