/**
 * The GraphQL over HTTP specification's own audit suite (graphql-http's `serverAudits`, written by the spec's editors
 * and run by GraphQL client and server projects), against the facade over loopback as any client sees it, in the
 * sandbox's posture and in production's: every MUST holds, and the SHOULD and MAY the facade does not follow are
 * exactly the ones it chose not to, for the reasons below.
 */
import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

interface Outcome {
  id: string;
  name: string;
  status: string;
  reason?: string;
}

/** Every audit of the suite against `t`, with a caller token on each request (the facade answers nothing without). */
async function audit(t: TestApp): Promise<Outcome[]> {
  const bearer = `Bearer ${await t.token()}`;
  const fetchFn: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', bearer);
    return fetch(input, { ...init, headers });
  };
  const outcomes: Outcome[] = [];
  for (const { id, name, fn } of serverAudits({ url: `${t.url}/graphql`, fetchFn })) {
    const result = await fn();
    outcomes.push({ id, name, status: result.status, ...('reason' in result && { reason: result.reason }) });
  }
  return outcomes;
}

const CHOSEN_DEPARTURES = [
  // A GET without a content type or a preflight header is refused as a possible cross-site request forgery (Apollo
  // Server's CSRF prevention): a browser sends such a GET from any page, with the user's cookies. Clients that use GET
  // send `apollo-require-preflight` or `x-apollo-operation-name` (README, "Schema overview").
  '5A70 MAY accept application/x-www-form-urlencoded formatted GET requests',
  '6A70 MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
  'D6D5 MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
  // A document that does not parse or validate, or variables that do not coerce, answer 400 whatever the client
  // accepts (Apollo Server's contract, and the facade's: README, "Errors"): with `application/json` the specification
  // prefers 200, for clients that cannot read the body of a 4xx; the body is the same either way.
  '572B SHOULD use 200 status code on document parsing failure when accepting application/json',
  '7B9B SHOULD use a status code of 200 on variable coercion failure when accepting application/json',
  'FDE2 SHOULD use 200 status code on document validation failure when accepting application/json',
].sort();

describe.each([
  ['the sandbox', {}],
  // The audits use `__type` as their query; production turns introspection off (a choice about the schema, which the
  // audits would report as HTTP failures), so that posture runs here with it on.
  ['production', { NODE_ENV: 'production', INTROSPECTION: 'true' }],
])('GraphQL over HTTP (the specification audit), %s', (_posture, env: Record<string, string>) => {
  let t: TestApp;
  let outcomes: Outcome[];
  beforeAll(async () => {
    t = await startTestApp(env);
    outcomes = await audit(t);
  });
  afterAll(async () => t?.close());

  it('meets every MUST of the specification', () => {
    const must = outcomes.filter((o) => o.name.startsWith('MUST'));
    expect(must.length).toBeGreaterThanOrEqual(13); // graphql-http 1.23 has 13
    expect(must.filter((o) => o.status !== 'ok')).toEqual([]);
  });

  it('departs from the SHOULD and MAY only where it chose to', () => {
    const departures = outcomes.filter((o) => o.status !== 'ok').map((o) => `${o.id} ${o.name}`);
    expect(departures.sort()).toEqual(CHOSEN_DEPARTURES);
  });
});
