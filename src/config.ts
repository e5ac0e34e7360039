import { DEFAULT_MAX_COST_IN_FLIGHT } from './graphql/admission.js';
import { DEFAULT_DOCUMENT_LIMITS, type DocumentLimits } from './graphql/document-limits.js';
import { DEFAULT_QUERY_LIMITS, type QueryLimits } from './graphql/limits.js';

/**
 * Environment → typed, validated configuration. Every problem is collected and reported at once, each message naming
 * its variable, so a misconfigured deployment fails at start rather than on the first request.
 */

export interface MaskinportenConfig {
  /** With a trailing slash, exactly as the issuer publishes it (e.g. `https://test.maskinporten.no/`). */
  issuer: string;
  clientId: string;
  keyFile?: string;
  certFile?: string;
  keystoreFile?: string;
  keystorePassword?: string;
  kid?: string;
}

export interface AuthConfig {
  issuer: string;
  audience: string;
  jwksUrl?: string;
}

export interface UpstreamConfig {
  maskinporten: MaskinportenConfig;
  krrUrl: string;
  adminApiUrl: string;
  auth: AuthConfig;
}

export interface Config {
  port: number;
  host: string;
  /** Sandbox mode: embedded simulators instead of Digdir; `upstream` is then filled in by the sandbox at start. */
  sandbox: boolean;
  upstream?: UpstreamConfig;
  corsOrigins: string[];
  trustedDocumentsFile?: string;
  logLevel: string;
  /** `AUDIT_LOG_FILE`: the audit stream's file. Unset: a tagged stream on stdout (`AUDIT_LOG=stdout`). */
  auditLogFile?: string;
  production: boolean;
  /** Things worth a warning at start that do not stop it (e.g. SANDBOX=true with NODE_ENV=production). */
  warnings: string[];
  /** `METRICS_PORT`: serve /metrics on this port of its own (and not on PORT); unset: on PORT. */
  metricsPort?: number;
  /**
   * `ADMIN_ALLOWED_SCOPES`: patterns (`*` wildcard) of the scopes callers may put on clients through the facade.
   * Unset: every scope but the facade's own privileged ones (`krr:*`, `idporten:dcr*`).
   */
  adminAllowedScopes?: string[];
  /**
   * `REDIS_URL` (`redis://` or `rediss://`, credentials in the URL) and `REDIS_KEY_PREFIX`: state shared by replicas
   * (the per-caller rate limit, the per-client admin lock). Unset: that state lives in this process.
   */
  redis?: { url: string; keyPrefix: string };
  /**
   * Supplier mode: `TENANTS_FILE` (the customer organisations served), `AUTH_TENANT_CLAIM` (the caller-token claim
   * naming a caller's tenant; unset: tenants' `callers` lists decide) and `TENANT_REQUIRED` (refuse callers without).
   */
  tenants: { file?: string; claim?: string; required: boolean };
  /** Caller tokens: `AUTH_MAX_TOKEN_LIFETIME_SECONDS` (exp − iat at most) and `AUTH_CLOCK_SKEW_SECONDS`. */
  callerTokens: { maxLifetimeSeconds: number; clockSkewSeconds: number };
  /** `QUERY_MAX_DOCUMENT_BYTES`, `QUERY_MAX_NESTING`, `QUERY_MAX_NAME_LENGTH`: checked before the document is parsed. */
  documentLimits: DocumentLimits;
  /** Maximum connections per upstream origin (undici Pool). */
  upstreamConnections: number;
  /** `ADMIN_SUPPLIER`: our Maskinporten client holds `idporten:dcr.supplier` (default: true in sandbox mode only). */
  adminSupplier?: boolean;
  /** `GRAPHIQL`: serve GraphiQL at GET /graphql (default: on, except with NODE_ENV=production). */
  graphiql?: boolean;
  /** `INTROSPECTION`: schema introspection and "did you mean" suggestions (default: on, except in production). */
  introspection?: boolean;
  /** `MAX_BODY_BYTES`: largest accepted request body. */
  maxBodyBytes: number;
  /** `MAX_BODY_BYTES_IN_FLIGHT`: request bodies held at once (waiting or executing); more get 503 OVERLOADED. */
  maxBodyBytesInFlight: number;
  /** `RATE_LIMIT_PERSONS_PER_MINUTE`: person look-ups per caller per minute. */
  personsPerMinute: number;
  /** `QUERY_MAX_*`: limits checked before execution. */
  queryLimits: QueryLimits;
  /**
   * `QUERY_MAX_COST_IN_FLIGHT`: the summed cost of operations executing at once (more wait their turn);
   * `QUERY_QUEUE_TIMEOUT_MS`: how long one may wait before it is refused with 503 OVERLOADED.
   */
  admission: { maxCostInFlight: number; queueTimeoutMs: number };
  /** `KRR_TIMEOUT_MS`, `ADMIN_TIMEOUT_MS`, `MASKINPORTEN_TIMEOUT_MS`: per-call deadline, retries included. */
  timeouts: { krr: number; admin: number; maskinporten: number };
  /** `BREAKER_RESET_MS` (open → half-open) and `BREAKER_VOLUME_THRESHOLD` (calls in 10 s before it may open). */
  breaker: { resetTimeoutMs: number; volumeThreshold: number };
  /** `SHUTDOWN_DELAY_MS`: after SIGTERM, /readyz is 503 this long before new connections are refused. */
  shutdownDelayMs: number;
  /** `SHUTDOWN_GRACE_MS`: how long in-flight requests may take to finish after that. */
  shutdownGraceMs: number;
  /** `KRR_BATCH_WINDOW_MS`: how long look-ups of concurrent requests are gathered into one KRR call (0: one tick). */
  krrBatchWindowMs: number;
  /** KRR path version: `v1` or `v2`. */
  krrApiVersion: 'v1' | 'v2';
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** The variables that point the facade at real upstreams; any one of them set means "not the sandbox". */
export const UPSTREAM_VARIABLES = [
  'MASKINPORTEN_ISSUER',
  'MASKINPORTEN_CLIENT_ID',
  'MASKINPORTEN_KEY_FILE',
  'MASKINPORTEN_CERT_FILE',
  'MASKINPORTEN_KEYSTORE_FILE',
  'MASKINPORTEN_KID',
  'KRR_URL',
  'ADMIN_API_URL',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'AUTH_JWKS_URL',
] as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const url = (name: string): string | undefined => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('scheme');
      return raw;
    } catch {
      problems.push(`${name} must be an absolute http(s) URL (got "${raw}")`);
      return undefined;
    }
  };

  /** A comma- or space-separated list; undefined when unset, refused when set but empty. */
  const list = (name: string): string[] | undefined => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    const items = raw.split(/[\s,]+/).filter(Boolean);
    if (items.length === 0) problems.push(`${name} must list at least one value`);
    return items;
  };

  const redisConfig = (): Config['redis'] => {
    const raw = str('REDIS_URL');
    const keyPrefix = str('REDIS_KEY_PREFIX') ?? 'digdir-facade:';
    if (!/^[A-Za-z0-9:._-]{1,64}$/.test(keyPrefix)) {
      problems.push('REDIS_KEY_PREFIX must be 1–64 letters, digits, ":", ".", "_" or "-"');
    }
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error('scheme');
      if (!parsed.hostname) throw new Error('host');
    } catch {
      // Never the value itself: it holds the password.
      problems.push('REDIS_URL must be a redis:// or rediss:// URL, e.g. rediss://user:password@valkey.example:6379');
      return undefined;
    }
    return { url: raw, keyPrefix };
  };

  const bool = (name: string): boolean | undefined => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    if (raw !== 'true' && raw !== 'false') problems.push(`${name} must be "true" or "false" (got "${raw}")`);
    return raw === 'true';
  };

  // Read leniently ("Production", " production"): a near-miss must not leave the fail-closed rules off.
  const production = env.NODE_ENV?.trim().toLowerCase() === 'production';
  const warnings: string[] = [];
  const sandboxRaw = bool('SANDBOX');
  const issuer = url('MASKINPORTEN_ISSUER');
  const upstreamSet = UPSTREAM_VARIABLES.filter((name) => str(name) !== undefined);
  // Fail closed: the sandbox (fake data, a token endpoint handing out every scope) starts only when asked for, or
  // outside production when nothing points at a real upstream. One forgotten variable never turns it on.
  const sandbox = sandboxRaw ?? (!production && upstreamSet.length === 0);
  if (sandbox && upstreamSet.length > 0) {
    warnings.push(`SANDBOX=true: ignoring ${upstreamSet.join(', ')}; the embedded simulators answer instead`);
  }
  if (sandbox && production) {
    warnings.push('SANDBOX=true with NODE_ENV=production: fake upstreams, and POST /sandbox/caller-token is open');
  }

  const auditLog = str('AUDIT_LOG');
  if (auditLog !== undefined && auditLog !== 'stdout' && auditLog !== 'file') {
    problems.push(`AUDIT_LOG must be "stdout" or "file" (got "${auditLog}")`);
  }
  const auditLogFile = str('AUDIT_LOG_FILE');
  if (auditLog === 'file' && auditLogFile === undefined)
    problems.push('AUDIT_LOG_FILE is required with AUDIT_LOG=file');
  if (auditLog === 'stdout' && auditLogFile !== undefined) {
    problems.push('AUDIT_LOG=stdout and AUDIT_LOG_FILE contradict each other: set one');
  }
  if (production && !sandbox && auditLogFile === undefined && auditLog !== 'stdout') {
    problems.push(
      'AUDIT_LOG_FILE (or AUDIT_LOG=stdout) is required with NODE_ENV=production: the audit stream needs a destination of its own',
    );
  }

  const logLevel = str('LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const krrApiVersion = str('KRR_API_VERSION') ?? 'v2';
  if (krrApiVersion !== 'v1' && krrApiVersion !== 'v2') problems.push('KRR_API_VERSION must be "v1" or "v2"');

  const config: Config = {
    port: int('PORT', 4000, 0, 65535),
    host: str('HOST') ?? (sandbox ? '127.0.0.1' : '0.0.0.0'),
    sandbox,
    corsOrigins: (str('CORS_ORIGINS') ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    trustedDocumentsFile: str('TRUSTED_DOCUMENTS_FILE'),
    logLevel,
    auditLogFile,
    production,
    warnings,
    metricsPort: str('METRICS_PORT') === undefined ? undefined : int('METRICS_PORT', 0, 0, 65535),
    adminAllowedScopes: list('ADMIN_ALLOWED_SCOPES'),
    redis: redisConfig(),
    tenants: {
      file: str('TENANTS_FILE'),
      claim: str('AUTH_TENANT_CLAIM'),
      required: bool('TENANT_REQUIRED') ?? false,
    },
    callerTokens: {
      maxLifetimeSeconds: int('AUTH_MAX_TOKEN_LIFETIME_SECONDS', 86_400, 60, 31_536_000),
      clockSkewSeconds: int('AUTH_CLOCK_SKEW_SECONDS', 30, 0, 300),
    },
    documentLimits: {
      maxDocumentBytes: int('QUERY_MAX_DOCUMENT_BYTES', DEFAULT_DOCUMENT_LIMITS.maxDocumentBytes, 256, 10_000_000),
      maxNesting: int('QUERY_MAX_NESTING', DEFAULT_DOCUMENT_LIMITS.maxNesting, 4, 1_000),
      maxNameLength: int('QUERY_MAX_NAME_LENGTH', DEFAULT_DOCUMENT_LIMITS.maxNameLength, 8, 10_000),
    },
    upstreamConnections: int('UPSTREAM_CONNECTIONS', 16, 1, 1024),
    krrApiVersion: krrApiVersion === 'v1' ? 'v1' : 'v2',
    adminSupplier: bool('ADMIN_SUPPLIER'),
    graphiql: bool('GRAPHIQL'),
    introspection: bool('INTROSPECTION'),
    timeouts: {
      krr: int('KRR_TIMEOUT_MS', 5_000, 100, 120_000),
      admin: int('ADMIN_TIMEOUT_MS', 5_000, 100, 120_000),
      maskinporten: int('MASKINPORTEN_TIMEOUT_MS', 5_000, 100, 120_000),
    },
    breaker: {
      resetTimeoutMs: int('BREAKER_RESET_MS', 5_000, 100, 600_000),
      volumeThreshold: int('BREAKER_VOLUME_THRESHOLD', 10, 1, 100_000),
    },
    krrBatchWindowMs: int('KRR_BATCH_WINDOW_MS', 2, 0, 1_000),
    shutdownDelayMs: int('SHUTDOWN_DELAY_MS', production ? 5_000 : 0, 0, 600_000),
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 20_000, 0, 600_000),
    maxBodyBytes: int('MAX_BODY_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024),
    maxBodyBytesInFlight: int('MAX_BODY_BYTES_IN_FLIGHT', 8 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    personsPerMinute: int('RATE_LIMIT_PERSONS_PER_MINUTE', 20_000, 1, 100_000_000),
    queryLimits: {
      maxDepth: int('QUERY_MAX_DEPTH', DEFAULT_QUERY_LIMITS.maxDepth, 2, 100),
      maxAliases: int('QUERY_MAX_ALIASES', DEFAULT_QUERY_LIMITS.maxAliases, 0, 10_000),
      maxDirectives: int('QUERY_MAX_DIRECTIVES', DEFAULT_QUERY_LIMITS.maxDirectives, 0, 10_000),
      maxTokens: int('QUERY_MAX_TOKENS', DEFAULT_QUERY_LIMITS.maxTokens, 100, 1_000_000),
      maxCost: int('QUERY_MAX_COST', DEFAULT_QUERY_LIMITS.maxCost, 1, 100_000_000),
      maxPersons: int('QUERY_MAX_PERSONS', DEFAULT_QUERY_LIMITS.maxPersons, 1, 1_000_000),
      maxMutations: int('QUERY_MAX_MUTATIONS', DEFAULT_QUERY_LIMITS.maxMutations, 1, 1_000),
    },
    admission: {
      maxCostInFlight: int('QUERY_MAX_COST_IN_FLIGHT', DEFAULT_MAX_COST_IN_FLIGHT, 1, 1_000_000_000),
      queueTimeoutMs: int('QUERY_QUEUE_TIMEOUT_MS', 10_000, 1, 600_000),
    },
  };
  for (const origin of config.corsOrigins) {
    try {
      if (new URL(origin).origin !== origin) throw new Error('not an origin');
    } catch {
      problems.push(`CORS_ORIGINS entries must be origins like https://app.example.no (got "${origin}")`);
    }
  }

  if (config.metricsPort !== undefined && config.metricsPort !== 0 && config.metricsPort === config.port) {
    problems.push('METRICS_PORT must differ from PORT');
  }
  if (config.tenants.claim !== undefined && !/^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/.test(config.tenants.claim)) {
    problems.push('AUTH_TENANT_CLAIM must be a claim name, or a dotted path such as consumer.ID');
  }
  if (config.tenants.required && !config.tenants.file && !sandbox) {
    problems.push('TENANTS_FILE is required with TENANT_REQUIRED=true');
  }
  for (const pattern of config.adminAllowedScopes ?? []) {
    if (!/^[A-Za-z0-9:/._*-]+$/.test(pattern)) {
      problems.push(`ADMIN_ALLOWED_SCOPES entries are scope patterns such as "myorg:*" (got "${pattern}")`);
    }
  }

  if (!sandbox) {
    const required = (name: string, value: string | undefined): string => {
      if (value === undefined && !problems.some((p) => p.startsWith(name))) {
        problems.push(
          upstreamSet.length === 0 && production
            ? `${name} is required with NODE_ENV=production (or set SANDBOX=true for the embedded simulators)`
            : `${name} is required`,
        );
      }
      return value ?? '';
    };
    const keyFile = str('MASKINPORTEN_KEY_FILE');
    const certFile = str('MASKINPORTEN_CERT_FILE');
    const keystoreFile = str('MASKINPORTEN_KEYSTORE_FILE');
    const kid = str('MASKINPORTEN_KID');
    if (!keystoreFile && !keyFile) {
      problems.push('MASKINPORTEN_KEY_FILE (with MASKINPORTEN_CERT_FILE or MASKINPORTEN_KID) is required');
    }
    if (keyFile && !certFile && !kid) {
      problems.push('MASKINPORTEN_CERT_FILE is required with MASKINPORTEN_KEY_FILE unless MASKINPORTEN_KID is set');
    }
    config.upstream = {
      maskinporten: {
        issuer: required('MASKINPORTEN_ISSUER', issuer),
        clientId: required('MASKINPORTEN_CLIENT_ID', str('MASKINPORTEN_CLIENT_ID')),
        keyFile,
        certFile,
        keystoreFile,
        // Taken verbatim (not trimmed); empty or unset opens a keystore without a password.
        keystorePassword: env.MASKINPORTEN_KEYSTORE_PASSWORD,
        kid,
      },
      krrUrl: required('KRR_URL', url('KRR_URL')),
      adminApiUrl: required('ADMIN_API_URL', url('ADMIN_API_URL')),
      auth: {
        issuer: required('AUTH_ISSUER', url('AUTH_ISSUER')),
        audience: required('AUTH_AUDIENCE', str('AUTH_AUDIENCE')),
        jwksUrl: url('AUTH_JWKS_URL'),
      },
    };
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
