import { domainToASCII } from 'node:url';
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { formatInstant, parseUpstreamInstant, parseUpstreamTimestamp } from '../upstream/timestamps.js';
import { isValidOrganizationNumber, isValidPersonIdentifier } from './identifiers.js';

/**
 * Scalars validate at the edge: a bad value is refused with BAD_USER_INPUT before any resolver or upstream call runs.
 * Messages never repeat the value (it may be someone's fødselsnummer).
 */
export class ScalarInputError extends GraphQLError {
  /** `literal`: the refused literal, so the error carries its `locations` (graphql-js reports a literal's GraphQLError as is). */
  constructor(message: string, literal?: ValueNode) {
    super(message, { extensions: { code: 'BAD_USER_INPUT' }, ...(literal ? { nodes: literal } : {}) });
  }
}

function stringLiteral(ast: ValueNode, typeName: string): string {
  if (ast.kind !== Kind.STRING) throw new ScalarInputError(`${typeName} must be given as a string.`, ast);
  return ast.value;
}

/** Runs a scalar's value check on a literal: a refusal then names the literal's line and column. */
function onLiteral<T>(ast: ValueNode, typeName: string, parse: (value: string) => T): T {
  const value = stringLiteral(ast, typeName);
  try {
    return parse(value);
  } catch (err) {
    if (err instanceof ScalarInputError && !err.nodes) throw new ScalarInputError(err.message, ast);
    throw err;
  }
}

export const PersonIdentifierScalar = new GraphQLScalarType<string, string>({
  name: 'PersonIdentifier',
  serialize: (value) => String(value),
  parseValue: (value) => parsePersonIdentifier(value),
  parseLiteral: (ast) => onLiteral(ast, 'PersonIdentifier', parsePersonIdentifier),
});

/** A JSON number where a string of digits is expected: it says so (the check-digit message would mislead). */
function notANumber(value: unknown, typeName: string, digits: number): void {
  if (typeof value === 'number' || typeof value === 'bigint') {
    throw new ScalarInputError(
      `${typeName} must be given as a string of ${digits} digits, not as a number (a number loses leading zeros).`,
    );
  }
}

function parsePersonIdentifier(value: unknown): string {
  notANumber(value, 'PersonIdentifier', 11);
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
  parseLiteral: (ast) => onLiteral(ast, 'OrganizationNumber', parseOrganizationNumber),
});

function parseOrganizationNumber(value: unknown): string {
  notANumber(value, 'OrganizationNumber', 9);
  if (typeof value !== 'string' || !isValidOrganizationNumber(value)) {
    throw new ScalarInputError('Not a valid organisation number: expected 9 digits with a valid mod-11 check digit.');
  }
  return value;
}

export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  serialize: (value) => {
    // An upstream value (text, epoch seconds) is read to an instant without making a Date of it.
    const time = value instanceof Date ? value.getTime() : parseUpstreamInstant(value);
    if (Number.isNaN(time)) throw new GraphQLError('DateTime cannot represent this value');
    return formatInstant(time);
  },
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => onLiteral(ast, 'DateTime', parseDateTime),
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

/**
 * URL: one meaning only. What is checked is exactly what is forwarded (the input string, unchanged), so a value is
 * accepted only when every reader — WHATWG parsers (browsers, Node), RFC 3986 parsers, the upstream's exact string
 * comparison of redirect URIs — sees the same URL in it:
 * - at most 2048 characters; `http://` or `https://` (lowercase), then a host;
 * - printable ASCII only: no whitespace or control characters anywhere (not even leading/trailing, tabs or newlines,
 *   which WHATWG parsing strips silently), no non-ASCII character (a non-ASCII host is given in its punycode form);
 * - no backslash anywhere, no userinfo (`user@`, `user:password@`);
 * - host: dot-separated labels of lowercase letters, digits, `-`, `_` (no `*`, no `%`, no empty label; one trailing
 *   dot allowed), or a bracketed IPv6 address; written exactly as the WHATWG parser serializes it, so `127.1`,
 *   `0x7f.1`, `A.no` and `[0:0::1]` are refused (IPv6 is accepted in its canonical form, e.g. `[::1]`);
 * - port, when written: 1–65535 without leading zeros (the scheme's default port may be written);
 * - path, query and fragment as the WHATWG parser serializes them: no `.`/`..` segments (also `%2e`), and characters
 *   it would percent-encode (`"`, `<`, `>`, `` ` ``, `{`, `}`, `'` in a query, …) must already be percent-encoded.
 *   An empty path equals `/`.
 */
