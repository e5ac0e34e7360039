import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import type { CryptoKey } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAdminSimulator } from '../../src/sandbox/admin.js';
import type { AdminSimulator } from '../../src/sandbox/admin.js';
import { KRR_SCOPES, startKrrSimulator } from '../../src/sandbox/krr.js';
import type { KrrSimulator } from '../../src/sandbox/krr.js';
import { startMaskinportenSimulator } from '../../src/sandbox/maskinporten.js';
import type { MaskinportenSimulator } from '../../src/sandbox/maskinporten.js';
import { createTestPki } from '../../src/sandbox/pki.js';
import type { IssuedCertificate } from '../../src/sandbox/pki.js';
import { startTokenSource, type TokenSource } from '../helpers/token-source.js';

const ORGNO = '991825827';
const KRR_SCOPE = `${KRR_SCOPES.kontaktinformasjon} ${KRR_SCOPES.digitalpost}`;
const ADMIN_READ = 'idporten:dcr.read';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const PERSON = '11822648950';

let source: TokenSource;
let issuer: string;
let jwksUrl: string;
let krr: KrrSimulator;
/** Simulators a test starts and closes itself; closed in afterAll if a test failed before doing so. */
const extraKrr: KrrSimulator[] = [];

/** What `promise` rejects with; undefined when it resolves. */
function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (err: unknown) => err,
  );
}

async function token(scope: string): Promise<string> {
  return source.sign({ scope, orgno: ORGNO, clientId: 'faults-test-client' });
}

/** A KRR lookup; `bearer: null` sends none. */
async function krrRequest(
  target: KrrSimulator = krr,
  init: { signal?: AbortSignal; bearer?: string | null } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const bearer = init.bearer === undefined ? await token(KRR_SCOPE) : init.bearer;
  if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
  return fetch(`${target.url}/rest/v2/personer`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ personidentifikatorer: [PERSON] }),
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

/** Status and parsed body of a KRR lookup that answers. */
async function krrStatus(target: KrrSimulator = krr): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await krrRequest(target);
  return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
}

/** The code or message of a fetch failure's cause. */
function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return `${cause?.code ?? ''} ${cause?.message ?? ''}`;
}

beforeAll(async () => {
  source = await startTokenSource();
  ({ issuer, jwksUrl } = source);
  krr = await startKrrSimulator({ maskinportenIssuer: issuer, maskinportenJwksUrl: jwksUrl });
});

afterEach(() => {
  krr.faults.clear();
});

afterAll(async () => {
  await Promise.all([krr?.close(), ...extraKrr.map((s) => s.close())]);
  await source?.close();
});

