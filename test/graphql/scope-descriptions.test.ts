import { readFileSync } from 'node:fs';
import { getDirective } from '@graphql-tools/utils';
import {
  buildSchema as buildSdl,
  isEnumType,
  isInputObjectType,
  isObjectType,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { clientResolvers } from '../../src/clients/resolvers.js';
import { personResolvers } from '../../src/krr/resolvers.js';
import { buildSchema, loadTypeDefs } from '../../src/graphql/schema.js';
import { scopeHint } from '../../src/graphql/requires-scopes.js';
import { callerResolvers } from '../../src/tenants/resolvers.js';

/**
 * The schema the facade serves (introspection, GraphiQL's docs) names each field's required scopes in its description,
 * generated from `@requiresScopes`; the SDL files stay as written, so codegen and the released-schema check see no
 * change.
 */
const served = buildSchema([personResolvers, clientResolvers, callerResolvers]);
const written = buildSdl(loadTypeDefs().join('\n'));

type Requirement = string[][];

describe('scope hints in descriptions', () => {
  it('words the requirement', () => {
    expect(scopeHint([['contactinfo.read']])).toBe('Requires scope: contactinfo.read.');
    expect(scopeHint([['contactinfo.read', 'digitalpost.read']])).toBe(
      'Requires scopes: contactinfo.read and digitalpost.read.',
    );
    expect(scopeHint([['a'], ['b', 'c']])).toBe('Requires scope: a or b and c.');
  });

  it('appends the hint to every field and type carrying the directive, and to the fields of such types', () => {
    expect(served.getQueryType()?.getFields().person?.description).toMatch(/\n\nRequires scope: contactinfo\.read\.$/);
    expect(served.getQueryType()?.getFields().clients?.description).toMatch(/Requires scope: clients\.read\.$/);
    expect(served.getMutationType()?.getFields().createClient?.description).toMatch(
      /Requires scope: clients\.write\.$/,
    );
    const person = served.getType('Person');
    expect(person?.description).toMatch(/Requires scope: contactinfo\.read\.$/);
    expect(isObjectType(person) && person.getFields().digitalMailbox?.description).toMatch(
      /Requires scopes: contactinfo\.read and digitalpost\.read\.$/,
    );
    expect(isObjectType(person) && person.getFields().email?.description).toMatch(
      /Requires scope: contactinfo\.read\.$/,
    );

    let checked = 0;
    for (const type of Object.values(written.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      const servedType = served.getType(type.name);
      if (!isObjectType(servedType)) throw new Error(`${type.name} missing from the served schema`);
      const typeReq = getDirective(written, type, 'requiresScopes')?.[0]?.scopes as Requirement | undefined;
      expect(servedType.description ?? '').toBe(
        typeReq ? [type.description, scopeHint(typeReq)].filter(Boolean).join('\n\n') : (type.description ?? ''),
      );
      for (const field of Object.values(type.getFields())) {
        const own = getDirective(written, field, 'requiresScopes')?.[0]?.scopes as Requirement | undefined;
        const req = own ?? typeReq;
        const servedField = servedType.getFields()[field.name];
        expect(servedField?.description ?? '', `${type.name}.${field.name}`).toBe(
          req ? [field.description, scopeHint(req)].filter(Boolean).join('\n\n') : (field.description ?? ''),
        );
        if (req) checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('describes every other type as the SDL does: scalars, enums and their values, inputs and their fields', () => {
    const described: string[] = [];
    for (const type of Object.values(written.getTypeMap())) {
      if (isObjectType(type) || type.name.startsWith('__') || !type.astNode) continue;
      const servedType = served.getType(type.name);
      expect(servedType?.description, type.name).toBe(type.description);
      if (type.description) described.push(type.name);
      if (isEnumType(type)) {
        if (!isEnumType(servedType)) throw new Error(`${type.name} is not an enum in the served schema`);
        for (const value of type.getValues()) {
          expect(servedType.getValue(value.name)?.description, `${type.name}.${value.name}`).toBe(value.description);
        }
      }
      if (isInputObjectType(type)) {
        if (!isInputObjectType(servedType)) throw new Error(`${type.name} is not an input type in the served schema`);
        for (const field of Object.values(type.getFields())) {
          expect(servedType.getFields()[field.name]?.description, `${type.name}.${field.name}`).toBe(field.description);
        }
      }
    }
    expect(described).toEqual(expect.arrayContaining(['PersonIdentifier', 'DateTime', 'URL', 'OrganizationNumber']));
  });

  it('leaves fields without a requirement alone', () => {
    expect(served.getQueryType()?.getFields().me?.description ?? '').not.toContain('Requires scope');
  });

  it('keeps the hints out of the SDL files (codegen and schema:check read those)', () => {
    const sdl = printSchema(lexicographicSortSchema(written));
    expect(sdl).not.toContain('Requires scope');
    expect(readFileSync(new URL('../../schema/released/schema.graphql', import.meta.url), 'utf8')).not.toContain(
      'Requires scope',
    );
  });
});