export const URLScalar = new GraphQLScalarType<string, string>({
  name: 'URL',
  serialize: (value) => String(value),
  parseValue: (value) => parseUrl(value),
  parseLiteral: (ast) => onLiteral(ast, 'URL', parseUrl),
});

export const URL_MAX_LENGTH = 2048;

const urlRefused = (reason: string) => new ScalarInputError(`Not a valid URL: ${reason}`);
const URL_EXPECTED = `expected an absolute http:// or https:// URL of at most ${URL_MAX_LENGTH} characters.`;
const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443' };

function parseUrl(value: unknown): string {
  if (typeof value !== 'string' || value.length > URL_MAX_LENGTH) throw urlRefused(URL_EXPECTED);
  // Whitespace and control characters first: WHATWG parsing drops or re-encodes them without a word.
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u0020\u007f-\u009f\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f\u2060\u3000\ufeff]/.test(value))
    throw urlRefused('whitespace and control characters are not allowed anywhere, not even at the start or end.');
  if (/[^\u0021-\u007e]/.test(value)) throw urlRefused(nonAsciiReason(value));
  if (value.includes('\\')) throw urlRefused('backslashes are not allowed.');
  const parts = /^(https?):\/\/([^/?#]*)(.*)$/.exec(value);
  if (!parts) throw urlRefused(URL_EXPECTED);
  const [, scheme, authority, rest] = parts as unknown as [string, string, string, string];
  if (authority.includes('@')) throw urlRefused('a user name or password (user@host) is not allowed.');
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority);
  const host = hostPort?.[1] ?? '';
  const port = hostPort?.[2];
  if (!host) throw urlRefused(URL_EXPECTED);
  if (host.includes('*')) throw urlRefused('wildcards (*) are not allowed in the host.');
  if (host.includes('%')) throw urlRefused('percent-encoding (%) is not allowed in the host.');
  if (port !== undefined && !(/^[1-9][0-9]{0,4}$/.test(port) && Number(port) <= 65535))
    throw urlRefused('the port must be a number from 1 to 65535, without leading zeros.');
  const hostForm =
    'the host must be a lowercase domain name (labels of letters, digits, "-" or "_" separated by "."), a dotted ' +
    'IPv4 address or a bracketed IPv6 address, written as the URL standard writes it (e.g. 127.0.0.1, not 127.1).';
  if (!/^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\])$/.test(host)) throw urlRefused(hostForm);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw urlRefused(URL_EXPECTED);
  }
  if (url.protocol !== `${scheme}:` || url.username || url.password) throw urlRefused(URL_EXPECTED);
  if (url.hostname !== host) throw urlRefused(hostForm);
  // What WHATWG serializes must be the input itself, up to a written default port and an empty path for "/".
  const shownPort = port === undefined || port === DEFAULT_PORTS[scheme] ? '' : `:${port}`;
  const expected = `${scheme}://${host}${shownPort}${rest.startsWith('/') ? rest : `/${rest}`}`;
  if (url.href !== expected)
    throw urlRefused(
      'the path, query and fragment must be in normal form: no "." or ".." segments, and characters such as ' +
        '", <, >, `, {, } (and \' in a query) percent-encoded.',
    );
  return value;
}

/** Why a value with a non-ASCII character is refused: for a host, its punycode form is shown (it is ASCII only). */
function nonAsciiReason(value: string): string {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(value)?.[1];
  const host = authority
    ?.slice(authority.lastIndexOf('@') + 1)
    .replace(/:[0-9]*$/, '')
    .toLowerCase();
  if (host && /[\u0080-\uffff]/.test(host)) {
    const ascii = domainToASCII(host);
    const example = /^[a-z0-9.-]{1,253}$/.test(ascii) && ascii.includes('xn--') ? `: ${ascii}` : ' (xn--…)';
    return `only ASCII characters are allowed; give the host in its punycode form${example}.`;
  }
  return 'only ASCII characters are allowed; percent-encode others (UTF-8) in the path, query or fragment.';
}

export const scalarResolvers = {
  PersonIdentifier: PersonIdentifierScalar,
  OrganizationNumber: OrganizationNumberScalar,
  DateTime: DateTimeScalar,
  URL: URLScalar,
};
