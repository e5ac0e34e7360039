import { createPrivateKey } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GrantCredentials } from '../../src/maskinporten/credentials.js';
import { TokenService, checkMetadata, refreshAfterSeconds, safetyMs } from '../../src/maskinporten/token-service.js';
import { createLogger } from '../../src/observability/logger.js';
import { Metrics } from '../../src/observability/metrics.js';
import { startMaskinportenSimulator, type MaskinportenSimulator } from '../../src/sandbox/maskinporten.js';
import { createTestPki, type IssuedCertificate, type TestPki } from '../../src/sandbox/pki.js';
import { UpstreamAuthError, UpstreamUnavailableError, toGraphQLError } from '../../src/upstream/errors.js';
import { UpstreamClient } from '../../src/upstream/http-client.js';
import { RetryBudget } from '../../src/upstream/retry.js';
import type { TokenRequest } from '../../src/upstream/token-provider.js';

const OWNER_ORGNO = '991825827';
const CUSTOMER_ORGNO = '922020175';
const CLIENT_ID = 'facade-client';
const CONTACT = 'krr:global/kontaktinformasjon.read';
const MAILBOX = 'krr:global/digitalpost.read';
const DCR = 'idporten:dcr.read';

let pki: TestPki;
let cert: IssuedCertificate;
let credentials: GrantCredentials;

/** The fake clock the token service and the simulator both read. */
let nowMs = Date.now();
const clock = () => nowMs;

let sim: MaskinportenSimulator;
let metrics: Metrics;
let http: UpstreamClient;
let service: TokenService;
const extraServers: Server[] = [];
const extraClients: UpstreamClient[] = [];

beforeAll(() => {
  pki = createTestPki({ name: 'Token service test CA' });
  cert = pki.issueEnterpriseCertificate({ orgno: OWNER_ORGNO });
  credentials = { privateKey: createPrivateKey(cert.keyPem), x5c: cert.x5c };
});

beforeEach(async () => {
  nowMs = Date.now();
  sim = await startMaskinportenSimulator({
    trustedCaCertsPem: [pki.caCertPem],
    clients: [
      {
        clientId: CLIENT_ID,
        orgno: OWNER_ORGNO,
        scopes: [CONTACT, MAILBOX, DCR],
        delegatedConsumerOrgs: [CUSTOMER_ORGNO],
      },
    ],
    now: clock,
  });
  metrics = new Metrics();
  http = new UpstreamClient('maskinporten', sim.issuer, { metrics, connections: 4 });
  service = newService(sim.issuer, http, metrics);
});

afterEach(async () => {
  await http.close();
  await Promise.all(extraClients.splice(0).map((c) => c.close()));
  await sim.close();
  await Promise.all(extraServers.splice(0).map(closeServer));
});

function newService(issuer: string, client: UpstreamClient, m: Metrics): TokenService {
  return new TokenService({
    issuer,
    clientId: CLIENT_ID,
    credentials,
    http: client,
    metrics: m,
    log: createLogger({ level: 'silent' }),
    now: clock,
  });
}

/** `facade_upstream_requests_total` for the given method (and status), as the /metrics endpoint would show it. */
async function upstreamRequests(m: Metrics, method: string, status?: string): Promise<number> {
  const { values } = await m.upstreamRequests.get();
  return values
    .filter((v) => v.labels.method === method && (status === undefined || v.labels.status === status))
    .reduce((sum, v) => sum + v.value, 0);
}

