import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';
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

const CONTACT_ONLY: LookupKind = Object.freeze({ digitalPost: false });
const WITH_DIGITAL_POST: LookupKind = Object.freeze({ digitalPost: true });

/** Per root field node (its document is parsed once and cached by Apollo): does it select `digitalMailbox`? */
const selectsMailbox = new WeakMap<FieldNode, boolean>();

/**
 * Digital-post data is asked of KRR (and its scope of Maskinporten), and audited, only for the persons of a root field
 * that selects `digitalMailbox` (fragments followed) when the caller may see it: `{ a: person(…) { digitalMailbox {…} }
 * b: person(…) { email {…} } }` looks up b without it. Decided once per field node, so the one-person path stays a
 * WeakMap look-up.
 */
function lookupKind(ctx: GraphQLContext, info: GraphQLResolveInfo): LookupKind {
  if (!ctx.caller.scopes.has('digitalpost.read')) return CONTACT_ONLY;
  // Several nodes when the same response key is selected more than once; their selections are merged.
  const nodes = info.fieldNodes;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i] as FieldNode;
    let found = selectsMailbox.get(node);
    if (found === undefined) {
      found = selects(node.selectionSet, 'digitalMailbox', info.fragments);
      selectsMailbox.set(node, found);
    }
    if (found) return WITH_DIGITAL_POST;
  }
  return CONTACT_ONLY;
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
