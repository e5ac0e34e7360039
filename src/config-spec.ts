import { DEFAULT_MAX_COST_IN_FLIGHT } from './graphql/admission.js';
import { DEFAULT_DOCUMENT_LIMITS } from './graphql/document-limits.js';
import { DEFAULT_QUERY_LIMITS } from './graphql/limits.js';
import { DEFAULT_MAX_ANSWER_BYTES } from './krr/answer-sizes.js';
import { DEFAULT_BATCH_MAX_IDS } from './krr/batcher.js';
import { DEFAULT_SERVICE_NAME } from './observability/tracing.js';
import { parseRedisUrl } from './state/redis-url.js';
import { DEFAULT_MAX_RESPONSE_BYTES } from './upstream/http-client.js';

/**
 * Every environment variable of the facade, declared once: name, type, default, range or allowed values, description,
 * production rules, and whether it is a secret. `loadConfig` (config.ts) parses and checks each variable from its
 * declaration here; `npm run config:docs` (scripts/config-docs.ts) writes the README's configuration reference and
 * `.env.example` from it, and a test fails when either is stale.
 *
 * To add a variable: declare it in VARIABLES (in the group it belongs to), read it in config.ts with `v.NAME`, and run
 * `npm run config:docs`. What one variable's declaration cannot say (rules between variables) stays in `loadConfig`,
 * and its description says it in words.
 */

/** A check of a variable's (or a list entry's) text; `text` completes "NAME must be …" and the docs' type column. */
export interface Format {
  text: string;
  test(value: string): boolean;
  /** Why a value fails `test`, added to the message; never quoting the value (a secret's message says this only). */
  reason?(value: string): string | undefined;
}

/** Defaults that differ by mode; the sandbox's wins over production's (no variable has both). */
export interface ModeDefaults<T> {
  sandbox?: T;
  production?: T;
}

export interface Mode {
  sandbox: boolean;
  production: boolean;
}

export const GROUPS = {
  server: { title: 'Mode and listening' },
  maskinporten: { title: "Maskinporten (the facade's own client)" },
  krr: { title: 'Contact register (KRR)' },
  admin: { title: 'Admin API (clients)' },
  auth: { title: 'Callers' },
  tenants: { title: 'Customer organisations (supplier mode)' },
  audit: { title: 'Audit log' },
  limits: { title: 'Requests and queries' },
  upstream: { title: 'Upstream connections and shutdown' },
  redis: { title: 'Several replicas' },
} as const;

export type Group = keyof typeof GROUPS;

interface Common {
  group: Group;
  /** Markdown; reads after the variable's name. Rules between variables are said here. */
  description: string;
  /** A rule that holds only with NODE_ENV=production (beyond a production default). */
  production?: string;
  /** Never echoed in a message; an empty placeholder in `.env.example`. */
  secret?: boolean;
  /** Points the facade at a real upstream: any one of these set means "not the sandbox". */
  upstream?: boolean;
  /** Required outside the sandbox. */
  required?: boolean;
  /** A value for `.env.example` when there is no default. */
  example?: string;
}

export interface IntegerVariable extends Common {
  type: 'integer';
  min: number;
  max: number;
  unit?: 'bytes' | 'ms' | 's';
  default?: number;
  defaults?: ModeDefaults<number>;
}

export interface BooleanVariable extends Common {
  type: 'boolean';
  default?: boolean;
  defaults?: ModeDefaults<boolean>;
}

export interface StringVariable extends Common {
  type: 'string';
  /** Checked when set. */
  format?: Format;
  /** For the docs when there is no format: what the text is (e.g. "file path"). */
  shape?: string;
  default?: string;
  defaults?: ModeDefaults<string>;
  /** Taken exactly as given (not trimmed; empty is a value). */
  verbatim?: boolean;
}

export interface EnumVariable extends Common {
  type: 'enum';
  values: readonly string[];
  default?: string;
  /** Case does not matter: the value is read lower-cased (the values are declared in lower case). */
  anyCase?: boolean;
}

/** Comma- or space-separated; when set, at least one entry. */
export interface ListVariable extends Common {
  type: 'list';
  /** Checked for each entry. */
  item?: Format;
  /** For the docs when there is no item format: what an entry is. */
  shape?: string;
  default?: readonly string[];
}

export type Variable = IntegerVariable | BooleanVariable | StringVariable | EnumVariable | ListVariable;

/** The authority of a URL as written (between `//` and the path, query or fragment); undefined without `//`. */
const authorityOf = (value: string) => /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(value)?.[1];

/**
 * The address of a service the facade calls or trusts: an absolute http(s) URL without credentials, fragment or (unless
 * `query`) query. Each would be lost or do harm: the KRR and admin API clients keep only the origin and path of their
 * base URL; an issuer identifier has neither query nor fragment (RFC 8414 §2, OpenID Discovery §2: MASKINPORTEN_ISSUER
 * is also the `aud` of every grant, AUTH_ISSUER the `iss` every caller token must name); fetch refuses a URL with
 * credentials, and these variables are not secrets (they are echoed in messages and kept in ConfigMaps). A query
 * string is kept by a JWKS fetch, and some issuers' key sets need one (Azure AD B2C's `?p=<policy>`).
 */
