import type { Executor } from './graphql/compiled-execution.js';
import {
  defaultOf,
  parseVariable,
  UPSTREAM_VARIABLES,
  VARIABLES,
  type Mode,
  type ValueOf,
  type Variable,
  type VariableName,
} from './config-spec.js';
import type { DocumentLimits } from './graphql/document-limits.js';
import type { QueryLimits } from './graphql/limits.js';

/**
 * Environment → typed, validated configuration. Every variable is declared once, in config-spec.ts (type, default,
 * range, description, production rules); this reads and checks each from its declaration, then applies the rules
 * between variables. Every problem is collected and reported at once, each message naming its variable, so a
 * misconfigured deployment fails at start rather than on the first request.
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

/** Each field names the variable(s) it comes from; what they mean is declared in config-spec.ts. */
export interface Config {
  /** `PORT` */
  port: number;
  /** `HOST` */
  host: string;
  /** `SANDBOX`: embedded simulators instead of Digdir; `upstream` is then filled in by the sandbox at start. */
  sandbox: boolean;
  upstream?: UpstreamConfig;
  /** `CORS_ORIGINS` */
  corsOrigins: string[];
  /** `TRUSTED_DOCUMENTS_FILE` */
  trustedDocumentsFile?: string;
  /** `LOG_LEVEL` */
  logLevel: string;
  /** `AUDIT_LOG_FILE`: the audit stream's file. Unset: a tagged stream on stdout (`AUDIT_LOG=stdout`). */
  auditLogFile?: string;
  /** `NODE_ENV=production` */
  production: boolean;
  /** Things worth a warning at start that do not stop it (e.g. SANDBOX=true with NODE_ENV=production). */
  warnings: string[];
  /** `METRICS_PORT`: serve /metrics on this port of its own (and not on PORT); unset: on PORT. */
  metricsPort?: number;
  /** `ADMIN_ALLOWED_SCOPES`; unset: every scope but the facade's own privileged ones. */
  adminAllowedScopes?: string[];
  /** `REDIS_URL` (credentials in the URL) and `REDIS_KEY_PREFIX`; unset: state shared by replicas lives in-process. */
  redis?: { url: string; keyPrefix: string };
  /** `TENANTS_FILE`, `AUTH_TENANT_CLAIM`, `TENANT_REQUIRED` */
  tenants: { file?: string; claim?: string; required: boolean };
  /** `AUTH_MAX_TOKEN_LIFETIME_SECONDS`, `AUTH_CLOCK_SKEW_SECONDS`, `AUTH_SCOPE_PREFIX` */
  callerTokens: { maxLifetimeSeconds: number; clockSkewSeconds: number; scopePrefixes: string[] };
  /** `QUERY_MAX_DOCUMENT_BYTES`, `QUERY_MAX_NESTING`, `QUERY_MAX_NAME_LENGTH` */
  documentLimits: DocumentLimits;
  /** `UPSTREAM_CONNECTIONS` */
  upstreamConnections: number;
  /** `UPSTREAM_MAX_RESPONSE_BYTES` */
  upstreamMaxResponseBytes: number;
  /** `UPSTREAM_COMPRESSION` */
  upstreamCompression: boolean;
  /** `ADMIN_SUPPLIER` (always set by `loadConfig`) */
  adminSupplier?: boolean;
  /** `GRAPHIQL` (always set by `loadConfig`) */
  graphiql?: boolean;
  /** `INTROSPECTION` (always set by `loadConfig`) */
  introspection?: boolean;
  /** `GRAPHQL_EXECUTOR` */
  executor?: Executor;
  /** `MAX_BODY_BYTES` */
  maxBodyBytes: number;
  /** `MAX_BODY_BYTES_IN_FLIGHT` */
  maxBodyBytesInFlight: number;
  /** `MAX_UNREAD_ANSWER_BYTES` */
  maxUnreadAnswerBytes: number;
  /** `ANSWER_READ_TIMEOUT_MS` */
  answerReadTimeoutMs: number;
  /** `RATE_LIMIT_PERSONS_PER_MINUTE` */
  personsPerMinute: number;
  /** `QUERY_MAX_DEPTH`, `QUERY_MAX_ALIASES`, `QUERY_MAX_DIRECTIVES`, `QUERY_MAX_TOKENS`, `QUERY_MAX_COST`, … */
  queryLimits: QueryLimits;
  /** `QUERY_MAX_COST_IN_FLIGHT`, `QUERY_COST_IN_FLIGHT_MODE`, `QUERY_QUEUE_TIMEOUT_MS` */
  admission: { maxCostInFlight: number; mode: 'adaptive' | 'fixed'; queueTimeoutMs: number };
  /** `KRR_TIMEOUT_MS`, `ADMIN_TIMEOUT_MS`, `MASKINPORTEN_TIMEOUT_MS` */
  timeouts: { krr: number; admin: number; maskinporten: number };
  /** `BREAKER_RESET_MS`, `BREAKER_VOLUME_THRESHOLD` */
  breaker: { resetTimeoutMs: number; volumeThreshold: number };
  /** `SHUTDOWN_DELAY_MS` */
  shutdownDelayMs: number;
  /** `SHUTDOWN_GRACE_MS` */
  shutdownGraceMs: number;
  /** `KRR_BATCH_WINDOW_MS` */
  krrBatchWindowMs: number;
  /** When a KRR call waits krrBatchWindowMs for more ids (KRR_BATCH_WINDOW_MODE). */
  krrBatchWindowMode: 'busy' | 'always';
  /** `KRR_BATCH_MAX_IDS` */
  krrBatchMaxIds: number;
  /** `KRR_BATCH_MAX_ANSWER_BYTES` (0: off) */
  krrBatchMaxAnswerBytes: number;
  /** `KRR_API_VERSION` */
  krrApiVersion: 'v1' | 'v2';
}

