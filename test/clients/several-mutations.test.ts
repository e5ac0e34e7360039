/**
 * Several mutations in one request: one that fails (bad input, a missing scope, an upstream error) is null with its
 * error at its path, and the others keep their payloads, so a caller can tell what was written. Every root Mutation
 * field's payload is nullable for this: a non-null one nulled `data` as a whole, hiding a change already made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const EXAMPLE = 'oidc_eksempel_klient';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Data = any;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

async function description(): Promise<string | null> {
  const res = await t.graphql<Data>(`{ client(id: "${EXAMPLE}") { description } }`);
  return res.body.data.client.description as string | null;
}

describe('a failing mutation beside one that wrote', () => {
  it('a later mutation refused as bad input is null at its path; the earlier one keeps its payload', async () => {
    const res = await t.graphql<Data>(
      `mutation {
        a: updateClient(input: { id: "${EXAMPLE}", description: "RT-marker-1" }) {
          client { id description } userErrors { message } }
        b: deleteClient(input: { id: "a/../b" }) { userErrors { message } }
      }`,
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      a: { client: { id: EXAMPLE, description: 'RT-marker-1' }, userErrors: [] },
      b: null,
    });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({ path: ['b'], extensions: { code: 'BAD_USER_INPUT' } });
    expect(await description()).toBe('RT-marker-1');
  });

  it('a later mutation the caller has no scope for is null with FORBIDDEN; the earlier one keeps its payload', async () => {
    const res = await t.graphql<Data>(
      `mutation {
        a: updateClient(input: { id: "${EXAMPLE}", description: "RT-marker-2" }) {
          client { description } userErrors { message } }
        b: deleteOnBehalfOf(input: { clientId: "${EXAMPLE}", id: "example_onbehalfof" }) { deletedId }
      }`,
      undefined,
      { scope: 'clients.read clients.write' },
    );
    expect(res.body.data).toEqual({ a: { client: { description: 'RT-marker-2' }, userErrors: [] }, b: null });
    expect(res.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['b'], 'FORBIDDEN']]);
    expect(await description()).toBe('RT-marker-2');
  });

  it('a later mutation failing upstream is null with UPSTREAM_UNAVAILABLE; the earlier one keeps its payload', async () => {
    // How many admin API requests one updateClient makes: those are answered, every later one gets a 503.
    const probeFrom = t.sandbox.admin.requests.length;
    await t.graphql(
      `mutation { updateClient(input: { id: "${EXAMPLE}", description: "probe" }) { userErrors { code } } }`,
    );
    const updateRequests = t.sandbox.admin.requests.length - probeFrom;
    expect(updateRequests).toBeGreaterThan(0);
    t.sandbox.admin.faults.enqueue({ kind: 'latency', ms: 0 }, updateRequests);
    t.sandbox.admin.faults.enqueue({ kind: 'status', status: 503 }, 10);
    try {
      const res = await t.graphql<Data>(
        `mutation {
          a: updateClient(input: { id: "${EXAMPLE}", description: "RT-marker-3" }) {
            client { description } userErrors { message } }
          b: rotateClientSecret(input: { id: "${EXAMPLE}" }) { clientSecret }
        }`,
      );
      expect(res.body.data).toEqual({ a: { client: { description: 'RT-marker-3' }, userErrors: [] }, b: null });
      expect(res.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['b'], 'UPSTREAM_UNAVAILABLE']]);
    } finally {
      t.sandbox.admin.faults.clear();
    }
    expect(await description()).toBe('RT-marker-3');
  });

  it('an earlier failing mutation does not stop a later one: each root field is answered on its own', async () => {
    const res = await t.graphql<Data>(
      `mutation {
        a: deleteClient(input: { id: ".." }) { userErrors { message } }
        b: updateClient(input: { id: "${EXAMPLE}", description: "RT-marker-4" }) { client { description } }
      }`,
    );
    expect(res.body.data).toEqual({ a: null, b: { client: { description: 'RT-marker-4' } } });
    expect(res.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['a'], 'BAD_USER_INPUT']]);
    expect(await description()).toBe('RT-marker-4');
  });
});

describe('one failing mutation', () => {
  it('answers `data` with that field null, not `data: null`', async () => {
    const res = await t.graphql<Data>(`mutation { deleteClient(input: { id: "a/../b" }) { userErrors { message } } }`);
    expect(res.body.data).toEqual({ deleteClient: null });
    expect(res.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['deleteClient'], 'BAD_USER_INPUT']]);
  });
});