async function tokenCache(m: Metrics, result: string): Promise<number> {
  const { values } = await m.tokenCache.get();
  return values.find((v) => v.labels.result === result)?.value ?? 0;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

/** A hand-written authorization server on loopback, for answers the simulator never gives. */
async function startFakeIssuer(
  handler: (req: IncomingMessage, res: ServerResponse, issuer: string) => void,
): Promise<string> {
  let issuer = '';
  const server = createServer((req, res) => handler(req, res, issuer));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  extraServers.push(server);
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return issuer;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

describe('TokenService: single flight and the cache key', () => {
  it('answers 200 concurrent cold calls for one scope set with exactly one token request', async () => {
    const tokens = await Promise.all(Array.from({ length: 200 }, () => service.getToken({ scopes: [CONTACT] })));
    expect(sim.tokenRequests).toBe(1);
    expect(sim.tokensIssued).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(decodeJwt(tokens[0] as string)).toMatchObject({ client_id: CLIENT_ID, scope: CONTACT });
    expect(await tokenCache(metrics, 'miss')).toBe(1);
    expect(await tokenCache(metrics, 'coalesced')).toBe(199);
    expect(await upstreamRequests(metrics, 'POST', '200')).toBe(1);

    // Warm now: no further request.
    expect(await service.getToken({ scopes: [CONTACT] })).toBe(tokens[0]);
    expect(sim.tokenRequests).toBe(1);
  });

  it('shares one entry between sorted and duplicated scope lists', async () => {
    const [a, b] = [CONTACT, MAILBOX];
    const first = await service.getToken({ scopes: [b, a] });
    const second = await service.getToken({ scopes: [a, b, a] });
    const third = await service.getToken({ scopes: [a, b] });
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(sim.tokenRequests).toBe(1);
    // The grant asked for each scope once.
    expect(String(decodeJwt(first).scope).split(' ').sort()).toEqual([a, b].sort());
  });

  it('gives different scope sets, resources and consumer orgs tokens of their own', async () => {
    const requests: TokenRequest[] = [
      { scopes: [CONTACT] },
      { scopes: [MAILBOX] },
      { scopes: [CONTACT, MAILBOX] },
      { scopes: [CONTACT], resource: 'https://krr.example.no/' },
      { scopes: [CONTACT], resource: 'https://other.example.no/' },
      { scopes: [CONTACT], consumerOrg: CUSTOMER_ORGNO },
    ];
    const tokens = await Promise.all(requests.map((r) => service.getToken(r)));
    expect(sim.tokenRequests).toBe(requests.length);
    expect(new Set(tokens).size).toBe(requests.length);

    // Each token is really what was asked for.
    expect(decodeJwt(tokens[1] as string).scope).toBe(MAILBOX);
    expect(decodeJwt(tokens[3] as string).aud).toBe('https://krr.example.no/');
    expect(decodeJwt(tokens[4] as string).aud).toBe('https://other.example.no/');
    expect(decodeJwt(tokens[0] as string).aud).toBeUndefined();
    expect(decodeJwt(tokens[5] as string)).toMatchObject({
      consumer: { ID: `0192:${CUSTOMER_ORGNO}` },
      supplier: { ID: `0192:${OWNER_ORGNO}` },
    });
    expect(decodeJwt(tokens[0] as string)).toMatchObject({ consumer: { ID: `0192:${OWNER_ORGNO}` } });
    expect(decodeJwt(tokens[0] as string).supplier).toBeUndefined();

    // And each is reused for its own key.
    const again = await Promise.all(requests.map((r) => service.getToken(r)));
    expect(again).toEqual(tokens);
    expect(sim.tokenRequests).toBe(requests.length);
  });
});

describe('TokenService: refresh ahead of expiry (fake clock)', () => {
  it('computes the refresh point from expires_in', () => {
    expect(refreshAfterSeconds(120)).toBe(60);
    expect(refreshAfterSeconds(599)).toBe(479);
    expect(refreshAfterSeconds(240)).toBe(120);
    expect(refreshAfterSeconds(60)).toBe(30);
  });

  it('with expires_in 120, reuses the token for 60 s, then serves it at once while refreshing in the background', async () => {
    const req = { scopes: [CONTACT] };
    const old = await service.getToken(req);
    expect(sim.tokenRequests).toBe(1);

    nowMs += 59_900;
    expect(await service.getToken(req)).toBe(old);
    await sleep(50);
    expect(sim.tokenRequests).toBe(1);

    nowMs += 1_000; // 60.9 s: past the refresh point, well before expiry
    expect(await service.getToken(req)).toBe(old);
    // Answered from the cache: the refresh has not even reached the server yet.
    expect(sim.tokenRequests).toBe(1);
    // Callers during the refresh keep the old token and start no second refresh.
    const during = await Promise.all(Array.from({ length: 10 }, () => service.getToken(req)));
    expect(new Set(during)).toEqual(new Set([old]));

    await vi.waitFor(() => expect(sim.tokenRequests).toBe(2), { timeout: 5_000, interval: 5 });
    await vi.waitFor(async () => expect(await upstreamRequests(metrics, 'POST', '200')).toBe(2), {
      timeout: 5_000,
      interval: 5,
    });
    const fresh = await service.getToken(req);
    expect(fresh).not.toBe(old);
    expect(decodeJwt(fresh).iat).toBe(Math.floor(nowMs / 1000));
    await sleep(50);
    expect(sim.tokenRequests).toBe(2);
    expect(await tokenCache(metrics, 'refresh')).toBe(1);
  });

  it('with expires_in 599, refreshes after 479 s and not before', async () => {
    sim.setAccessTokenTtl(599);
    const req = { scopes: [DCR] };
    const started = nowMs;
    const old = await service.getToken(req);
    expect(decodeJwt(old).exp! - decodeJwt(old).iat!).toBe(599);

    for (const seconds of [60, 300, 478.9]) {
      nowMs = started + seconds * 1000;
      expect(await service.getToken(req)).toBe(old);
    }
    await sleep(50);
    expect(sim.tokenRequests).toBe(1);

    nowMs = started + 479_100;
    expect(await service.getToken(req)).toBe(old);
    await vi.waitFor(async () => expect(await upstreamRequests(metrics, 'POST', '200')).toBe(2), {
      timeout: 5_000,
      interval: 5,
    });
    expect(sim.tokenRequests).toBe(2);
    const fresh = await service.getToken(req);
    expect(fresh).not.toBe(old);
    expect(decodeJwt(fresh).exp).toBe(Math.floor(nowMs / 1000) + 599);
  });

  it('after expiry, a call waits for a new token', async () => {
    const req = { scopes: [CONTACT] };
    const old = await service.getToken(req);
    nowMs += 121_000; // the token is dead; nobody called in between, so no refresh ran
    const fresh = await service.getToken(req);
    expect(fresh).not.toBe(old);
    expect(sim.tokenRequests).toBe(2);
    expect(decodeJwt(fresh).exp).toBeGreaterThan(nowMs / 1000);
  });

  it('does not hand out a token in its last seconds', async () => {
    const req = { scopes: [CONTACT] };
    const old = await service.getToken(req);
    nowMs += 117_000; // 3 s left: too little for the trip to the resource server
    const fresh = await service.getToken(req);
    expect(fresh).not.toBe(old);
    expect(sim.tokenRequests).toBe(2);
  });
});

describe('TokenService: renew', () => {
  it('replaces a refused token once for concurrent renewals, and hands out a replacement already there', async () => {
    const req = { scopes: [CONTACT] };
    const t1 = await service.getToken(req);
    const renewed = await Promise.all([service.renew(req, t1), service.renew(req, t1), service.renew(req, t1)]);
    expect(new Set(renewed).size).toBe(1);
    expect(renewed[0]).not.toBe(t1);
    expect(sim.tokenRequests).toBe(2);
    // A late 401 for the old token: its replacement is cached already.
    expect(await service.renew(req, t1)).toBe(renewed[0]);
    expect(sim.tokenRequests).toBe(2);
  });

  it('keeps the refused token while Maskinporten cannot be reached: one 401 fails one call, not every call', async () => {
    const req = { scopes: [CONTACT] };
    const t1 = await service.getToken(req);
    await sim.close();
    expect(await rejection(service.renew(req, t1))).toBeInstanceOf(UpstreamUnavailableError);
    expect(await service.getToken(req)).toBe(t1);
  });

  it('does not renew a replacement refused within 10 s: a resource server refusing every token costs one request per 10 s', async () => {
    const req = { scopes: [CONTACT] };
    const t1 = await service.getToken(req);
    const t2 = await service.renew(req, t1); // a first refusal is renewed, however fresh the token
    expect(t2).not.toBe(t1);
    expect(sim.tokenRequests).toBe(2);
    for (let i = 0; i < 5; i++) expect(await service.renew(req, t2)).toBe(t2);
    expect(sim.tokenRequests).toBe(2);
    nowMs += 10_000;
    const t3 = await service.renew(req, t2);
    expect(t3).not.toBe(t2);
    expect(sim.tokenRequests).toBe(3);
  });
});

describe('TokenService: renew a short-lived token (red team D5)', () => {
  it('renews a refused replacement within 10 s once it is in its last seconds: the refusal may be its age', async () => {
    sim.setAccessTokenTtl(6);
    const req = { scopes: [CONTACT] };
    const t1 = await service.getToken(req);
    const t2 = await service.renew(req, t1);
    expect(await service.renew(req, t2)).toBe(t2); // fresh: the 10 s rule holds
    nowMs += 5_000; // 1 s left of its 6: past the safety margin (1.5 s), within 10 s of its coming
    const t3 = await service.renew(req, t2);
    expect(t3).not.toBe(t2);
    expect(sim.tokenRequests).toBe(3);
  });
});

describe('TokenService: invalidate', () => {
  it('drops only the named token for its own key; a stale token string does nothing', async () => {
    const req = { scopes: [CONTACT] };
    const other = { scopes: [MAILBOX] };
    const t1 = await service.getToken(req);
    const o1 = await service.getToken(other);
    expect(sim.tokenRequests).toBe(2);

    service.invalidate(req, 'not-the-cached-token');
    service.invalidate(other, t1); // t1 is not other's token
    expect(await service.getToken(req)).toBe(t1);
    expect(await service.getToken(other)).toBe(o1);
    expect(sim.tokenRequests).toBe(2);

    service.invalidate(req, t1);
    const t2 = await service.getToken(req);
    expect(t2).not.toBe(t1);
    expect(sim.tokenRequests).toBe(3);
    expect(await service.getToken(other)).toBe(o1);

    // A late 401 for the old token must not throw away its replacement.
    service.invalidate(req, t1);
    expect(await service.getToken(req)).toBe(t2);
    expect(sim.tokenRequests).toBe(3);
  });
});

describe('TokenService: failures', () => {
  it('maps an unregistered scope to UpstreamAuthError MP-200 / invalid_scope, and to UPSTREAM_AUTH_FAILED', async () => {
    const err = await rejection(service.getToken({ scopes: [CONTACT, 'x:not-registered'] }));
    expect(err).toBeInstanceOf(UpstreamAuthError);
    expect(err).toMatchObject({ mpCode: 'MP-200', oauthError: 'invalid_scope' });

    const gql = toGraphQLError(err);
    expect(gql.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', mpCode: 'MP-200' });
    expect(gql.message).not.toMatch(/https?:|127\.0\.0\.1|\/errors\//);
    expect(gql.message).not.toContain(sim.url);
    expect(JSON.stringify(gql.extensions)).not.toContain(sim.url);
  });

  it('reports a consumer org without delegation as MP-251 (no Altinn delegation)', async () => {
    const err = await rejection(service.getToken({ scopes: [CONTACT], consumerOrg: '984661185' }));
    expect(err).toBeInstanceOf(UpstreamAuthError);
    expect(err).toMatchObject({ mpCode: 'MP-251', oauthError: 'access_denied' });
  });

  it('does not cache a failed request: the next call asks again', async () => {
    const req = { scopes: ['x:granted-later'] };
    await expect(service.getToken(req)).rejects.toBeInstanceOf(UpstreamAuthError);
    await expect(service.getToken(req)).rejects.toBeInstanceOf(UpstreamAuthError);
    expect(sim.tokenRequests).toBe(2);

    sim.registerClient({
      clientId: CLIENT_ID,
      orgno: OWNER_ORGNO,
      scopes: [CONTACT, MAILBOX, DCR, 'x:granted-later'],
    });
    const token = await service.getToken(req);
    expect(decodeJwt(token).scope).toBe('x:granted-later');
    expect(sim.tokenRequests).toBe(3);
  });

  it('concurrent callers of a failing request all get the error, from one request', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => service.getToken({ scopes: ['x:not-registered'] })),
    );
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof UpstreamAuthError)).toBe(true);
    expect(sim.tokenRequests).toBe(1);
  });

  it('turns a stopped Maskinporten into UPSTREAM_UNAVAILABLE (its outage, not our configuration), and keeps serving cached tokens', async () => {
    const cached = await service.getToken({ scopes: [CONTACT] });
    await sim.close();

    const err = await rejection(service.getToken({ scopes: [MAILBOX] }));
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    const gql = toGraphQLError(err);
    expect(gql.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'maskinporten' });
    expect(gql.extensions.mpCode).toBeUndefined();
    expect(gql.message).not.toContain(sim.url);

    expect(await service.getToken({ scopes: [CONTACT] })).toBe(cached);
    // a refused connection is retried: 3 attempts (DEFAULT_RETRY_POLICY), each a fresh grant
    expect(await upstreamRequests(metrics, 'POST', 'error')).toBe(3);
  });

  it('fails with UpstreamUnavailableError when Maskinporten is down from the start (metadata unreachable)', async () => {
    await sim.close();
    const err = await rejection(service.getToken({ scopes: [CONTACT] }));
    expect(err).toBeInstanceOf(UpstreamUnavailableError);
    expect((err as UpstreamUnavailableError).reason).toBe('econnrefused');
    // Says why and where, for the operator's log (never for the caller: toGraphQLError does not repeat it).
    expect((err as Error).message).toMatch(
      /^Maskinporten metadata is unavailable \(econnrefused, http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-authorization-server\)$/,
    );
    expect(await upstreamRequests(metrics, 'GET', 'error')).toBe(3); // metadata GET retried too
  });

  it('refuses an answer without a usable access_token or expires_in, as an unreadable answer', async () => {
    const answers: unknown[] = [
      { token_type: 'Bearer', expires_in: 120 },
      { access_token: '', expires_in: 120 },
      { access_token: 'abc', expires_in: 0 },
      { access_token: 'abc', expires_in: 'soon' },
    ];
    let served = 0;
    const issuer = await startFakeIssuer((req, res, self) => {
      if (req.url === '/.well-known/oauth-authorization-server') {
        return json(res, 200, { issuer: self, token_endpoint: `${self}token` });
      }
      req.resume();
      json(res, 200, answers[served++]);
    });
    const client = new UpstreamClient('maskinporten', issuer, { metrics, connections: 1 });
    extraClients.push(client);
    const svc = newService(issuer, client, metrics);
    for (let i = 0; i < answers.length; i++) {
      await expect(svc.getToken({ scopes: [CONTACT] })).rejects.toMatchObject({
        upstream: 'maskinporten',
        reason: 'unreadable answer',
      });
    }
    expect(served).toBe(answers.length);
  });
});