function httpUrl(opts: { query?: boolean } = {}): Format {
  return {
    text: opts.query
      ? 'an absolute http(s) URL without credentials or fragment'
      : 'an absolute http(s) URL without credentials, query or fragment',
    test(value) {
      try {
        const { protocol, username, password } = new URL(value);
        if (protocol !== 'https:' && protocol !== 'http:') return false;
        if (username || password || authorityOf(value)?.includes('@')) return false;
        return !value.includes('#') && (opts.query === true || !value.includes('?'));
      } catch {
        return false;
      }
    },
  };
}

const redisUrl: Format = {
  text:
    'a redis:// or rediss:// URL, [user:password@]host[:port][/db] (db a number; no query string or fragment), ' +
    'e.g. rediss://user:password@valkey.example:6379/0',
  test: (value) => !('problem' in parseRedisUrl(value)),
  reason(value) {
    const read = parseRedisUrl(value);
    return 'problem' in read ? read.problem : undefined;
  },
};

const pattern = (text: string, re: RegExp): Format => ({ text, test: (value) => re.test(value) });

const origin: Format = {
  text: 'origins like https://app.example.no',
  test(value) {
    try {
      return new URL(value).origin === value;
    } catch {
      return false;
    }
  },
};

const upstreamTimeout = (what: string) =>
  ({
    type: 'integer',
    unit: 'ms',
    default: 5_000,
    min: 100,
    max: 120_000,
    description: `deadline of one ${what}, retries included`,
  }) as const;

const MiB = 1024 * 1024;

