import { afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_CLIENT_ID, SANDBOX_ORGNO } from '../../src/sandbox/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('the token service seen through GraphQL', () => {
  it('makes exactly one token request for 200 concurrent cold GraphQL requests', async () => {
    t = await startTestApp();
    const app = t;
    const token = await app.token();
    expect(app.sandbox.maskinporten.tokenRequests).toBe(0);
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        app.graphql<{ person: { status: string } }>(`{ person(id: "11822648950") { status } }`, undefined, { token }),
      ),
    );
    expect(results.every((r) => r.body.data?.person?.status === 'ACTIVE')).toBe(true);
    expect(app.sandbox.maskinporten.tokenRequests).toBe(1);
    expect(await app.upstreamRequests({ upstream: 'maskinporten', method: 'POST' })).toBe(1);
  });

  it('surfaces a refused token as UPSTREAM_AUTH_FAILED with the Maskinporten code, and nothing else fails', async () => {
    t = await startTestApp();
    // Our client loses the digital-post scope: only operations that need it fail.
    t.sandbox.maskinporten.registerClient({
      clientId: SANDBOX_CLIENT_ID,
      orgno: SANDBOX_ORGNO,
      scopes: ['krr:global/kontaktinformasjon.read', 'idporten:dcr.read'],
    });
    const plain = await t.graphql<{ person: { status: string } }>(`{ person(id: "11822648950") { status } }`);
    expect(plain.body).toEqual({ data: { person: { status: 'ACTIVE' } } });
    const res = await t.graphql(`{ mailbox: person(id: "22859197810") { digitalMailbox { address } } }`);
    expect(res.body.data).toEqual({ mailbox: null });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]).toMatchObject({
      path: ['mailbox'],
      extensions: { code: 'UPSTREAM_AUTH_FAILED', mpCode: 'MP-200', upstream: 'maskinporten' },
    });
    expect(res.body.errors![0]!.message).not.toMatch(/https?:|127\.0\.0\.1/);
  });
});