describe('TokenService: authorization server metadata', () => {
  it('fetches the metadata once and reuses it for every token request', async () => {
    await Promise.all([service.getToken({ scopes: [CONTACT] }), service.getToken({ scopes: [MAILBOX] })]);
    await service.getToken({ scopes: [DCR] });
    service.invalidate({ scopes: [DCR] }, await service.getToken({ scopes: [DCR] }));
    await service.getToken({ scopes: [DCR] });
    expect(sim.tokenRequests).toBe(4);
    expect(await upstreamRequests(metrics, 'GET')).toBe(1);
    expect(await upstreamRequests(metrics, 'POST')).toBe(4);
  });

  it('retries the metadata after a failed discovery', async () => {
    let metadataCalls = 0;
    const issuer = await startFakeIssuer((req, res, self) => {
      if (req.url === '/.well-known/oauth-authorization-server') {
        metadataCalls += 1;
        // 500 is not retried within the call (a 503 would be), so the first discovery fails
        if (metadataCalls === 1) return json(res, 500, { error: 'broken' });
        return json(res, 200, { issuer: self, token_endpoint: `${self}token` });
      }
      req.resume();
      json(res, 200, { access_token: 'opaque-token', token_type: 'Bearer', expires_in: 120 });
    });
    const client = new UpstreamClient('maskinporten', issuer, { metrics, connections: 1 });
    extraClients.push(client);
    const svc = newService(issuer, client, metrics);
    await expect(svc.getToken({ scopes: [CONTACT] })).rejects.toBeInstanceOf(UpstreamUnavailableError);
    expect(await svc.getToken({ scopes: [CONTACT] })).toBe('opaque-token');
    expect(metadataCalls).toBe(2);
  });

  it('refuses an issuer whose metadata names another issuer, before sending any grant', async () => {
    const issuer = await startFakeIssuer((_req, res) =>
      json(res, 200, { issuer: 'https://test.maskinporten.no/', token_endpoint: `${sim.url}/token` }),
    );
    const client = new UpstreamClient('maskinporten', issuer, { metrics, connections: 1 });
    extraClients.push(client);
    const svc = newService(issuer, client, metrics);
    const err = await rejection(svc.getToken({ scopes: [CONTACT] }));
    expect(err).toBeInstanceOf(UpstreamAuthError);
    expect((err as Error).message).toContain('MASKINPORTEN_ISSUER');
    expect(sim.tokenRequests).toBe(0);
  });
});

