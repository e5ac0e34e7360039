import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
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
    resolvers: [scalarResolvers, ...domainResolvers] as never,
    resolverValidationOptions: { requireResolversToMatchSchema: 'error' },
  });
  return applyRequiresScopes(schema);
}
