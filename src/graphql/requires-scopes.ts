import { MapperKind, getDirective, mapSchema } from '@graphql-tools/utils';
import {
  GraphQLError,
  GraphQLObjectType,
  defaultFieldResolver,
  getNamedType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type GraphQLSchema,
} from 'graphql';
import { hasRequiredScopes } from '../auth/caller.js';
import type { GraphQLContext } from './context.js';

type Requirement = string[][];

/**
 * Enforces `@requiresScopes` (outer list OR, inner list AND) on every field that carries it, or whose type does.
 * A field the caller may not read resolves to null with FORBIDDEN at its path; the upstream is never called.
 *
 * A type's requirement is checked on its own fields only where it is not already checked on the way in: when every
 * field leading to the type requires exactly what the type does (`Query.person` and `Query.persons` for `Person`), a
 * caller who reached an object of it has passed that check, and repeating it on each of its fields (8000 checks in a
 * 1000-person answer) changes nothing but the time.
 */
export function applyRequiresScopes(schema: GraphQLSchema): GraphQLSchema {
  return describeRequiredScopes(enforceRequiredScopes(schema));
}

/** "Requires scope: contactinfo.read." or "Requires scopes: contactinfo.read and digitalpost.read." */
export function scopeHint(required: Requirement): string {
  const plural = required.length === 1 && (required[0]?.length ?? 0) > 1;
  return `Requires scope${plural ? 's' : ''}: ${required.map((all) => all.join(' and ')).join(' or ')}.`;
}

function withHint(description: string | null | undefined, required: Requirement | undefined): string | undefined {
  if (!required) return description ?? undefined;
  const hint = scopeHint(required);
  return description ? `${description}\n\n${hint}` : hint;
}

/**
 * The executable schema's descriptions (what introspection, GraphiQL's docs and hover show) get the requirement
 * appended, generated from the directive so they cannot drift: on every object type carrying it, and on every field
 * carrying it or belonging to a type that does. The SDL files in schema/ stay as written (codegen, the released-schema
 * check and the trusted documents read those), so the hint exists in one place only: here.
 */
function describeRequiredScopes(schema: GraphQLSchema): GraphQLSchema {
  const typeRequirement = (typeName: string): Requirement | undefined => {
    const type = schema.getType(typeName);
    return type ? (getDirective(schema, type, 'requiresScopes')?.[0]?.scopes as Requirement | undefined) : undefined;
  };
  return mapSchema(schema, {
    [MapperKind.OBJECT_TYPE]: (type) => {
      const required = typeRequirement(type.name);
      return required
        ? new GraphQLObjectType({ ...type.toConfig(), description: withHint(type.description, required) })
        : type;
    },
    [MapperKind.OBJECT_FIELD]: (field, _fieldName, typeName) => {
      const required =
        (getDirective(schema, field, 'requiresScopes')?.[0]?.scopes as Requirement | undefined) ??
        typeRequirement(typeName);
      return required ? { ...field, description: withHint(field.description, required) } : field;
    },
  });
}

function enforceRequiredScopes(schema: GraphQLSchema): GraphQLSchema {
  const typeRequirement = (typeName: string): Requirement | undefined => {
    const type = schema.getType(typeName);
    return type ? (getDirective(schema, type, 'requiresScopes')?.[0]?.scopes as Requirement | undefined) : undefined;
  };
  const checkedOnTheWayIn = typesCheckedOnTheWayIn(schema, typeRequirement);
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const required =
        (getDirective(schema, field, 'requiresScopes')?.[0]?.scopes as Requirement | undefined) ??
        (checkedOnTheWayIn.has(typeName) ? undefined : typeRequirement(typeName));
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

/**
 * Object types with a type-level requirement that every field returning them (directly or in a list) enforces
 * identically, through its own directive or its parent type's. A type in a union or behind an interface is left out:
 * it may be reached through fields that do not name it.
 */
function typesCheckedOnTheWayIn(
  schema: GraphQLSchema,
  typeRequirement: (typeName: string) => Requirement | undefined,
): Set<string> {
  const types = Object.values(schema.getTypeMap()).filter((t) => !t.name.startsWith('__'));
  const abstractMembers = new Set<string>();
  for (const type of types) {
    if (isUnionType(type)) type.getTypes().forEach((member) => abstractMembers.add(member.name));
    if (isObjectType(type) && type.getInterfaces().length > 0) abstractMembers.add(type.name);
  }
  const candidates = new Map<string, string>(); // type → its requirement, serialized
  for (const type of types) {
    const required = isObjectType(type) ? typeRequirement(type.name) : undefined;
    if (required && !abstractMembers.has(type.name)) candidates.set(type.name, JSON.stringify(required));
  }
  for (const parent of types) {
    if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
    for (const field of Object.values(parent.getFields())) {
      const target = getNamedType(field.type).name;
      const needed = candidates.get(target);
      if (needed === undefined) continue;
      const own = getDirective(schema, field, 'requiresScopes')?.[0]?.scopes as Requirement | undefined;
      const enforced = own ?? typeRequirement(parent.name);
      if (JSON.stringify(enforced) !== needed) candidates.delete(target);
    }
  }
  return new Set(candidates.keys());
}
