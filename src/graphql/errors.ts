import { GraphQLError, type GraphQLFormattedError } from 'graphql';
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
  if (isArgumentRefusal(error)) return 'BAD_USER_INPUT';
  const status = extensions?.http?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? 'BAD_REQUEST' : INTERNAL;
}

/**
 * graphql-js's (and graphql-jit's) own refusal of an argument's value during execution: a variable with a default
 * given an explicit `null` where the argument is non-null, which validation allows (GraphQL spec, "All Variable Usages
 * Are Allowed"), or a variable the request left out. The caller's input, not a fault: thrown by the executor itself,
 * so no cause along its chain is anything but a GraphQLError.
 */
const ARGUMENT_REFUSAL =
  /^Argument "[_A-Za-z]\w*" (?:of (?:non-null |required )?type "[^"]+" )?(?:must not be null\.|was not provided\.|was provided the variable "\$[_A-Za-z]\w*" which was not provided a runtime value\.|has invalid value )/;

function isArgumentRefusal(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || !ARGUMENT_REFUSAL.test(error.message)) return false;
  if (findOriginal(error, (e) => !(e instanceof GraphQLError)) !== undefined) return false;
  // Thrown by the executor itself, before any resolver ran: graphql-js throws a GraphQLError naming the argument (or
  // the field) and wraps it with the path; graphql-jit makes one error with locations and no cause. A resolver's
  // error, whatever its words, is the cause of the one wrapping it and has no nodes of its own.
  const thrown = error.originalError;
  if (thrown === undefined) return (error.locations?.length ?? 0) > 0;
  return thrown instanceof GraphQLError && (thrown.nodes?.length ?? 0) > 0;
}

/**
 * graphql-js's bare "Validation aborted." when a document spends its budget for comparing repeated selections (about
 * 700 of one field, well within QUERY_MAX_TOKENS) or for spreading fragments.
 */
const VALIDATION_ABORTED =
  'The document is too complex to validate: it selects the same fields or fragments too many times. Select each once.';

/** Apollo's refusal of `__schema` and `__type` with introspection off names Apollo's own option; ours is a variable. */
const INTROSPECTION_OFF = 'Introspection is turned off on this server (INTROSPECTION).';

function formatErrorWith(
  formatted: GraphQLFormattedError,
  error: unknown,
  hideSuggestions: boolean,
): GraphQLFormattedError {
  let code = formatted.extensions?.code;
  // Apollo fills in INTERNAL_SERVER_ERROR for any error without a code, its own 400s and the executor's refusals of
  // an argument included.
  if (code === undefined || code === INTERNAL) {
    const own = errorCode(error);
    if (own !== INTERNAL) {
      code = own;
      formatted = { ...formatted, extensions: { ...formatted.extensions, code } };
    }
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
  if (formatted.extensions?.validationErrorCode === 'INTROSPECTION_DISABLED') message = INTROSPECTION_OFF;
  else if (message === 'Validation aborted.') message = VALIDATION_ABORTED;
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
  if (literal) {
    // With no cause of its own (an input object given a string or a list), the "reason" is this message itself.
    const own = reason !== undefined && !reason.startsWith('Expected value of type ') ? reason : undefined;
    return `Invalid value for type "${literal[1]}"${own ? `: ${own}` : '.'}`;
  }
  return withoutQuotedValue(message);
}

/**
 * graphql-js's messages about a value quote it: `Value "x" does not exist in "E" enum.`, `Boolean cannot represent a
 * non boolean value: "x"` (every built-in scalar, and enums given a non-string), `Argument "a" has invalid value x.`
 * Each is said without the value; any other message is returned as it is.
 */
function withoutQuotedValue(message: string): string {
  const notInEnum = /^Value .* does not exist in "([_A-Za-z]\w*)" enum\./s.exec(message);
  if (notInEnum) return `Value is not one of "${notInEnum[1]}"'s values.${message.slice(notInEnum[0].length)}`;
  const cannotRepresent = /^((?:Enum "[_A-Za-z]\w*"|Int|Float|String|Boolean|ID) cannot represent [^:"]*value): /.exec(
    message,
  );
  if (cannotRepresent) return `${cannotRepresent[1]}.`;
  const argument = /^(Argument "[_A-Za-z]\w*" (?:of type "[^"]+" )?)has invalid value /.exec(message);
  if (argument) return `${argument[1]}has an invalid value.`;
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
  // A built-in scalar's or an enum's own message quotes the value ("Int cannot represent non-integer value: ..."):
  // say it without; any other cause's text after a colon is cut, as it may quote the value too.
  if (message === undefined) return undefined;
  const said = withoutQuotedValue(message);
  return said === message ? message.replace(/:\s.*$/s, '.') : said;
}
