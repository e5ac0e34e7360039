import { makeExecutableSchema } from '@graphql-tools/schema';
import { execute, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { applyRequiresScopes } from '../../src/graphql/requires-scopes.js';

const typeDefs = /* GraphQL */ `
  directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT
  type Query {
    guarded: Secret @requiresScopes(scopes: [["secret.read"]])
    alsoGuarded: [Secret!] @requiresScopes(scopes: [["secret.read"]])
    open: Leaky
    leak: Leaky @requiresScopes(scopes: [["leaky.read"]])
  }
  type Secret @requiresScopes(scopes: [["secret.read"]]) {
    name: String
    extra: String @requiresScopes(scopes: [["secret.read", "extra.read"]])
  }
  "Reached through an unguarded field too: its own fields must check."
  type Leaky @requiresScopes(scopes: [["leaky.read"]]) {
    name: String
  }
`;

const source = { name: 'x', extra: 'y' };
const schema = applyRequiresScopes(
  makeExecutableSchema({
    typeDefs,
    resolvers: {
      Query: { guarded: () => source, alsoGuarded: () => [source], open: () => source, leak: () => source },
    },
  }),
);

async function run(query: string, scopes: string[]) {
  const result = await execute({
    schema,
    document: parse(query),
    contextValue: { caller: { scopes: new Set(scopes) } },
  });
  return {
    data: result.data,
    errors: result.errors?.map((e) => ({ path: e.path, code: e.extensions.code })),
  };
}

describe('@requiresScopes', () => {
  it('leaves the fields of a type unwrapped when every way in checks the same scopes', () => {
    expect(schema.getType('Secret')).toBeDefined();
    const secret = schema.getTypeMap().Secret as unknown as { getFields(): Record<string, { resolve?: unknown }> };
    expect(secret.getFields().name?.resolve).toBeUndefined();
    expect(secret.getFields().extra?.resolve).toBeTypeOf('function'); // its own, stricter requirement stays
    const leaky = schema.getTypeMap().Leaky as unknown as { getFields(): Record<string, { resolve?: unknown }> };
    expect(leaky.getFields().name?.resolve).toBeTypeOf('function');
  });

  it('still refuses at the way in, and at a field with its own requirement', async () => {
    expect(await run('{ guarded { name } alsoGuarded { name } }', [])).toEqual({
      data: { guarded: null, alsoGuarded: null },
      errors: [
        { path: ['guarded'], code: 'FORBIDDEN' },
        { path: ['alsoGuarded'], code: 'FORBIDDEN' },
      ],
    });
    expect(await run('{ guarded { name extra } }', ['secret.read'])).toEqual({
      data: { guarded: { name: 'x', extra: null } },
      errors: [{ path: ['guarded', 'extra'], code: 'FORBIDDEN' }],
    });
    expect(await run('{ guarded { name extra } }', ['secret.read', 'extra.read'])).toEqual({
      data: { guarded: { name: 'x', extra: 'y' } },
      errors: undefined,
    });
  });

  it('checks the fields of a type that an unguarded field leads to', async () => {
    expect(await run('{ open { name } }', [])).toEqual({
      data: { open: { name: null } },
      errors: [{ path: ['open', 'name'], code: 'FORBIDDEN' }],
    });
    expect(await run('{ open { name } leak { name } }', ['leaky.read'])).toEqual({
      data: { open: { name: 'x' }, leak: { name: 'x' } },
      errors: undefined,
    });
  });
});
