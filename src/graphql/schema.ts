import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLScalarType, GraphQLScalarTypeConfig, GraphQLSchema } from 'graphql';
import type { Resolvers } from '../generated/graphql.js';
import { applyRequiresScopes } from './requires-scopes.js';
import { scalarResolvers } from './scalars.js';

export const SCHEMA_DIR = fileURLToPath(new URL('../../schema/', import.meta.url));

/**
 * The SDL files of `schema/`, base first, then by name in code-unit order; read once at start. Not `localeCompare`:
 * its collation data kept 1.6 MB of the node binary's ICU pages resident in every replica, for one sort.
 */
export function loadTypeDefs(dir = SCHEMA_DIR): string[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a === 'base.graphql' ? -1 : b === 'base.graphql' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  return files.map((f) => readFileSync(join(dir, f), 'utf8'));
}

export function buildSchema(domainResolvers: Resolvers[]): GraphQLSchema {
  const schema = makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: [scalarBehaviour(scalarResolvers), ...domainResolvers] as never,
    resolverValidationOptions: { requireResolversToMatchSchema: 'error' },
  });
  return applyRequiresScopes(schema);
}

/**
 * What the SDL's scalars do, without what they say: given a GraphQLScalarType, makeExecutableSchema copies every
 * property of it over the SDL's scalar, its `description` (undefined: the text lives in schema/base.graphql) included,
 * so introspection and GraphiQL's docs showed no description for PersonIdentifier, DateTime, URL or OrganizationNumber.
 */
function scalarBehaviour(
  scalars: Record<string, GraphQLScalarType>,
): Record<string, Partial<GraphQLScalarTypeConfig<unknown, unknown>>> {
  return Object.fromEntries(
    Object.entries(scalars).map(([name, { serialize, parseValue, parseLiteral }]) => [
      name,
      { serialize, parseValue, parseLiteral },
    ]),
  );
}
