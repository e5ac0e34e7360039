/**
 * OpenTelemetry tracing end to end: the facade runs as production runs it (`src/main.ts` in a process of its own,
 * configured by OTEL_* variables only) against the sandbox's simulators, and exports through the real SDK exporter to
 * a local OTLP/HTTP receiver that decodes what arrives (protobuf, the default; once more with http/json). Checked: the
 * span tree under a caller's `traceparent`, the attributes, the `traceparent` the KRR simulator receives, and that no
 * personal id, client id in a path, token, grant or key reaches the exported data.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDED_CLIENT_IDS } from '../../src/sandbox/admin-seed.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { sandboxUpstreamEnv } from '../helpers/app.js';
import { startOtlpReceiver, type AttributeValue, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PERSON = '11822648950';
const CLIENT = SEEDED_CLIENT_IDS.example;
// The caller's trace: ids without an 11-digit decimal run, so a stray one in the export could only be ours.
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
/** PERSON as people write it: with a space, a dash or (in a GraphQL name) an underscore after the birth date. */
const SEPARATED = [' ', '-', '_'].map((sep) => `${PERSON.slice(0, 6)}${sep}${PERSON.slice(6)}`);
/** A valid trace id that is PERSON followed by zeros. */
const PERSON_TRACE = `${PERSON}${'0'.repeat(21)}`;
const KIND = { internal: 1, server: 2, client: 3 };
const ERROR = 2;

const PERSON_QUERY = 'query PersonLookup($id: PersonIdentifier!) { person(id: $id) { id status email { value } } }';
const CLIENT_QUERY = `query ClientWithKeys { client(id: "${CLIENT}") { id name jwks { keys { kid } } } }`;
const UPDATE = `mutation Describe($input: UpdateClientInput!) {
  updateClient(input: $input) { client { id description } userErrors { code } } }`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** In front of the KRR simulator: records the trace headers of each call, forwards it unchanged. */
async function recordingProxy(target: string, seen: IncomingHttpHeaders[]): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    seen.push(req.headers);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'accept', 'x-correlation-id']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      fetch(`${target}${req.url}`, {
        method: req.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      })
        .then(async (upstream) => {
          res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
          res.end(Buffer.from(await upstream.arrayBuffer()));
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

interface Facade {
  url: string;
  child: ChildProcess;
  stop(): Promise<number | null>;
}

/** `src/main.ts` in a process of its own against the sandbox (KRR through `krrUrl`), with `env` on top. */
async function startFacade(sandbox: Sandbox, krrUrl: string, dir: string, env: Record<string, string>) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      ...sandboxUpstreamEnv(sandbox),
      KRR_URL: krrUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      AUDIT_LOG_FILE: join(dir, `audit-${port}.jsonl`),
      // Exported within a tenth of a second, so the test need not wait for the 5 s default.
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exited = code;
      resolve(code);
    }),
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`the facade exited with ${exited}`);
    if (Date.now() > deadline) throw new Error('the facade did not start');
    try {
      // /healthz, not /readyz: nothing but the requests below may ask Maskinporten for a token.
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      return exit;
    },
  } satisfies Facade;
}