export const VARIABLES = {
  // ---- Mode and listening ----
  NODE_ENV: {
    group: 'server',
    type: 'enum',
    values: ['production', 'development', 'test'],
    anyCase: true,
    description:
      '`production`: the fail-closed rules (every upstream variable and an audit destination are required), no ' +
      'introspection, no suggestions, no GraphiQL, a shutdown delay; `development`, `test` or unset: none of these. ' +
      'Case and surrounding spaces do not matter; any other value (`prod`, `prd`) stops the start, so that a ' +
      'misspelt production never runs without its rules',
  },
  SANDBOX: {
    group: 'server',
    type: 'boolean',
    description:
      "`true`: the embedded simulators instead of Digdir's services; `false`: never. Unset: the simulators outside " +
      'production when none of the upstream variables (`MASKINPORTEN_*`, `KRR_URL`, `ADMIN_API_URL`, `AUTH_*`) is set',
    production: '`SANDBOX=true` still starts the simulators, with a warning at start',
  },
  PORT: {
    group: 'server',
    type: 'integer',
    default: 4000,
    min: 0,
    max: 65535,
    description:
      'listen port of `/graphql`, the health endpoints and (without `METRICS_PORT`) `/metrics`; 0: any free port',
  },
  HOST: {
    group: 'server',
    type: 'string',
    shape: 'address',
    default: '0.0.0.0',
    defaults: { sandbox: '127.0.0.1' },
    description:
      'listen address (of `PORT` and `METRICS_PORT`): an IP address of this machine, `0.0.0.0` or `::` for all, or a ' +
      'name that resolves to one; one that does not resolve or is no address here stops the start, naming `HOST`',
  },
  METRICS_PORT: {
    group: 'server',
    type: 'integer',
    min: 0,
    max: 65535,
    example: '9464',
    description:
      'serve `/metrics` on this port of its own instead of on `PORT` (the Kubernetes manifest uses 9464); must differ ' +
      'from `PORT`',
  },
  LOG_LEVEL: {
    group: 'server',
    type: 'enum',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    description:
      'logs are JSON (pino) on stdout, written in batches (up to 4 KB, at most 250 ms late; the rest at exit); secrets redacted, personal ids and JWT-like text scrubbed from every line; `info` adds one access line per request',
  },
  CORS_ORIGINS: {
    group: 'server',
    type: 'list',
    item: origin,
    default: [],
    example: 'https://app.example.no',
    description: 'browser origins allowed',
  },
  GRAPHIQL: {
    group: 'server',
    type: 'boolean',
    default: true,
    defaults: { production: false },
    description: 'serve GraphiQL at `GET /graphql`',
  },
  INTROSPECTION: {
    group: 'server',
    type: 'boolean',
    default: true,
    defaults: { production: false },
    description: 'schema introspection; off also removes "did you mean" suggestions from every error',
  },
  GRAPHQL_EXECUTOR: {
    group: 'server',
    type: 'enum',
    values: ['compiled', 'graphql-js'],
    default: 'compiled',
    description:
      "what executes operations: `compiled` (graphql-jit, compiled on a document's second run and cached, several " +
      "times faster on large answers; never a document with a person's id in its text) or `graphql-js` (Apollo's " +
      'own). The answers are the same: operations ' +
      'graphql-jit would answer differently (several root fields with a non-null one, `@skip`/`@include`, a ' +
      'field aliased `__proto__`, a non-null field the caller may not read) run on graphql-js in either mode',
  },

  // ---- Maskinporten ----
  MASKINPORTEN_ISSUER: {
    group: 'maskinporten',
    type: 'string',
    format: httpUrl(),
    upstream: true,
    required: true,
    example: 'https://test.maskinporten.no/',
    description:
      "Maskinporten's issuer, e.g. with the trailing slash as it publishes it (its metadata's `issuer` must name the " +
      'same, a trailing slash aside, and is what grants are addressed to); the token endpoint is discovered from its ' +
      'metadata, and must be https when the issuer is',
  },
  MASKINPORTEN_CLIENT_ID: {
    group: 'maskinporten',
    type: 'string',
    upstream: true,
    required: true,
    description: "the facade's own client_id",
  },
  MASKINPORTEN_KEY_FILE: {
    group: 'maskinporten',
    type: 'string',
    shape: 'file path',
    upstream: true,
    example: '/secrets/maskinporten/key.pem',
    description:
      'PEM private key (RSA), with `MASKINPORTEN_CERT_FILE` (x5c) or `MASKINPORTEN_KID`. Outside the sandbox this or ' +
      '`MASKINPORTEN_KEYSTORE_FILE` is required',
  },
  MASKINPORTEN_CERT_FILE: {
    group: 'maskinporten',
    type: 'string',
    shape: 'file path',
    upstream: true,
    example: '/secrets/maskinporten/cert.pem',
    description:
      'PEM certificate chain, leaf first (x5c mode); required with `MASKINPORTEN_KEY_FILE` unless `MASKINPORTEN_KID` ' +
      'is set',
  },
  MASKINPORTEN_KEYSTORE_FILE: {
    group: 'maskinporten',
    type: 'string',
    shape: 'file path',
    upstream: true,
    example: '/secrets/maskinporten/enterprise.p12',
    description:
      'the enterprise certificate as delivered (PKCS#12 .p12: key and full chain for x5c; legacy 3DES/RC2 and modern ' +
      'AES/PBKDF2 files); a wrong password or a keystore without a key fails at start',
  },
  MASKINPORTEN_KEYSTORE_PASSWORD: {
    group: 'maskinporten',
    type: 'string',
    secret: true,
    verbatim: true,
    description:
      'password of `MASKINPORTEN_KEYSTORE_FILE`, taken exactly as given (not trimmed); empty or unset: a keystore ' +
      'without a password',
  },
  MASKINPORTEN_KID: {
    group: 'maskinporten',
    type: 'string',
    upstream: true,
    description:
      'use a key registered on the client through the admin API: header `kid` instead of `x5c` (with ' +
      '`MASKINPORTEN_KEY_FILE`)',
  },
  MASKINPORTEN_TIMEOUT_MS: { group: 'maskinporten', ...upstreamTimeout('token request') },

  // ---- KRR ----
  KRR_URL: {
    group: 'krr',
    type: 'string',
    format: httpUrl(),
    upstream: true,
    required: true,
    example: 'https://test.kontaktregisteret.no',
    description: 'the contact register',
  },
  KRR_API_VERSION: {
    group: 'krr',
    type: 'enum',
    values: ['v1', 'v2'],
    default: 'v2',
    description: "the KRR API's path version",
  },
  KRR_TIMEOUT_MS: { group: 'krr', ...upstreamTimeout('KRR call') },
  KRR_BATCH_WINDOW_MS: {
    group: 'krr',
    type: 'integer',
    unit: 'ms',
    default: 2,
    min: 0,
    max: 1_000,
    description:
      'how long person look-ups of concurrent requests are gathered into one KRR call (0: one event-loop turn)',
  },
  KRR_BATCH_MAX_IDS: {
    group: 'krr',
    type: 'integer',
    default: DEFAULT_BATCH_MAX_IDS,
    min: 1,
    max: 1000,
    description:
      'most person ids in one KRR call (KRR takes up to 1000); a query asking for more persons is looked up in ' +
      'several calls at once (docs/benchmarks.md, "KRR calls of 200 ids, again": why 200)',
  },
  KRR_BATCH_MAX_ANSWER_BYTES: {
    group: 'krr',
    type: 'integer',
    unit: 'bytes',
    default: DEFAULT_MAX_ANSWER_BYTES,
    min: 0,
    max: 4 * 1024 * 1024,
    description:
      "fewer than `KRR_BATCH_MAX_IDS` ids in a KRR call (at least 50) when KRR's answers so far, per data group, say " +
      'that many records would make an answer larger than this: a KRR on V8 builds an answer over 128 KB at several ' +
      'times the CPU a byte (docs/benchmarks.md, "KRR calls of 200 ids, again"); 0: `KRR_BATCH_MAX_IDS` alone',
  },
  KRR_BATCH_WINDOW_MODE: {
    group: 'krr',
    type: 'enum',
    values: ['busy', 'always'],
    default: 'busy',
    description:
      'when a KRR call waits KRR_BATCH_WINDOW_MS for more ids: `busy`, only while the facade is short of CPU or KRR connections (operations wait for admission, the event loop was at least three-quarters busy, or every connection is in use; else it goes out at the end of the event-loop turn), or `always`',
  },

  // ---- Admin API ----
  ADMIN_API_URL: {
    group: 'admin',
    type: 'string',
    format: httpUrl(),
    upstream: true,
    required: true,
    example: 'https://api.test.samarbeid.digdir.no/api/v1',
    description: 'the ID-porten/Maskinporten admin API',
  },
  ADMIN_SUPPLIER: {
    group: 'admin',
    type: 'boolean',
    default: false,
    defaults: { sandbox: true },
    description:
      '`true` when our Maskinporten client holds `idporten:dcr.supplier` (lists and manages clients we supply). When ' +
      '`false` the supplier scope is never requested',
  },
  ADMIN_ALLOWED_SCOPES: {
    group: 'admin',
    type: 'list',
    item: pattern('scope patterns such as "myorg:*"', /^[A-Za-z0-9:/._*-]+$/),
    example: 'myorg:*',
    description:
      'patterns (`*` wildcard) of the scopes callers may put on clients through `createClient`/`updateClient`. ' +
      "Unset: every scope except the facade's own privileged ones (`krr:*`, `idporten:dcr*`), which are refused with " +
      'a `FORBIDDEN` userError on `scopes`',
  },
  ADMIN_TIMEOUT_MS: { group: 'admin', ...upstreamTimeout('admin API call') },

  // ---- Callers ----
  AUTH_ISSUER: {
    group: 'auth',
    type: 'string',
    format: httpUrl(),
    upstream: true,
    required: true,
    example: 'https://login.example.no/',
    description: "who may call the facade: the OIDC issuer of callers' tokens",
  },
  AUTH_AUDIENCE: {
    group: 'auth',
    type: 'string',
    upstream: true,
    required: true,
    example: 'facade',
    description: "the audience callers' tokens must name",
  },
  AUTH_JWKS_URL: {
    group: 'auth',
    type: 'string',
    format: httpUrl({ query: true }),
    upstream: true,
    description:
      "the issuer's signing keys (a query string is kept, e.g. Azure AD B2C's `?p=<policy>`); unset: the `jwks_uri` of the issuer's OpenID configuration. Each read at most 1 MiB, redirects not followed; re-read after 10 minutes, and on an unknown `kid` at most every 30 s",
  },
  AUTH_MAX_TOKEN_LIFETIME_SECONDS: {
    group: 'auth',
    type: 'integer',
    unit: 's',
    default: 86_400,
    min: 60,
    max: 31_536_000,
    description: 'longest caller-token lifetime accepted, `exp − iat` (or `exp − now` without `iat`)',
  },
  AUTH_CLOCK_SKEW_SECONDS: {
    group: 'auth',
    type: 'integer',
    unit: 's',
    default: 30,
    min: 0,
    max: 300,
    description: 'leeway for `exp`, `nbf` and `iat` of caller tokens; an `iat` further in the future is refused',
  },
  AUTH_SCOPE_PREFIX: {
    group: 'auth',
    type: 'list',
    shape: 'scope prefixes',
    default: [],
    example: 'api://facade/',
    description:
      "a caller token's scope (`scope` or `scp`) that starts with one of these prefixes, as ID-porten, Maskinporten " +
      "or Entra ID issue them, is also read without it when matched with the facade's own: with `api://facade/`, " +
      '`api://facade/contactinfo.read` also counts as `contactinfo.read` (`me.scopes` lists both). Unset: scopes ' +
      'are taken as they are',
  },

  // ---- Tenants ----
  TENANTS_FILE: {
    group: 'tenants',
    type: 'string',
    shape: 'file path',
    example: '/config/tenants.json',
    description:
      'supplier mode: the customer organisations this facade serves (see "Serving several customer ' +
      'organisations"); validated at start, each problem named by entry and field. Sandbox mode without it: the ' +
      "sandbox's two seeded customers",
  },
  AUTH_TENANT_CLAIM: {
    group: 'tenants',
    type: 'string',
    format: pattern('a claim name, or a dotted path such as consumer.ID', /^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/),
    example: 'consumer.ID',
    description:
      "the caller-token claim naming a caller's tenant: a 9-digit orgno or `0192:`-prefixed (as Maskinporten writes " +
      "`consumer.ID`); a dotted name reads a nested claim. Unset: a tenant's `callers` list (the token's " +
      '`client_id`/`azp`) decides. Sandbox default: `tenant`',
  },
  TENANT_REQUIRED: {
    group: 'tenants',
    type: 'boolean',
    default: false,
    description:
      '`true`: a caller without a tenant is refused (HTTP 403 `FORBIDDEN`), and `TENANTS_FILE` is required outside ' +
      "the sandbox; `false`: such a caller acts as the facade's own organisation. A token naming an organisation " +
      'that is not a tenant is always refused',
  },

  // ---- Audit ----
  AUDIT_LOG: {
    group: 'audit',
    type: 'enum',
    values: ['stdout', 'file'],
    description:
      '`stdout`: the audit stream on stdout, each line tagged `"log":"audit"` for the collector to route apart ' +
      '(contradicts `AUDIT_LOG_FILE`); `file`: requires `AUDIT_LOG_FILE`. Neither set outside production: stdout, ' +
      'tagged',
    production: 'this or `AUDIT_LOG_FILE` is required',
  },
  AUDIT_LOG_FILE: {
    group: 'audit',
    type: 'string',
    shape: 'file path',
    example: '/var/log/facade/audit.jsonl',
    description: 'append the audit stream to this file (mode 0600)',
    production: 'this or `AUDIT_LOG=stdout` is required',
  },

  // ---- Requests and queries ----
  TRUSTED_DOCUMENTS_FILE: {
    group: 'limits',
    type: 'string',
    shape: 'file path',
    example: '/config/trusted-documents.json',
    description:
      'when set, only operations in this manifest (hash → document) run, sent by their hash: GraphiQL, which sends ' +
      'documents as text, runs none then (the start banner says so)',
  },
  RATE_LIMIT_PERSONS_PER_MINUTE: {
    group: 'limits',
    type: 'integer',
    default: 20_000,
    min: 1,
    max: 100_000_000,
    description: 'person look-ups per caller per minute',
  },
  MAX_BODY_BYTES: {
    group: 'limits',
    type: 'integer',
    unit: 'bytes',
    default: MiB,
    min: 1024,
    max: 100 * MiB,
    description: 'largest request body, as sent and once decompressed (HTTP 413 beyond)',
  },
  MAX_BODY_BYTES_IN_FLIGHT: {
    group: 'limits',
    type: 'integer',
    unit: 'bytes',
    default: 8 * MiB,
    min: 1024,
    max: 1024 * MiB,
    description:
      'request bodies held at once, arriving, waiting or executing (counted as their bytes come, so bodies that stall ' +
      'short of their end hold no more); a request beyond it gets HTTP 503 `OVERLOADED` and its connection is closed',
  },
  MAX_UNREAD_ANSWER_BYTES: {
    group: 'limits',
    type: 'integer',
    unit: 'bytes',
    default: 64 * MiB,
    min: 1024,
    max: 4096 * MiB,
    description:
      'answers written and not yet taken by their callers, held at once; beyond it the connections of callers that ' +
      'took nothing for a second are closed, the longest idle first (a caller that reads is never cut for this)',
  },
  ANSWER_READ_TIMEOUT_MS: {
    group: 'limits',
    type: 'integer',
    unit: 'ms',
    default: 60_000,
    min: 100,
    max: 3_600_000,
    description: 'how long a caller may take to read its whole answer before its connection is closed',
  },
  QUERY_MAX_DOCUMENT_BYTES: {
    group: 'limits',
    type: 'integer',
    default: DEFAULT_DOCUMENT_LIMITS.maxDocumentBytes,
    min: 256,
    max: 10_000_000,
    description: 'characters of one GraphQL document, checked before parsing',
  },
  QUERY_MAX_NESTING: {
    group: 'limits',
    type: 'integer',
    default: DEFAULT_DOCUMENT_LIMITS.maxNesting,
    min: 4,
    max: 1_000,
    description: 'brackets open at once in a document, and nesting of the variables, checked before parsing',
  },
  QUERY_MAX_NAME_LENGTH: {
    group: 'limits',
    type: 'integer',
    default: DEFAULT_DOCUMENT_LIMITS.maxNameLength,
    min: 8,
    max: 10_000,
    description:
      'characters of one name (operation, fragment, alias, field, argument, variable), one number literal, and ' +
      '`operationName`',
  },
  QUERY_MAX_TOKENS: {
    group: 'limits',
    type: 'integer',
    default: DEFAULT_QUERY_LIMITS.maxTokens,
    min: 100,
    max: 1_000_000,
    description: 'lexical tokens per document',
  },
  QUERY_MAX_DEPTH: {
    group: 'limits',
    type: 'integer',
    default: DEFAULT_QUERY_LIMITS.maxDepth,
    min: 2,
    max: 100,
    description: 'depth of one operation, fragments followed',
  },
  QUERY_MAX_ALIASES: {
    group: 'limits',
    type: 'integer',
    default: DEFAULT_QUERY_LIMITS.maxAliases,
    min: 0,
    max: 10_000,
    description: 'aliases in one operation, fragments followed',
  },
  QUERY_MAX_DIRECTIVES: {
    group: 'limits',
    type: 'integer',
    default: DEFAULT_QUERY_LIMITS.maxDirectives,
    min: 0,
    max: 10_000,
    description: 'directives in one operation, fragments followed',
  },
  QUERY_MAX_COST: {
    group: 'limits',
    type: 'integer',
    default: DEFAULT_QUERY_LIMITS.maxCost,
    min: 1,
    max: 100_000_000,
    description: 'estimated cost per operation (`persons(ids)` costs per id)',
  },
  QUERY_MAX_MUTATIONS: {
    group: 'limits',
    type: 'integer',
    default: DEFAULT_QUERY_LIMITS.maxMutations,
    min: 1,
    max: 1_000,
    description:
      "root fields of one mutation operation: aliased copies of `createClient` cannot multiply one request's writes",
  },
  QUERY_MAX_PERSONS: {
    group: 'limits',
    type: 'integer',
    default: DEFAULT_QUERY_LIMITS.maxPersons,
    min: 1,
    max: 1_000_000,
    description: 'distinct personal ids per request',
  },
  QUERY_MAX_ANSWER_BYTES: {
    group: 'limits',
    type: 'integer',
    unit: 'bytes',
    default: DEFAULT_QUERY_LIMITS.maxAnswerBytes,
    min: 64 * 1024,
    max: 1024 * MiB,
    description:
      "estimated size of one operation's answer (each field's name or alias and its value, per item: a " +
      '5000-person query with every field, mailbox certificates included, is about 26 MB), refused before anything ' +
      'runs; an answer that comes out larger all the same is not sent (`ANSWER_TOO_LARGE`)',
  },
  QUERY_MAX_COST_IN_FLIGHT: {
    group: 'limits',
    type: 'integer',
    default: DEFAULT_MAX_COST_IN_FLIGHT,
    min: 1,
    max: 1_000_000_000,
    description:
      'admission control: the summed cost of the operations executing at once (the default is about four ' +
      '1000-person queries; the ceiling of the adaptive budget, see QUERY_COST_IN_FLIGHT_MODE); more wait in line',
  },
  QUERY_COST_IN_FLIGHT_MODE: {
    group: 'limits',
    type: 'enum',
    values: ['adaptive', 'fixed'],
    default: 'adaptive',
    description:
      'admission control: `adaptive` admits between half of QUERY_MAX_COST_IN_FLIGHT and all of it, as much as keeps ' +
      'the CPU busy while operations wait for KRR (measured every 250 ms), or `fixed`, always QUERY_MAX_COST_IN_FLIGHT',
  },
  QUERY_QUEUE_TIMEOUT_MS: {
    group: 'limits',
    type: 'integer',
    unit: 'ms',
    default: 10_000,
    min: 1,
    max: 600_000,
    description: 'how long an operation may wait for admission before it is refused with HTTP 503 `OVERLOADED`',
  },

  // ---- Upstream connections and shutdown ----
  UPSTREAM_CONNECTIONS: {
    group: 'upstream',
    type: 'integer',
    default: 16,
    min: 1,
    max: 1024,
    description: 'keep-alive connections per upstream',
  },
  UPSTREAM_MAX_RESPONSE_BYTES: {
    group: 'upstream',
    type: 'integer',
    unit: 'bytes',
    default: DEFAULT_MAX_RESPONSE_BYTES,
    min: 64 * 1024,
    max: 256 * MiB,
    description:
      'largest upstream answer read, as sent and once decompressed (a 1000-person KRR answer is 0.5 MB without ' +
      'mailbox certificates, about 3 MB if every person had one of 2 KB); a larger one fails that call with ' +
      '`UPSTREAM_UNAVAILABLE` ("answer too large"), not retried. Read as text and parsed, an answer takes several ' +
      'times its size of heap: with the heap cap of `npm run start:dist` (128 MB), 64 callers of 1000-person queries ' +
      'came through answers of 3.4 MB, not always through 5.3 MB ones. Raise it with the heap cap',
  },
  UPSTREAM_COMPRESSION: {
    group: 'upstream',
    type: 'boolean',
    default: false,
    description:
      '`true`: ask upstreams for gzip, deflate or brotli answers (`Accept-Encoding`), decoded off the event loop. ' +
      'Pays across the internet, where a 1000-person KRR answer shrinks several-fold; on a fast network it costs CPU ' +
      'on both sides. `false` asks for `identity`; a compressed answer is decoded either way',
  },
  BREAKER_RESET_MS: {
    group: 'upstream',
    type: 'integer',
    unit: 'ms',
    default: 5_000,
    min: 100,
    max: 600_000,
    description: 'circuit breaker per upstream: open → half-open after this long',
  },
  BREAKER_VOLUME_THRESHOLD: {
    group: 'upstream',
    type: 'integer',
    default: 10,
    min: 1,
    max: 100_000,
    description: 'calls to an upstream in 10 s before its circuit breaker may open',
  },
  SHUTDOWN_DELAY_MS: {
    group: 'upstream',
    type: 'integer',
    unit: 'ms',
    default: 0,
    defaults: { production: 5_000 },
    min: 0,
    max: 600_000,
    description: 'after SIGTERM, `/readyz` answers 503 this long before new connections are refused',
  },
  SHUTDOWN_GRACE_MS: {
    group: 'upstream',
    type: 'integer',
    unit: 'ms',
    default: 20_000,
    min: 0,
    max: 600_000,
    description:
      'then in-flight requests get this long to finish; those still running have their upstream calls stopped and answer within 3 s (a change already sent: outcome UNKNOWN), and the process exits, forced (code 1) at delay + grace + 8 s',
  },

  // ---- Several replicas ----
  REDIS_URL: {
    group: 'redis',
    type: 'string',
    format: redisUrl,
    secret: true,
    description:
      'credentials in the URL: the per-caller rate limit and the per-client admin lock are shared by every replica ' +
      'through this Redis/Valkey (see "Running several replicas"); unset: both are per replica. The facade sets the ' +
      'connection options itself (a short command timeout, no offline queue), so a query string is refused, as is ' +
      'a path other than a database number; refused credentials, an unknown host or a database number the server ' +
      'refuses stop the start; a Redis that is only down at start is waited for in the background',
  },
  REDIS_KEY_PREFIX: {
    group: 'redis',
    type: 'string',
    format: pattern('1–64 letters, digits, ":", ".", "_" or "-"', /^[A-Za-z0-9:._-]{1,64}$/),
    default: 'digdir-facade:',
    description: 'prefix of every key the facade writes, so several facades or apps can share one Redis',
  },
} as const satisfies Record<string, Variable>;

