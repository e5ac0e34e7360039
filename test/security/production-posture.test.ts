/**
 * Issue 11's reproductions against the HTTP layer, in production posture over the sandbox upstreams: bounded work per
 * request, exact routing, no personal ids in URLs or logs, readiness of this process only.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

let prod: TestApp;
let dir: string;
let auditFile: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'posture-'));
  auditFile = join(dir, 'audit.jsonl');
  prod = await startTestApp({ NODE_ENV: 'production', LOG_LEVEL: 'debug', AUDIT_LOG_FILE: auditFile });
});
afterAll(async () => {
  await prod.close();
  await rm(dir, { recursive: true, force: true });
});

function upstreamCalls(): number {
  return prod.sandbox.krr.requests.length + prod.sandbox.admin.requests.length;
}

/** Sends a raw HTTP/1.1 request (any request target) and answers the status line's code and the whole response. */
function raw(target: string, headers: string[] = [], body = ''): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(prod.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        [
          `${body ? 'POST' : 'GET'} ${target} HTTP/1.1`,
          `Host: ${hostname}:${port}`,
          'Connection: close',
          ...headers,
          ...(body ? [`Content-Length: ${Buffer.byteLength(body)}`] : []),
          '',
          body,
        ].join('\r\n'),
      );
    });
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text }));
  });
}

describe('one request cannot take the process down', () => {
  it('refuses a 200 KB operation name with 1000 ids before anything runs, and writes no audit line', async () => {
    const ids = syntheticPersonIdentifiers(1000);
    const name = `Op${'x'.repeat(200_000)}`;
    const before = upstreamCalls();
    const auditBefore = (await readFile(auditFile, 'utf8').catch(() => '')).length;
    const res = await fetch(`${prod.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await prod.token()}` },
      body: JSON.stringify({
        query: `query ${name}($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id status } }`,
        operationName: name,
        variables: { ids },
      }),
    });
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(res.status).toBe(400);
    expect(body.errors[0]?.extensions.code).toBe('BAD_REQUEST');
    expect(body.errors[0]?.message.length).toBeLessThan(200);
    expect(upstreamCalls()).toBe(before);
    expect((await readFile(auditFile, 'utf8').catch(() => '')).length).toBe(auditBefore);
    // A long operationName alone (the document's name short) is refused too.
    const alone = await fetch(`${prod.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await prod.token()}` },
      body: JSON.stringify({ query: '{ __typename }', operationName: 'y'.repeat(10_000) }),
    });
    expect(alone.status).toBe(400);
  });

  it('audit records cannot grow with an operation name or request id the caller chose', async () => {
    const id = '11822648950';
    const lines = async () => (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean);
    const sizes: number[] = [];
    for (const [name, requestId] of [
      ['A', 'r'],
      ['B'.repeat(128), 'r'.repeat(64)],
      ['C'.repeat(5000), 'r'.repeat(5000)],
    ] as const) {
      const n = (await lines()).length;
      await fetch(`${prod.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await prod.token()}`,
          'x-request-id': requestId,
        },
        body: JSON.stringify({ query: `query ${name} { person(id: "${id}") { status } }` }),
      });
      for (const line of (await lines()).slice(n)) sizes.push(line.length);
    }
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(127 + 64 + '"callerRequestId":"",'.length);
  });

  it('refuses a literal nested 2400 lists deep with 400 (no stack overflow), and variables nested as deep', async () => {
    const before = upstreamCalls();
    const deep = `{ persons(ids: ${'['.repeat(2400)}"11822648950"${']'.repeat(2400)}) { id } }`;
    const res = await prod.graphql(deep);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).not.toMatch(/call stack/i);
    let nested: unknown = '11822648950';
    for (let i = 0; i < 2400; i++) nested = [nested];
    const viaVariables = await prod.graphql('query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }', {
      ids: nested,
    });
    expect(viaVariables.status).toBe(400);
    expect(upstreamCalls()).toBe(before);
  });

  it('gives no schema suggestions in production, for validation or variable coercion', async () => {
    const checks = [
      await prod.graphql('{ persn(id: "11822648950") { status } }'),
      await prod.graphql('query($t: IntegrationType) { clients(filter: {integrationType: $t}) { id } }', {
        t: 'IDPORTE',
      }),
      await prod.graphql(
        'mutation($k: JwkInput!) { addClientJwk(input: {clientId: "a", key: $k}) { userErrors { message } } }',
        { k: { kiid: 'x', kty: 'RSA', alg: 'RS256', n: 'AQAB', e: 'AQAB' } },
      ),
    ];
    for (const res of checks) {
      expect(res.body.errors?.length).toBeGreaterThan(0);
      expect(JSON.stringify(res.body)).not.toMatch(/Did you mean/);
    }
  });
});