describe('TokenService: a token endpoint that moved (red team, transport 08)', () => {
  /**
   * A fake Maskinporten whose metadata first names a token endpoint on a host of its own (the "old" one, which can
   * answer a status or go away), and after `move` one of its own (`/new-token`). Both count what reaches them; the new
   * one records each grant's `aud`.
   */
  async function movingIssuer() {
    let moved: { issuer?: string } | undefined;
    let metadataReads = 0;
    let oldAnswer: ((res: ServerResponse) => void) | undefined;
    const counts = { old: 0, new: 0 };
    const audiences: unknown[] = [];
    const oldHost = createServer((req, res) => {
      req.resume();
      counts.old += 1;
      if (oldAnswer) return oldAnswer(res);
      json(res, 200, { access_token: `old-${counts.old}`, token_type: 'Bearer', expires_in: 120 });
    });
    await new Promise<void>((resolve) => oldHost.listen(0, '127.0.0.1', resolve));
    extraServers.push(oldHost);
    const oldEndpoint = `http://127.0.0.1:${(oldHost.address() as AddressInfo).port}/token`;
    const issuer = await startFakeIssuer((req, res, self) => {
      if (req.url === '/.well-known/oauth-authorization-server') {
        metadataReads += 1;
        return json(
          res,
          200,
          moved
            ? { issuer: moved.issuer ?? self, token_endpoint: `${self}new-token` }
            : { issuer: self, token_endpoint: oldEndpoint },
        );
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        counts.new += 1;
        audiences.push(decodeJwt(new URLSearchParams(body).get('assertion') ?? '').aud);
        json(res, 200, { access_token: `new-${counts.new}`, token_type: 'Bearer', expires_in: 120 });
      });
    });
    const client = new UpstreamClient('maskinporten', issuer, { metrics, connections: 2 });
    extraClients.push(client);
    return {
      issuer,
      client,
      svc: newService(issuer, client, metrics),
      counts,
      audiences,
      metadataReads: () => metadataReads,
      /** The metadata names the new endpoint (and `metadataIssuer`, if given); the old one answers `how`. */
      async move(how: number | 'gone' | 'still there', metadataIssuer?: string): Promise<void> {
        moved = { issuer: metadataIssuer };
        if (how === 'gone') {
          extraServers.splice(extraServers.indexOf(oldHost), 1);
          await closeServer(oldHost);
        } else if (typeof how === 'number') {
          oldAnswer = (res) => {
            res.writeHead(how, { 'content-type': 'application/json', location: `${issuer}new-token` });
            res.end(JSON.stringify({ error: 'not_found' }));
          };
        }
      },
      /** The old endpoint answers `how` (or `how(n)` to its n-th request from now), the metadata still naming it. */
      failOld(how: number | ((n: number) => number)): void {
        let n = 0;
        oldAnswer = (res) => json(res, typeof how === 'number' ? how : how(++n), { error: 'not_found' });
      },
    };
  }

  const req = { scopes: [CONTACT] };

  for (const how of [404, 410, 308, 'gone'] as const) {
    it(`re-reads the metadata when the old endpoint ${how === 'gone' ? 'refuses connections' : `answers ${how}`}, and the same call gets its token from the new one`, async () => {
      const mp = await movingIssuer();
      expect(await mp.svc.getToken(req)).toBe('old-1');
      await mp.move(how);
      nowMs += 121_000; // the token has expired: the next call asks for one
      expect(await mp.svc.getToken(req)).toBe('new-1');
      expect(mp.metadataReads()).toBe(2);
      // One attempt at the old endpoint (refused, or never arriving when its host is gone), the next at the new one.
      expect(mp.counts.old).toBe(how === 'gone' ? 1 : 2);
      expect(await upstreamRequests(metrics, 'POST', 'error')).toBe(how === 'gone' ? 1 : 0);
      expect(mp.client.breakerState).toBe('closed');
      // The grant went to the new endpoint addressed to the issuer its metadata names.
      expect(mp.audiences).toEqual([mp.issuer]);

      // From then on, the new endpoint only, the metadata not read again.
      nowMs += 121_000;
      expect(await mp.svc.getToken(req)).toBe('new-2');
      expect(mp.metadataReads()).toBe(2);
      expect(mp.counts.old).toBe(how === 'gone' ? 1 : 2);
    });
  }

  it('with no retry left for another attempt, the next token request re-reads the metadata before it asks', async () => {
    const mp = await movingIssuer();
    await mp.svc.getToken(req);
    await mp.move(404);
    nowMs += 121_000;
    const spent = { correlationId: 'no-retries-left', retryBudget: new RetryBudget(0) };
    expect(await rejection(mp.svc.getToken(req, spent))).toBeInstanceOf(UpstreamAuthError);
    expect(mp.metadataReads()).toBe(1);
    expect(await mp.svc.getToken(req)).toBe('new-1');
    expect(mp.metadataReads()).toBe(2);
    expect(mp.counts.old).toBe(2); // the first token, and the one attempt after the move
  });

  it('a move seen on the last attempt has the next token request re-read the metadata before it asks', async () => {
    const mp = await movingIssuer();
    await mp.svc.getToken(req);
    // Its load balancer answers 503 while the old endpoint drains, then 404: the third and last attempt sees the move.
    mp.failOld((n) => (n <= 2 ? 503 : 404));
    nowMs += 121_000;
    expect(await rejection(mp.svc.getToken(req))).toBeInstanceOf(UpstreamAuthError);
    expect(mp.counts.old).toBe(1 + 3);
    await mp.move('still there');
    expect(await mp.svc.getToken(req)).toBe('new-1');
    expect(mp.metadataReads()).toBe(2);
    expect(mp.counts.old).toBe(1 + 3);
  });

  it("grants to the re-read metadata's issuer, and does not take metadata naming another issuer", async () => {
    const mp = await movingIssuer();
    await mp.svc.getToken(req);
    // The issuer published without its trailing slash now (MASKINPORTEN_ISSUER has it): still ours, and the aud.
    await mp.move(404, mp.issuer.replace(/\/$/, ''));
    nowMs += 121_000;
    expect(await mp.svc.getToken(req)).toBe('new-1');
    expect(mp.audiences).toEqual([mp.issuer.replace(/\/$/, '')]);

    const other = await movingIssuer();
    await other.svc.getToken(req);
    await other.move(404, 'https://elsewhere.example.no/');
    nowMs += 121_000;
    const err = await rejection(other.svc.getToken(req));
    expect(err).toBeInstanceOf(UpstreamAuthError);
    expect(other.metadataReads()).toBe(2);
    expect(other.counts.new).toBe(0); // no grant went where the foreign metadata pointed
  });

  it('re-reads at most once per 10 s while the endpoint it names keeps failing', async () => {
    const mp = await movingIssuer();
    await mp.svc.getToken(req);
    mp.failOld(404); // gone, but the metadata still names it
    nowMs += 121_000;
    for (let i = 0; i < 10; i++) {
      expect(
        await rejection(mp.svc.getToken({ scopes: [CONTACT], resource: `https://r${i}.example.no/` })),
      ).toBeInstanceOf(UpstreamAuthError);
      nowMs += 500;
    }
    expect(mp.metadataReads()).toBe(2);
    // The first call tried the old endpoint again after the re-read; the others once each.
    expect(mp.counts.old).toBe(1 + 2 + 9);
    nowMs += 10_000;
    await rejection(mp.svc.getToken(req));
    expect(mp.metadataReads()).toBe(3);
  });

  it('a Maskinporten outage costs one metadata read per 10 s, not one per token request', async () => {
    await service.getToken(req);
    await sim.close();
    nowMs += 121_000;
    for (let i = 0; i < 10; i++) {
      expect(
        await rejection(service.getToken({ scopes: [MAILBOX], resource: `https://r${i}.example.no/` })),
      ).toBeInstanceOf(UpstreamUnavailableError);
    }
    // The first read, then one re-read (a GET retried as any metadata GET: 3 attempts), whatever the breaker did.
    expect(await upstreamRequests(metrics, 'GET', '200')).toBe(1);
    expect(await upstreamRequests(metrics, 'GET', 'error')).toBe(3);
  });

  it('re-reads the metadata once it is an hour old, in the background: the token request waits for nothing more', async () => {
    const mp = await movingIssuer();
    expect(await mp.svc.getToken(req)).toBe('old-1');
    await mp.move('still there');
    nowMs += 58 * 60_000;
    expect(await mp.svc.getToken(req)).toBe('old-2');
    expect(mp.metadataReads()).toBe(1);
    nowMs += 121_000; // the metadata is an hour old
    expect(await mp.svc.getToken(req)).toBe('old-3'); // the metadata held is used while it is re-read
    await vi.waitFor(() => expect(mp.metadataReads()).toBe(2), { timeout: 5_000, interval: 5 });
    nowMs += 121_000;
    expect(await mp.svc.getToken(req)).toBe('new-1');
    expect(mp.metadataReads()).toBe(2);
  });
});

