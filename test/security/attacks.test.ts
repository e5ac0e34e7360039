import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** The facade in production posture (NODE_ENV=production), over the sandbox upstreams. */
let prod: TestApp;
let foreignKey: CryptoKey;
beforeAll(async () => {
  prod = await startTestApp({ NODE_ENV: 'production' });
  foreignKey = (await generateKeyPair('RS256')).privateKey;
});
afterAll(async () => {
  await prod.close();
});

async function post(body: string, headers: Record<string, string>, token?: string) {
  const res = await fetch(`${prod.url}/graphql`, {
    method: 'POST',
    headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function upstreamCalls(): number {
  return prod.sandbox.krr.requests.length + prod.sandbox.admin.requests.length;
}

describe('forged caller tokens are refused with 401, each with its reason, and nothing runs', () => {
  const query = JSON.stringify({ query: '{ person(id: "11822648950") { status } }' });
  const cases: [string, string, RegExp, () => Promise<string>][] = [
    [
      'signed with another key',
      'unknown_key',
      /signed with a key \(kid\) the issuer does not publish/,
      async () =>
        new SignJWT({ scope: 'contactinfo.read' })
          .setProtectedHeader({ alg: 'RS256', kid: 'forged' })
          .setIssuer(prod.sandbox.callerIssuer.issuer)
          .setAudience(prod.sandbox.callerIssuer.audience)
          .setExpirationTime('5m')
          .sign(foreignKey),
    ],
    [
      'alg none',
      'algorithm',
      /signing algorithm \(alg\) is not accepted/,
      async () => {
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const exp = Math.floor(Date.now() / 1000) + 300;
        const claims = {
          iss: prod.sandbox.callerIssuer.issuer,
          aud: prod.sandbox.callerIssuer.audience,
          scope: 'contactinfo.read',
          exp,
        };
        return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
      },
    ],
    [
      'expired',
      'expired',
      /has expired \(exp\)/,
      async () => (await prod.sandbox.callerIssuer.issueToken({ expiresInSeconds: -120 })).access_token,
    ],
    [
      'for another audience',
      'audience',
      /another audience \(aud\)/,
      async () => (await prod.sandbox.callerIssuer.issueToken({ audience: 'some-other-api' })).access_token,
    ],
    [
      'not valid yet',
      'not_yet_valid',
      /not valid yet \(nbf\)/,
      async () =>
        (await prod.sandbox.callerIssuer.issueToken({ claims: { nbf: Math.floor(Date.now() / 1000) + 600 } }))
          .access_token,
    ],
    [
      'living longer than AUTH_MAX_TOKEN_LIFETIME_SECONDS',
      'lifetime',
      /lifetime \(exp - iat, or exp - now without iat\) exceeds the 86400 seconds accepted/,
      async () => (await prod.sandbox.callerIssuer.issueToken({ expiresInSeconds: 90_000 })).access_token,
    ],
    ['not a JWT', 'malformed', /not a well-formed JWT/, async () => 'not-a-jwt'],
  ];
  for (const [name, reason, says, make] of cases) {
    it(`${name}: ${reason}`, async () => {
      const before = upstreamCalls();
      const token = await make();
      const res = await fetch(`${prod.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: query,
      });
      expect(res.status).toBe(401);
      const error = ((await res.json()) as { errors: { message: string; extensions: { code: string } }[] }).errors[0];
      expect(error?.extensions.code).toBe('UNAUTHENTICATED');
      expect(error?.message).toMatch(/^The bearer token is invalid: /);
      expect(error?.message).toMatch(says);
      // RFC 6750 §3: the same reason in the challenge, in a value a quoted-string may hold.
      expect(res.headers.get('www-authenticate')).toBe(
        `Bearer error="invalid_token", error_description="${error?.message}"`,
      );
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer [\x20-\x7e]+$/);
      expect(upstreamCalls()).toBe(before);
      // Logged at info with the reason (one line per reason per second at most), never the token.
      const line = prod.logLines.find(
        (l) => l.includes('"caller token refused"') && l.includes(`"reason":"${reason}"`),
      );
      expect(line).toBeDefined();
      expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 30, reason, status: 401 });
      for (const part of token.split('.').filter((p) => p.length > 8)) {
        expect(prod.logLines.join('\n')).not.toContain(part);
      }
    });
  }

  it('no token: a challenge without an error code (RFC 6750 §3.1), and the body says what is missing', async () => {
    const res = await fetch(`${prod.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: query,
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="digdir-graphql-facade"');
    expect(await res.json()).toEqual({
      errors: [
        {
          // Then, since this app runs the sandbox (SANDBOX=true beside NODE_ENV=production), where to get one.
          message: expect.stringMatching(
            /^A bearer token is required \(Authorization: Bearer <JWT>\)\. Sandbox mode: /,
          ),
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
  });
});

describe('request shapes that must be refused', () => {
  it('refuses a batched array request', async () => {
    const before = upstreamCalls();
    const one = { query: '{ person(id: "11822648950") { status } }' };
    const res = await post(JSON.stringify([one, one]), { 'content-type': 'application/json' }, await prod.token());
    expect(res.status).toBe(400);
    expect(upstreamCalls()).toBe(before);
  });

  it('refuses a mutation over GET', async () => {
    const before = prod.sandbox.admin.requests.length;
    const q = encodeURIComponent(
      'mutation { deleteClient(input: { id: "oidc_eksempel_klient" }) { userErrors { code } } }',
    );
    const res = await fetch(`${prod.url}/graphql?query=${q}`, {
      headers: { authorization: `Bearer ${await prod.token()}`, 'apollo-require-preflight': 'true' },
    });
    expect(res.status).toBe(405);
    expect(prod.sandbox.admin.requests.length).toBe(before);
  });

  it('refuses a CSRF-style simple request (text/plain POST, or GET without a preflight header)', async () => {
    const before = upstreamCalls();
    const body = JSON.stringify({ query: '{ person(id: "11822648950") { status } }' });
    const simple = await post(body, { 'content-type': 'text/plain' }, await prod.token());
    expect(simple.status).toBe(400);
    // (A GET whose URL holds an id is refused with 405 before this check.)
    const q = encodeURIComponent('{ clients { id } }');
    const get = await fetch(`${prod.url}/graphql?query=${q}`, {
      headers: { authorization: `Bearer ${await prod.token()}` },
    });
    expect(get.status).toBe(400);
    expect(upstreamCalls()).toBe(before);
  });

  it('reads a body as JSON only for application/json, and only in UTF-8', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const token = await prod.token();
    for (const type of ['application/json', 'Application/JSON ; Charset="UTF-8"', 'application/json;charset=utf-8']) {
      const res = await post(body, { 'content-type': type }, token);
      expect(res.status, type).toBe(200);
    }
    // Not JSON (it was parsed as JSON when the type merely contained "application/json").
    for (const type of ['application/jsonx', 'text/application/json']) {
      expect((await post(body, { 'content-type': type }, token)).status, type).toBe(400);
    }
    const utf16 = await post(body, { 'content-type': 'application/json; charset=utf-16' }, token);
    expect(utf16.status).toBe(415);
    expect(utf16.text).toMatch(/UTF-8/);
  });

  it('refuses a subscription as a request error, not a fault of its own', async () => {
    const token = await prod.token();
    for (const query of ['subscription { __typename }', 'subscription { person(id: 5) { id } }']) {
      const res = await post(JSON.stringify({ query }), { 'content-type': 'application/json' }, token);
      expect(res.status, query).toBe(400);
      const body = JSON.parse(res.text) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(body.errors[0]?.message).toMatch(/subscription/i);
    }
    expect(prod.logLines.join('\n')).not.toMatch(/not configured to execute subscription/);
  });

  it('refuses a body that is not valid UTF-8 rather than reading U+FFFD into it', async () => {
    const before = upstreamCalls();
    const text = '{"query":"{ __typename }","variables":{"n":"';
    const body = Buffer.concat([Buffer.from(text), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}}')]);
    const res = await fetch(`${prod.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await prod.token()}` },
      body,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/UTF-8/);
    expect(upstreamCalls()).toBe(before);
  });

  it('refuses every GET whose URL may hold a personal id with 405, whether or not the document is known', async () => {
    const token = await prod.token();
    const hash = createHash('sha256')
      .update('query P($id: PersonIdentifier!) { person(id: $id) { id } }')
      .digest('hex');
    const extensions = encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }));
    const percentEncoded = '%7B%22id%22%3A%22%31%31%38%32%32%36%34%38%39%35%30%22%7D';
    for (const variables of [
      encodeURIComponent(JSON.stringify({ id: '11822648950' })),
      encodeURIComponent(JSON.stringify({ id: '118226 48950' })),
      // Every digit percent-encoded, and a malformed escape elsewhere in the query string.
      `${percentEncoded}&x=%E0`,
    ]) {
      const id = variables;
      const res = await fetch(`${prod.url}/graphql?extensions=${extensions}&variables=${variables}`, {
        headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
      });
      expect(res.status, id).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });

  it("answers its own refusals in the media type the caller asked for (GraphQL over HTTP's Accept)", async () => {
    const accept = 'application/graphql-response+json, application/json;q=0.9';
    const cases: [string, RequestInit][] = [
      ['no token', { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: '{}' }],
      [
        'not JSON',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept, authorization: `Bearer ${await prod.token()}` },
          body: '{',
        },
      ],
      ['PUT', { method: 'PUT', headers: { accept } }],
    ];
    for (const [name, init] of cases) {
      const res = await fetch(`${prod.url}/graphql`, init);
      expect(res.status, name).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('content-type'), name).toBe('application/graphql-response+json; charset=utf-8');
      expect((JSON.parse(await res.text()) as { errors: unknown[] }).errors.length, name).toBe(1);
    }
    const plain = await fetch(`${prod.url}/graphql`, { method: 'POST', headers: { accept: 'application/json' } });
    expect(plain.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it('refuses a body beyond the size limit with 413', async () => {
    const huge = JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(1_100_000) } });
    const res = await post(huge, { 'content-type': 'application/json' }, await prod.token());
    expect(res.status).toBe(413);
    // The rest of the body stays unread: the connection cannot carry another request.
    expect(res.headers.get('connection')).toBe('close');
  });

  it('refuses a chunked body (no Content-Length) once it grows beyond the limit, with 413', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 64)
          controller.enqueue(chunk); // 4 MB at most, far beyond the limit
        else controller.close();
      },
    });
    const res = await fetch(`${prod.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await prod.token()}` },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(sent).toBeLessThan(64); // refused before the whole body was sent
  });
});