export type VariableName = keyof typeof VARIABLES;

type Spec<N extends VariableName> = (typeof VARIABLES)[N];

type TypeOf<V> = V extends { type: 'integer' }
  ? number
  : V extends { type: 'boolean' }
    ? boolean
    : V extends { type: 'enum'; values: readonly (infer E)[] }
      ? E
      : V extends { type: 'list' }
        ? string[]
        : string;

/** What `loadConfig` gets for a variable: its type, `| undefined` when it has no default. */
export type ValueOf<N extends VariableName> =
  Spec<N> extends { default: unknown } ? TypeOf<Spec<N>> : TypeOf<Spec<N>> | undefined;

export type UpstreamVariable = { [N in VariableName]: Spec<N> extends { upstream: true } ? N : never }[VariableName];

/** The variables that point the facade at real upstreams; any one of them set means "not the sandbox". */
export const UPSTREAM_VARIABLES = (Object.keys(VARIABLES) as VariableName[]).filter(
  (name) => (VARIABLES[name] as Variable).upstream,
) as readonly UpstreamVariable[];

/**
 * Variables `loadConfig` does not read: observability/tracing.ts and the OpenTelemetry SDK do (tracing is off unless
 * `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_TRACES_EXPORTER` is set). Documented with the others.
 */
export interface ExternalVariable {
  name: string;
  /** The docs' type column. */
  shape: string;
  /** The docs' default column (the SDK's default, or what unset means). */
  default?: string;
  description: string;
  secret?: boolean;
  example?: string;
}

