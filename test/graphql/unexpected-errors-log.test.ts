import type { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { GraphQLContext } from '../../src/graphql/context.js';
import { logUnexpectedErrors } from '../../src/graphql/plugins.js';
import { toGraphQLError, UpstreamUnavailableError } from '../../src/upstream/errors.js';

/** The levels logUnexpectedErrors writes at, for `errors`. */
function levels(errors: GraphQLError[]): string[] {
  const written: string[] = [];
  const log = Object.fromEntries(
    ['debug', 'info', 'warn', 'error'].map((level) => [level, () => written.push(level)]),
  ) as unknown as ReturnType<GraphQLContext['log']>;
  logUnexpectedErrors(errors, { log: () => log } as unknown as GraphQLContext);
  return written;
}

describe('the log line of an upstream answer that could not be read', () => {
  it('warns once per answer of KRR or the admin API', () => {
    const answer = new UpstreamUnavailableError('krr', 'unreadable answer', 200);
    const error = toGraphQLError(answer);
    expect(levels([error, error])).toEqual(['warn']);
  });

  it("leaves Maskinporten's to the token service's own warning (once per cause and minute), not one per request", () => {
    const error = toGraphQLError(new UpstreamUnavailableError('maskinporten', 'unreadable answer', 200));
    expect(levels([error])).toEqual(['debug']);
  });
});