describe('production posture', () => {
  it('turns introspection off', async () => {
    const res = await prod.graphql(`{ __schema { types { name } } }`);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.data).toBeUndefined();
  });

  it('gives no "did you mean" suggestions', async () => {
    const res = await prod.graphql(`{ persn(id: "11822648950") { status } }`);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).not.toMatch(/Did you mean/i);
  });

  it('serves no GraphiQL page and no stack traces', async () => {
    const page = await fetch(`${prod.url}/graphql`, {
      headers: { accept: 'text/html', authorization: `Bearer ${await prod.token()}` },
    });
    expect(page.headers.get('content-type') ?? '').not.toContain('text/html');
    const res = await prod.graphql(`{ person(id: "11822648951") { status } }`);
    expect(JSON.stringify(res.body)).not.toMatch(/stacktrace|at .*\.ts:\d+/);
  });
});

describe('trusted documents mode', () => {
  const document = 'query Status($id: PersonIdentifier!) { person(id: $id) { status } }';
  const hash = createHash('sha256').update(document).digest('hex');
  let trusted: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trusted-'));
    const file = join(dir, 'persisted-documents.json');
    await writeFile(file, JSON.stringify({ [hash]: document }));
    trusted = await startTestApp({ NODE_ENV: 'production', TRUSTED_DOCUMENTS_FILE: file });
  });
  afterAll(async () => {
    await trusted.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a listed operation requested by hash (documentId or persistedQuery extension)', async () => {
    const token = await trusted.token();
    for (const body of [
      { documentId: `sha256:${hash}`, variables: { id: '11822648950' } },
      { extensions: { persistedQuery: { version: 1, sha256Hash: hash } }, variables: { id: '11822648950' } },
    ]) {
      const res = await fetch(`${trusted.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      expect(await res.json()).toEqual({ data: { person: { status: 'ACTIVE' } } });
    }
  });

  it('refuses any other document, and nothing runs upstream', async () => {
    const before = trusted.sandbox.krr.requests.length;
    const res = await trusted.graphql(`{ person(id: "11822648950") { status email { value } } }`);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
    const unknown = await fetch(`${trusted.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await trusted.token()}` },
      body: JSON.stringify({ documentId: 'f'.repeat(64) }),
    });
    expect(unknown.status).toBe(400);
    expect(trusted.sandbox.krr.requests.length).toBe(before);
  });
});

describe('query limits, checked before anything runs', () => {
  async function refused(query: string, variables?: Record<string, unknown>) {
    const before = upstreamCalls();
    const res = await prod.graphql(query, variables);
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(upstreamCalls()).toBe(before);
    return res.body.errors?.[0];
  }

  it('refuses an alias flood', async () => {
    const aliases = Array.from({ length: 200 }, (_, i) => `a${i}: person(id: "11822648950") { status }`).join(' ');
    const error = await refused(`{ ${aliases} }`);
    expect(error?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error?.message).toMatch(/aliases/);
  });

  it('refuses deep nesting', async () => {
    let selection = 'id';
    for (let i = 0; i < 10; i++) selection = `onBehalfOf { client { ${selection} } }`;
    const error = await refused(`{ clients { ${selection} } }`);
    expect(error?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error?.message).toMatch(/depth/);
  });

  it('refuses a cost bomb', async () => {
    const error = await refused(
      `{ clients { onBehalfOf { client { onBehalfOf { client { jwks { keys { kid } } } } } } } }`,
    );
    expect(error?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error?.message).toMatch(/cost/);
  });

  it('refuses more distinct persons than allowed, without naming any', async () => {
    const ids = syntheticPersonIdentifiers(5001);
    const error = await refused(`query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }`, { ids });
    expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(error)).not.toMatch(/\d{11}/);
  });

  it('counts a person named twice once: more names than the limit pass when the distinct persons fit', async () => {
    const small = await startTestApp({ NODE_ENV: 'production', QUERY_MAX_PERSONS: '3' });
    try {
      const [a, b, c, d] = syntheticPersonIdentifiers(4);
      const query = `query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }`;
      const fits = await small.graphql(query, { ids: [a, a, b, b, c, a] });
      expect(fits.status).toBe(200);
      expect((fits.body.data as { persons: { id: string }[] }).persons.map((p) => p.id)).toEqual([a, a, b, b, c, a]);
      const over = await small.graphql(query, { ids: [a, b, c, d, a] });
      expect(over.status).toBe(400);
      expect(over.body.errors?.[0]?.message).toBe(
        'The request names 4 distinct persons; the maximum is 3: split them over several requests.',
      );
    } finally {
      await small.close();
    }
  });

  it('refuses an answer larger than QUERY_MAX_ANSWER_BYTES: one person named many times under long aliases', async () => {
    const small = await startTestApp({ NODE_ENV: 'production', QUERY_MAX_ANSWER_BYTES: String(1024 * 1024) });
    try {
      const fields = Array.from(
        { length: 30 },
        (_, i) => `${'a'.repeat(120)}${String(i).padStart(7, '0')}: reservedAt`,
      );
      const query = `query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { ${fields.join(' ')} } }`;
      const before = small.sandbox.krr.requests.length;
      const res = await small.graphql(query, { ids: Array<string>(2000).fill('04846697271') });
      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors?.[0]?.extensions).toMatchObject({
        code: 'GRAPHQL_VALIDATION_FAILED',
        maxAnswerBytes: 1048576,
      });
      expect(res.body.errors?.[0]?.message).toMatch(
        /^The answer to this query could take about 9\.\d MB; the maximum is 1\.0 MB: select fewer fields or aliases, or split the persons over several requests\.$/,
      );
      expect(small.sandbox.krr.requests.length).toBe(before);
      // The same selection for fewer persons fits.
      const fits = await small.graphql(query, { ids: Array<string>(100).fill('04846697271') });
      expect(fits.status).toBe(200);
      expect(fits.body.errors).toBeUndefined();
    } finally {
      await small.close();
    }
  });

  it('refuses a document with too many tokens', async () => {
    const fields = Array.from({ length: 3000 }, () => '__typename').join(' ');
    await refused(`{ ${fields} }`);
  });
});

describe('CORS allow-list and error masking', () => {
  let cors: TestApp;
  beforeAll(async () => {
    cors = await startTestApp({ NODE_ENV: 'production', CORS_ORIGINS: 'https://app.example.no' });
  });
  afterAll(async () => {
    await cors.close();
  });

  it('answers the preflight of an allowed origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${cors.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight('https://app.example.no');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.no');
    const other = await preflight('https://evil.example.com');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('masks unexpected errors as INTERNAL_SERVER_ERROR and keeps the details in the log', async () => {
    // An answer the facade cannot make sense of: a client whose `active` is no boolean.
    cors.sandbox.admin.failNext(200, 1, [
      { client_id: 'odd', client_orgno: '991825827', integration_type: 'api_klient', active: 'maybe-later' },
    ]);
    const res = await cors.graphql(`{ clients { id active } }`);
    const error = res.body.errors?.[0];
    expect(error).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(res.body)).not.toContain('maybe-later');
    expect(cors.logLines.some((l) => l.includes('Boolean cannot represent'))).toBe(true);
  });
});