describe('TokenService: MASKINPORTEN_TIMEOUT_MS bounds the whole token request, retries included', () => {
  /** A fake Maskinporten whose token endpoint gives `answer(n)` for its n-th request (1-based). */
  async function slowIssuer(
    answer: (n: number) => { delayMs: number; status: number; headers?: Record<string, string>; body?: unknown },
  ): Promise<{ issuer: string; tokenRequests: () => number; times: number[] }> {
    let n = 0;
    const times: number[] = [];
    const issuer = await startFakeIssuer((req, res, self) => {
      if (req.url === '/.well-known/oauth-authorization-server') {
        return json(res, 200, { issuer: self, token_endpoint: `${self}token` });
      }
      req.resume();
      times.push(performance.now());
      const a = answer(++n);
      setTimeout(() => {
        res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
        res.end(JSON.stringify(a.body ?? { error: 'temporarily_unavailable' }));
      }, a.delayMs);
    });
    return { issuer, tokenRequests: () => n, times };
  }

  async function timedToken(svc: TokenService): Promise<{ ms: number; error: unknown }> {
    const started = performance.now();
    const error = await svc.getToken({ scopes: [CONTACT] }).then(
      () => undefined,
      (err: unknown) => err,
    );
    return { ms: performance.now() - started, error };
  }

  function serviceWithTimeout(issuer: string, deadlineMs: number): TokenService {
    const client = new UpstreamClient('maskinporten', issuer, { metrics, connections: 2, deadlineMs });
    extraClients.push(client);
    return newService(issuer, client, metrics);
  }

  it('ends by the deadline when each attempt answers 503 late: not one deadline per attempt', async () => {
    const fake = await slowIssuer(() => ({ delayMs: 700, status: 503 }));
    const svc = serviceWithTimeout(fake.issuer, 1_000);
    await svc.warmUp();
    const { ms, error } = await timedToken(svc);
    expect(error).toBeDefined();
    // Without one deadline over the attempts: 3 × 700 ms and the backoff between them.
    expect(ms).toBeLessThan(1_300);
    expect(fake.tokenRequests()).toBeLessThanOrEqual(2);
  });

  it('does not retry when Retry-After reaches beyond the deadline (429 and 503), and answers at once', async () => {
    for (const status of [429, 503]) {
      const fake = await slowIssuer(() => ({ delayMs: 0, status, headers: { 'retry-after': '30' } }));
      const svc = serviceWithTimeout(fake.issuer, 2_000);
      await svc.warmUp();
      const { ms, error } = await timedToken(svc);
      expect(error).toBeDefined();
      expect(ms).toBeLessThan(1_000);
      expect(fake.tokenRequests()).toBe(1);
    }
  }, 30_000);

  it('never asks again sooner than Retry-After says', async () => {
    const fake = await slowIssuer((n) =>
      n === 1
        ? { delayMs: 0, status: 503, headers: { 'retry-after': '1' } }
        : { delayMs: 0, status: 200, body: { access_token: 'after-the-wait', token_type: 'Bearer', expires_in: 120 } },
    );
    const svc = serviceWithTimeout(fake.issuer, 3_000);
    await svc.warmUp();
    expect(await svc.getToken({ scopes: [CONTACT] })).toBe('after-the-wait');
    expect(fake.tokenRequests()).toBe(2);
    expect(fake.times[1]! - fake.times[0]!).toBeGreaterThanOrEqual(990);
  });

  it('counts the metadata discovery in the same deadline', async () => {
    let metadataCalls = 0;
    const issuer = await startFakeIssuer((req, res, self) => {
      req.resume();
      if (req.url === '/.well-known/oauth-authorization-server') {
        metadataCalls += 1;
        setTimeout(() => json(res, 200, { issuer: self, token_endpoint: `${self}token` }), 700);
        return;
      }
      setTimeout(() => json(res, 503, { error: 'temporarily_unavailable' }), 700);
    });
    const svc = serviceWithTimeout(issuer, 1_000);
    const { ms, error } = await timedToken(svc);
    expect(error).toBeDefined();
    expect(metadataCalls).toBe(1);
    expect(ms).toBeLessThan(1_300);
  });
});

