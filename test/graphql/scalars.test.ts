import { GraphQLError, parseValue as parseAst, type GraphQLScalarType } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  DateTimeScalar,
  OrganizationNumberScalar,
  PersonIdentifierScalar,
  ScalarInputError,
  URLScalar,
  scalarResolvers,
} from '../../src/graphql/scalars.js';

/** A GraphQL literal as it would appear in a query document. */
const literal = (source: string) => parseAst(source);

/** Runs `fn`, expects a BAD_USER_INPUT refusal, and checks neither its message nor its JSON repeats `value`. */
function expectRefused(fn: () => unknown, value: unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(GraphQLError);
  expect(caught).toBeInstanceOf(ScalarInputError);
  const err = caught as GraphQLError;
  expect(err.extensions.code).toBe('BAD_USER_INPUT');
  const text = String(value);
  if (text.length >= 4) {
    expect(err.message).not.toContain(text);
    expect(JSON.stringify(err.toJSON())).not.toContain(text);
  }
}

function refusesBoth(scalar: GraphQLScalarType, value: string): void {
  expectRefused(() => scalar.parseValue(value), value);
  expectRefused(() => scalar.parseLiteral(literal(JSON.stringify(value))), value);
}

it('exposes the four scalars by their schema names', () => {
  expect(Object.keys(scalarResolvers).sort()).toEqual(['DateTime', 'OrganizationNumber', 'PersonIdentifier', 'URL']);
  for (const [name, scalar] of Object.entries(scalarResolvers)) expect(scalar.name).toBe(name);
});

describe('PersonIdentifier', () => {
  it('accepts valid numbers as variables and as string literals', () => {
    for (const id of ['23079422568', '30108299939', '63079422551', '11887197158']) {
      expect(PersonIdentifierScalar.parseValue(id)).toBe(id);
      expect(PersonIdentifierScalar.parseLiteral(literal(`"${id}"`))).toBe(id);
    }
  });

  it('refuses invalid numbers without repeating them', () => {
    for (const id of ['23079422569', '2307942256', '230794225680', '2307942256a', '11822648951', '']) {
      refusesBoth(PersonIdentifierScalar, id);
    }
  });

  it('refuses non-strings: numbers, null, objects and an Int literal', () => {
    for (const value of [23079422568, null, undefined, { id: '23079422568' }, ['23079422568'], true]) {
      expectRefused(() => PersonIdentifierScalar.parseValue(value), value);
    }
    expectRefused(() => PersonIdentifierScalar.parseLiteral(literal('23079422568')), '23079422568');
    expectRefused(() => PersonIdentifierScalar.parseLiteral(literal('["23079422568"]')), '23079422568');
  });

  it('serializes as a string', () => {
    expect(PersonIdentifierScalar.serialize('23079422568')).toBe('23079422568');
  });
});

describe('OrganizationNumber', () => {
  it('accepts valid numbers on input', () => {
    for (const orgno of ['991825827', '984661185', '922020175']) {
      expect(OrganizationNumberScalar.parseValue(orgno)).toBe(orgno);
      expect(OrganizationNumberScalar.parseLiteral(literal(`"${orgno}"`))).toBe(orgno);
    }
  });

  it('refuses invalid numbers on input without repeating them', () => {
    for (const orgno of ['991825828', '991825829', '99182582', '9918258270', 'NO991825827']) {
      refusesBoth(OrganizationNumberScalar, orgno);
    }
    expectRefused(() => OrganizationNumberScalar.parseValue(991825827), 991825827);
    expectRefused(() => OrganizationNumberScalar.parseLiteral(literal('991825827')), 991825827);
  });

  it('serializes what the upstream returned, even a number failing the check', () => {
    expect(OrganizationNumberScalar.serialize('991825828')).toBe('991825828');
    expect(OrganizationNumberScalar.serialize('991825827')).toBe('991825827');
  });
});

describe('DateTime', () => {
  it('parses ISO-8601 with an offset into a Date', () => {
    const cases: [string, string][] = [
      ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.000Z'],
      ['2024-05-01T12:00:00.123Z', '2024-05-01T12:00:00.123Z'],
      ['2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00.000Z'],
      ['2024-05-01T12:00:00-0530', '2024-05-01T17:30:00.000Z'],
    ];
    for (const [input, iso] of cases) {
      const fromVariable = DateTimeScalar.parseValue(input);
      expect(fromVariable).toBeInstanceOf(Date);
      expect(fromVariable.toISOString()).toBe(iso);
      expect(DateTimeScalar.parseLiteral(literal(`"${input}"`)).toISOString()).toBe(iso);
    }
  });

  it('refuses values without an offset, dates alone, garbage and non-strings, without repeating them', () => {
    for (const value of [
      '2024-06-15T09:30:00',
      '2024-06-15',
      '2024-06-15 09:30:00Z',
      'yesterday at noon',
      '2024-13-01T12:00:00Z',
      '2024-05-01T25:00:00Z',
    ]) {
      refusesBoth(DateTimeScalar, value);
    }
    expectRefused(() => DateTimeScalar.parseValue(1714564800), 1714564800);
    const date = new Date('2024-06-15T09:30:00Z');
    expectRefused(() => DateTimeScalar.parseValue(date), date.toISOString());
    expectRefused(() => DateTimeScalar.parseLiteral(literal('1714564800')), 1714564800);
  });

  it('refuses a calendar date that does not exist instead of moving it to another day', () => {
    // JavaScript's Date turns 2024-02-30 into 2024-03-01 and 2023-04-31 into 2023-05-01.
    refusesBoth(DateTimeScalar, '2024-02-30T12:00:00Z');
    refusesBoth(DateTimeScalar, '2023-04-31T12:00:00Z');
  });

  it('serializes Dates and upstream timestamp variants to ISO-8601 UTC', () => {
    expect(DateTimeScalar.serialize(new Date('2024-05-01T10:00:00+02:00'))).toBe('2024-05-01T08:00:00.000Z');
    expect(DateTimeScalar.serialize('2010-12-16T13:32:05.000+01:00')).toBe('2010-12-16T12:32:05.000Z');
    expect(DateTimeScalar.serialize('2023-06-29T10:14:52+02')).toBe('2023-06-29T08:14:52.000Z');
  });

  it('refuses to serialize what is not a time', () => {
    for (const value of ['garbage', new Date(Number.NaN), {}, null]) {
      expect(() => DateTimeScalar.serialize(value)).toThrow(GraphQLError);
    }
  });
});

describe('URL', () => {
  it('accepts absolute http(s) URLs', () => {
    for (const url of ['https://example.no/callback', 'http://localhost:3000/cb?x=1', 'https://a.b/c#frag']) {
      expect(URLScalar.parseValue(url)).toBe(url);
      expect(URLScalar.parseLiteral(literal(JSON.stringify(url)))).toBe(url);
    }
  });

  it('refuses other schemes, relative URLs and over-long URLs, without repeating them', () => {
    for (const url of [
      'javascript:alert(1)',
      'ftp://example.no/file',
      'file:///etc/passwd',
      '/relative/path',
      'example.no/callback',
      'not a url',
      `https://example.no/${'a'.repeat(2100)}`,
    ]) {
      refusesBoth(URLScalar, url);
    }
    expectRefused(() => URLScalar.parseValue(42), 42);
    expectRefused(() => URLScalar.parseLiteral(literal('42')), 42);
  });

  it('serializes as a string', () => {
    expect(URLScalar.serialize('https://example.no/')).toBe('https://example.no/');
  });
});
