/**
 * A Maskinporten outage is told apart from a configuration error (red team, item 2): unreachable, 5xx, 429, a timeout
 * or an unreadable answer give UPSTREAM_UNAVAILABLE for `maskinporten` ("try again later", `retryAfterSeconds` when
 * Maskinporten sent one) and a rate-limited warning; OAuth refusals stay UPSTREAM_AUTH_FAILED with the MP code.
 */
import { createPrivateKey } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GrantCredentials } from '../../src/maskinporten/credentials.js';
import { TokenService } from '../../src/maskinporten/token-service.js';
import { Metrics } from '../../src/observability/metrics.js';
import { createTestPki } from '../../src/sandbox/pki.js';
import { UpstreamAuthError, toGraphQLError } from '../../src/upstream/errors.js';
import { UpstreamClient } from '../../src/upstream/http-client.js';

const CLIENT_ID = 'facade-client';
const SCOPE = 'krr:global/kontaktinformasjon.read';

let credentials: GrantCredentials;
const servers: Server[] = [];
const clients: UpstreamClient[] = [];
let nowMs = Date.now();

beforeAll(() => {
  const pki = createTestPki({ name: 'Transient failures test CA' });
  const cert = pki.issueEnterpriseCertificate({ orgno: '991825827' });
  credentials = { privateKey: createPrivateKey(cert.keyPem), x5c: cert.x5c };
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    ),
  );
});

/** A fake Maskinporten on loopback: metadata as published, the token endpoint answered by `token`. */
async function fakeMaskinporten(
  token: (req: IncomingMessage, res: ServerResponse) => void,
  metadata?: (res: ServerResponse, issuer: string) => void,
): Promise<string> {
  let issuer = '';
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/oauth-authorization-server') {
      if (metadata) return metadata(res, issuer);
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ issuer, token_endpoint: `${issuer}token` }));
    }
    req.resume();
    token(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return issuer;
}

function answer(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}

function service(
  issuer: string,
  deadlineMs = 1_000,
  breakerVolume?: number,
): { svc: TokenService; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const http = new UpstreamClient('maskinporten', issuer, {
    metrics: new Metrics(),
    connections: 2,
    deadlineMs,
    ...(breakerVolume ? { breaker: { volumeThreshold: breakerVolume } } : {}),
  });
  clients.push(http);
  const svc = new TokenService({
    issuer,
    clientId: CLIENT_ID,
    credentials,
    http,
    metrics: new Metrics(),
    log: pino({ level: 'info' }, sink),
    now: () => nowMs,
  });
  return { svc, logs };
}

async function failure(svc: TokenService): Promise<unknown> {
  return svc.getToken({ scopes: [SCOPE] }).then(
    () => {
      throw new Error('expected the token request to fail');
    },
    (err: unknown) => err,
  );
}

const transient: [string, (req: IncomingMessage, res: ServerResponse) => void][] = [
  ['503', (_req, res) => answer(res, 503, '{}')],
  ['500', (_req, res) => answer(res, 500, '{}')],
  ['an HTML page', (_req, res) => answer(res, 200, '<html>maintenance</html>', { 'content-type': 'text/html' })],
  ['a truncated answer', (_req, res) => answer(res, 200, '{"access_token":"abc","expires_in')],
  ['a hung connection', () => undefined],
  ['a connection closed at once', (req) => req.socket.destroy()],
];

describe('Maskinporten outages are not configuration errors', () => {
  for (const [what, handler] of transient) {
    it(`answers ${what} with UPSTREAM_UNAVAILABLE for maskinporten, "try again later"`, async () => {
      const { svc } = service(await fakeMaskinporten(handler), 600);
      const gql = toGraphQLError(await failure(svc));
      expect(gql.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'maskinporten' });
      expect(gql.extensions.mpCode).toBeUndefined();
      expect(gql.message).toMatch(/^Maskinporten (is unavailable right now; try again later|sent an answer)/);
      expect(gql.message).not.toMatch(/127\.0\.0\.1|https?:/);
    });
  }

  it('gives a 429 after the retries as UPSTREAM_UNAVAILABLE with retryAfterSeconds', async () => {
    const { svc } = service(
      await fakeMaskinporten((_req, res) => answer(res, 429, '{}', { 'retry-after': '30' })),
      1_000,
    );
    const gql = toGraphQLError(await failure(svc));
    expect(gql.extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: 'maskinporten',
      retryAfterSeconds: 30,
    });
  });

  it('gives metadata that cannot be had (5xx) as UPSTREAM_UNAVAILABLE too', async () => {
    const { svc } = service(
      await fakeMaskinporten(
        (_req, res) => answer(res, 200, '{}'),
        (res) => answer(res, 503, '{}'),
      ),
      600,
    );
    const gql = toGraphQLError(await failure(svc));
    expect(gql.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: 'maskinporten' });
  });

  it('keeps an OAuth refusal UPSTREAM_AUTH_FAILED with its MP code and error', async () => {
    const { svc } = service(
      await fakeMaskinporten((_req, res) =>
        answer(
          res,
          400,
          JSON.stringify({
            error: 'invalid_scope',
            error_description: 'Token request contains invalid scopes (trace_id: x)',
            error_uri: 'https://test.maskinporten.no/errors/MP-200',
          }),
        ),
      ),
    );
    const err = await failure(svc);
    expect(err).toBeInstanceOf(UpstreamAuthError);
    expect(toGraphQLError(err).extensions).toMatchObject({
      code: 'UPSTREAM_AUTH_FAILED',
      mpCode: 'MP-200',
      oauthError: 'invalid_scope',
    });
  });

  it('passes on only an `error` of OAuth syntax: never Maskinporten text verbatim', async () => {
    const { svc } = service(
      await fakeMaskinporten((_req, res) => answer(res, 400, JSON.stringify({ error: 'invalid_grant 11822648950' }))),
    );
    const gql = toGraphQLError(await failure(svc));
    expect(gql.extensions.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(JSON.stringify(gql.extensions)).not.toContain('11822648950');
    expect(gql.message).not.toContain('11822648950');
  });

  it('asks Maskinporten nothing more before its Retry-After has passed, whichever request comes next', async () => {
    let requests = 0;
    const issuer = await fakeMaskinporten((_req, res) => {
      requests += 1;
      answer(res, 429, '{}', { 'retry-after': '30' });
    });
    const { svc } = service(issuer, 600);
    const first = toGraphQLError(await failure(svc));
    expect(first.extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      upstream: 'maskinporten',
      retryAfterSeconds: 30,
    });
    expect(requests).toBe(1);
    nowMs += 10_000;
    const second = toGraphQLError(await failure(svc));
    expect(second.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 20 });
    expect(requests).toBe(1);
    nowMs += 21_000;
    await failure(svc);
    expect(requests).toBe(2);
  });

  it('warns at info level about an outage, once per cause and minute, without tokens or grants', async () => {
    // A breaker that stays closed: "circuit open" would be a cause of its own, with a line of its own.
    const { svc, logs } = service(await fakeMaskinporten((_req, res) => answer(res, 503, '{}')), 600, 1_000);
    for (let i = 0; i < 5; i++) await failure(svc);
    let warnings = logs.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ upstream: 'maskinporten', reason: 'HTTP 503', status: 503 });
    expect(JSON.stringify(logs)).not.toMatch(/assertion|eyJ/);
    nowMs += 61_000;
    await failure(svc);
    warnings = logs.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatchObject({ reason: 'HTTP 503', suppressed: 4 });
  });
});
