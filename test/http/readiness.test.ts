import { afterEach, describe, expect, it } from 'vitest';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/**
 * `/readyz` and `/healthz?verbose` say why, per component, without secrets; `/readyz` stays 200 whatever the
 * upstreams do (README "Reliability"): only draining takes the replica out of rotation.
 */

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

interface Ready {
  status: string;
  components?: Record<string, string>;
}

async function readyz(app: TestApp): Promise<{ status: number; body: Ready; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${app.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Ready, ms: performance.now() - started };
}

async function verbose(app: TestApp): Promise<{ components: Record<string, string>; upstreams: unknown }> {
  return (await (await fetch(`${app.url}/healthz?verbose`)).json()) as never;
}

/** Nothing a secret or a token could look like. */
function expectNoSecrets(body: unknown): void {
  expect(JSON.stringify(body)).not.toMatch(/eyJ|BEGIN|secret|password|assertion|trace_id|\d{11}/i);
}

describe('/readyz and /healthz?verbose name each component state', () => {
  it('all well: ok for each component', async () => {
    t = await startTestApp();
    await t.graphql('{ person(id: "11822648950") { status } }');
    const ready = await readyz(t);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      components: { maskinporten: 'ok', krr: 'ok', admin: 'ok', callerTokens: 'ok' },
    });
    expect((await verbose(t)).components).toEqual(ready.body.components);
  });

  it('/healthz?verbose=0 (or false, no, off) asks for the short answer; any other value, or none, for the long one', async () => {
    t = await startTestApp();
    const health = async (search: string) => (await (await fetch(`${t?.url}/healthz${search}`)).json()) as object;
    for (const search of [
      '',
      '?verbose=0',
      '?verbose=false',
      '?verbose=FALSE',
      '?verbose=no',
      '?verbose=off',
      '?verbos',
    ]) {
      expect(await health(search), search).toEqual({ status: 'ok' });
    }
    for (const search of ['?verbose', '?verbose=', '?verbose=1', '?verbose=true', '?x=1&verbose=yes']) {
      expect(await health(search), search).toMatchObject({ status: 'ok', components: { krr: 'ok' } });
    }
  });

  it('/healthz, /readyz and /metrics answer GET and HEAD, and refuse any other method with 405', async () => {
    t = await startTestApp();
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const head = await fetch(`${t.url}${path}`, { method: 'HEAD' });
      expect(head.status, `HEAD ${path}`).toBe(200);
      expect(await head.text(), `HEAD ${path}`).toBe('');
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
        const res = await fetch(`${t.url}${path}`, { method, body: method === 'DELETE' ? undefined : '{}' });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get('allow')).toBe('GET, HEAD');
        expect(await res.json()).toEqual({ error: 'method not allowed' });
      }
    }
  });

  it('Maskinporten refusing our client: the MP code and OAuth error, and /readyz stays 200', async () => {
    t = await startTestApp({ NODE_ENV: 'production' });
    t.sandbox.maskinporten.faults.setPersistent({
      kind: 'status',
      status: 400,
      body: {
        error: 'invalid_client',
        error_description: 'Invalid assertion. Client authentication failed. (trace_id: 0123abcd)',
        error_uri: `${t.sandbox.maskinporten.issuer}errors/MP-123`,
      },
    });
    const ready = await readyz(t);
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    expect(ready.body.components?.maskinporten).toBe(
      'MP-123 invalid_client: Maskinporten refused the token request (HTTP 400)',
    );
    expect(ready.body.components?.krr).toBe('ok');
    const health = await verbose(t);
    expect(health.components.maskinporten).toBe(ready.body.components?.maskinporten);
    expect(health.upstreams).toMatchObject({ maskinporten: { token: 'unavailable' } });
    expectNoSecrets(ready.body);
    expectNoSecrets(health);
  });

  it('a Maskinporten that does not answer: /readyz answers within a probe timeout all the same', async () => {
    t = await startTestApp();
    t.sandbox.maskinporten.faults.setPersistent({ kind: 'stall-headers' });
    const ready = await readyz(t);
    expect(ready.status).toBe(200);
    expect(ready.ms).toBeLessThan(900);
    expect(ready.body.components?.maskinporten).toBe('token probe in progress');
    t.sandbox.maskinporten.faults.destroyPending();
  });

  it('the KRR breaker open: "breaker open", and the replica stays in rotation', async () => {
    t = await startTestApp({ BREAKER_RESET_MS: '60000', BREAKER_VOLUME_THRESHOLD: '5' });
    await t.graphql('{ person(id: "11822648950") { status } }');
    t.sandbox.krr.faults.setPersistent({ kind: 'status', status: 500 });
    for (const id of syntheticPersonIdentifiers(8, 700)) await t.graphql(`{ person(id: "${id}") { status } }`);
    const ready = await readyz(t);
    expect(ready.status).toBe(200);
    expect(ready.body.components).toMatchObject({ krr: 'breaker open', admin: 'ok', maskinporten: 'ok' });
    expect((await verbose(t)).components.krr).toBe('breaker open');
  });

  it("the caller-token issuer's keys out of reach: 503 with a clear message for the caller, and readiness tells", async () => {
    t = await startTestApp();
    const token = (await t.sandbox.callerIssuer.issueToken()).access_token;
    await t.sandbox.callerIssuer.close();
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ person(id: "11822648950") { status } }' }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toEqual({
      errors: [
        {
          message:
            "The token issuer's signing keys (OIDC discovery or JWKS) cannot be fetched to verify the token; try again shortly.",
          extensions: { code: 'UNAVAILABLE' },
        },
      ],
    });
    const ready = await readyz(t);
    expect(ready.status).toBe(200);
    expect(ready.body.components?.callerTokens).toBe(
      'issuer keys unavailable: OIDC discovery could not be fetched (ECONNREFUSED)',
    );
    const line = t.logLines.find((l) => l.includes('"reason":"keys_unavailable"'));
    expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 40, status: 503, count: 1 });
  });

  it('draining: 503, as before', async () => {
    t = await startTestApp({ SHUTDOWN_DELAY_MS: '300' });
    const closing = t.app.close();
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining' });
    await closing;
  });
});
