import type { GraphQLFormattedError } from 'graphql';
import { ScalarInputError } from './scalars.js';

const INTERNAL = 'INTERNAL_SERVER_ERROR';

/**
 * The last step before an error leaves the facade (DESIGN.md "Error contract"): unexpected errors are masked, and
 * messages of refused input are rewritten so they never echo the value (graphql-js repeats it; it may be a
 * fødselsnummer). Details stay in the log (see the logging plugin).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  const scalarError = findScalarError(error);
  if (scalarError) {
    const variable = /^Variable "\$[^"]+"/.exec(formatted.message)?.[0];
    const message = variable ? `${variable} has an invalid value: ${scalarError.message}` : scalarError.message;
    return { ...formatted, message, extensions: { ...formatted.extensions, code: 'BAD_USER_INPUT' } };
  }
  if (code === INTERNAL || code === undefined) {
    return {
      message: 'Internal server error',
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: INTERNAL },
    };
  }
  if (/got invalid value|found /.test(formatted.message)) {
    // Coercion errors of built-in types also repeat the value; keep only the part before it.
    const head = formatted.message.split(/ got invalid value| found /)[0];
    return { ...formatted, message: `${head}: invalid value.` };
  }
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions };
}

function findScalarError(error: unknown): ScalarInputError | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (current instanceof ScalarInputError) return current;
    current = (current as { originalError?: unknown }).originalError;
  }
  return undefined;
}