describe('TokenService: the lifetime and shape of the token answer', () => {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  /** A JWT-shaped token (unsigned: the token service reads `exp` for its own bookkeeping only). */
  const jwt = (claims: Record<string, unknown>) => `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}.c2ln`;

  /** A fake Maskinporten answering each token request with `answer()`; counts them. */
  async function answering(answer: () => unknown): Promise<{ svc: TokenService; requests: () => number }> {
    let requests = 0;
    const issuer = await startFakeIssuer((req, res, self) => {
      if (req.url === '/.well-known/oauth-authorization-server') {
        return json(res, 200, { issuer: self, token_endpoint: `${self}token` });
      }
      req.resume();
      requests += 1;
      json(res, 200, answer());
    });
    const client = new UpstreamClient('maskinporten', issuer, { metrics, connections: 1 });
    extraClients.push(client);
    return { svc: newService(issuer, client, metrics), requests: () => requests };
  }

  it('without expires_in (or null), uses the life the JWT states (exp − iat): cached, not a token request per call', async () => {
    for (const extra of [{}, { expires_in: null }]) {
      let n = 0;
      const { svc, requests } = await answering(() => ({
        access_token: jwt({ iat: Math.floor(nowMs / 1000), exp: Math.floor(nowMs / 1000) + 60, n: ++n }),
        token_type: 'Bearer',
        ...extra,
      }));
      const req = { scopes: [CONTACT] };
      const first = await svc.getToken(req);
      nowMs += 20_000;
      expect(await svc.getToken(req)).toBe(first);
      expect(requests()).toBe(1);
      nowMs += 41_000; // past its exp
      expect(await svc.getToken(req)).not.toBe(first);
      expect(requests()).toBe(2);
    }
  });

  it('without expires_in and not a readable JWT, assumes Maskinporten default of 120 s', async () => {
    let n = 0;
    const { svc, requests } = await answering(() => ({ access_token: `opaque-${++n}`, token_type: 'Bearer' }));
    const req = { scopes: [CONTACT] };
    expect(await svc.getToken(req)).toBe('opaque-1');
    nowMs += 50_000;
    expect(await svc.getToken(req)).toBe('opaque-1');
    expect(requests()).toBe(1);
    nowMs += 71_000;
    expect(await svc.getToken(req)).toBe('opaque-2');
  });

  it('caps a too large expires_in at the life the JWT states', async () => {
    let n = 0;
    const { svc, requests } = await answering(() => ({
      access_token: jwt({ iat: Math.floor(nowMs / 1000), exp: Math.floor(nowMs / 1000) + 60, n: ++n }),
      token_type: 'Bearer',
      expires_in: 1e12,
    }));
    const req = { scopes: [CONTACT] };
    const first = await svc.getToken(req);
    nowMs += 61_000; // the token is dead, whatever expires_in said
    expect(await svc.getToken(req)).not.toBe(first);
    expect(requests()).toBe(2);
  });

  it("keeps a token for its expires_in when the facade's clock runs ahead of Maskinporten's by more than its life", async () => {
    let n = 0;
    // Maskinporten's clock 200 s behind ours: by our clock the token's exp has passed when it comes.
    const { svc, requests } = await answering(() => ({
      access_token: jwt({ iat: Math.floor(nowMs / 1000) - 200, exp: Math.floor(nowMs / 1000) - 80, n: ++n }),
      token_type: 'Bearer',
      expires_in: 120,
    }));
    const req = { scopes: [CONTACT] };
    const first = await svc.getToken(req);
    nowMs += 60_000;
    expect(await svc.getToken(req)).toBe(first);
    expect(requests()).toBe(1);
  });

  it('refuses an access_token that is no bearer token (b64token) or a token_type that is not Bearer', async () => {
    const answers: Record<string, unknown>[] = [
      { access_token: 'abc\r\nX-Injected: 1', token_type: 'Bearer', expires_in: 120 },
      { access_token: 'abc def', token_type: 'Bearer', expires_in: 120 },
      { access_token: 'abc', token_type: 'mac', expires_in: 120 },
    ];
    let i = 0;
    const { svc, requests } = await answering(() => answers[i++]);
    for (let k = 0; k < answers.length; k++) {
      const err = await rejection(svc.getToken({ scopes: [CONTACT] }));
      expect(err).toBeInstanceOf(UpstreamUnavailableError);
      expect(err).toMatchObject({ upstream: 'maskinporten', reason: 'unreadable answer' });
    }
    expect(requests()).toBe(answers.length); // none was cached
  });

  it('accepts token_type in any case, or none, and a b64token with its padding', async () => {
    const answers: Record<string, unknown>[] = [
      { access_token: 'a-b.c_d~e+f/g==', token_type: 'bearer', expires_in: 120 },
      { access_token: 'xyz', expires_in: 120 },
    ];
    let i = 0;
    const { svc } = await answering(() => answers[i++]);
    expect(await svc.getToken({ scopes: [CONTACT] })).toBe('a-b.c_d~e+f/g==');
    expect(await svc.getToken({ scopes: [MAILBOX] })).toBe('xyz');
  });
});