describe('KRR simulator faults over HTTP', () => {
  it('answers a queued 503 with Retry-After, then succeeds again', async () => {
    const before = krr.faults.injected;
    const logged = krr.requests.length;
    krr.faults.enqueue({ kind: 'status', status: 503, retryAfter: '1' });
    const failed = await krrStatus();
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('1');
    expect(failed.body).toEqual({ code: 'SIMULATED_FAILURE', message: 'simulated 503' });
    expect((await krrStatus()).status).toBe(200);
    expect(krr.faults.injected).toBe(before + 1);
    expect(krr.requests.slice(logged).map((r) => r.status)).toEqual([503, 200]);
  });

  it('sends a given body and no Retry-After unless asked', async () => {
    krr.faults.enqueue({ kind: 'status', status: 429, body: { slow: 'down' } });
    const failed = await krrStatus();
    expect(failed).toMatchObject({ status: 429, body: { slow: 'down' } });
    expect(failed.headers.get('retry-after')).toBeNull();
  });

  it('does not let unauthorized requests consume a fault', async () => {
    krr.faults.enqueue({ kind: 'status', status: 503 });
    const before = krr.faults.injected;
    const unauthorized = await krrRequest(krr, { bearer: null });
    await unauthorized.body?.cancel();
    expect(unauthorized.status).toBe(401);
    expect(krr.faults.injected).toBe(before);
    expect((await krrStatus()).status).toBe(503);
  });

  it('answers a persistent 503 to every request until cleared, after queued faults', async () => {
    krr.faults.setPersistent({ kind: 'status', status: 503, retryAfter: '2' });
    krr.faults.enqueue({ kind: 'status', status: 500 });
    expect((await krrStatus()).status).toBe(500);
    for (let i = 0; i < 3; i++) {
      const answer = await krrStatus();
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('2');
    }
    krr.faults.setPersistent(undefined);
    expect((await krrStatus()).status).toBe(200);
  });

  it('delays a request by a latency fault, then answers normally', async () => {
    const before = krr.faults.injected;
    krr.faults.enqueue({ kind: 'latency', ms: 200 });
    const started = performance.now();
    const answer = await krrStatus();
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    expect(answer.status).toBe(200);
    expect(krr.faults.injected).toBe(before + 1);
    expect(krr.requests.at(-1)?.status).toBe(200);
  });

  it('adds latency to every normal request until cleared', async () => {
    krr.faults.setLatency(120);
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      expect((await krrStatus()).status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(115);
    }
    krr.faults.clear();
    const started = performance.now();
    expect((await krrStatus()).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(115);
  });

  it('resets the connection: fetch rejects, the request is logged with status 0, the next one succeeds', async () => {
    krr.faults.enqueue({ kind: 'reset' });
    const error = await rejection(krrRequest());
    expect(error).toBeInstanceOf(Error);
    expect(causeOf(error)).toMatch(/ECONNRESET|other side closed|UND_ERR_SOCKET/);
    expect(krr.requests.at(-1)).toMatchObject({ path: '/rest/v2/personer', status: 0, ids: [PERSON] });
    expect((await krrStatus()).status).toBe(200);
  });

  it('stalls the body: headers arrive, the body never completes, a body timeout ends it', async () => {
    krr.faults.enqueue({ kind: 'stall' });
    const started = performance.now();
    const res = await krrRequest(krr, { signal: AbortSignal.timeout(300) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const error = await rejection(res.text());
    expect((error as Error | undefined)?.name).toMatch(/TimeoutError|AbortError/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(krr.requests.at(-1)?.status).toBe(0);
    // The simulator survives the client giving up.
    expect((await krrStatus()).status).toBe(200);
  });

  it('never answers a stall-headers request: a headers timeout ends it', async () => {
    krr.faults.enqueue({ kind: 'stall-headers' });
    const started = performance.now();
    const error = await rejection(krrRequest(krr, { signal: AbortSignal.timeout(300) }));
    expect((error as Error | undefined)?.name).toMatch(/TimeoutError|AbortError/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(krr.requests.at(-1)?.status).toBe(0);
    expect((await krrStatus()).status).toBe(200);
  });

  it('counts the faults it applied', async () => {
    const before = krr.faults.injected;
    krr.faults.enqueue({ kind: 'status', status: 502 }, 2);
    krr.faults.enqueue({ kind: 'latency', ms: 1 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await krrStatus()).status);
    expect(statuses).toEqual([502, 502, 200, 200]);
    expect(krr.faults.injected).toBe(before + 3);
  });

  it('keeps failNext and setLatency working on top of the injector', async () => {
    krr.failNext(500, 1, { oops: true });
    expect(await krrStatus()).toMatchObject({ status: 500, body: { oops: true } });
    krr.setLatency(100);
    const started = performance.now();
    expect((await krrStatus()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    krr.setLatency(0);
  });

  it('closes within a second while stalls and a latency wait are pending', async () => {
    const sim = await startKrrSimulator({ maskinportenIssuer: issuer, maskinportenJwksUrl: jwksUrl });
    extraKrr.push(sim);
    sim.faults.enqueue({ kind: 'stall' });
    const stalled = await krrRequest(sim);
    expect(stalled.status).toBe(200);
    const stalledBody = stalled.text().then(
      () => 'completed',
      () => 'failed',
    );
    sim.faults.enqueue({ kind: 'stall-headers' });
    sim.faults.enqueue({ kind: 'latency', ms: 60_000 });
    const pending = [krrRequest(sim), krrRequest(sim)].map((p) =>
      p.then(
        () => 'answered',
        () => 'failed',
      ),
    );
    const deadline = Date.now() + 5000;
    while (sim.faults.injected < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(sim.faults.injected).toBe(3);

    const started = performance.now();
    await sim.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await stalledBody).toBe('failed');
    expect(await Promise.all(pending)).toEqual(['failed', 'failed']);
  });
});

describe('Maskinporten simulator faults', () => {
  let mp: MaskinportenSimulator;
  let cert: IssuedCertificate;
  let certKey: CryptoKey;

  beforeAll(async () => {
    const pki = createTestPki({ name: 'Faults Test CA' });
    cert = pki.issueEnterpriseCertificate({ orgno: ORGNO });
    certKey = await importPKCS8(cert.keyPem, 'RS256');
    mp = await startMaskinportenSimulator({
      trustedCaCertsPem: [pki.caCertPem],
      clients: [{ clientId: 'faults-client', orgno: ORGNO, scopes: [KRR_SCOPES.kontaktinformasjon] }],
    });
  });

  afterEach(() => mp?.faults.clear());

  afterAll(async () => {
    await mp?.close();
  });

  async function requestToken(): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
    const iat = Math.floor(Date.now() / 1000);
    const grant = await new SignJWT({
      aud: mp.issuer,
      iss: 'faults-client',
      scope: KRR_SCOPES.kontaktinformasjon,
      iat,
      exp: iat + 60,
      jti: randomUUID(),
    })
      .setProtectedHeader({ alg: 'RS256', x5c: cert.x5c })
      .sign(certKey);
    const res = await fetch(`${mp.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: JWT_BEARER, assertion: grant }).toString(),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  }

  it('answers a queued 503 on /token, then issues tokens again', async () => {
    const issued = mp.tokensIssued;
    mp.faults.enqueue({ kind: 'status', status: 503, retryAfter: '1' });
    const failed = await requestToken();
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('1');
    expect(failed.body).toMatchObject({ error: 'temporarily_unavailable' });
    const ok = await requestToken();
    expect(ok.status).toBe(200);
    expect(typeof ok.body.access_token).toBe('string');
    expect(mp.tokensIssued).toBe(issued + 1);
    expect(mp.faults.injected).toBe(1);
  });

  it('never faults the metadata or key endpoints', async () => {
    mp.faults.setPersistent({ kind: 'status', status: 503 });
    for (const path of ['/.well-known/oauth-authorization-server', '/jwk']) {
      const res = await fetch(`${mp.url}${path}`);
      await res.body?.cancel();
      expect(res.status, path).toBe(200);
    }
    expect((await requestToken()).status).toBe(503);
    mp.faults.setPersistent(undefined);
    expect((await requestToken()).status).toBe(200);
  });
});

describe('admin API simulator faults', () => {
  let admin: AdminSimulator;

  beforeAll(async () => {
    admin = await startAdminSimulator({ maskinportenIssuer: issuer, maskinportenJwksUrl: jwksUrl, ownerOrgno: ORGNO });
  });

  afterEach(() => admin?.faults.clear());

  afterAll(async () => {
    await admin?.close();
  });

  async function listClients(): Promise<Response> {
    return fetch(`${admin.url}/clients`, { headers: { authorization: `Bearer ${await token(ADMIN_READ)}` } });
  }

  it('answers a queued fault for one call, then normally', async () => {
    admin.faults.enqueue({ kind: 'status', status: 429, retryAfter: '3' });
    const failed = await listClients();
    expect(failed.status).toBe(429);
    expect(failed.headers.get('retry-after')).toBe('3');
    expect(await failed.json()).toMatchObject({ status: 429, error_description: 'Injected failure' });
    const ok = await listClients();
    expect(ok.status).toBe(200);
    expect(Array.isArray(await ok.json())).toBe(true);
    expect(admin.faults.injected).toBe(1);
    expect(admin.requests.slice(-2).map((r) => r.status)).toEqual([429, 200]);
  });

  it('resets a call and logs it with status 0', async () => {
    admin.faults.enqueue({ kind: 'reset' });
    const error = await rejection(listClients());
    expect(causeOf(error)).toMatch(/ECONNRESET|other side closed|UND_ERR_SOCKET/);
    expect(admin.requests.at(-1)).toEqual({ method: 'GET', path: '/api/v1/clients', status: 0, scopes: [ADMIN_READ] });
    expect((await listClients()).status).toBe(200);
  });
});
