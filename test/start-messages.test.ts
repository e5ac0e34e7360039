/**
 * What `npm start` says before it serves (test/helpers/main-process.ts: the build with npm start's flags, in a process of
 * its own, in sandbox mode). A start on a port that is taken ends with a message naming the variable to change (exit
 * code 2, as for any other misconfiguration), not Node's stack trace; the sandbox banner's lines work when pasted.
 */
import { createServer, type Server } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOn, ListenError } from '../src/http/listen.js';
import { runMainToExit, startMain, stopMain } from './helpers/main-process.js';

const servers: Server[] = [];
/** The web example's trusted documents (a person look-up by `$id` among them). */
const WEB_DOCUMENTS = fileURLToPath(new URL('../examples/web/src/gql/persisted-documents.json', import.meta.url));

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

/** A port held by another listener on 127.0.0.1. */
async function busyPort(): Promise<number> {
  const holder = createServer();
  servers.push(holder);
  await listenOn(holder, 0, '127.0.0.1', 'TEST');
  return (holder.address() as { port: number }).port;
}

describe('a port that is taken', () => {
  it('PORT: exit code 2 and one line that names PORT, the address and what to do', async () => {
    const port = await busyPort();
    const run = await runMainToExit({ HOST: '127.0.0.1', PORT: String(port) });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `Invalid configuration: PORT: cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE). ` +
        'Stop what holds it, or set PORT to a free port.',
    );
    expect(run.stdout).not.toContain('Sandbox mode');
  }, 40_000);

  it('METRICS_PORT: named as such', async () => {
    const port = await busyPort();
    const run = await runMainToExit({ HOST: '127.0.0.1', METRICS_PORT: String(port) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Invalid configuration: METRICS_PORT: cannot listen on 127.0.0.1:${port}`);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 40_000);

  it('listenOn: a ListenError with the code, and no error listener left behind once it listens', async () => {
    const server = createServer();
    servers.push(server);
    await listenOn(server, 0, '127.0.0.1', 'PORT');
    expect(server.listenerCount('error')).toBe(0);
    const port = (server.address() as { port: number }).port;
    const refused = await listenOn(createServer(), port, '127.0.0.1', 'PORT').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ListenError);
    expect(refused).toMatchObject({ variable: 'PORT', code: 'EADDRINUSE', address: `127.0.0.1:${port}` });
  });
});

describe('an address that cannot be listened on', () => {
  it('HOST, not PORT, is named when HOST does not resolve (exit code 2)', async () => {
    const run = await runMainToExit({ HOST: '256.1.1.1', PORT: '0' });
    expect(run.code).toBe(2);
    // Checked with the configuration, before anything starts (the sandbox's simulators included).
    expect(run.stdout).not.toMatch(/Sandbox mode|listening/i);
    expect(run.stderr.trim()).toBe(
      'Invalid configuration:\n  - HOST (256.1.1.1) cannot be listened on: HOST is neither an IP address nor a name ' +
        'that resolves (ENOTFOUND). Set HOST to an address of this machine, or 0.0.0.0.',
    );
  }, 40_000);

  it('listenOn: HOST for an address of no interface here, the port variable for a port in use', async () => {
    // 192.0.2.1 (TEST-NET-1, RFC 5737) is on no interface of a test machine.
    const absent = await listenOn(createServer(), 0, '192.0.2.1', 'METRICS_PORT').catch((err: unknown) => err);
    expect(absent).toBeInstanceOf(ListenError);
    expect(absent).toMatchObject({ variable: 'HOST', code: 'EADDRNOTAVAIL' });
    expect((absent as Error).message).toMatch(/^HOST: cannot listen on 192\.0\.2\.1:0: HOST is not an address/);
    // A link-local IPv6 address without its interface cannot be bound (EINVAL; EAFNOSUPPORT without IPv6): the
    // address, not the port, was named METRICS_PORT before.
    const linkLocal = await listenOn(createServer(), 0, 'fe80::1', 'METRICS_PORT').catch((err: unknown) => err);
    expect(linkLocal).toMatchObject({ variable: 'HOST' });
    expect(['EINVAL', 'EAFNOSUPPORT', 'EADDRNOTAVAIL']).toContain((linkLocal as ListenError).code);
    const port = await busyPort();
    const taken = await listenOn(createServer(), port, '127.0.0.1', 'METRICS_PORT').catch((err: unknown) => err);
    expect(taken).toMatchObject({ variable: 'METRICS_PORT', code: 'EADDRINUSE' });
  });
});

describe('a refused variable', () => {
  it('NODE_ENV=prod: exit code 2 naming NODE_ENV, and no sandbox started in its place', async () => {
    const run = await runMainToExit({ NODE_ENV: 'prod' });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      'Invalid configuration:\n  - NODE_ENV must be one of production, development, test (got "prod")',
    );
    expect(run.stdout).not.toContain('Sandbox mode');
  }, 40_000);

  it('OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG the SDK would replace: exit code 2 naming each', async () => {
    const bogus = await runMainToExit({ OTEL_TRACES_EXPORTER: 'console', OTEL_TRACES_SAMPLER: 'bogus' });
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('  - OTEL_TRACES_SAMPLER: "bogus" is not supported');
    const ratio = await runMainToExit({
      OTEL_TRACES_EXPORTER: 'console',
      OTEL_TRACES_SAMPLER: 'traceidratio',
      OTEL_TRACES_SAMPLER_ARG: 'abc',
    });
    expect(ratio.code).toBe(2);
    expect(ratio.stderr.trim()).toBe(
      'Invalid configuration:\n  - OTEL_TRACES_SAMPLER_ARG: "abc" is not a ratio of traceidratio (a decimal number ' +
        'from 0 to 1, e.g. 0.1)',
    );
  }, 80_000);
});

describe('settings checked only when used', () => {
  it('are named together in one start: tracing, trusted documents, tenants and the Maskinporten key (exit code 2)', async () => {
    const run = await runMainToExit({
      OTEL_TRACES_EXPORTER: 'zipkin',
      TRUSTED_DOCUMENTS_FILE: '/nonexistent/trusted.json',
      TENANTS_FILE: '/nonexistent/tenants.json',
      MASKINPORTEN_ISSUER: 'https://test.maskinporten.no/',
      MASKINPORTEN_CLIENT_ID: 'client',
      MASKINPORTEN_KEY_FILE: '/nonexistent/key.pem',
      MASKINPORTEN_CERT_FILE: '/nonexistent/cert.pem',
      KRR_URL: 'https://krr.invalid',
      ADMIN_API_URL: 'https://admin.invalid',
      AUTH_ISSUER: 'https://auth.invalid/',
      AUTH_AUDIENCE: 'facade',
    });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toBe('Invalid configuration:');
    for (const name of ['OTEL_TRACES_EXPORTER', 'TRUSTED_DOCUMENTS_FILE', 'TENANTS_FILE', 'MASKINPORTEN_KEY_FILE']) {
      expect(
        lines.filter((line) => line.startsWith(`  - ${name}`)),
        name,
      ).toHaveLength(1);
    }
  }, 40_000);
});

describe('the sandbox banner', () => {
  it.each([
    ['', {}],
    // A new user's finding: with trusted documents only, the Try line sent a query text, refused.
    [' with TRUSTED_DOCUMENTS_FILE', { TRUSTED_DOCUMENTS_FILE: WEB_DOCUMENTS }],
  ])(
    "prints a TOKEN= line and a Try line that answer as printed (the new user's first two pastes)%s",
    async (_, env) => {
      const tmp = await mkdtemp(join(tmpdir(), 'start-messages-'));
      let left: string[] = [];
      const { child, output } = await startMain({ ...env, TMPDIR: tmp });
      try {
        const printed = output();
        const token = /^TOKEN=(\S+)$/m.exec(printed)?.[1];
        const url = /^Try: curl -s (\S+) /m.exec(printed)?.[1];
        const body = /^\s+-d '(.+)'$/m.exec(printed)?.[1];
        expect(token && url && body, printed).toBeTruthy();
        expect(printed).toContain('-H "authorization: Bearer $TOKEN"');
        const res = await fetch(url as string, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body,
        });
        expect(res.status).toBe(200);
        const answer = (await res.json()) as { data?: { person?: { status?: string } }; errors?: unknown };
        expect(answer.errors).toBeUndefined();
        expect(answer.data?.person?.status).toBe('ACTIVE');
      } finally {
        await stopMain(child);
        // Stopped by SIGTERM, the sandbox took its key directory (the enterprise key, chain, tenants file) with it.
        left = (await readdir(tmp)).filter((name) => name.startsWith('facade-sandbox-'));
        await rm(tmp, { recursive: true, force: true });
      }
      expect(left).toEqual([]);
    },
    40_000,
  );

  it('says GraphiQL is off when it is, instead of promising it with a token', async () => {
    const { child, output } = await startMain({ GRAPHIQL: 'false' });
    try {
      expect(output()).toMatch(/GraphQL: +\S+\/graphql +\(GraphiQL off: GRAPHIQL=false or NODE_ENV=production\)/);
    } finally {
      await stopMain(child);
    }
  }, 40_000);
});
