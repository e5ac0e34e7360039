import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VARIABLES, type Variable } from '../src/config-spec.js';
import { ConfigError, loadConfig, UPSTREAM_VARIABLES } from '../src/config.js';
import { nodeCommandOf } from '../bench/lib/node-command.js';

/** Every upstream variable of a complete non-sandbox configuration (the files need not exist to load the config). */
const UPSTREAM = {
  MASKINPORTEN_ISSUER: 'https://test.maskinporten.no/',
  MASKINPORTEN_CLIENT_ID: 'our-client',
  MASKINPORTEN_KEYSTORE_FILE: '/secrets/enterprise.p12',
  KRR_URL: 'https://test.kontaktregisteret.no',
  ADMIN_API_URL: 'https://api.test.samarbeid.digdir.no/api/v1',
  AUTH_ISSUER: 'https://login.example.no/',
  AUTH_AUDIENCE: 'facade',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('sandbox mode is chosen fail-closed', () => {
  it('starts the sandbox outside production when no upstream variable is set', () => {
    expect(loadConfig({}).sandbox).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).sandbox).toBe(true);
  });

  it('never starts the sandbox because one upstream variable was forgotten', () => {
    // The reproduction: KRR_URL set, MASKINPORTEN_ISSUER forgotten, NODE_ENV=production.
    const found = problems({ NODE_ENV: 'production', KRR_URL: UPSTREAM.KRR_URL, AUDIT_LOG: 'stdout' });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringContaining('MASKINPORTEN_ISSUER is required'),
        expect.stringContaining('MASKINPORTEN_CLIENT_ID is required'),
        expect.stringContaining('ADMIN_API_URL is required'),
        expect.stringContaining('AUTH_ISSUER is required'),
        expect.stringContaining('AUTH_AUDIENCE is required'),
        expect.stringContaining('MASKINPORTEN_KEY_FILE'),
        // Either way of giving the key is named: a .p12 holder is not sent to the PEM variables alone.
        expect.stringContaining('MASKINPORTEN_KEYSTORE_FILE'),
      ]),
    );
    // Outside production too: any upstream variable means "not the sandbox".
    for (const name of UPSTREAM_VARIABLES) {
      const env = { [name]: (UPSTREAM as Record<string, string>)[name] ?? 'https://x.example.no/' };
      expect(problems(env).length, name).toBeGreaterThan(0);
    }
  });

  it('refuses production without any upstream configuration, naming every missing variable', () => {
    const found = problems({ NODE_ENV: 'production' });
    for (const name of ['MASKINPORTEN_ISSUER', 'MASKINPORTEN_CLIENT_ID', 'KRR_URL', 'ADMIN_API_URL', 'AUTH_ISSUER']) {
      expect(
        found.some((p) => p.startsWith(name)),
        name,
      ).toBe(true);
    }
    expect(found.some((p) => p.includes('SANDBOX=true'))).toBe(true);
    expect(found.some((p) => p.startsWith('AUDIT_LOG_FILE (or AUDIT_LOG=stdout) is required'))).toBe(true);
  });

  it('reads NODE_ENV in any case and trimmed: another spelling of production still means production', () => {
    for (const spelling of ['Production', ' production', 'PRODUCTION ']) {
      expect(
        problems({ NODE_ENV: spelling }).some((p) => p.startsWith('KRR_URL is required')),
        spelling,
      ).toBe(true);
    }
    expect(loadConfig({ NODE_ENV: ' Test ', ...UPSTREAM }).production).toBe(false);
    expect(loadConfig({ NODE_ENV: 'DEVELOPMENT' }).production).toBe(false);
  });

  it('refuses any other NODE_ENV: a near-miss of production must not start without its rules', () => {
    // NODE_ENV=prod started with introspection, GraphiQL and no audit destination required.
    for (const value of ['prod', 'prd', 'production1', 'staging', 'produktion']) {
      expect(problems({ NODE_ENV: value, ...UPSTREAM, AUDIT_LOG: 'stdout' }), value).toEqual([
        `NODE_ENV must be one of production, development, test (got "${value}")`,
      ]);
      expect(problems({ NODE_ENV: value }), value).toEqual([
        `NODE_ENV must be one of production, development, test (got "${value}")`,
      ]);
    }
  });

  it('starts the sandbox when asked, also in production, with a warning', () => {
    const config = loadConfig({ NODE_ENV: 'production', SANDBOX: 'true' });
    expect(config.sandbox).toBe(true);
    expect(config.warnings.join(' ')).toMatch(/NODE_ENV=production/);
    const ignoring = loadConfig({ SANDBOX: 'true', KRR_URL: UPSTREAM.KRR_URL });
    expect(ignoring.warnings.join(' ')).toMatch(/ignoring KRR_URL/);
  });

  it('SANDBOX=false without upstream configuration names what is missing', () => {
    expect(problems({ SANDBOX: 'false' }).some((p) => p.startsWith('KRR_URL is required'))).toBe(true);
  });
});

