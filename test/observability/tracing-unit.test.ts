/**
 * Tracing's pieces in this process: when the OTEL_* variables turn it on (and that nothing of the SDK is loaded when
 * they do not), route templates, operation names, and the failure attributes of token, upstream and audit spans.
 */
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { AuditLogError } from '../../src/observability/audit.js';
import {
  endUpstreamSpan,
  routeTemplate,
  SAMPLERS,
  spanOperationName,
  startTracing,
  startUpstreamSpan,
  stopTracing,
  traceAuditWrite,
  traceTokenRequest,
  tracingEnabled,
  tracingSettings,
  TracingConfigError,
} from '../../src/observability/tracing.js';
import { UpstreamAuthError, UpstreamUnavailableError } from '../../src/upstream/errors.js';
import { startTestApp } from '../helpers/app.js';
import { startOtlpReceiver } from './otlp-receiver.js';

const sdkLoaded = () =>
  Object.keys(createRequire(import.meta.url).cache).some((path) =>
    /@opentelemetry[\\/](sdk-trace|exporter-trace|resources|core)[\\/]/.test(path),
  );

describe('tracingSettings: the standard variables', () => {
  it('is off unless an OTLP endpoint or OTEL_TRACES_EXPORTER is set', () => {
    expect(tracingSettings({})).toBeUndefined();
    expect(tracingSettings({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBeUndefined();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBeUndefined();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      exporters: ['otlp'],
      protocol: 'http/protobuf',
      propagate: true,
    });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toMatchObject({
      exporters: ['otlp'],
    });
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp' })).toMatchObject({ exporters: ['otlp'] });
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'console, otlp' })).toMatchObject({
      exporters: ['console', 'otlp'],
    });
  });

  it('is off with OTEL_TRACES_EXPORTER=none or OTEL_SDK_DISABLED=true, whatever else is set', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingSettings({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
    expect(tracingSettings({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(tracingSettings({ ...endpoint, OTEL_SDK_DISABLED: 'false' })).toBeDefined();
  });

  it('chooses the protocol (traces-specific variable first) and the propagation', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingSettings({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })?.protocol).toBe('http/json');
    expect(
      tracingSettings({
        ...endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      })?.protocol,
    ).toBe('http/protobuf');
    expect(tracingSettings({ ...endpoint, OTEL_PROPAGATORS: 'tracecontext,baggage' })?.propagate).toBe(true);
    expect(tracingSettings({ ...endpoint, OTEL_PROPAGATORS: 'none' })?.propagate).toBe(false);
  });

  it('refuses what this build does not ship, naming the variable', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(() => tracingSettings({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" is not supported/,
    );
    expect(() => tracingSettings({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(TracingConfigError);
    expect(() => tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp,jaeger' })).toThrow(/OTEL_TRACES_EXPORTER: "jaeger"/);
  });

  /** The problems tracingSettings names for `env`, none when it accepts it. */
  const problemsOf = (env: Record<string, string>): readonly string[] => {
    try {
      tracingSettings(env);
      return [];
    } catch (err) {
      if (err instanceof TracingConfigError) return err.problems;
      throw err;
    }
  };

  it('refuses a sampler the SDK would replace by parentbased_always_on, and a ratio it would replace by 1', () => {
    // The SDK warns and keeps every trace for both; the README promises a refusal of what this build does not ship.
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    for (const sampler of ['bogus', 'AlwaysOn', 'ALWAYS_OFF', ' traceidratio', 'jaeger_remote', 'xray']) {
      expect(problemsOf({ ...endpoint, OTEL_TRACES_SAMPLER: sampler }), sampler).toEqual([
        `OTEL_TRACES_SAMPLER: "${sampler}" is not supported (always_on, always_off, traceidratio, ` +
          'parentbased_always_on, parentbased_always_off, parentbased_traceidratio; in lower case)',
      ]);
    }
    for (const sampler of ['traceidratio', 'parentbased_traceidratio']) {
      for (const arg of ['abc', '1.5', '-0.1', '2', '0x1', 'NaN', 'Infinity', '1e-1', '50%', '0,5']) {
        expect(problemsOf({ ...endpoint, OTEL_TRACES_SAMPLER: sampler, OTEL_TRACES_SAMPLER_ARG: arg }), arg).toEqual([
          `OTEL_TRACES_SAMPLER_ARG: "${arg}" is not a ratio of ${sampler} (a decimal number from 0 to 1, e.g. 0.1)`,
        ]);
      }
      // Set but blank (a template variable that was empty): the SDK would log an error and keep every trace.
      for (const arg of ['', ' ']) {
        expect(problemsOf({ ...endpoint, OTEL_TRACES_SAMPLER: sampler, OTEL_TRACES_SAMPLER_ARG: arg }), arg).toEqual([
          `OTEL_TRACES_SAMPLER_ARG is blank: give the ratio of ${sampler} (a decimal number from 0 to 1) or leave the variable out`,
        ]);
      }
      for (const arg of ['0', '1', '0.25', '.5', '1.0', ' 0.1 ']) {
        expect(problemsOf({ ...endpoint, OTEL_TRACES_SAMPLER: sampler, OTEL_TRACES_SAMPLER_ARG: arg }), arg).toEqual(
          [],
        );
      }
      expect(problemsOf({ ...endpoint, OTEL_TRACES_SAMPLER: sampler }), 'unset').toEqual([]);
    }
    // The other samplers take no argument: it is ignored (as the SDK ignores it), not checked.
    expect(problemsOf({ ...endpoint, OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: 'abc' })).toEqual([]);
    for (const sampler of Object.keys(SAMPLERS)) {
      expect(problemsOf({ ...endpoint, OTEL_TRACES_SAMPLER: sampler }), sampler).toEqual([]);
    }
    expect(problemsOf({ ...endpoint, OTEL_TRACES_SAMPLER: ' ' })).toEqual([]);
    // Off, nothing is read.
    expect(problemsOf({ OTEL_TRACES_SAMPLER: 'bogus' })).toEqual([]);
  });

  it('refuses an OTLP endpoint the exporter would send elsewhere, never echoing it (it may hold credentials)', () => {
    const base = 'OTEL_EXPORTER_OTLP_ENDPOINT';
    const traces = 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT';
    const baseProblem = `${base} must be an absolute http(s) URL without credentials, query or fragment (credentials go in OTEL_EXPORTER_OTLP_HEADERS)`;
    const tracesProblem = `${traces} must be an absolute http(s) URL without credentials or fragment (credentials go in OTEL_EXPORTER_OTLP_HEADERS)`;
    for (const value of [
      'http://user:s3cret-pw@collector:4318',
      'http://collector:4318?x=1', // "/v1/traces" would be appended to the query
      'http://collector:4318#x',
      'collector:4318',
      'grpc://collector:4317',
      'not a url',
    ]) {
      expect(problemsOf({ [base]: value }), value).toEqual([baseProblem]);
    }
    expect(problemsOf({ [traces]: 'https://u:s3cret-pw@collector/v1/traces' })).toEqual([tracesProblem]);
    expect(problemsOf({ [traces]: 'https://collector/v1/traces#x' })).toEqual([tracesProblem]);
    // The full traces URL is used as it is: a query string reaches the collector.
    expect(problemsOf({ [traces]: 'https://collector/v1/traces?tenant=a' })).toEqual([]);
    // The one used is checked: the traces URL takes precedence over the base.
    expect(problemsOf({ [traces]: 'https://collector/v1/traces', [base]: 'http://collector?x' })).toEqual([]);
    // Not used by the console exporter.
    expect(problemsOf({ OTEL_TRACES_EXPORTER: 'console', [base]: 'http://collector?x' })).toEqual([]);
    // Every problem at once.
    expect(
      problemsOf({ [base]: 'http://collector?x', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_TRACES_SAMPLER: 'x' }),
    ).toHaveLength(3);
  });
});

describe('routeTemplate: never a real id in a span', () => {
  it.each([
    ['admin', '/clients', '/clients'],
    ['admin', '/clients/oidc_eksempel_klient', '/clients/{id}'],
    ['admin', '/clients/3f6a2c1e-8b4d-4f7a-9c2e-1d5b7a9e0c41/jwks', '/clients/{id}/jwks'],
    ['admin', '/clients/abc/secret', '/clients/{id}/secret'],
    ['admin', '/clients/abc/onbehalfof', '/clients/{id}/onbehalfof'],
    ['admin', '/clients/abc/onbehalfof/annen-kommune', '/clients/{id}/onbehalfof/{onbehalfofId}'],
    ['admin', '/clients/jwks', '/clients/{id}'],
    ['admin', '/clients/a/b/c/d/e', '/clients/{id}/{id}/{id}/{id}/{id}'],
    ['krr', '/rest/v2/personer', '/rest/v2/personer'],
    ['krr', '/rest/v1/personer?x=11822648950', '/rest/v1/personer'],
    ['krr', '/rest/v2/personer/11822648950', '/rest/v2/personer/{id}'],
    ['maskinporten', 'https://test.maskinporten.no/token', '/token'],
    [
      'maskinporten',
      'http://127.0.0.1:1234/.well-known/oauth-authorization-server',
      '/.well-known/oauth-authorization-server',
    ],
    ['maskinporten', 'https://mp.example/tenant-7/token?client=abc', '/{id}/token'],
    ['krr', '/a/b/c/d/e/f/g/h/i/j', '/a/b/c/d/e/f/g/h/…'],
  ])('%s %s → %s', (upstream, path, template) => {
    expect(routeTemplate(upstream, path)).toBe(template);
  });
});

describe('spanOperationName', () => {
  it('cuts to 128 characters and hides 11-digit runs', () => {
    expect(spanOperationName('PersonLookup')).toBe('PersonLookup');
    expect(spanOperationName('lookup_11822648950_and_118226489501')).toBe('lookup_[redacted]_and_[redacted]');
    expect(spanOperationName('N'.repeat(300))).toHaveLength(128);
    // Hidden before the cut: no tail of an id is left behind.
    expect(spanOperationName(`${'x'.repeat(120)}11822648950`)).toBe(`${'x'.repeat(120)}[redacte`);
    expect(spanOperationName(`${'x'.repeat(120)}11822648950`)).not.toMatch(/\d/);
  });
});

describe('tracing off', () => {
  it('loads no SDK module and traces nothing, through a whole look-up', async () => {
    expect(await startTracing({ env: {} })).toBeUndefined();
    expect(tracingEnabled).toBe(false);
    const t = await startTestApp();
    try {
      const res = await t.graphql('{ person(id: "11822648950") { id status } }');
      expect(res.body.errors).toBeUndefined();
    } finally {
      await t.close();
    }
    expect(tracingEnabled).toBe(false);
    expect(sdkLoaded()).toBe(false);
  });
});

describe('tracing on, in this process: failure attributes', () => {
  afterAll(async () => {
    await stopTracing();
    vi.unstubAllEnvs();
  });

  it('records codes, never messages, for failed token requests, upstream attempts and audit writes', async () => {
    const receiver = await startOtlpReceiver();
    // The exporter reads its endpoint from process.env, as in production.
    vi.stubEnv('OTEL_EXPORTER_OTLP_ENDPOINT', receiver.url);
    const settings = await startTracing();
    expect(settings).toMatchObject({ exporters: ['otlp'], protocol: 'http/protobuf' });
    expect(tracingEnabled).toBe(true);
    expect(sdkLoaded()).toBe(true);

    const refused = new UpstreamAuthError(
      'Maskinporten refused the token request (HTTP 400)',
      'MP-123',
      'invalid_grant',
    );
    await expect(
      traceTokenRequest(
        { scopes: ['krr:global/kontaktinformasjon.read'], consumerOrg: '910825526', onBehalfOf: 'annen-kommune' },
        undefined,
        () => Promise.reject(refused),
      ),
    ).rejects.toBe(refused);

    const base = new URL('http://127.0.0.1:9/');
    const open = startUpstreamSpan('krr', 'POST', '/rest/v2/personer', 1, undefined, base);
    endUpstreamSpan(open, undefined, new UpstreamUnavailableError('krr', 'circuit open'));
    const timeout = startUpstreamSpan('admin', 'GET', '/clients/abc/jwks', 3, undefined, base);
    endUpstreamSpan(timeout, undefined, new UpstreamUnavailableError('admin', 'timeout'));

    const full = new AuditLogError('audit log: write to AUDIT_LOG_FILE failed (ENOSPC)', {
      cause: Object.assign(new Error('ENOSPC: no space left on device, write /var/log/audit.jsonl'), {
        code: 'ENOSPC',
      }),
    });
    await expect(traceAuditWrite(Promise.reject(full), 'no-such-request', 'person_revealed', 3)).rejects.toBe(full);

    await stopTracing();
    expect(tracingEnabled).toBe(false);
    const byName = (name: string) => receiver.spans.filter((s) => s.name === name);

    const [tokenSpan] = byName('maskinporten token');
    expect(tokenSpan?.parentSpanId).toBe('');
    expect(tokenSpan?.attributes).toEqual({
      'maskinporten.scopes': ['krr:global/kontaktinformasjon.read'],
      'maskinporten.trigger': 'background',
      'maskinporten.consumer_org': '910825526',
      'maskinporten.onbehalfof': 'annen-kommune',
      'maskinporten.code': 'MP-123',
      'maskinporten.oauth_error': 'invalid_grant',
      'facade.outcome': 'error',
      'error.type': 'MP-123',
    });
    expect(tokenSpan?.status).toEqual({ code: 2, message: '' });

    expect(byName('POST /rest/v2/personer')[0]?.attributes).toMatchObject({
      'error.type': 'circuit_open',
      'http.request.resend_count': 0,
    });
    expect(byName('GET /clients/{id}/jwks')[0]?.attributes).toMatchObject({
      'error.type': 'timeout',
      'url.template': '/clients/{id}/jwks',
      'http.request.resend_count': 2,
    });

    const [audit] = byName('audit write');
    expect(audit?.attributes).toEqual({
      'audit.record_type': 'person_revealed',
      'audit.records': 3,
      'facade.outcome': 'error',
      'error.type': 'ENOSPC',
    });
    for (const span of receiver.spans) expect(span.events).toEqual([]);
    const exported = receiver.bodies.map((b) => b.body.toString('latin1')).join('');
    expect(exported).not.toContain('audit.jsonl');
    expect(exported).not.toContain('refused the token request');
    await receiver.close();
  });
});
