import { MapperKind, getDirective, mapSchema } from '@graphql-tools/utils';
import { GraphQLError, defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { hasRequiredScopes } from '../auth/caller.js';
import type { GraphQLContext } from './context.js';

/**
 * Enforces `@requiresScopes` (outer list OR, inner list AND) on every field that carries it, or whose type does.
 * A field the caller may not read resolves to null with FORBIDDEN at its path; the upstream is never called.
 */
export function applyRequiresScopes(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const type = schema.getType(typeName);
      const required =
        (getDirective(schema, field, 'requiresScopes')?.[0]?.scopes as string[][] | undefined) ??
        (type ? (getDirective(schema, type, 'requiresScopes')?.[0]?.scopes as string[][] | undefined) : undefined);
      if (!required) return field;
      const resolve = field.resolve ?? defaultFieldResolver;
      const described = required.map((all) => all.join(' and ')).join(' or ');
      return {
        ...field,
        resolve(source, args, ctx: GraphQLContext, info) {
          if (!hasRequiredScopes(ctx.caller.scopes, required)) {
            throw new GraphQLError(`Not allowed: ${typeName}.${fieldName} requires the scope ${described}.`, {
              extensions: { code: 'FORBIDDEN', requiredScopes: required },
            });
          }
          return resolve(source, args, ctx, info);
        },
      };
    },
  });
}