describe('the audit destination in production', () => {
  it('is required: AUDIT_LOG_FILE or an explicit AUDIT_LOG=stdout', () => {
    const found = problems({ NODE_ENV: 'production', ...UPSTREAM });
    expect(found).toEqual([expect.stringMatching(/^AUDIT_LOG_FILE \(or AUDIT_LOG=stdout\) is required/)]);
    expect(loadConfig({ NODE_ENV: 'production', ...UPSTREAM, AUDIT_LOG: 'stdout' }).auditLogFile).toBeUndefined();
    expect(
      loadConfig({ NODE_ENV: 'production', ...UPSTREAM, AUDIT_LOG_FILE: '/var/log/audit.jsonl' }).auditLogFile,
    ).toBe('/var/log/audit.jsonl');
  });

  it('refuses contradictions and unknown values', () => {
    expect(problems({ AUDIT_LOG: 'syslog' })).toEqual([expect.stringMatching(/^AUDIT_LOG must be/)]);
    expect(problems({ AUDIT_LOG: 'stdout', AUDIT_LOG_FILE: '/tmp/a' })).toEqual([
      expect.stringMatching(/^AUDIT_LOG=stdout and AUDIT_LOG_FILE/),
    ]);
    expect(problems({ AUDIT_LOG: 'file' })).toEqual([expect.stringMatching(/^AUDIT_LOG_FILE is required/)]);
  });

  it('is not required outside production', () => {
    expect(problems({ ...UPSTREAM })).toEqual([]);
  });
});

