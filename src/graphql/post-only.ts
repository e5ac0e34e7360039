import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  GraphQLError,
  Kind,
  TypeInfo,
  getNamedType,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';

/** The scalar whose values are fødselsnumre (schema/base.graphql). */
const PERSONAL_SCALAR = 'PersonIdentifier';

/**
 * Whether the operation (with the fragments it spreads) declares a variable or passes an argument of type
 * PersonIdentifier. Such an operation over GET puts personal ids into the URL, which ingress, proxies and browsers
 * keep in their logs and histories.
 */
export function takesPersonalIds(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): boolean {
  for (const variable of operation.variableDefinitions ?? []) {
    let type = variable.type;
    while (type.kind !== Kind.NAMED_TYPE) type = type.type;
    if (type.name.value === PERSONAL_SCALAR) return true;
  }
  const wanted = new Set<string>();
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const pending: (OperationDefinitionNode | FragmentDefinitionNode)[] = [operation];
  let found = false;
  for (let node = pending.pop(); node && !found; node = pending.pop()) {
    const typeInfo = new TypeInfo(schema);
    visit(
      node,
      visitWithTypeInfo(typeInfo, {
        Argument() {
          const type = typeInfo.getInputType();
          if (type && getNamedType(type).name === PERSONAL_SCALAR) found = true;
        },
        FragmentSpread(spread) {
          const name = spread.name.value;
          const fragment = fragments.get(name);
          if (fragment && !wanted.has(name)) {
            wanted.add(name);
            pending.push(fragment);
          }
        },
      }),
    );
  }
  return found;
}

/** Refuses (405, "use POST") GET requests for operations that take personal ids, trusted documents included. */
export function personalIdsPostOnlyPlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ request }) {
      if (request.http?.method !== 'GET') return;
      return {
        async didResolveOperation({ schema, document, operation }) {
          if (!operation || !takesPersonalIds(schema, document, operation)) return;
          throw new GraphQLError(
            'Operations with a personal identifier must be sent with POST: in a GET the identifier would be part of the URL, which proxies and logs keep.',
            {
              extensions: {
                code: 'METHOD_NOT_ALLOWED',
                http: { status: 405, headers: new Map([['allow', 'POST']]) },
              },
            },
          );
        },
      };
    },
  };
}