export const OTEL_VARIABLES: readonly ExternalVariable[] = [
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    shape: 'an http(s) URL without credentials, query or fragment',
    example: 'http://otel-collector:4318',
    description:
      'where spans are sent (OTLP), to `<endpoint>/v1/traces`; `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (the full URL, ' +
      'a query string allowed) takes precedence. Set (or `OTEL_TRACES_EXPORTER`): tracing on; unset: off, and no SDK ' +
      'module is loaded. Credentials go in `OTEL_EXPORTER_OTLP_HEADERS`; in the URL they stop the start, as do a ' +
      'query or fragment (which `/v1/traces` would follow)',
  },
  {
    name: 'OTEL_TRACES_EXPORTER',
    shape: '`otlp`, `console` or `none` (or a list such as `otlp,console`)',
    default: '`otlp` when an endpoint is set',
    example: 'otlp',
    description:
      'the span exporters; set (or `OTEL_EXPORTER_OTLP_ENDPOINT`): tracing on, `none`: off. Another exporter ' +
      '(`zipkin`) stops the start',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    shape: '`http/protobuf` or `http/json`',
    default: '`http/protobuf`',
    example: 'http/protobuf',
    description:
      'the OTLP transport (`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL` takes precedence); `grpc` is not shipped and stops ' +
      'the start',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_HEADERS',
    shape: '`key=value` list, comma-separated',
    secret: true,
    description: "headers on every export, e.g. the collector's `authorization`",
  },
  {
    name: 'OTEL_SERVICE_NAME',
    shape: 'string',
    default: `\`${DEFAULT_SERVICE_NAME}\``,
    example: DEFAULT_SERVICE_NAME,
    description: '`service.name` of every span (`OTEL_RESOURCE_ATTRIBUTES` may set it too)',
  },
  {
    name: 'OTEL_TRACES_SAMPLER',
    shape:
      '`always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off` or ' +
      '`parentbased_traceidratio`',
    default: '`parentbased_always_on`',
    example: 'parentbased_traceidratio',
    description:
      "which traces are kept; the `parentbased_*` samplers follow the caller's `traceparent`. Spelt exactly so (lower " +
      'case, no spaces): with tracing on, any other value (`AlwaysOn`, `jaeger_remote`, `xray`) stops the start, ' +
      'where the SDK would keep every trace',
  },
  {
    name: 'OTEL_TRACES_SAMPLER_ARG',
    shape: 'decimal number 0–1',
    default: '`1`',
    example: '0.1',
    description:
      'the ratio kept by the `traceidratio` samplers; with tracing on and one of them, any other value (`abc`, ' +
      '`1.5`, `1e-3`, or set but blank) stops the start, where the SDK would keep every trace. Ignored, and not checked, with the ' +
      'samplers that take no argument',
  },
  {
    name: 'OTEL_SDK_DISABLED',
    shape: '`true` or `false`',
    default: '`false`',
    description: '`true`: tracing off whatever else is set',
  },
  {
    name: 'OTEL_PROPAGATORS',
    shape: 'list of propagator names',
    default: '`tracecontext`',
    example: 'tracecontext',
    description:
      "without `tracecontext`, a caller's W3C `traceparent` is not continued and none is sent upstream; baggage is " +
      'never read or sent',
  },
];