describe('TokenService: short-lived tokens (fake clock)', () => {
  it('puts the refresh point before the safety cut-off for every lifetime', () => {
    for (const seconds of [0.5, 1, 5, 8, 10, 12, 20, 120, 240, 599]) {
      expect(refreshAfterSeconds(seconds) * 1000, `expires_in ${seconds}`).toBeLessThan(
        seconds * 1000 - safetyMs(seconds),
      );
    }
    expect(safetyMs(120)).toBe(5_000);
    expect(safetyMs(8)).toBe(2_000);
  });

  it('with expires_in 5, uses the cached token at all (the 5 s safety margin covered its whole life)', async () => {
    sim.setAccessTokenTtl(5);
    const req = { scopes: [CONTACT] };
    const first = await service.getToken(req);
    nowMs += 1_000;
    expect(await service.getToken(req)).toBe(first);
    expect(sim.tokenRequests).toBe(1);
  });

  it('with expires_in 8, refreshes ahead in the background: the caller past half-life is not kept waiting', async () => {
    sim.setAccessTokenTtl(8);
    const req = { scopes: [CONTACT] };
    const first = await service.getToken(req);
    nowMs += 4_500; // past half-life, before the token's last seconds
    expect(await service.getToken(req)).toBe(first); // answered from the cache
    expect(await tokenCache(metrics, 'refresh')).toBe(1);
    await vi.waitFor(() => expect(sim.tokensIssued).toBe(2), { timeout: 5_000, interval: 5 });
  });
});

