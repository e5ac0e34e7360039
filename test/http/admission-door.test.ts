import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';
import { buildSchema } from 'graphql';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/auth/authenticator.js';
import { Admission, RequestAdmission } from '../../src/graphql/admission.js';
import type { GraphQLContext } from '../../src/graphql/context.js';
import { DEFAULT_DOCUMENT_LIMITS } from '../../src/graphql/document-limits.js';
import { DEFAULT_QUERY_LIMITS, measureOperation } from '../../src/graphql/limits.js';
import { createHttpServer, type ContextRequest } from '../../src/http/server.js';
import { Metrics } from '../../src/observability/metrics.js';

/*
 * Admission control at the door (graphql/admission.ts): an operation whose cost the raw request tells waits before the
 * HTTP layer hands it to Apollo, so nothing of it (context, Apollo's request, upstream answers, result) is made while
 * it waits. Before, it waited inside Apollo (didResolveOperation), holding Apollo's request state the while.
 */

const schema = buildSchema(`
  type Person { id: String email: Contact }
  type Contact { value: String }
  type Query { persons(ids: [String!]!): [Person!]! hello: String }
`);
const PERSONS = 'query P($ids: [String!]!) { persons(ids: $ids) { id email { value } } }';
const ids = (n: number) => Array.from({ length: n }, (_, i) => `id${i}`);

interface Door {
  url: string;
  admission: Admission;
  /** Each context Apollo asked for, in order: made only when the HTTP layer handed the operation over. */
  contexts: ContextRequest[];
  refused: { operationType: string; waitedSeconds: number }[];
  /** Operations dropped because their caller disconnected while they waited. */
  abandoned: () => number;
}

let server: Server | undefined;
afterEach(async () => {
  const open = server;
  server = undefined;
  if (open) await new Promise((resolve) => open.close(resolve));
});