/** How a variable's value is read: undefined when unset (or empty), else its value or a problem. */
export function parseVariable(
  name: string,
  spec: Variable,
  raw: string | undefined,
  problems: string[],
): number | boolean | string | string[] | undefined {
  if (raw === undefined) return undefined;
  const refuse = (allowed: string) => {
    problems.push(`${name} must be ${allowed}${spec.secret ? '' : ` (got "${withoutCredentials(raw)}")`}`);
    return undefined;
  };
  switch (spec.type) {
    case 'integer': {
      // Decimal digits only (a minus only where the range has negatives): Number() alone also reads "0x10", "0b11",
      // "1e3", "1000.0" and "-0", none of which anyone means as a count or a duration here.
      const value = (spec.min < 0 ? /^-?\d+$/ : /^\d+$/).test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(value) || value < spec.min || value > spec.max) {
        return refuse(`an integer from ${spec.min} to ${spec.max}`);
      }
      return value;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') return refuse('"true" or "false"');
      return raw === 'true';
    case 'enum': {
      const value = spec.anyCase ? raw.toLowerCase() : raw;
      if (!spec.values.includes(value)) return refuse(describeValues(spec.values));
      return value;
    }
    case 'list': {
      const items = raw.split(/[\s,]+/).filter(Boolean);
      if (items.length === 0) problems.push(`${name} must list at least one value`);
      for (const item of items) {
        if (spec.item && !spec.item.test(item)) {
          problems.push(
            `${name} entries must be ${spec.item.text}${spec.secret ? '' : ` (got "${withoutCredentials(item)}")`}`,
          );
        }
      }
      return items;
    }
    case 'string': {
      if (!spec.format || spec.format.test(raw)) return raw;
      const reason = spec.format.reason?.(raw);
      return refuse(reason ? `${spec.format.text}: ${reason}` : spec.format.text);
    }
  }
}

/**
 * A refused value as it may be echoed: whatever precedes its last `@` (after a `scheme://`) is masked, so the
 * credentials of a URL (`https://user:password@host`, `user:pw@host`) are never repeated, even in a URL too malformed
 * to parse.
 */
export function withoutCredentials(value: string): string {
  const at = value.lastIndexOf('@');
  if (at < 0) return value;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(value)?.[0] ?? '';
  return `${scheme}***${value.slice(at)}`;
}

/** `"a" or "b"` for two values, `one of a, b, c` for more. */
export function describeValues(values: readonly string[]): string {
  return values.length === 2 ? `"${values[0]}" or "${values[1]}"` : `one of ${values.join(', ')}`;
}

/** The value of an unset variable in this mode. */
export function defaultOf(spec: Variable, mode: Mode): Variable['default'] {
  const byMode = 'defaults' in spec ? spec.defaults : undefined;
  if (mode.sandbox && byMode?.sandbox !== undefined) return byMode.sandbox;
  if (mode.production && byMode?.production !== undefined) return byMode.production;
  return spec.default;
}