describe('variables', () => {
  it('reports every invalid variable at once, each by name', () => {
    const found = problems({
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      METRICS_PORT: '-1',
      QUERY_MAX_NESTING: '1',
      AUTH_MAX_TOKEN_LIFETIME_SECONDS: '0',
      ADMIN_ALLOWED_SCOPES: 'ok:*, bad scope?',
      CORS_ORIGINS: 'https://app.example.no/path',
    });
    for (const name of [
      'PORT',
      'LOG_LEVEL',
      'METRICS_PORT',
      'QUERY_MAX_NESTING',
      'AUTH_MAX_TOKEN_LIFETIME_SECONDS',
      'ADMIN_ALLOWED_SCOPES',
      'CORS_ORIGINS',
    ]) {
      expect(
        found.some((p) => p.startsWith(name)),
        name,
      ).toBe(true);
    }
  });

  it('has defaults for the limits and reads the new ones', () => {
    const config = loadConfig({
      METRICS_PORT: '9464',
      ADMIN_ALLOWED_SCOPES: 'myorg:*, other:read',
      QUERY_MAX_DOCUMENT_BYTES: '5000',
      AUTH_CLOCK_SKEW_SECONDS: '10',
    });
    expect(config.metricsPort).toBe(9464);
    expect(config.adminAllowedScopes).toEqual(['myorg:*', 'other:read']);
    expect(config.documentLimits).toEqual({ maxDocumentBytes: 5000, maxNesting: 64, maxNameLength: 128 });
    expect(config.callerTokens).toEqual({ maxLifetimeSeconds: 86_400, clockSkewSeconds: 10, scopePrefixes: [] });
    expect(loadConfig({}).metricsPort).toBeUndefined();
    expect(problems({ PORT: '9000', METRICS_PORT: '9000' })).toEqual(['METRICS_PORT must differ from PORT']);
  });

  it('reads REDIS_URL and REDIS_KEY_PREFIX, and never echoes a malformed REDIS_URL (it may hold a password)', () => {
    expect(loadConfig({}).redis).toBeUndefined();
    expect(loadConfig({ REDIS_URL: 'rediss://u:p@valkey.example:6380' }).redis).toEqual({
      url: 'rediss://u:p@valkey.example:6380',
      keyPrefix: 'digdir-facade:',
    });
    expect(loadConfig({ REDIS_URL: 'redis://valkey:6379', REDIS_KEY_PREFIX: 'team-a:' }).redis?.keyPrefix).toBe(
      'team-a:',
    );
    const found = problems({ REDIS_URL: 'http://user:secret-pass@valkey:6379', REDIS_KEY_PREFIX: 'has space' });
    expect(found.some((p) => p.startsWith('REDIS_URL must be a redis:// or rediss:// URL'))).toBe(true);
    expect(found.some((p) => p.startsWith('REDIS_KEY_PREFIX'))).toBe(true);
    expect(found.join(' ')).not.toContain('secret-pass');
  });

  it('refuses a query string, a fragment or a path but a database number in REDIS_URL, saying which', () => {
    expect(loadConfig({ REDIS_URL: 'redis://valkey:6379/15' }).redis?.url).toBe('redis://valkey:6379/15');
    expect(loadConfig({ REDIS_URL: 'redis://valkey:6379/' }).redis?.url).toBe('redis://valkey:6379/');
    expect(loadConfig({ REDIS_URL: 'redis://valkey:6379/7/' }).redis?.url).toBe('redis://valkey:6379/7/');
    const cases = {
      'redis://:secret-pass@valkey:6379?commandTimeout=20000&enableOfflineQueue=1': 'a query string or fragment',
      'redis://valkey:6379/?connectTimeout=100': 'a query string or fragment',
      'redis://valkey:6379?password=secret-pass': 'a query string or fragment',
      'redis://:secret-pass@valkey:6379#x': 'a query string or fragment',
      'redis://:secret-pass@valkey:6379/abc': 'the path must be empty or a database number',
      'redis://:secret-pass@valkey:6379/1/2': 'the path must be empty or a database number',
    };
    for (const [url, says] of Object.entries(cases)) {
      const found = problems({ REDIS_URL: url });
      expect(found, url).toHaveLength(1);
      expect(found[0], url).toMatch(/^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
      expect(found[0], url).toContain(says);
      expect(found[0], url).not.toContain('secret-pass');
    }
  });

  it('refuses credentials, a query or a fragment in the upstream URLs, and never echoes the credentials', () => {
    // KRR_URL with user:password@ went nowhere (the client keeps origin and path), MASKINPORTEN_ISSUER=…/?x=1 made
    // every grant's audience wrong; nothing said so at start.
    const urls = ['MASKINPORTEN_ISSUER', 'KRR_URL', 'ADMIN_API_URL', 'AUTH_ISSUER', 'AUTH_JWKS_URL'] as const;
    for (const name of urls) {
      const base = name === 'AUTH_JWKS_URL' ? 'https://login.example.no/jwks' : UPSTREAM[name];
      const wrong = [
        base.replace('https://', 'https://user:s3cret-pw@'),
        base.replace('https://', 'https://:s3cret-pw@'),
        base.replace('https://', 'https://s3cret-pw@'),
        `${base}#keys`,
        `${base}#`,
        ...(name === 'AUTH_JWKS_URL' ? [] : [`${base}?x=1`, `${base}?`]),
      ];
      for (const value of wrong) {
        const found = problems({ ...UPSTREAM, [name]: value });
        expect(found, `${name}=${value}`).toHaveLength(1);
        expect(found[0], `${name}=${value}`).toMatch(
          new RegExp(`^${name} must be an absolute http\\(s\\) URL without credentials`),
        );
        expect(found[0]).not.toContain('s3cret-pw');
      }
    }
    // A key set's URL may need a query string (Azure AD B2C: ?p=<policy>); the JWKS fetch keeps it.
    const b2c = 'https://tenant.b2clogin.com/tenant.onmicrosoft.com/b2c_1_signin/discovery/v2.0/keys?p=b2c_1_signin';
    expect(loadConfig({ ...UPSTREAM, AUTH_JWKS_URL: b2c }).upstream?.auth.jwksUrl).toBe(b2c);
    // The documented Digdir addresses need none of them.
    expect(problems({ ...UPSTREAM })).toEqual([]);
    // A value too malformed to parse is not echoed with its credentials either.
    expect(problems({ ...UPSTREAM, KRR_URL: 'user:s3cret-pw@krr.example' })).toEqual([
      'KRR_URL must be an absolute http(s) URL without credentials, query or fragment (got "***@krr.example")',
    ]);
    expect(problems({ CORS_ORIGINS: 'https://u:s3cret-pw@app.example.no' }).join(' ')).not.toContain('s3cret-pw');
  });

  it('reads AUTH_SCOPE_PREFIX: comma- or space-separated prefixes of caller scopes, none by default', () => {
    expect(loadConfig({}).callerTokens.scopePrefixes).toEqual([]);
    expect(loadConfig({ AUTH_SCOPE_PREFIX: 'api://facade/, myorg:facade/' }).callerTokens.scopePrefixes).toEqual([
      'api://facade/',
      'myorg:facade/',
    ]);
    expect(problems({ AUTH_SCOPE_PREFIX: ' , ' })).toEqual(['AUTH_SCOPE_PREFIX must list at least one value']);
  });

  it('ignores, and does not check, the upstream variables in sandbox mode', () => {
    const config = loadConfig({ SANDBOX: 'true', KRR_URL: 'not a url', MASKINPORTEN_ISSUER: 'nor this' });
    expect(config.upstream).toBeUndefined();
    expect(config.warnings.join(' ')).toMatch(/ignoring MASKINPORTEN_ISSUER, KRR_URL/);
  });

  it('reads the upstream configuration of a production start', () => {
    const config = loadConfig({ NODE_ENV: 'production', ...UPSTREAM, AUDIT_LOG: 'stdout' });
    expect(config.sandbox).toBe(false);
    expect(config.production).toBe(true);
    expect(config.upstream).toMatchObject({
      krrUrl: UPSTREAM.KRR_URL,
      adminApiUrl: UPSTREAM.ADMIN_API_URL,
      maskinporten: { issuer: UPSTREAM.MASKINPORTEN_ISSUER, clientId: 'our-client' },
      auth: { issuer: UPSTREAM.AUTH_ISSUER, audience: 'facade' },
    });
    expect(config.host).toBe('0.0.0.0');
    expect(config.shutdownDelayMs).toBe(5_000);
  });
});

/** `npm start`'s command (the build) with only the variables given. */
function start(env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  return new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(process.execPath, nodeCommandOf(root, 'start').args, { cwd: root, env });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('npm start with a forgotten variable', () => {
  it('exits non-zero naming every missing variable, and never listens', async () => {
    const run = await start({ PATH: process.env.PATH, NODE_ENV: 'production', KRR_URL: UPSTREAM.KRR_URL });
    expect(run.code).toBe(2);
    for (const name of [
      'MASKINPORTEN_ISSUER',
      'MASKINPORTEN_CLIENT_ID',
      'ADMIN_API_URL',
      'AUTH_ISSUER',
      'AUDIT_LOG_FILE',
    ]) {
      expect(run.out).toContain(name);
    }
    expect(run.out).not.toMatch(/listening|Sandbox mode/i);
  }, 30_000);

  it('names the files and the address that cannot be used together with the invalid variables, in one start', async () => {
    // A new user's finding: a wrong PORT hid an unreadable TRUSTED_DOCUMENTS_FILE until the next start, and HOST was
    // checked only as the service began to listen.
    const run = await start({
      PATH: process.env.PATH,
      SANDBOX: 'true',
      PORT: '-1',
      QUERY_MAX_ALIASES: '-5',
      HOST: '192.0.2.1', // TEST-NET-1: an address of no machine here
      TRUSTED_DOCUMENTS_FILE: '/nonexistent-dir/documents.json',
      TENANTS_FILE: '/nonexistent-dir/tenants.json',
    });
    expect(run.code).toBe(2);
    for (const name of ['PORT', 'QUERY_MAX_ALIASES', 'HOST', 'TRUSTED_DOCUMENTS_FILE', 'TENANTS_FILE']) {
      expect(run.out).toMatch(new RegExp(`^  - ${name}\\b`, 'm'));
    }
    expect(run.out).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('exits 2 naming AUDIT_LOG_FILE when the audit file cannot be opened, without a stack trace', async () => {
    const run = await start({
      PATH: process.env.PATH,
      SANDBOX: 'true',
      PORT: '0',
      AUDIT_LOG_FILE: '/nonexistent-dir/audit.jsonl',
    });
    expect(run.code).toBe(2);
    expect(run.out).toContain('AUDIT_LOG_FILE');
    expect(run.out).not.toMatch(/\n\s+at /);
  }, 30_000);
});

describe('the declaration in src/config-spec.ts', () => {
  it('is what loadConfig reads: every declared variable, and no other', () => {
    const read = new Set<string>();
    const env = new Proxy({} as NodeJS.ProcessEnv, {
      get(_target, name) {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    });
    loadConfig(env);
    expect([...read].sort()).toEqual(Object.keys(VARIABLES).sort());
  });

  it("is the loader's range and default of every integer variable", () => {
    const integers = Object.entries(VARIABLES as Record<string, Variable>).filter(
      (entry): entry is [string, Extract<Variable, { type: 'integer' }>] => entry[1].type === 'integer',
    );
    expect(integers.length).toBeGreaterThan(25);
    for (const [name, spec] of integers) {
      for (const value of [spec.min - 1, spec.max + 1]) {
        expect(problems({ [name]: String(value) }), `${name}=${value}`).toEqual([
          `${name} must be an integer from ${spec.min} to ${spec.max} (got "${value}")`,
        ]);
      }
      for (const value of [spec.min, spec.max])
        expect(problems({ [name]: String(value) }), `${name}=${value}`).toEqual([]);
    }
    // An integer is written in decimal digits: Number()'s other spellings are refused, whatever they would be worth
    // (SHUTDOWN_GRACE_MS=0x10 was read as 16).
    for (const [name, spec] of integers) {
      for (const value of ['0x10', '0b11', '0o17', '-0', '1e3', '1000.0', '+5', '1_000', '٣', 'Infinity']) {
        expect(problems({ [name]: value }), `${name}=${value}`).toEqual([
          `${name} must be an integer from ${spec.min} to ${spec.max} (got "${value}")`,
        ]);
      }
    }
    expect(loadConfig({ SHUTDOWN_GRACE_MS: ' 16 ' }).shutdownGraceMs).toBe(16);
    expect(loadConfig({ SHUTDOWN_GRACE_MS: '016' }).shutdownGraceMs).toBe(16);
    const defaults = loadConfig({});
    expect(defaults.port).toBe(VARIABLES.PORT.default);
    expect(defaults.timeouts.krr).toBe(VARIABLES.KRR_TIMEOUT_MS.default);
    expect(defaults.shutdownDelayMs).toBe(VARIABLES.SHUTDOWN_DELAY_MS.default);
    expect(loadConfig({ NODE_ENV: 'production', ...UPSTREAM, AUDIT_LOG: 'stdout' }).shutdownDelayMs).toBe(
      VARIABLES.SHUTDOWN_DELAY_MS.defaults.production,
    );
  });

  it('decides the mode-dependent defaults: GraphiQL and introspection off in production, supplier in the sandbox', () => {
    expect(loadConfig({})).toMatchObject({
      graphiql: true,
      introspection: true,
      adminSupplier: true,
      host: '127.0.0.1',
    });
    expect(loadConfig({ NODE_ENV: 'production', ...UPSTREAM, AUDIT_LOG: 'stdout' })).toMatchObject({
      graphiql: false,
      introspection: false,
      adminSupplier: false,
      host: '0.0.0.0',
    });
    expect(loadConfig({ NODE_ENV: 'production', SANDBOX: 'true', GRAPHIQL: 'true' })).toMatchObject({
      graphiql: true,
      introspection: false,
      adminSupplier: true,
    });
  });
});