async function startDoor(maxCostInFlight: number, queueTimeoutMs = 60_000, logLines?: object[]): Promise<Door> {
  let abandoned = 0;
  const admission = new Admission({ maxCostInFlight, queueTimeoutMs, onAbandoned: () => abandoned++ });
  const refused: Door['refused'] = [];
  const door = new RequestAdmission(admission, schema, DEFAULT_QUERY_LIMITS, (operationType, waitedSeconds) =>
    refused.push({ operationType, waitedSeconds }),
  );
  const contexts: ContextRequest[] = [];
  // Stands in for Apollo: asks for the context, as Apollo does first, and answers.
  const apollo = {
    async executeHTTPGraphQLRequest(args: { context: () => Promise<GraphQLContext> }) {
      await args.context();
      return { status: 200, headers: new HeaderMap(), body: { kind: 'complete', string: '{"data":{}}' } };
    },
  } as unknown as ApolloServer<GraphQLContext>;
  const authenticator = {
    authenticate: async () => ({ ok: true, caller: { subject: 'caller', scopes: [] } }),
  } as unknown as Authenticator;
  server = createHttpServer({
    apollo,
    authenticator,
    metrics: new Metrics(),
    log: logLines
      ? pino({ level: 'info' }, { write: (line: string) => logLines.push(JSON.parse(line) as object) })
      : pino({ level: 'silent' }),
    corsOrigins: [],
    bodyLimitBytes: 1_000_000,
    bodyBytesInFlightLimit: 10_000_000,
    maxAnswerBytes: 32 * 1024 * 1024,
    unreadAnswers: { maxBytes: 64 * 1024 * 1024, timeoutMs: 60_000 },
    admission: door,
    buildContext: (request) => {
      contexts.push(request);
      return {} as GraphQLContext;
    },
    health: async () => ({ status: 'ok' }),
    serveMetrics: false,
    documentLimits: DEFAULT_DOCUMENT_LIMITS,
    draining: () => false,
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/graphql`, admission, contexts, refused, abandoned: () => abandoned };
}

const post = (url: string, body: unknown, signal?: AbortSignal) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('admission at the door', () => {
  it('hands an operation to Apollo only once it is admitted; Apollo is told it was', async () => {
    const door = await startDoor(500);
    const holding = await door.admission.acquire(500); // the budget is taken
    const answer = post(door.url, { query: PERSONS, variables: { ids: ids(10) } }); // cost 20
    await pause(150);
    expect(door.contexts).toEqual([]); // waiting, with nothing made for it
    expect(door.admission.waiting).toBe(1);
    holding();
    expect((await answer).status).toBe(200);
    expect(door.contexts).toHaveLength(1);
    expect(door.contexts[0]?.admitted).toBe(true);
    expect(door.admission.costInFlight).toBe(0); // released once answered
  });

  it('weighs an operation by the cost Apollo would measure, GET and POST alike', async () => {
    const door = await startDoor(100);
    const holding = await door.admission.acquire(60); // 40 left
    // 20 ids × (1 + email) = 40: fits exactly.
    const fits = await post(door.url, { query: PERSONS, variables: { ids: ids(20) } });
    expect(fits.status).toBe(200);
    const search = new URLSearchParams({ query: PERSONS, variables: JSON.stringify({ ids: ids(21) }) });
    const get = fetch(`${door.url}?${search}`, { headers: { 'apollo-require-preflight': 'true' } }); // 42: waits
    await pause(150);
    expect(door.contexts).toHaveLength(1);
    holding();
    expect((await get).status).toBe(200);
    expect(door.contexts.map((c) => c.admitted)).toEqual([true, true]);
  });

  it('leaves what it cannot measure to Apollo, unadmitted, even with the budget taken', async () => {
    const door = await startDoor(10);
    const holding = await door.admission.acquire(10);
    const unmeasurable = [
      { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }, // hash alone
      { query: 'query { persons(ids: [' }, // does not parse
      { query: PERSONS, variables: ['not', 'an', 'object'] },
      { query: PERSONS, variables: { ids: ids(DEFAULT_QUERY_LIMITS.maxPersons + 1) } }, // over the limit
    ];
    for (const body of unmeasurable) expect((await post(door.url, body)).status).toBe(200);
    expect(door.contexts.map((c) => c.admitted)).toEqual([false, false, false, false]);
    holding();
  });

  it('refuses an operation whose turn does not come with 503 OVERLOADED and Retry-After, before Apollo sees it', async () => {
    const door = await startDoor(10, 100);
    const holding = await door.admission.acquire(10);
    const res = await post(door.url, { query: '{ hello }' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({
      errors: [{ message: 'The service is busy: try again shortly.', extensions: { code: 'OVERLOADED' } }],
    });
    expect(door.contexts).toEqual([]);
    expect(door.refused).toHaveLength(1);
    expect(door.refused[0]?.operationType).toBe('query');
    expect(door.refused[0]?.waitedSeconds).toBeGreaterThanOrEqual(0.09);
    holding();
  });

  it('drops an operation whose caller disconnects while it waits: never handed to Apollo, its place freed', async () => {
    const logLines: object[] = [];
    const door = await startDoor(100, 60_000, logLines);
    const holding = await door.admission.acquire(100);
    const leaving = new AbortController();
    const left = post(door.url, { query: PERSONS, variables: { ids: ids(10) } }, leaving.signal).catch(() => 'gone');
    const staying = post(door.url, { query: PERSONS, variables: { ids: ids(10) } });
    for (let i = 0; i < 100 && door.admission.waiting < 2; i++) await pause(10);
    expect(door.admission.waiting).toBe(2);
    leaving.abort(); // the caller gives up: its connection closes
    expect(await left).toBe('gone');
    for (let i = 0; i < 100 && door.admission.waiting > 1; i++) await pause(10);
    expect(door.admission.waiting).toBe(1);
    expect(door.abandoned()).toBe(1);
    holding();
    expect((await staying).status).toBe(200);
    await pause(50);
    expect(door.contexts).toHaveLength(1); // only the caller still there was served
    expect(door.refused).toEqual([]); // leaving is not being refused
    expect(door.admission.costInFlight).toBe(0);
    // One access line each: the caller that left as 499 (nothing sent), the one served as 200.
    const access = logLines.filter((l) => (l as { msg?: string }).msg === 'graphql request');
    expect(access.map((l) => (l as { status: number }).status).sort()).toEqual([200, 499]);
  });
});

describe('RequestAdmission.measure', () => {
  const admission = new RequestAdmission(
    new Admission({ maxCostInFlight: 1, queueTimeoutMs: 1 }),
    schema,
    DEFAULT_QUERY_LIMITS,
  );

  it('agrees with measureOperation on the parsed document', async () => {
    const { parse } = await import('graphql');
    for (const [query, variables, operationName] of [
      [PERSONS, { ids: ids(7) }, null],
      ['query A { hello } query B($ids: [String!]!) { persons(ids: $ids) { id } }', { ids: ids(3) }, 'B'],
      ['mutation { hello }', null, null],
    ] as const) {
      const expected = measureOperation({ schema, document: parse(query), operationName, variables });
      const measure = admission.measure({ query, operationName, variables });
      expect(measure?.cost).toBe(expected.cost);
      expect(measure?.operationType).toBe(expected.operationType);
    }
  });

  it('reads GET variables from their JSON text and refuses text that is not a JSON object', () => {
    expect(admission.measure({ query: PERSONS, operationName: null, variables: '{"ids":["a","b"]}' })?.cost).toBe(4);
    expect(admission.measure({ query: PERSONS, operationName: null, variables: '{"ids":' })).toBeUndefined();
    expect(admission.measure({ query: PERSONS, operationName: null, variables: '[1]' })).toBeUndefined();
  });

  it('leaves a costlier operation than QUERY_MAX_COST to Apollo (which refuses it at once)', () => {
    const limits = { ...DEFAULT_QUERY_LIMITS, maxCost: 10 };
    const tight = new RequestAdmission(new Admission({ maxCostInFlight: 1, queueTimeoutMs: 1 }), schema, limits);
    expect(tight.measure({ query: PERSONS, operationName: null, variables: { ids: ids(5) } })?.cost).toBe(10);
    expect(tight.measure({ query: PERSONS, operationName: null, variables: { ids: ids(6) } })).toBeUndefined();
  });

  it('is busy while an operation waits for admission (the batcher then waits KRR_BATCH_WINDOW_MS for more ids)', async () => {
    const budget = new Admission({ maxCostInFlight: 10, queueTimeoutMs: 60_000 });
    const door = new RequestAdmission(budget, schema, DEFAULT_QUERY_LIMITS);
    const first = await budget.acquire(10);
    expect(door.busy).toBe(false); // at capacity, but nobody waits
    const second = budget.acquire(1);
    expect(door.busy).toBe(true);
    first();
    (await second)();
    expect(door.busy).toBe(false);
  });

  it('counts a person named many times once against the limit, as Apollo does', () => {
    const same = Array.from({ length: DEFAULT_QUERY_LIMITS.maxPersons + 5 }, () => 'same');
    expect(admission.measure({ query: PERSONS, operationName: null, variables: { ids: same } })).toBeDefined();
  });
});