describe('routing on the exact path', () => {
  it('answers 404 to dot segments, encoded separators and prefix tricks; nothing runs', async () => {
    const before = upstreamCalls();
    const token = await prod.token();
    const body = JSON.stringify({ query: '{ person(id: "11822648950") { status } }' });
    for (const target of [
      '/%2e%2e/graphql',
      '/%2E%2E/graphql',
      '/x/../graphql',
      '/./graphql',
      '/graphql/',
      '/graphql/.',
      '/sandbox/caller-token/../../graphql',
      '/graphql%2f',
      '/%67raphql',
      '/GRAPHQL',
      '/graphql\\..\\healthz',
    ]) {
      const res = await raw(target, ['Content-Type: application/json', `Authorization: Bearer ${token}`], body);
      expect(res.status, target).toBe(404);
    }
    expect(upstreamCalls()).toBe(before);
  });

  it('answers 400 to a malformed request target, logged at debug without the target', async () => {
    const lines = prod.logLines.length;
    const res = await raw('//[::1/graphql?query=%7B__typename%7D');
    expect(res.status).toBe(400);
    const absolute = await raw('http://evil.example/graphql');
    expect(absolute.status).toBe(400);
    const logged = prod.logLines.slice(lines);
    expect(logged.some((l) => l.includes('"level":50'))).toBe(false);
    expect(logged.join('\n')).not.toContain('[::1');
    expect(logged.some((l) => l.includes('malformed request target') && l.includes('"level":20'))).toBe(true);
  });

  it('marks every /graphql response no-store, errors and 401s included', async () => {
    const ok = await prod.graphql('{ __typename }');
    expect(ok.status).toBe(200);
    for (const res of [
      await fetch(`${prod.url}/graphql`, { method: 'POST', body: '{}' }),
      await fetch(`${prod.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await prod.token()}` },
        body: JSON.stringify({ query: '{ __typename }' }),
      }),
      await fetch(`${prod.url}/sandbox/caller-token`, { method: 'POST' }),
    ]) {
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('refuses two Authorization headers with 400', async () => {
    const token = await prod.token();
    const res = await raw(
      '/graphql',
      ['Content-Type: application/json', `Authorization: Bearer ${token}`, 'Authorization: Bearer other'],
      JSON.stringify({ query: '{ __typename }' }),
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain('one Authorization header');
  });
});

describe('personal ids stay out of URLs and logs', () => {
  it('refuses person look-ups over GET with 405 "use POST", literal or variable', async () => {
    const before = upstreamCalls();
    const token = await prod.token();
    for (const search of [
      `query=${encodeURIComponent('{ person(id: "11822648950") { status } }')}`,
      `query=${encodeURIComponent('query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }')}&variables=${encodeURIComponent('{"ids":["11822648950"]}')}`,
      `query=${encodeURIComponent('{ ...F } fragment F on Query { person(id: "11822648950") { status } }')}`,
    ]) {
      const res = await fetch(`${prod.url}/graphql?${search}`, {
        headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
      });
      expect(res.status, search).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect(await res.text()).toMatch(/POST/);
    }
    expect(upstreamCalls()).toBe(before);
    // Queries without personal ids still work over GET.
    const clients = await fetch(`${prod.url}/graphql?query=${encodeURIComponent('{ clients { id } }')}`, {
      headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
    });
    expect(clients.status).toBe(200);
  });

  it('never logs an 11-digit run from a request id or an operation name; keeps a plain caller request id', async () => {
    const lines = prod.logLines.length;
    const token = await prod.token();
    const send = (requestId: string, name: string) =>
      fetch(`${prod.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': requestId },
        body: JSON.stringify({ query: `query ${name} { person(id: "11822648950") { status } }`, operationName: name }),
      });
    const first = await send('11822648950', 'lookup_11822648950');
    await send('trace-2', 'q_118226489500'); // an id hidden in a longer run of digits
    expect(first.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    await send('my-trace-1', 'Plain');
    const logged = prod.logLines.slice(lines).join('\n');
    expect(logged).not.toMatch(/11822648950/);
    expect(logged).toContain('"callerRequestId":"my-trace-1"');
    // The audit record keeps the person (its one place), the facade's request id, never the caller's 11 digits.
    const audit = (await readFile(auditFile, 'utf8')).split('\n').filter(Boolean);
    const records = audit.map((l) => JSON.parse(l) as Record<string, unknown>);
    const firstRecord = records.find((r) => r.requestId === first.headers.get('x-request-id'));
    expect(firstRecord).toMatchObject({ personId: '11822648950' });
    expect(firstRecord?.callerRequestId).toBeUndefined();
    expect(records.at(-1)?.callerRequestId).toBe('my-trace-1');
  });
});

describe('trusted documents over GET', () => {
  it('refuses a trusted person document over GET with 405', async () => {
    const document = 'query Status($id: PersonIdentifier!) { person(id: $id) { status } }';
    const hash = createHash('sha256').update(document).digest('hex');
    const file = join(dir, 'trusted.json');
    await writeFile(file, JSON.stringify({ [hash]: document }));
    const trusted = await startTestApp({ NODE_ENV: 'production', TRUSTED_DOCUMENTS_FILE: file });
    try {
      const search = new URLSearchParams({
        extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }),
        variables: JSON.stringify({ id: '11822648950' }),
      });
      const before = trusted.sandbox.krr.requests.length;
      const res = await fetch(`${trusted.url}/graphql?${search.toString()}`, {
        headers: { authorization: `Bearer ${await trusted.token()}`, 'apollo-require-preflight': 'true' },
      });
      expect(res.status).toBe(405);
      expect(trusted.sandbox.krr.requests.length).toBe(before);
    } finally {
      await trusted.close();
    }
  });
});

describe('readiness is this process, not the upstreams', () => {
  it('stays ready while the admin API is down and its breaker open; /healthz?verbose tells', async () => {
    const t = await startTestApp({ NODE_ENV: 'production', BREAKER_VOLUME_THRESHOLD: '2', BREAKER_RESET_MS: '60000' });
    try {
      t.sandbox.admin.failNext(503, 50);
      for (let i = 0; i < 6; i++) await t.graphql('{ clients { id } }');
      const verbose = (await (await fetch(`${t.url}/healthz?verbose`)).json()) as {
        upstreams: { admin: { breaker: string }; krr: { breaker: string } };
      };
      expect(verbose.upstreams.admin.breaker).toBe('open');
      expect(verbose.upstreams.krr.breaker).toBe('closed');
      expect(JSON.stringify(verbose)).not.toMatch(/eyJ|BEGIN|secret/i);
      const ready = await fetch(`${t.url}/readyz`);
      expect(ready.status).toBe(200);
      const person = await t.graphql('{ person(id: "11822648950") { status } }');
      expect(person.body).toEqual({ data: { person: { status: 'ACTIVE' } } });
    } finally {
      await t.close();
    }
  });

  it('serves /metrics on METRICS_PORT only when it is set', async () => {
    const t = await startTestApp({ METRICS_PORT: '0' });
    try {
      expect(t.app.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const metrics = await fetch(t.app.metricsUrl as string);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('cache-control')).toBe('no-store');
      expect(await metrics.text()).toContain('facade_upstream_requests_total');
      expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
      // As on the main port: HEAD answers like GET, any other method 405.
      const head = await fetch(t.app.metricsUrl as string, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
      const post = await fetch(t.app.metricsUrl as string, { method: 'POST', body: '{}' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
      expect((await fetch(`${t.app.metricsUrl as string}x`)).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});

describe('requests Apollo refuses without a code', () => {
  it('answers a persisted query whose hash does not match its text as 400 BAD_REQUEST, not an internal error', async () => {
    const lines = prod.logLines.length;
    const res = await fetch(`${prod.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await prod.token()}` },
      body: JSON.stringify({
        query: '{ __typename }',
        extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } },
      }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]).toMatchObject({
      message: 'provided sha does not match query',
      extensions: { code: 'BAD_REQUEST' },
    });
    expect(prod.logLines.slice(lines).some((l) => l.includes('"level":50'))).toBe(false);
  });

  it('keeps a persisted query whose text is not ASCII under the SHA-256 of its UTF-8 bytes (Apollo hashes every document)', async () => {
    // Apollo's document hash goes through vendor/apollo-utils-createhash: a client's hash of the bytes must match it.
    const query = '# Ærlig talt: ø, å, 日本, 😀\nquery Typename { __typename }';
    const sha256Hash = createHash('sha256').update(Buffer.from(query, 'utf8')).digest('hex');
    const post = async (body: object) => {
      const res = await fetch(`${prod.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await prod.token()}` },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    expect(await post({ query, extensions })).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
    expect(await post({ extensions })).toEqual({ status: 200, body: { data: { __typename: 'Query' } } });
  });
});