async function post(
  facade: Facade,
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; requestId: string | null; json: { data?: unknown; errors?: unknown[] } }> {
  const res = await fetch(`${facade.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    requestId: res.headers.get('x-request-id'),
    json: (await res.json()) as { data?: unknown; errors?: unknown[] },
  };
}

function serverSpanOf(spans: ReceivedSpan[], requestId: string | null): ReceivedSpan {
  const span = spans.find((s) => s.kind === KIND.server && s.attributes['facade.request_id'] === requestId);
  if (!span) throw new Error(`no server span for request ${requestId}`);
  return span;
}

const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) =>
  spans.filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId);

function only(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((s) => s.name === name);
  expect(
    found.map((s) => s.name),
    `exactly one span "${name}"`,
  ).toEqual([name]);
  return found[0] as ReceivedSpan;
}

/** Every string a span carries: names, attribute keys and values, events, status, trace state, resource. */
function strings(span: ReceivedSpan): string[] {
  const out = [span.name, span.traceState, span.status.message, span.scope];
  const add = (attrs: Record<string, AttributeValue>) => {
    for (const [key, value] of Object.entries(attrs)) {
      out.push(key);
      for (const v of [value].flat()) if (v !== null) out.push(v instanceof Uint8Array ? 'bytes' : String(v));
    }
  };
  add(span.attributes);
  add(span.resource);
  for (const event of span.events) {
    out.push(event.name);
    add(event.attributes);
  }
  return out;
}

function expectNothingSecret(receiver: OtlpReceiver, sandbox: Sandbox): void {
  expect(receiver.spans.length).toBeGreaterThan(0);
  for (const span of receiver.spans) {
    for (const text of strings(span)) {
      expect(text, `span "${span.name}"`).not.toMatch(/\d{11}/);
      for (const form of SEPARATED) expect(text, `span "${span.name}"`).not.toContain(form);
      expect(text).not.toContain(CLIENT);
      expect(text).not.toMatch(/eyJ|BEGIN|Bearer|assertion|access_token/);
    }
    // No exception events (their messages may quote input): failures are `error.type` codes.
    expect(span.events.filter((e) => e.name === 'exception')).toEqual([]);
  }
  // And nowhere in the bytes sent, whatever field a decoder might not look at.
  const secrets = [
    PERSON,
    ...SEPARATED,
    CLIENT,
    'eyJ',
    'BEGIN',
    'Bearer',
    sandbox.upstream.maskinporten.keyFile ?? 'no key file',
  ];
  for (const { body } of receiver.bodies) {
    const text = body.toString('latin1');
    for (const secret of secrets) expect(text.includes(secret), `"${secret}" in an export request`).toBe(false);
  }
}

describe('tracing on (OTEL_EXPORTER_OTLP_ENDPOINT, default protocol http/protobuf)', () => {
  let sandbox: Sandbox;
  let receiver: OtlpReceiver;
  let proxy: { url: string; server: Server };
  let facade: Facade;
  let dir: string;
  let token: string;
  const krrHeaders: IncomingHttpHeaders[] = [];
  let person: Awaited<ReturnType<typeof post>>;
  let client: Awaited<ReturnType<typeof post>>;
  let mutation: Awaited<ReturnType<typeof post>>;
  let retried: Awaited<ReturnType<typeof post>>;
  let oddCaller: Awaited<ReturnType<typeof post>>;
  let separatedCaller: Awaited<ReturnType<typeof post>>;
  let personTraceCaller: Awaited<ReturnType<typeof post>>;
  let exitCode: number | null;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tracing-'));
    [sandbox, receiver] = await Promise.all([startSandbox(), startOtlpReceiver()]);
    proxy = await recordingProxy(sandbox.krr.url, krrHeaders);
    facade = await startFacade(sandbox, proxy.url, dir, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    token = (await sandbox.callerIssuer.issueToken()).access_token;

    person = await post(
      facade,
      token,
      { query: PERSON_QUERY, variables: { id: PERSON } },
      { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`, tracestate: 'vendor=opaque' },
    );
    client = await post(facade, token, { query: CLIENT_QUERY });
    mutation = await post(facade, token, {
      query: UPDATE,
      variables: { input: { id: CLIENT, description: 'Described while traced' } },
    });
    // KRR answers 503 once: the retry is a span of its own.
    sandbox.krr.failNext(503);
    retried = await post(facade, token, { query: PERSON_QUERY, variables: { id: '22859197810' } });
    // A caller whose tracestate and operation name carry 11-digit runs.
    oddCaller = await post(
      facade,
      token,
      { query: `query Lookup_${PERSON} { person(id: "${PERSON}") { id } }` },
      { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`, tracestate: `vendor=${PERSON}` },
    );
    // The same, the id written with separators.
    separatedCaller = await post(
      facade,
      token,
      { query: `query Lookup_${SEPARATED[2]} { person(id: "${PERSON}") { id } }` },
      { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`, tracestate: `fnr=${SEPARATED[1]}` },
    );
    // A caller whose trace id is a personal id.
    personTraceCaller = await post(
      facade,
      token,
      { query: PERSON_QUERY, variables: { id: PERSON } },
      { traceparent: `00-${PERSON_TRACE}-${CALLER_SPAN}-01` },
    );
    await receiver.waitFor((spans) => spans.filter((s) => s.kind === KIND.server).length >= 7);
    // SIGTERM: the facade closes and exports what is still queued before it exits.
    exitCode = await facade.stop();
  }, 60_000);

  afterAll(async () => {
    if (facade?.child.exitCode === null) await facade.stop();
    await Promise.all([
      receiver?.close(),
      sandbox?.close(),
      new Promise<void>((resolve) => (proxy ? proxy.server.close(() => resolve()) : resolve())),
    ]);
    await rm(dir, { recursive: true, force: true });
  });

  it('answers as without tracing, and stops cleanly', () => {
    for (const res of [person, client, mutation, retried, oddCaller]) {
      expect(res.status).toBe(200);
      expect(res.json.errors).toBeUndefined();
    }
    expect(exitCode).toBe(0);
    // The default protocol: protobuf.
    expect(receiver.bodies.every((b) => b.contentType === 'application/x-protobuf')).toBe(true);
  });

  it('names the service by default and exports under its scope', () => {
    const span = receiver.spans[0] as ReceivedSpan;
    expect(span.resource['service.name']).toBe('digdir-graphql-facade');
    expect(span.resource['telemetry.sdk.name']).toBe('opentelemetry');
    expect(span.scope).toBe('digdir-graphql-facade');
  });

  it("puts a person look-up in the caller's trace: server → operation → token, KRR call, audit write", () => {
    const spans = receiver.spans;
    const server = serverSpanOf(spans, person.requestId);
    expect(server).toMatchObject({
      traceId: CALLER_TRACE,
      parentSpanId: CALLER_SPAN,
      traceState: 'vendor=opaque',
      name: 'POST /graphql',
      kind: KIND.server,
    });
    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/graphql',
      'http.response.status_code': 200,
      'facade.request_id': person.requestId,
    });

    const operation = only(childrenOf(spans, server), 'query PersonLookup');
    expect(operation.kind).toBe(KIND.internal);
    expect(operation.attributes).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'PersonLookup',
      'facade.outcome': 'success',
    });

    const under = childrenOf(spans, operation);
    const tokenSpan = only(under, 'maskinporten token');
    expect(tokenSpan.attributes).toMatchObject({
      'maskinporten.scopes': ['krr:global/kontaktinformasjon.read'],
      'maskinporten.trigger': 'request',
      'facade.outcome': 'success',
    });
    const tokenPost = only(childrenOf(spans, tokenSpan), 'POST /token');
    expect(tokenPost.kind).toBe(KIND.client);
    expect(tokenPost.attributes).toMatchObject({
      'facade.upstream': 'maskinporten',
      'http.request.method': 'POST',
      'url.template': '/token',
      'http.response.status_code': 200,
      'http.request.resend_count': 0,
    });

    const krr = only(under, 'POST /rest/v2/personer');
    expect(krr.kind).toBe(KIND.client);
    expect(krr.attributes).toMatchObject({
      'facade.upstream': 'krr',
      'http.request.method': 'POST',
      'url.template': '/rest/v2/personer',
      'http.response.status_code': 200,
      'http.request.resend_count': 0,
      'server.address': '127.0.0.1',
    });

    const audit = only(under, 'audit write');
    expect(audit.attributes).toEqual({
      'audit.record_type': 'person_revealed',
      'audit.records': 1,
      'facade.outcome': 'success',
    });
    // Nothing of this request escaped its trace.
    expect(spans.filter((s) => s.traceId === CALLER_TRACE && s.parentSpanId === '')).toEqual([]);
  });

  it('sends traceparent (naming the KRR call span) and the caller tracestate to KRR', () => {
    const spans = receiver.spans;
    const operation = only(childrenOf(spans, serverSpanOf(spans, person.requestId)), 'query PersonLookup');
    const krr = only(childrenOf(spans, operation), 'POST /rest/v2/personer');
    const call = krrHeaders.find((h) => h['x-correlation-id'] === person.requestId);
    expect(call?.traceparent).toBe(`00-${CALLER_TRACE}-${krr.spanId}-01`);
    expect(call?.tracestate).toBe('vendor=opaque');
    // Every KRR call carried one.
    expect(krrHeaders.length).toBeGreaterThanOrEqual(3);
    for (const headers of krrHeaders) expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('traces an admin query: one span per admin call, named by route template', () => {
    const spans = receiver.spans;
    const server = serverSpanOf(spans, client.requestId);
    expect(server.parentSpanId).toBe(''); // no traceparent: a trace of its own
    const operation = only(childrenOf(spans, server), 'query ClientWithKeys');
    const under = childrenOf(spans, operation);
    expect(under.map((s) => s.name).sort()).toEqual(
      ['GET /clients/{id}', 'GET /clients/{id}/jwks', 'maskinporten token'].sort(),
    );
    for (const call of under.filter((s) => s.kind === KIND.client)) {
      expect(call.attributes).toMatchObject({ 'facade.upstream': 'admin', 'http.request.method': 'GET' });
      expect(call.attributes['url.template']).toBe(call.name.slice('GET '.length));
    }
    expect(only(under, 'maskinporten token').attributes['maskinporten.scopes']).toContain('idporten:dcr.read');
  });

  it('traces a mutation with its change-audit writes', () => {
    const spans = receiver.spans;
    const operation = only(childrenOf(spans, serverSpanOf(spans, mutation.requestId)), 'mutation Describe');
    expect(operation.attributes).toMatchObject({ 'graphql.operation.type': 'mutation', 'facade.outcome': 'success' });
    const under = childrenOf(spans, operation);
    const audits = under.filter((s) => s.name === 'audit write');
    expect(audits.map((s) => s.attributes)).toEqual([
      { 'audit.record_type': 'client_change', 'audit.records': 1, 'facade.outcome': 'success' },
      { 'audit.record_type': 'client_change', 'audit.records': 1, 'facade.outcome': 'success' },
    ]);
    const calls = under.filter((s) => s.kind === KIND.client).map((s) => s.name);
    expect(calls).toContain('PUT /clients/{id}');
    expect(calls.every((name) => /^(GET|PUT) \/clients\/\{id\}$/.test(name))).toBe(true);
  });

  it('makes each retry of an upstream call a span of its own, with its retry number', () => {
    const spans = receiver.spans;
    const operation = only(childrenOf(spans, serverSpanOf(spans, retried.requestId)), 'query PersonLookup');
    const attempts = childrenOf(spans, operation).filter((s) => s.name === 'POST /rest/v2/personer');
    expect(attempts.map((s) => s.attributes['http.request.resend_count']).sort()).toEqual([0, 1]);
    const [failed, succeeded] = [0, 1].map((n) =>
      attempts.find((s) => s.attributes['http.request.resend_count'] === n),
    ) as [ReceivedSpan, ReceivedSpan];
    expect(failed.status.code).toBe(ERROR);
    expect(failed.status.message).toBe('');
    expect(failed.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503' });
    expect(succeeded.attributes['http.response.status_code']).toBe(200);
    expect(succeeded.status.code).not.toBe(ERROR);
  });

  it("keeps ids out of an operation name and drops a caller's tracestate that carries one", () => {
    const spans = receiver.spans;
    const server = serverSpanOf(spans, oddCaller.requestId);
    expect(server.traceId).toBe(CALLER_TRACE);
    expect(server.parentSpanId).toBe(CALLER_SPAN);
    expect(server.traceState).toBe('');
    const operation = only(childrenOf(spans, server), 'query Lookup_[redacted]');
    expect(operation.attributes['graphql.operation.name']).toBe('Lookup_[redacted]');
    const call = krrHeaders.find((h) => h['x-correlation-id'] === oddCaller.requestId);
    expect(call?.traceparent).toMatch(new RegExp(`^00-${CALLER_TRACE}-`));
    expect(call?.tracestate).toBeUndefined();
  });

  it('keeps an id written with separators out of an operation name and a tracestate', () => {
    const spans = receiver.spans;
    const server = serverSpanOf(spans, separatedCaller.requestId);
    expect(server.traceId).toBe(CALLER_TRACE);
    expect(server.traceState).toBe('');
    expect(only(childrenOf(spans, server), 'query Lookup_[redacted]').name).toBe('query Lookup_[redacted]');
    const call = krrHeaders.find((h) => h['x-correlation-id'] === separatedCaller.requestId);
    expect(call?.tracestate).toBeUndefined();
  });

  it('starts a trace of its own for a caller whose trace id is a personal id', () => {
    const server = serverSpanOf(receiver.spans, personTraceCaller.requestId);
    expect(server.traceId).not.toBe(PERSON_TRACE);
    expect(server.parentSpanId).toBe('');
    const call = krrHeaders.find((h) => h['x-correlation-id'] === personTraceCaller.requestId);
    expect(call?.traceparent).toMatch(new RegExp(`^00-${server.traceId}-`));
  });

  it('exports no personal id, client id, token, grant or key anywhere', () => {
    expectNothingSecret(receiver, sandbox);
  });
});

describe('tracing on with OTEL_EXPORTER_OTLP_PROTOCOL=http/json and OTEL_SERVICE_NAME', () => {
  let sandbox: Sandbox;
  let receiver: OtlpReceiver;
  let facade: Facade;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tracing-json-'));
    [sandbox, receiver] = await Promise.all([startSandbox(), startOtlpReceiver()]);
    facade = await startFacade(sandbox, sandbox.krr.url, dir, {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'facade-under-test',
    });
  }, 60_000);

  afterAll(async () => {
    if (facade?.child.exitCode === null) await facade.stop();
    await Promise.all([receiver?.close(), sandbox?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('exports the same tree as JSON', async () => {
    const token = (await sandbox.callerIssuer.issueToken()).access_token;
    const res = await post(
      facade,
      token,
      { query: PERSON_QUERY, variables: { id: PERSON } },
      { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    );
    expect(res.status).toBe(200);
    await receiver.waitFor((spans) => spans.some((s) => s.kind === KIND.server));
    expect(await facade.stop()).toBe(0);
    expect(receiver.bodies.every((b) => b.contentType === 'application/json')).toBe(true);
    const spans = receiver.spans;
    const server = serverSpanOf(spans, res.requestId);
    expect(server.parentSpanId).toBe(CALLER_SPAN);
    expect(server.resource['service.name']).toBe('facade-under-test');
    const operation = only(childrenOf(spans, server), 'query PersonLookup');
    expect(
      childrenOf(spans, operation)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['POST /rest/v2/personer', 'audit write', 'maskinporten token']);
    // JSON carries times as long decimal strings; names and attributes are what must stay free of ids.
    for (const span of spans) for (const text of strings(span)) expect(text).not.toMatch(/\d{11}/);
    for (const { body } of receiver.bodies) {
      const text = body.toString('utf8');
      for (const secret of [PERSON, 'eyJ', 'BEGIN', 'Bearer']) expect(text).not.toContain(secret);
    }
  });
});
