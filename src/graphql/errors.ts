import type { GraphQLFormattedError } from 'graphql';
import { redactPersonalIds } from '../observability/personal-ids.js';
import { ScalarInputError } from './scalars.js';

const INTERNAL = 'INTERNAL_SERVER_ERROR';

/**
 * The last step before an error leaves the facade (DESIGN.md "Error contract"): unexpected errors are masked, and
 * messages of refused input are rewritten so they never echo the value (graphql-js repeats it; it may be a
 * fødselsnummer or key material). Details stay in the log (see the observability plugin).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  return formatErrorWith(formatted, error, false);
}

/**
 * graphql-js suggests names in validation and coercion messages (`Did you mean "kid"?`, `Did you mean the enum value
 * "IDPORTEN"?`, `Did you mean to use an inline fragment on "X"?`): with introspection off they would reveal the schema
 * piece by piece. Apollo's `hideSchemaDetailsFromClientErrors` covers validation only, so every message is cleaned here.
 */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** The error formatter for a server with (false) or without (true) schema details in its errors. */
export function createFormatError(hideSuggestions: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError =>
    formatErrorWith(formatted, error, hideSuggestions);
}

/**
 * The code of an error, or of one Apollo raises with an HTTP status but no code (`provided sha does not match query`
 * is a 400): a refusal of the request the caller can fix, not a fault to mask and log as one.
 */
export function errorCode(error: unknown): string {
  const extensions = (error as { extensions?: { code?: unknown; http?: { status?: unknown } } } | undefined)
    ?.extensions;
  if (typeof extensions?.code === 'string') return extensions.code;
  const status = extensions?.http?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? 'BAD_REQUEST' : INTERNAL;
}

function formatErrorWith(
  formatted: GraphQLFormattedError,
  error: unknown,
  hideSuggestions: boolean,
): GraphQLFormattedError {
  let code = formatted.extensions?.code;
  // Apollo fills in INTERNAL_SERVER_ERROR for any error without a code, its own 400s included.
  if ((code === undefined || code === INTERNAL) && errorCode(error) === 'BAD_REQUEST') {
    code = 'BAD_REQUEST';
    formatted = { ...formatted, extensions: { ...formatted.extensions, code } };
  }
  if (code === INTERNAL || code === undefined) {
    return {
      message: 'Internal server error',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: INTERNAL },
    };
  }
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
  const scalarError = findOriginal(error, (e) => e instanceof ScalarInputError);
  let message = withoutEchoedValue(formatted.message, scalarError?.message ?? innermostMessage(error), error);
  if (hideSuggestions) message = message.replace(SUGGESTION, '');
  return {
    ...formatted,
    message: redactPersonalIds(message),
    extensions: scalarError ? { ...extensions, code: 'BAD_USER_INPUT' } : extensions,
  };
}

/**
 * graphql-js writes `Variable "$x" got invalid value <value>[ at "x[17]"]; <reason>` and `Expected value of type "T",
 * found <value>; <reason>`. Keep the variable or type, where in the variable (`ids[17]`: the index, never the value)
 * and the reason; drop the value. A literal's error keeps its `locations` (line and column of the literal itself).
 */
function withoutEchoedValue(message: string, reason: string | undefined, error: unknown): string {
  const variable = /^Variable "\$([^"]+)" got invalid value/.exec(message);
  if (variable) {
    const name = `Variable "$${variable[1]}"`;
    const at = pathInVariable(message, variable[1] ?? '', error);
    return `${name} has an invalid value${at ? ` at ${at}` : ''}${reason ? `: ${reason}` : '.'}`;
  }
  const literal = /^Expected value of type "([^"]+)", found /.exec(message);
  if (literal) return `Invalid value for type "${literal[1]}"${reason ? `: ${reason}` : '.'}`;
  return message;
}

/**
 * Where in the variable the invalid value sits (`ids[17]`, `input.redirectUris[2]`): graphql-js writes
 * `… got invalid value <value> at "ids[17]"; <cause's message>`. The cause's message is cut from the end first, so the
 * path read is the one right before it, never text inside the value; it must be the variable's name followed by list
 * indices and field names.
 */
function pathInVariable(message: string, name: string, error: unknown): string | undefined {
  for (const cause of causes(error)) {
    const suffix = `; ${cause}`;
    if (!message.endsWith(suffix)) continue;
    const head = message.slice(0, -suffix.length);
    const at = / at "([^"]+)"$/.exec(head)?.[1];
    if (!at?.startsWith(name)) return undefined;
    return /^(?:\[\d{1,9}\]|\.[_A-Za-z][_0-9A-Za-z]*)+$/.test(at.slice(name.length)) ? at : undefined;
  }
  return undefined;
}

/** The messages of an error's causes (`originalError` chain), outermost first. */
function causes(error: unknown): string[] {
  const messages: string[] = [];
  let current = (error as { originalError?: unknown } | undefined)?.originalError;
  for (let depth = 0; current && depth < 6; depth++) {
    const m = (current as { message?: unknown }).message;
    if (typeof m === 'string') messages.push(m);
    current = (current as { originalError?: unknown }).originalError;
  }
  return messages;
}

/** The first error along `error`'s `originalError` chain (itself included, six deep at most) that `match`es. */
export function findOriginal(error: unknown, match: (e: unknown) => boolean): Error | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth++) {
    if (match(current)) return current as Error;
    current = (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}

/** The deepest cause's message (e.g. `Field "d" is not defined by type "JwkInput".`), when there is a cause. */
function innermostMessage(error: unknown): string | undefined {
  let current = (error as { originalError?: unknown } | undefined)?.originalError;
  let message: string | undefined;
  for (let depth = 0; current && depth < 6; depth++) {
    const m = (current as { message?: unknown }).message;
    if (typeof m === 'string') message = m;
    current = (current as { originalError?: unknown }).originalError;
  }
  // A built-in scalar's own message may quote the value ("Int cannot represent non-integer value: ..."): cut it.
  return message?.replace(/:\s.*$/, '.');
}