describe('TokenService: what the metadata must say (RFC 8414)', () => {
  it('refuses metadata naming another issuer than MASKINPORTEN_ISSUER, naming both', async () => {
    const issuer = await startFakeIssuer((req, res, self) => {
      if (req.url === '/.well-known/oauth-authorization-server') {
        return json(res, 200, { issuer: 'https://elsewhere.example.no/', token_endpoint: `${self}token` });
      }
      req.resume();
      json(res, 200, { access_token: 'opaque', token_type: 'Bearer', expires_in: 120 });
    });
    const client = new UpstreamClient('maskinporten', issuer, { metrics, connections: 1 });
    extraClients.push(client);
    const err = await rejection(newService(issuer, client, metrics).getToken({ scopes: [CONTACT] }));
    expect(err).toBeInstanceOf(UpstreamAuthError);
    const message = (err as Error).message;
    expect(message).toContain('MASKINPORTEN_ISSUER');
    expect(message).toContain(`"${issuer}"`);
    expect(message).toContain('"https://elsewhere.example.no/"');
    expect(toGraphQLError(err).extensions.code).toBe('UPSTREAM_AUTH_FAILED');
  });

  it("takes MASKINPORTEN_ISSUER with or without the trailing slash, and grants with the metadata's issuer as aud", async () => {
    const audiences: unknown[] = [];
    const issuer = await startFakeIssuer((req, res, self) => {
      if (req.url === '/.well-known/oauth-authorization-server') {
        return json(res, 200, { issuer: self, token_endpoint: `${self}token` });
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const assertion = new URLSearchParams(body).get('assertion') ?? '';
        audiences.push(decodeJwt(assertion).aud);
        json(res, 200, { access_token: `opaque-${audiences.length}`, token_type: 'Bearer', expires_in: 120 });
      });
    });
    for (const configured of [issuer, issuer.replace(/\/$/, '')]) {
      const client = new UpstreamClient('maskinporten', issuer, { metrics, connections: 1 });
      extraClients.push(client);
      expect(await newService(configured, client, metrics).getToken({ scopes: [CONTACT] })).toMatch(/^opaque-/);
    }
    expect(audiences).toEqual([issuer, issuer]);
  });

  it('refuses a token_endpoint over http when the issuer is https (a downgrade), not another host', () => {
    const issuer = 'https://test.maskinporten.no/';
    expect(() => checkMetadata(issuer, { issuer, token_endpoint: 'http://test.maskinporten.no/token' })).toThrow(
      /token_endpoint.*https/,
    );
    expect(() => checkMetadata(issuer, { issuer, token_endpoint: 'token' })).toThrow(UpstreamAuthError);
    expect(checkMetadata(issuer, { issuer, token_endpoint: 'https://other.example.no/token' })).toEqual({
      issuer,
      token_endpoint: 'https://other.example.no/token',
    });
  });
});
