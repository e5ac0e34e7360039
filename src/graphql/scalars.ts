import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { parseUpstreamTimestamp } from '../upstream/timestamps.js';
import { isValidOrganizationNumber, isValidPersonIdentifier } from './identifiers.js';

/**
 * Scalars validate at the edge: a bad value is refused with BAD_USER_INPUT before any resolver or upstream call runs.
 * Messages never repeat the value (it may be someone's fødselsnummer).
 */
export class ScalarInputError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: 'BAD_USER_INPUT' } });
  }
}

function stringLiteral(ast: ValueNode, typeName: string): string {
  if (ast.kind !== Kind.STRING) throw new ScalarInputError(`${typeName} must be given as a string.`);
  return ast.value;
}

export const PersonIdentifierScalar = new GraphQLScalarType<string, string>({
  name: 'PersonIdentifier',
  serialize: (value) => String(value),
  parseValue: (value) => parsePersonIdentifier(value),
  parseLiteral: (ast) => parsePersonIdentifier(stringLiteral(ast, 'PersonIdentifier')),
});

function parsePersonIdentifier(value: unknown): string {
  if (typeof value !== 'string' || !isValidPersonIdentifier(value)) {
    throw new ScalarInputError(
      'Not a valid personal identifier: expected 11 digits with valid mod-11 check digits (fødselsnummer, D-, H- or synthetic number).',
    );
  }
  return value;
}

export const OrganizationNumberScalar = new GraphQLScalarType<string, string>({
  name: 'OrganizationNumber',
  // Serialized as received: the upstream may hold numbers that fail the check (the seed's own examples do).
  serialize: (value) => String(value),
  parseValue: (value) => parseOrganizationNumber(value),
  parseLiteral: (ast) => parseOrganizationNumber(stringLiteral(ast, 'OrganizationNumber')),
});

function parseOrganizationNumber(value: unknown): string {
  if (typeof value !== 'string' || !isValidOrganizationNumber(value)) {
    throw new ScalarInputError('Not a valid organisation number: expected 9 digits with a valid mod-11 check digit.');
  }
  return value;
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize: (value) => {
    const date = value instanceof Date ? value : parseUpstreamTimestamp(value);
    if (!date || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent this value');
    return date.toISOString();
  },
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => parseDateTime(stringLiteral(ast, 'DateTime')),
});

function parseDateTime(value: unknown): Date {
  const date =
    typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(value)
      ? parseUpstreamTimestamp(value)
      : null;
  if (!date)
    throw new ScalarInputError('Not a valid DateTime: expected ISO-8601 with an offset, e.g. 2024-05-01T12:00:00Z.');
  return date;
}

export const URLScalar = new GraphQLScalarType<string, string>({
  name: 'URL',
  serialize: (value) => String(value),
  parseValue: (value) => parseUrl(value),
  parseLiteral: (ast) => parseUrl(stringLiteral(ast, 'URL')),
});

function parseUrl(value: unknown): string {
  if (typeof value === 'string' && value.length <= 2048) {
    try {
      const url = new URL(value);
      if ((url.protocol === 'https:' || url.protocol === 'http:') && url.hostname) return value;
    } catch {
      // falls through to the error below
    }
  }
  throw new ScalarInputError('Not a valid URL: expected an absolute http(s) URL of at most 2048 characters.');
}

export const scalarResolvers = {
  PersonIdentifier: PersonIdentifierScalar,
  OrganizationNumber: OrganizationNumberScalar,
  DateTime: DateTimeScalar,
  URL: URLScalar,
};
