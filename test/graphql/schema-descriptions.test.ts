/**
 * DESIGN.md: "Every public type and field has a description in the SDL": GraphiQL and codegen users read them. This
 * lists every element of the schema built from schema/*.graphql without a non-empty description: types, fields and
 * their arguments, input fields, enum values, and the schema's own directives with their arguments (introspection
 * types, built-in scalars and the built-in directives left out).
 */
import {
  buildSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  type GraphQLArgument,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadTypeDefs } from '../../src/graphql/schema.js';

const described = (description: string | null | undefined) => (description ?? '').trim() !== '';

/** The schema coordinates (`Type`, `Type.field`, `Type.field(arg:)`, `Enum.VALUE`, `@directive(arg:)`) undescribed. */
function undescribed(sdl: string): string[] {
  const schema = buildSchema(sdl);
  const missing: string[] = [];
  const args = (owner: string, list: readonly GraphQLArgument[]) => {
    for (const arg of list) if (!described(arg.description)) missing.push(`${owner}(${arg.name}:)`);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
    if (!described(type.description)) missing.push(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        if (!described(field.description)) missing.push(coordinate);
        args(coordinate, field.args);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!described(field.description)) missing.push(`${type.name}.${field.name}`);
      }
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (!described(value.description)) missing.push(`${type.name}.${value.name}`);
      }
    }
  }
  for (const directive of schema.getDirectives()) {
    if (isSpecifiedDirective(directive)) continue;
    if (!described(directive.description)) missing.push(`@${directive.name}`);
    args(`@${directive.name}`, directive.args);
  }
  return missing;
}

describe('schema descriptions', () => {
  it('finds an undescribed type, field, argument, input field, enum value and directive argument', () => {
    const sdl = `
      "d" type Query { "d" a(x: Int, "d" y: Int): T  b: Int }
      type T { "d" f: Int }
      "d" input I { g: Int "d" h: Int }
      "d" enum E { "d" ONE TWO }
      "d" scalar S
      directive @dir(arg: Int) on FIELD_DEFINITION
      "  " scalar Blank
    `;
    expect(undescribed(sdl).sort()).toEqual(
      ['Query.a(x:)', 'Query.b', 'T', 'I.g', 'E.TWO', '@dir', '@dir(arg:)', 'Blank'].sort(),
    );
  });

  it('every type, field, argument, input field, enum value and directive of schema/ has one', () => {
    const missing = undescribed(loadTypeDefs().join('\n'));
    expect(missing, `${missing.length} schema element(s) without a description:\n${missing.join('\n')}`).toEqual([]);
  });
});