export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    /**
     * The configuration as far as it could be read (an invalid variable at its default), so that a start can name the
     * files and the address the valid variables name that cannot be used, beside the invalid variables.
     */
    readonly config?: Config,
  ) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export { UPSTREAM_VARIABLES };

type Values = { -readonly [N in VariableName]: ValueOf<N> };

/**
 * Every declared variable read and checked (problems collected), the mode decided, and each unset variable given its
 * default in that mode.
 */
function readVariables(env: NodeJS.ProcessEnv, problems: string[]) {
  const specs = Object.entries(VARIABLES) as [VariableName, Variable][];
  const raw = (name: VariableName, spec: Variable = VARIABLES[name]): string | undefined => {
    if (spec.type === 'string' && spec.verbatim) return env[name];
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const read = new Map(
    specs.map(([name, spec]) => {
      const found: string[] = [];
      return [name, { value: parseVariable(name, spec, raw(name, spec), found), found }];
    }),
  );
  const parsed = (name: VariableName) => read.get(name)?.value;

  // NODE_ENV is read in any case and trimmed ("Production", " production"), and any value but production, development
  // or test is refused (reported below): a near-miss ("prod") must not start with the fail-closed rules off. While it
  // is refused the start stops anyway; the mode is decided as if unset, for the other problems' wording.
  const production = parsed('NODE_ENV') === 'production';
  const upstreamSet = UPSTREAM_VARIABLES.filter((name) => raw(name) !== undefined);
  // Fail closed: the sandbox (fake data, a token endpoint handing out every scope) starts only when asked for, or
  // outside production when nothing points at a real upstream. One forgotten variable never turns it on. A SANDBOX
  // that is set but neither "true" nor "false" counts as false (and is reported).
  const sandboxSet = raw('SANDBOX') === undefined ? undefined : parsed('SANDBOX') === true;
  const mode: Mode = { production, sandbox: sandboxSet ?? (!production && upstreamSet.length === 0) };

  const values: Record<string, unknown> = {};
  for (const [name, spec] of specs) {
    const { value, found } = read.get(name)!;
    // The sandbox ignores the upstream variables (with a warning), so it does not check them either.
    if (!(mode.sandbox && spec.upstream)) problems.push(...found);
    const chosen = value ?? defaultOf(spec, mode);
    values[name] = Array.isArray(chosen) ? [...chosen] : chosen;
  }
  return { v: values as Values, mode, upstreamSet };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const { v, mode, upstreamSet } = readVariables(env, problems);
  const { production, sandbox } = mode;

  const warnings: string[] = [];
  if (sandbox && upstreamSet.length > 0) {
    warnings.push(`SANDBOX=true: ignoring ${upstreamSet.join(', ')}; the embedded simulators answer instead`);
  }
  if (sandbox && production) {
    warnings.push('SANDBOX=true with NODE_ENV=production: fake upstreams, and POST /sandbox/caller-token is open');
  }

  if (v.AUDIT_LOG === 'file' && v.AUDIT_LOG_FILE === undefined) {
    problems.push('AUDIT_LOG_FILE is required with AUDIT_LOG=file');
  }
  if (v.AUDIT_LOG === 'stdout' && v.AUDIT_LOG_FILE !== undefined) {
    problems.push('AUDIT_LOG=stdout and AUDIT_LOG_FILE contradict each other: set one');
  }
  if (production && !sandbox && v.AUDIT_LOG_FILE === undefined && v.AUDIT_LOG !== 'stdout') {
    problems.push(
      'AUDIT_LOG_FILE (or AUDIT_LOG=stdout) is required with NODE_ENV=production: the audit stream needs a destination of its own',
    );
  }
  if (v.METRICS_PORT !== undefined && v.METRICS_PORT !== 0 && v.METRICS_PORT === v.PORT) {
    problems.push('METRICS_PORT must differ from PORT');
  }
  if (v.TENANT_REQUIRED && v.TENANTS_FILE === undefined && !sandbox) {
    problems.push('TENANTS_FILE is required with TENANT_REQUIRED=true');
  }

  const config: Config = {
    port: v.PORT,
    host: v.HOST,
    sandbox,
    corsOrigins: v.CORS_ORIGINS,
    trustedDocumentsFile: v.TRUSTED_DOCUMENTS_FILE,
    logLevel: v.LOG_LEVEL,
    auditLogFile: v.AUDIT_LOG_FILE,
    production,
    warnings,
    metricsPort: v.METRICS_PORT,
    adminAllowedScopes: v.ADMIN_ALLOWED_SCOPES,
    redis: v.REDIS_URL === undefined ? undefined : { url: v.REDIS_URL, keyPrefix: v.REDIS_KEY_PREFIX },
    tenants: { file: v.TENANTS_FILE, claim: v.AUTH_TENANT_CLAIM, required: v.TENANT_REQUIRED },
    callerTokens: {
      maxLifetimeSeconds: v.AUTH_MAX_TOKEN_LIFETIME_SECONDS,
      clockSkewSeconds: v.AUTH_CLOCK_SKEW_SECONDS,
      scopePrefixes: v.AUTH_SCOPE_PREFIX,
    },
    documentLimits: {
      maxDocumentBytes: v.QUERY_MAX_DOCUMENT_BYTES,
      maxNesting: v.QUERY_MAX_NESTING,
      maxNameLength: v.QUERY_MAX_NAME_LENGTH,
    },
    upstreamConnections: v.UPSTREAM_CONNECTIONS,
    upstreamMaxResponseBytes: v.UPSTREAM_MAX_RESPONSE_BYTES,
    upstreamCompression: v.UPSTREAM_COMPRESSION,
    krrApiVersion: v.KRR_API_VERSION,
    adminSupplier: v.ADMIN_SUPPLIER,
    graphiql: v.GRAPHIQL,
    introspection: v.INTROSPECTION,
    executor: v.GRAPHQL_EXECUTOR as Executor,
    timeouts: { krr: v.KRR_TIMEOUT_MS, admin: v.ADMIN_TIMEOUT_MS, maskinporten: v.MASKINPORTEN_TIMEOUT_MS },
    breaker: { resetTimeoutMs: v.BREAKER_RESET_MS, volumeThreshold: v.BREAKER_VOLUME_THRESHOLD },
    krrBatchWindowMs: v.KRR_BATCH_WINDOW_MS,
    krrBatchWindowMode: v.KRR_BATCH_WINDOW_MODE,
    krrBatchMaxIds: v.KRR_BATCH_MAX_IDS,
    krrBatchMaxAnswerBytes: v.KRR_BATCH_MAX_ANSWER_BYTES,
    shutdownDelayMs: v.SHUTDOWN_DELAY_MS,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
    maxBodyBytes: v.MAX_BODY_BYTES,
    maxBodyBytesInFlight: v.MAX_BODY_BYTES_IN_FLIGHT,
    maxUnreadAnswerBytes: v.MAX_UNREAD_ANSWER_BYTES,
    answerReadTimeoutMs: v.ANSWER_READ_TIMEOUT_MS,
    personsPerMinute: v.RATE_LIMIT_PERSONS_PER_MINUTE,
    queryLimits: {
      maxDepth: v.QUERY_MAX_DEPTH,
      maxAliases: v.QUERY_MAX_ALIASES,
      maxDirectives: v.QUERY_MAX_DIRECTIVES,
      maxTokens: v.QUERY_MAX_TOKENS,
      maxCost: v.QUERY_MAX_COST,
      maxPersons: v.QUERY_MAX_PERSONS,
      maxAnswerBytes: v.QUERY_MAX_ANSWER_BYTES,
      maxMutations: v.QUERY_MAX_MUTATIONS,
    },
    admission: {
      maxCostInFlight: v.QUERY_MAX_COST_IN_FLIGHT,
      mode: v.QUERY_COST_IN_FLIGHT_MODE,
      queueTimeoutMs: v.QUERY_QUEUE_TIMEOUT_MS,
    },
  };

  if (!sandbox) {
    for (const name of Object.keys(VARIABLES) as VariableName[]) {
      const spec: Variable = VARIABLES[name];
      if (spec.required && v[name] === undefined && !problems.some((p) => p.startsWith(name))) {
        problems.push(
          upstreamSet.length === 0 && production
            ? `${name} is required with NODE_ENV=production (or set SANDBOX=true for the embedded simulators)`
            : `${name} is required`,
        );
      }
    }
    if (!v.MASKINPORTEN_KEYSTORE_FILE && !v.MASKINPORTEN_KEY_FILE) {
      problems.push(
        'MASKINPORTEN_KEYSTORE_FILE (the enterprise certificate as a .p12) or MASKINPORTEN_KEY_FILE (with ' +
          'MASKINPORTEN_CERT_FILE or MASKINPORTEN_KID) is required',
      );
    }
    if (v.MASKINPORTEN_KEY_FILE && !v.MASKINPORTEN_CERT_FILE && !v.MASKINPORTEN_KID) {
      problems.push('MASKINPORTEN_CERT_FILE is required with MASKINPORTEN_KEY_FILE unless MASKINPORTEN_KID is set');
    }
    config.upstream = {
      maskinporten: {
        issuer: v.MASKINPORTEN_ISSUER ?? '',
        clientId: v.MASKINPORTEN_CLIENT_ID ?? '',
        keyFile: v.MASKINPORTEN_KEY_FILE,
        certFile: v.MASKINPORTEN_CERT_FILE,
        keystoreFile: v.MASKINPORTEN_KEYSTORE_FILE,
        keystorePassword: v.MASKINPORTEN_KEYSTORE_PASSWORD,
        kid: v.MASKINPORTEN_KID,
      },
      krrUrl: v.KRR_URL ?? '',
      adminApiUrl: v.ADMIN_API_URL ?? '',
      auth: { issuer: v.AUTH_ISSUER ?? '', audience: v.AUTH_AUDIENCE ?? '', jwksUrl: v.AUTH_JWKS_URL },
    };
  }

  if (problems.length > 0) throw new ConfigError(problems, config);
  return config;
}
