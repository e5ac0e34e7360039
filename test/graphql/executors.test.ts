import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  getIntrospectionQuery,
  parse,
  type DocumentNode,
  type ExecutionResult,
  type OperationDefinitionNode,
  type TypeNode,
} from 'graphql';
import type * as GraphqlJit from 'graphql-jit';
import type { CompiledQuery } from 'graphql-jit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CALLER_SCOPES } from '../../src/auth/scopes.js';
import { graphqlJsOnlyReason } from '../../src/graphql/compiled-execution.js';
import { mayCacheDocument } from '../../src/graphql/second-sight.js';
import { EXAMPLE_OPERATIONS, tabVariables } from '../../src/http/example-operations.js';
import { SEEDED_CLIENT_IDS, SEEDED_KIDS, SEEDED_ORGNOS } from '../../src/sandbox/admin-seed.js';
import type { Fault, FaultInjector } from '../../src/sandbox/faults.js';
import { SANDBOX_CLIENT_ID, SANDBOX_CUSTOMERS } from '../../src/sandbox/index.js';
import { krrSeedPersons, syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { SANDBOX_TOKEN_HINT } from '../../src/app.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import {
  operationArbitrary,
  schemaFromSdl,
  type GeneratedOperation,
  type ValuePools,
} from '../helpers/operations-arbitrary.js';

/**
 * The two executors (GRAPHQL_EXECUTOR: graphql-jit from src/graphql/compiled-execution.ts, or Apollo's own graphql-js)
 * must give identical answers. Every request below is sent to an app of each executor, and compared: the HTTP status
 * and headers, the response text byte for byte (data, errors with their messages, locations, paths and extensions,
 * keys in the same order), the audit records the request wrote, and its "GraphQL request failed" log lines (level,
 * code, path, error type and message). Two things are compared as sets, because neither executor defines their order
 * (see {@link inCanonicalErrorOrder} and `Side.send`): the errors of a response with several, and the audit records
 * and log lines of one request.
 *
 * Apps:
 * - `compiled` and `graphqlJs` answer every read: `graphqlJs` is a replica of `compiled` (`peerOf`, with the same
 *   tenants as sandbox mode has), so both read the very same simulators. They have to: the admin simulator seeds its
 *   clients with the time it started (`createdAt`, `lastUpdatedAt`, key expiry), so two sandboxes differ there. Person
 *   answers do not depend on the sandbox (KRR's seed is fixed when its module loads): checked below.
 * - `writesCompiled` and `writesGraphqlJs` answer every mutation, each with a sandbox of its own, so one sequence of
 *   changes runs on both from the same seeded state. Their answers and audit records are compared after replacing only
 *   what each sandbox generates afresh — see {@link FreshValues}.
 *
 * graphql-jit's `compileQuery` is wrapped (passing everything through) to count the answers it gave: every answer with
 * `data` must come from it, unless compiled-execution.ts sends the operation to graphql-js on purpose
 * (`graphqlJsOnlyReason`: the differences this test found; a person's id in the document's text, which no cache keeps),
 * or the comparison would be graphql-js against itself.
 *
 * Random operations: fast-check, seed {@link SEED}, {@link QUERY_RUNS} queries and {@link MUTATION_RUNS} mutations,
 * generated from the SDL in schema/ (test/helpers/operations-arbitrary.ts). A failure is reported as generated (no
 * shrinking: every shrinking step is two more requests, and state on the write apps moves on).
 */

const SEED = 20_261_201;
const QUERY_RUNS = 250;
const MUTATION_RUNS = 50;

const jit = vi.hoisted(() => ({ compiled: 0, answered: 0 }));

vi.mock('graphql-jit', async (importOriginal) => {
  const original = await importOriginal<typeof GraphqlJit>();
  /** Passes everything through; counts compilations, and answers (results with `data`) of compiled operations. */
  const compileQuery = (...args: Parameters<typeof original.compileQuery>) => {
    const result = original.compileQuery(...args) as CompiledQuery | ExecutionResult;
    if (!original.isCompiledQuery(result)) return result;
    jit.compiled++;
    const query = result.query.bind(result);
    const count = <T extends object>(r: T): T => {
      if ('data' in r) jit.answered++;
      return r;
    };
    result.query = (root, context, variables) => {
      const r = query(root, context, variables);
      return r instanceof Promise ? r.then(count) : count(r);
    };
    return result;
  };
  return { ...original, compileQuery: compileQuery as typeof original.compileQuery };
});

const ALL_SCOPES = CALLER_SCOPES.join(' ');
const REFUSED_IDS = syntheticPersonIdentifiers(2, 4000);
const SEEDED_PERSON_IDS = krrSeedPersons.map((p) => p.personidentifikator);
const EXAMPLE_KEY = (EXAMPLE_OPERATIONS.find((op) => op.name === 'AddKey')?.variables?.key ?? {}) as Record<
  string,
  string
>;
const JWK = { kty: 'RSA', alg: 'RS256', use: 'sig', n: EXAMPLE_KEY.n ?? '', e: EXAMPLE_KEY.e ?? '' };

const POOLS: ValuePools = {
  personIds: [...SEEDED_PERSON_IDS, ...syntheticPersonIdentifiers(4)],
  refusedPersonIds: REFUSED_IDS,
  clientIds: [...Object.values(SEEDED_CLIENT_IDS), SANDBOX_CLIENT_ID, 'no-such-client'],
  onBehalfOfIds: ['example_onbehalfof', 'example_onbehalfof_2', 'annen-kommune', 'no-such-registration'],
  kids: [...Object.values(SEEDED_KIDS), 'example-key-2', 'generated-key-1', 'bad kid!'],
  organizationNumbers: [...Object.values(SEEDED_ORGNOS), '991825827'],
  jwk: { n: JWK.n, e: JWK.e },
  clientScopes: ['openid', 'profile', 'krr:global/kontaktinformasjon.read', 'idporten:dcr.read'],
  callerScopes: CALLER_SCOPES,
  tenants: [SANDBOX_CUSTOMERS.delegating.orgno, SANDBOX_CUSTOMERS.onBehalfOf.orgno],
};

// ---------------------------------------------------------------------------------------------------------------------
// One request, answered by one app
// ---------------------------------------------------------------------------------------------------------------------

interface Request {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  /** The caller token's scope (default: every scope); `token` instead sends that bearer (null: none). */
  scope?: string;
  tenant?: string;
  token?: string | null;
  /** The request body as sent, instead of `{query, variables, operationName}`. */
  rawBody?: string;
}

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
  audit: unknown[];
  failures: unknown[];
  /** The response text (normalised like `body` on the write apps). */
  text: string;
  /** Whether graphql-jit produced the answer. */
  compiled: boolean;
}

const HEADERS = ['content-type', 'cache-control', 'retry-after', 'www-authenticate', 'allow'];

/**
 * Values a sandbox generates afresh, different on every run and in every sandbox: they are replaced (on the write
 * apps only, in bodies and audit records) and nothing else is.
 * - new client ids (UUIDs the admin simulator makes for `createClient`): by `<uuid N>`, numbered in the order this app
 *   first showed them, so the same new client keeps one name across answers; the seeded clients' UUIDs stay as they are;
 * - the values of `createdAt`, `lastUpdatedAt` and `expiresAt` (the admin simulator stamps clients, registrations and
 *   key sets with the time of the change, seeded ones with the time the sandbox started; a key without `exp` gets
 *   one year from then): by `<DateTime>`;
 * - `clientSecret` (random, shown once): by `<secret>`.
 * The audit records' `time` and `requestId` are replaced on every app (they differ between any two requests).
 */
class FreshValues {
  private readonly ids = new Map<string, string>();
  private static readonly UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
  private static readonly SEEDED = new Set<string>(Object.values(SEEDED_CLIENT_IDS));
  private static readonly TIMES = new Set(['createdAt', 'lastUpdatedAt', 'expiresAt']);

  normalise(value: unknown, key?: string): unknown {
    if (typeof value === 'string') {
      if (key === 'clientSecret') return '<secret>';
      if (key && FreshValues.TIMES.has(key)) return '<DateTime>';
      return value.replace(FreshValues.UUID, (uuid) => {
        if (FreshValues.SEEDED.has(uuid)) return uuid;
        let name = this.ids.get(uuid);
        if (!name) this.ids.set(uuid, (name = `<uuid ${this.ids.size + 1}>`));
        return name;
      });
    }
    if (Array.isArray(value)) return value.map((v) => this.normalise(v));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.normalise(v, k)]));
    }
    return value;
  }
}

class Side {
  private auditSeen = 0;
  private logSeen = 0;
  private readonly tokens = new Map<string, Promise<string>>();
  private readonly fresh = new FreshValues();

  constructor(
    readonly name: string,
    readonly t: TestApp,
    /** Replace values the sandbox generates afresh ({@link FreshValues}): the write apps. */
    private readonly normaliseFresh: boolean,
  ) {}

  /** A caller token from the sandbox's issuer (a replica's is its peer's). */
  token(scope = ALL_SCOPES, tenant?: string): Promise<string> {
    const key = `${scope}|${tenant ?? ''}`;
    let token = this.tokens.get(key);
    if (!token) {
      token = this.t.sandbox.callerIssuer
        .issueToken({ scope, ...(tenant !== undefined ? { tenant } : {}) })
        .then((r) => r.access_token);
      this.tokens.set(key, token);
    }
    return token;
  }

  /** Skips audit records and log lines written so far (e.g. by requests not compared). */
  async sync(): Promise<void> {
    this.auditSeen = (await this.t.auditRecords()).length;
    this.logSeen = this.t.logLines.length;
  }

  async send(req: Request): Promise<Answer> {
    const bearer = req.token === undefined ? await this.token(req.scope, req.tenant) : req.token;
    const body =
      req.rawBody ??
      JSON.stringify({
        query: req.query,
        ...(req.variables !== undefined ? { variables: req.variables } : {}),
        ...(req.operationName !== undefined ? { operationName: req.operationName } : {}),
      });
    const answeredBefore = jit.answered;
    const res = await fetch(`${this.t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body,
    });
    const raw = await res.text();
    const compiled = jit.answered > answeredBefore;
    const records = await this.t.auditRecords();
    // The records of one request in a canonical order: they are written by resolvers running concurrently (one batch
    // per kind of look-up, whichever completes first), so their order is not defined, not even between two runs of one
    // executor (seen: two graphql-js apps wrote a request's two records in opposite orders). Every record is compared.
    const audit = records
      .slice(this.auditSeen)
      .map(({ time: _time, requestId: _requestId, ...rest }) => rest)
      .sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
    this.auditSeen = records.length;
    const lines = this.t.logLines.slice(this.logSeen);
    this.logSeen = this.t.logLines.length;
    const failures = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'GraphQL request failed')
      .map(({ level, code, path, err }) => {
        const { type, message } = (err ?? {}) as { type?: unknown; message?: unknown };
        return { level, code, path, type, message };
      })
      // One line per error, so in no defined order either (see inCanonicalErrorOrder).
      .sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = raw;
    }
    const reordered = inCanonicalErrorOrder(parsed);
    const normalise = (v: unknown) => (this.normaliseFresh ? this.fresh.normalise(v) : v);
    const normalised = normalise(reordered);
    return {
      status: res.status,
      headers: Object.fromEntries(HEADERS.map((h) => [h, res.headers.get(h)])),
      body: normalised,
      audit: normalise(audit) as unknown[],
      failures,
      // Key order matters as much as content (a response's fields come in the order selected): compared as text.
      text:
        reordered !== parsed || (this.normaliseFresh && typeof parsed === 'object')
          ? `${JSON.stringify(normalised)}\n`
          : raw,
      compiled,
    };
  }
}

/**
 * The body with its errors in a canonical order (sorted by their JSON), when it has more than one; everything else as
 * it was. Errors are listed in the order they happen, and fields resolved concurrently fail in the order their upstream
 * calls end: the same request sent 15 times to one app, with a refused person in `persons` and a refused `client`,
 * listed `client` first 10–13 times and last the other times, on either executor. Which errors there are, and each of
 * them whole, is compared; their order is not defined by either executor.
 */
function inCanonicalErrorOrder(body: unknown): unknown {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors) || errors.length < 2) return body;
  const key = (e: unknown) => JSON.stringify(e);
  return { ...(body as object), errors: [...errors].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0)) };
}

/** What {@link compare} saw, for the summary and the checks that the compiled executor did answer. */
const seen = {
  compared: 0,
  withData: 0,
  compiled: 0,
  /** Answered with data by graphql-js, as compiled-execution.ts means to ({@link fallbackReason}), by reason. */
  fallbacks: new Map<string, number>(),
  notCompiled: [] as string[],
  errorCodes: new Map<string, number>(),
};

const SCHEMA = schemaFromSdl();
const GRAPHQL_JS_ONLY = graphqlJsOnlyReason(SCHEMA);

/**
 * Why graphql-js answers `req` by the rules of compiled-execution.ts (graphqlJsOnlyReason), or undefined when the
 * compiled executor is meant to answer it.
 */
function fallbackReason(req: Request): string | undefined {
  // A document with a person's id in its text is never kept, so never compiled (graphql/second-sight.ts).
  if (!mayCacheDocument(req.query)) return 'person id in the text';
  let document: DocumentNode;
  try {
    document = parse(req.query);
  } catch {
    return 'not parsed';
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  const op =
    req.operationName === undefined ? operations[0] : operations.find((o) => o.name?.value === req.operationName);
  if (!op) return 'no such operation';
  return GRAPHQL_JS_ONLY(document, op, new Set((req.scope ?? ALL_SCOPES).split(' ').filter(Boolean)));
}

/**
 * An answer without the sandbox's "where to get a token" after a refused token's message: the apps in sandbox mode say
 * it, the graphql-js read side is a peer of one (not in sandbox mode) and does not, whatever the executor.
 */
function withoutSandboxHint(answer: Answer): Answer {
  // The hint has no character JSON escapes, so it reads the same inside the answer's JSON.
  return JSON.parse(JSON.stringify(answer).replaceAll(` ${SANDBOX_TOKEN_HINT}`, '')) as Answer;
}

/**
 * Sends `req` to both apps (at once: reads share one sandbox and change nothing; the write apps have one each) and
 * expects identical answers. Returns the compiled app's answer.
 */
async function compare(a: Side, b: Side, req: Request, label = describeRequest(req)): Promise<Answer> {
  const [x, y] = (await Promise.all([a.send(req), b.send(req)])).map(withoutSandboxHint) as [Answer, Answer];
  const { text: xText, compiled: xCompiled, ...xRest } = x;
  const { text: yText, compiled: _y, ...yRest } = y;
  expect(yRest, `${b.name} vs ${a.name}: ${label}`).toEqual(xRest);
  expect(yText, `${b.name} vs ${a.name} (response text): ${label}`).toBe(xText);
  seen.compared++;
  const body = x.body as { data?: unknown; errors?: { extensions?: Record<string, unknown> & { code?: string } }[] };
  if (body && typeof body === 'object' && 'data' in body) {
    seen.withData++;
    const reason = fallbackReason(req);
    if (xCompiled) seen.compiled++;
    else if (reason === undefined) seen.notCompiled.push(label);
    else seen.fallbacks.set(reason, (seen.fallbacks.get(reason) ?? 0) + 1);
  }
  for (const e of body?.errors ?? []) {
    const code = e.extensions?.code ?? '?';
    seen.errorCodes.set(code, (seen.errorCodes.get(code) ?? 0) + 1);
  }
  return x;
}

function describeRequest(req: Request): string {
  const parts = [req.query.length > 2000 ? `${req.query.slice(0, 2000)}…` : req.query];
  if (req.variables) {
    const vars = JSON.stringify(req.variables);
    parts.push(`variables: ${vars.length > 2000 ? `${vars.slice(0, 2000)}…` : vars}`);
  }
  if (req.operationName !== undefined) parts.push(`operationName: ${req.operationName}`);
  parts.push(`scope: ${req.scope ?? ALL_SCOPES}${req.tenant ? `, tenant ${req.tenant}` : ''}`);
  return parts.join('\n');
}

function fromGenerated(op: GeneratedOperation): Request {
  return {
    query: op.document,
    variables: op.variables,
    ...(op.operationName !== undefined ? { operationName: op.operationName } : {}),
    scope: op.scope,
    ...(op.tenant !== undefined ? { tenant: op.tenant } : {}),
  };
}

function operationType(document: string): 'query' | 'mutation' | 'subscription' {
  const op = parse(document).definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  if (!op) throw new Error('no operation in the document');
  return op.operation;
}

// ---------------------------------------------------------------------------------------------------------------------
// The consumer examples' documents, read from their sources
// ---------------------------------------------------------------------------------------------------------------------

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every `graphql(`…`)` and gql`…` document in the example apps' sources (their generated `gql/` left out). */
function exampleDocuments(): { file: string; document: string }[] {
  const out: { file: string; document: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'gql' && entry.name !== 'node_modules') walk(path);
      } else if (/\.(ts|tsx)$/.test(entry.name)) {
        const text = readFileSync(path, 'utf8');
        for (const m of text.matchAll(/\b(?:graphql\(\s*|gql\s*)`([^`]*)`/g)) {
          out.push({ file: relative(ROOT, path), document: m[1] ?? '' });
        }
      }
    }
  };
  walk(join(ROOT, 'examples/consumer/src'));
  walk(join(ROOT, 'examples/web/src'));
  return out;
}

/**
 * Plausible variables for a document, by the types of its variables: each set is one request. A variable type with no
 * entry here fails the test (add values for it).
 */
function plausibleVariables(document: string, label: string): Record<string, unknown>[] {
  const op = parse(document).definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  const defs = op?.variableDefinitions ?? [];
  const byType: Record<string, unknown[]> = {
    'PersonIdentifier!': ['11822648950', '22859197810', REFUSED_IDS[0]],
    '[PersonIdentifier!]!': [
      ['11822648950', '04846697271', '17894199350', '11887197158', '01810050019'],
      ['11822648950', '04846697271', '22859197810', REFUSED_IDS[0], '17894199350', REFUSED_IDS[1]],
    ],
    'ID!': [SEEDED_CLIENT_IDS.example, SEEDED_CLIENT_IDS.ownerMaskinporten, SEEDED_CLIENT_IDS.otherIdporten],
    'AddClientJwkInput!': [
      { clientId: SEEDED_CLIENT_IDS.example, key: { ...JWK, kid: `${label}-key` } },
      { clientId: SEEDED_CLIENT_IDS.example, key: { ...JWK, kid: `${label}-key` } }, // again: a CONFLICT user error
      { clientId: SEEDED_CLIENT_IDS.otherIdporten, key: { ...JWK, kid: `${label}-other` } },
    ],
  };
  if (defs.length === 0) return [{}];
  const sets: Record<string, unknown>[] = [];
  const count = Math.max(...defs.map((d) => byType[printType(d.type)]?.length ?? 0));
  for (let i = 0; i < count; i++) {
    const vars: Record<string, unknown> = {};
    for (const d of defs) {
      const values = byType[printType(d.type)];
      if (!values) throw new Error(`${label}: no plausible value for $${d.variable.name.value}: ${printType(d.type)}`);
      vars[d.variable.name.value] = values[i % values.length];
    }
    sets.push(vars);
  }
  return sets;
}

function printType(type: TypeNode): string {
  if (type.kind === 'NonNullType') return `${printType(type.type)}!`;
  if (type.kind === 'ListType') return `[${printType(type.type)}]`;
  return type.name.value;
}

// ---------------------------------------------------------------------------------------------------------------------
// The apps
// ---------------------------------------------------------------------------------------------------------------------

/** Both executors see the same (few) upstream failures; a breaker opening at its own moment in each would not be. */
const ENV = { LOG_LEVEL: 'debug', BREAKER_VOLUME_THRESHOLD: '100000' };
/** The write apps look few persons up: a small limit makes a request over it deterministic (retry after 60 s). */
const WRITE_ENV = { ...ENV, RATE_LIMIT_PERSONS_PER_MINUTE: '100' };

let compiled: Side;
let graphqlJs: Side;
let writesCompiled: Side;
let writesGraphqlJs: Side;
const started: TestApp[] = [];

beforeAll(async () => {
  const [c, wc, wj] = await Promise.all([
    startTestApp({ ...ENV, GRAPHQL_EXECUTOR: 'compiled' }),
    startTestApp({ ...WRITE_ENV, GRAPHQL_EXECUTOR: 'compiled' }),
    startTestApp({ ...WRITE_ENV, GRAPHQL_EXECUTOR: 'graphql-js' }),
  ]);
  started.push(c, wc, wj);
  const j = await startTestApp(
    {
      ...ENV,
      GRAPHQL_EXECUTOR: 'graphql-js',
      // What sandbox mode configures by itself: its tenants and the caller-token claim naming them.
      TENANTS_FILE: c.sandbox.tenantsFile,
      AUTH_TENANT_CLAIM: c.sandbox.tenants.claim,
    },
    { peerOf: c },
  );
  started.push(j);
  // Two valid ids the KRR simulator refuses (HTTP 400 for any request naming them): null at their path in a list.
  for (const t of [c, wc, wj]) t.sandbox.krr.refuseIds(REFUSED_IDS);
  compiled = new Side('compiled', c, false);
  graphqlJs = new Side('graphql-js', j, false);
  writesCompiled = new Side('compiled (own sandbox)', wc, true);
  writesGraphqlJs = new Side('graphql-js (own sandbox)', wj, true);
}, 60_000);

afterAll(async () => {
  // The replica first: it uses the first app's simulators.
  for (const t of started.reverse()) await t.close();
});

/** An example operation (README, GraphiQL tabs) as a request, with the variables its tab would fill in at `now`. */
function exampleRequest(op: (typeof EXAMPLE_OPERATIONS)[number], now: Date): Request {
  const vars = tabVariables(op, now);
  return { query: op.document, ...(vars ? { variables: JSON.parse(vars) as Record<string, unknown> } : {}) };
}

const reads = (req: Request, label?: string) => compare(compiled, graphqlJs, req, label);
const writes = (req: Request, label?: string) => compare(writesCompiled, writesGraphqlJs, req, label);

// ---------------------------------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------------------------------

describe('graphql-jit and graphql-js give identical responses', () => {
  it('person answers do not depend on the sandbox (so the write apps may compare them too)', async () => {
    for (const op of EXAMPLE_OPERATIONS.filter((o) => ['Contact', 'Batch'].includes(o.name))) {
      const req = exampleRequest(op, new Date());
      const [a, b] = await Promise.all([writesCompiled.send(req), writesGraphqlJs.send(req)]);
      expect(a.text).toBe(b.text);
      expect(a.audit).toEqual(b.audit);
    }
  });

  it("the README example operations (reads; every scope, no digitalpost.read, no scope, a tenant's caller)", async () => {
    const now = new Date();
    for (const op of EXAMPLE_OPERATIONS.filter((o) => operationType(o.document) === 'query')) {
      const base = exampleRequest(op, now);
      await reads(base, op.name);
      await reads({ ...base, scope: 'contactinfo.read clients.read' }, `${op.name} (contactinfo.read clients.read)`);
      await reads({ ...base, scope: '' }, `${op.name} (no scope)`);
      await reads({ ...base, tenant: SANDBOX_CUSTOMERS.delegating.orgno }, `${op.name} (a tenant's caller)`);
    }
  });

  it("the consumer examples' queries", async () => {
    const docs = exampleDocuments().filter((d) => operationType(d.document) === 'query');
    expect(docs.length).toBeGreaterThanOrEqual(5);
    for (const { file, document } of docs) {
      for (const variables of plausibleVariables(document, file)) {
        await reads({ query: document, variables }, `${file}: ${document.trim().split('\n')[0]}`);
        await reads({ query: document, variables, scope: 'contactinfo.read' }, `${file} (contactinfo.read)`);
      }
    }
  });

  it('query limits, refusals before execution, and the request-level errors', async () => {
    // clients → onBehalfOf → client → onBehalfOf → … → id: depth 14.
    const deep = Array.from({ length: 13 }, (_, i) => (i % 2 ? 'client' : 'onBehalfOf')).reduceRight(
      (inner, field) => `${field} { ${inner} }`,
      'id',
    );
    const cases: Request[] = [
      { query: `{ clients { ${deep} } }` }, // too deep
      { query: `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: me { subject }`).join(' ')} }` }, // aliases
      { query: `{ me { ${'subject @include(if: true) '.repeat(21)} } }` }, // directives
      { query: `{ clients { onBehalfOf { client { onBehalfOf { client { jwks { keys { kid } } } } } } } }` }, // cost
      {
        query: 'query Many($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }',
        variables: { ids: syntheticPersonIdentifiers(5001) },
      },
      { query: `{ me { ${'subject '.repeat(5001)} } }` }, // tokens
      { query: `{ me { subject } } #${'x'.repeat(100_000)}` }, // document size
      { query: `{ persons(ids: ${'['.repeat(70)}"11822648950"${']'.repeat(70)}) { id } }` }, // nesting
      { query: `query ${'N'.repeat(129)} { me { subject } }` }, // name length
      { query: '{ me { subject }' }, // syntax
      { query: '{ me { subjekt } }' }, // unknown field (with a suggestion)
      { query: 'query A { me { subject } }', operationName: 'B' },
      { query: 'query A { me { subject } } query B { me { scopes } }' },
      { query: 'query A { me { subject } } query B { me { scopes } }', operationName: 'B' },
      { query: 'subscription { me { subject } }' },
      { query: '{ person(id: "12345678901") { id } }' }, // invalid literal
      { query: 'query P($id: PersonIdentifier!) { person(id: $id) { id } }', variables: { id: '12345678901' } },
      { query: 'query P($id: PersonIdentifier!) { person(id: $id) { id } }', variables: {} },
      { query: 'query P($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }', variables: { ids: ['1', 2] } },
      { query: '{ me { subject } }', token: null },
      { query: '{ me { subject } }', token: 'not-a-jwt' },
      { query: '', rawBody: '{"query": "{ me { subject } }", "variables": [1]}' },
      { query: '', rawBody: '{"query": 42}' },
      { query: '{ __typename }' },
      { query: getIntrospectionQuery() },
      { query: '{ __type(name: "Person") { name fields { name type { name kind ofType { name } } } } }' },
    ];
    for (const req of cases) await reads(req);
  });

  it(`random queries (fast-check seed ${SEED}, ${QUERY_RUNS} runs)`, async () => {
    const arbitrary = operationArbitrary(SCHEMA, POOLS, { type: 'query' });
    await fc.assert(
      fc.asyncProperty(arbitrary, async (op) => {
        await reads(fromGenerated(op));
      }),
      { seed: SEED, numRuns: QUERY_RUNS, endOnFailure: true },
    );
  }, 60_000);

  it('upstream failures: unavailable, a refused id, a malformed answer (masked)', async () => {
    const persons = {
      query: 'query P($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id status email { value } } }',
      variables: { ids: ['11822648950', REFUSED_IDS[0], '04846697271'] },
    };
    const clients = { query: '{ clients { id jwks { keys { kid } } } client(id: "oidc_eksempel_klient") { name } }' };
    const faults = [
      { name: 'KRR 503', sim: compiled.t.sandbox.krr, fault: { kind: 'status', status: 503 } as const, req: persons },
      { name: 'KRR 200, not JSON', sim: compiled.t.sandbox.krr, fault: okBody('{"personer": 7}'), req: persons },
      {
        name: 'admin 503',
        sim: compiled.t.sandbox.admin,
        fault: { kind: 'status', status: 503 } as const,
        req: clients,
      },
      {
        name: 'admin 200, wrong shape',
        sim: compiled.t.sandbox.admin,
        fault: okBody('[{"client_id": 7}]'),
        req: clients,
      },
    ];
    for (const { name, sim, fault, req } of faults) {
      const [x, y] = await underFault(sim, fault, req);
      const { text: xt, compiled: xc, ...xr } = x;
      const { text: yt, compiled: _yc, ...yr } = y;
      expect(yr, name).toEqual(xr);
      expect(yt, name).toBe(xt);
      expect(xc, `${name}: answered by graphql-jit`).toBe(true);
    }
    // The malformed admin answer is an unexpected error: masked, its details in an error-level log line only.
    const [masked] = await underFault(compiled.t.sandbox.admin, okBody('[{"client_id": 7}]'), clients);
    expect(masked.body).toMatchObject({
      errors: expect.arrayContaining([
        {
          message: 'Internal server error',
          locations: expect.any(Array),
          path: ['clients', 0, 'jwks'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ]),
    });
    expect(masked.failures).toContainEqual(expect.objectContaining({ level: 50, code: 'INTERNAL_SERVER_ERROR' }));
  });

  /**
   * NOT FIXED (needs more than compiled-execution.ts; see the report): when a non-null field throws at once for a
   * reason only the data shows (here `active`, for an `active` that is no boolean), graphql-js
   * runs none of the object's later fields and graphql-jit runs them all: the aliased copy's error is listed (and
   * logged) by graphql-jit only. `it.fails` keeps the difference visible; it fails once the executors agree.
   */
  it.fails('KNOWN DIFFERENCE: a non-null field failing on upstream data, later fields of its object', async () => {
    const fault = okBody('[{"client_id": "x", "integration_type": "idporten", "active": "weird", "client_name": "n"}]');
    const [x, y] = await underFault(compiled.t.sandbox.admin, fault, {
      query: '{ clients { active again: active name } }',
    });
    expect(y.body).toEqual(x.body);
  });
});

/** `req` to the read apps in turn, the fault set on their (shared) simulator for each: [compiled, graphql-js]. */
async function underFault(sim: { faults: FaultInjector }, fault: Fault, req: Request): Promise<[Answer, Answer]> {
  const answers: Answer[] = [];
  for (const side of [compiled, graphqlJs]) {
    sim.faults.setPersistent(fault);
    try {
      answers.push(await side.send(req));
    } finally {
      sim.faults.setPersistent(undefined);
    }
  }
  return answers as [Answer, Answer];
}

function okBody(body: string) {
  return { kind: 'status', status: 200, body: JSON.parse(body) as unknown } as const;
}

describe('mutations: each executor with a sandbox of its own, the same sequence on both', () => {
  it('the README example mutations (twice, and without the scope) and the consumer examples', async () => {
    const now = new Date();
    for (const op of EXAMPLE_OPERATIONS.filter((o) => operationType(o.document) === 'mutation')) {
      const base = exampleRequest(op, now);
      await writes(base, op.name);
      await writes(base, `${op.name} (again)`);
      await writes({ ...base, scope: 'clients.read' }, `${op.name} (clients.read only)`);
    }
    const docs = exampleDocuments().filter((d) => operationType(d.document) === 'mutation');
    expect(docs.length).toBeGreaterThanOrEqual(2);
    for (const { file, document } of docs) {
      for (const variables of plausibleVariables(document, file.replace(/\W+/g, '-'))) {
        await writes({ query: document, variables }, `${file}: ${document.trim().split('\n')[0]}`);
      }
    }
  });

  it("a client's whole life: created, changed, keys, secret, registrations, deleted", async () => {
    const payload = '{ client { id name description active lastUpdatedAt } userErrors { field message code } }';
    const created = await writes({
      query: `mutation { createClient(input: { name: "Livsløp", integrationType: IDPORTEN, applicationType: WEB,
        tokenEndpointAuthMethod: CLIENT_SECRET_BASIC, grantTypes: [AUTHORIZATION_CODE], scopes: ["openid"],
        redirectUris: ["https://livslop.example.no/callback"] })
        { client { id integrationType scopes createdAt } clientSecret userErrors { field message code } } }`,
    });
    expect(created.body).toMatchObject({ data: { createClient: { userErrors: [], clientSecret: '<secret>' } } });
    // The new client's id differs between the two sandboxes: each app is asked about its own.
    const idOf = async (side: Side) => {
      const res = await side.t.graphql<{ clients: { id: string; name: string }[] }>('{ clients { id name } }');
      const id = res.body.data?.clients.find((c) => c.name === 'Livsløp')?.id;
      if (!id) throw new Error(`${side.name}: the created client is not listed`);
      return id;
    };
    const ids = new Map<Side, string>([
      [writesCompiled, await idOf(writesCompiled)],
      [writesGraphqlJs, await idOf(writesGraphqlJs)],
    ]);
    await Promise.all([writesCompiled.sync(), writesGraphqlJs.sync()]);
    const steps: { query: string; variables?: Record<string, unknown> }[] = [
      { query: `mutation($id: ID!) { updateClient(input: { id: $id, description: "Endret" }) ${payload} }` },
      {
        query: `mutation($id: ID!) { updateClient(input: { id: $id, lastUpdatedAt: "2020-01-01T00:00:00Z", name: "x" })
          ${payload} }`,
      },
      {
        query:
          'mutation($id: ID!) { rotateClientSecret(input: { id: $id }) { client { id } clientSecret userErrors { code } } }',
      },
      {
        query: `mutation($id: ID!, $key: JwkInput!) { replaceClientJwks(input: { clientId: $id, keys: [$key] })
          { jwks { keys { kid kty alg use expiresAt } createdAt } droppedExpiredKeys userErrors { field code message } } }`,
        variables: { key: { ...JWK, kid: 'life-key-1' } },
      },
      {
        query: `mutation($id: ID!, $key: JwkInput!) { addClientJwk(input: { clientId: $id, key: $key })
          { jwks { keys { kid } lastUpdatedAt } droppedExpiredKeys userErrors { field code message } } }`,
        variables: { key: { ...JWK, kid: 'life-key-2' } },
      },
      {
        query: `mutation($id: ID!) { removeClientJwk(input: { clientId: $id, kid: "life-key-1" })
          { jwks { keys { kid } } userErrors { field code message } } }`,
      },
      {
        query: `mutation($id: ID!) { createOnBehalfOf(input: { clientId: $id, id: "life-obo", name: "Kunde",
          organizationNumber: "${SEEDED_ORGNOS.customer}", url: "https://kunde.example.no" })
          { onBehalfOf { id name organizationNumber url client { id name } } userErrors { field code message } } }`,
      },
      {
        query: `mutation($id: ID!) { updateOnBehalfOf(input: { clientId: $id, id: "life-obo", description: "Ny" })
          { onBehalfOf { id description } userErrors { field code message } } }`,
      },
      {
        query: `query($id: ID!) { client(id: $id) { id name description scopes onBehalfOf { id name client { id } }
          jwks { keys { kid expiresAt } lastUpdatedAt } createdAt lastUpdatedAt active } }`,
      },
      {
        query: `mutation($id: ID!) { deleteOnBehalfOf(input: { clientId: $id, id: "life-obo" })
          { deletedId userErrors { field code message } } }`,
      },
      { query: `mutation($id: ID!) { deleteClient(input: { id: $id }) ${payload} }` },
      { query: `mutation($id: ID!) { deleteClient(input: { id: $id }) ${payload} }` },
      { query: '{ clients(filter: { nameContains: "livs" }) { name active } }' },
    ];
    for (const step of steps) {
      const label = step.query.replace(/\s+/g, ' ');
      const [x, y] = await Promise.all(
        [writesCompiled, writesGraphqlJs].map((side) =>
          side.send({ ...step, variables: { ...step.variables, id: ids.get(side) } }),
        ),
      );
      const { text: xt, compiled: xc, ...xr } = x as Answer;
      const { text: yt, compiled: _yc, ...yr } = y as Answer;
      expect(yr, label).toEqual(xr);
      expect(yt, label).toBe(xt);
      expect(xc, `answered by graphql-jit: ${label}`).toBe(true);
    }
  });

  it('mutation limits and refusals before execution', async () => {
    const eleven = Array.from(
      { length: 11 },
      (_, i) => `m${i}: deleteClient(input: { id: "no-such-client" }) { userErrors { code } }`,
    ).join(' ');
    await writes({ query: `mutation { ${eleven} }` });
    await writes({
      query: 'mutation M($input: CreateClientInput!) { createClient(input: $input) { userErrors { code } } }',
      variables: { input: { name: 'x', integrationType: 'NOPE' } },
    });
    // More persons than the write apps' whole per-minute limit: refused, retry after 60 s.
    await writes({
      query: 'query P($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }',
      variables: { ids: syntheticPersonIdentifiers(101) },
    });
  });

  it(`random mutations (fast-check seed ${SEED}, ${MUTATION_RUNS} runs)`, async () => {
    const arbitrary = operationArbitrary(SCHEMA, POOLS, { type: 'mutation', maxDepth: 4 });
    await fc.assert(
      fc.asyncProperty(arbitrary, async (op) => {
        await writes(fromGenerated(op));
      }),
      { seed: SEED, numRuns: MUTATION_RUNS, endOnFailure: true },
    );
  }, 60_000);
});

/**
 * The differences this test found, each as its smallest request (compiled-execution.ts sends them to graphql-js now).
 * Every one of them failed here before the fix named.
 */
describe('differences found, as regressions', () => {
  it('a mutation whose first root field fails: that field is null, the later one runs and answers alike', async () => {
    await writes({
      query: `mutation M($key: JwkInput!) {
        first: deleteOnBehalfOf(input: { clientId: "oidc_eksempel_klient", id: "" }) { deletedId }
        second: addClientJwk(input: { clientId: "oidc_eksempel_klient", key: $key }) { jwks { keys { kid } } }
      }`,
      variables: { key: { ...JWK, kid: 'regression-key' } },
    });
    // Found when mutation payloads were non-null: `first` nulled `data` and graphql-js stopped there, while graphql-jit
    // ran `second` (the key was added, and audited) for an answer showing none of it. Payloads are nullable now:
    // `first` is null, and both executors run `second` and answer it.
    await writes({ query: '{ client(id: "oidc_eksempel_klient") { jwks { keys { kid } } } }' });
  });

  it('a query answers when a non-null root field fails, without the errors of slower siblings', async () => {
    // `persons` refused at once (more persons than the write apps' limit), `b` refused by KRR a round trip later.
    await writes({
      query: `query Q($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } b: person(id: "${REFUSED_IDS[0]}") { id } }`,
      variables: { ids: syntheticPersonIdentifiers(101) },
    });
  });

  it('a refused non-null field: none of the later fields of its object run', async () => {
    await reads({
      query: '{ persons(ids: ["11822648950"]) { id } a: person(id: "22859197810") { id } me { subject } }',
      scope: 'clients.read',
    });
    await writes({
      // Created, but the payload's client (Client: clients.read, checked on each of its fields here) is refused:
      // graphql-js stops at `id` (non-null), graphql-jit went on to `description`.
      query: `mutation { createClient(input: { name: "Uten lesetilgang", integrationType: IDPORTEN, applicationType: WEB,
        tokenEndpointAuthMethod: CLIENT_SECRET_BASIC, grantTypes: [AUTHORIZATION_CODE], scopes: ["openid"],
        redirectUris: ["https://uten.example.no/callback"] }) { client { name id description } userErrors { code } } }`,
      scope: 'clients.write',
    });
  });

  it('@skip/@include around fragments', async () => {
    const person = (id: string) => `person(id: "${id}")`;
    for (const query of [
      // A fragment under a skipped selection of a field also selected without it.
      `{ ${person('22859197810')} { email { stale } ... @skip(if: true) { email { ... { value } } } } }`,
      `{ ${person('22859197810')} { email { stale } email @skip(if: true) { ...V } } } fragment V on ContactPoint { value }`,
      // A fragment spread under a false condition and again without one.
      `{ a: ${person('22859197810')} { ...F @include(if: false) } b: ${person('11822648950')} { ...F } }
       fragment F on Person { status }`,
      `{ a: ${person('22859197810')} { ... @include(if: false) { ...F } } b: ${person('11822648950')} { ...F } }
       fragment F on Person { status email { value } }`,
    ]) {
      await reads({ query });
    }
  });

  it('a field aliased __proto__ is answered as a field, in its place', async () => {
    for (const query of [
      // A leaf: graphql-jit's object literal made `"__proto__": "…"` a no-op, and the field was gone.
      'query P($id: PersonIdentifier!) { person(id: $id) { __proto__: id status } }',
      // An object: it became the prototype of the person, and left the answer.
      'query P($id: PersonIdentifier!) { person(id: $id) { status __proto__: email { value } } }',
      // At the root: moved behind its siblings.
      'query P($id: PersonIdentifier!) { __proto__: person(id: $id) { id } other: person(id: $id) { status } }',
      'query P($id: PersonIdentifier!) { person(id: $id) { ...F } } fragment F on Person { __proto__: status id }',
    ]) {
      await reads({ query, variables: { id: '22859197810' } });
    }
  });
});

describe('the compiled executor answered', () => {
  it('every answer with data that was compared', () => {
    // eslint-disable-next-line no-console
    console.log(
      `compared ${seen.compared} requests; ${seen.withData} with data: ${seen.compiled} answered by graphql-jit, ` +
        `by graphql-js as meant: ${JSON.stringify(Object.fromEntries(seen.fallbacks))}; ` +
        `error codes: ${JSON.stringify(Object.fromEntries(seen.errorCodes))}`,
    );
    expect(seen.notCompiled).toEqual([]);
    expect(seen.compiled).toBeGreaterThan(100);
  });
});

describe('compile on the second run (the default)', () => {
  it("a document's first run (graphql-js) and second run (compiled) answer alike, errors included", async () => {
    const t = await startTestApp(
      {
        ...ENV,
        GRAPHQL_EXECUTOR: 'compiled',
        TENANTS_FILE: compiled.t.sandbox.tenantsFile,
        AUTH_TENANT_CLAIM: compiled.t.sandbox.tenants.claim,
      },
      { peerOf: compiled.t, compileAfterRuns: 1 },
    );
    try {
      const side = new Side('compileAfterRuns: 1', t, false);
      const requests: (Request & { errors: boolean })[] = [
        {
          errors: true,
          query: `query Mixed($ids: [PersonIdentifier!]!) {
            persons(ids: $ids) { id status email { value stale } digitalMailbox { address } }
          }`,
          // digitalMailbox refused (FORBIDDEN at each person's path), a refused id (UPSTREAM_REJECTED at persons.2).
          variables: { ids: ['11822648950', '22859197810', REFUSED_IDS[0], '04846697271'] },
          scope: 'contactinfo.read',
        },
        {
          errors: true,
          query: `query Clients($client: ID!) {
            client(id: $client) { id name }
            bad: client(id: "..") { id }
            clients(filter: { nameContains: "eksempel" }) { id onBehalfOf { id client { id } } }
          }`,
          variables: { client: 'no-such-client' },
        },
        {
          errors: true,
          query: 'mutation { deleteClient(input: { id: ".." }) { client { id } userErrors { code } } }',
        },
        {
          errors: false,
          query: 'mutation { deleteClient(input: { id: "no-such-client" }) { client { id } userErrors { code } } }',
        },
        { errors: false, query: '{ me { subject actingFor { organizationNumber name via } } }' },
      ];
      for (const req of requests) {
        const before = { ...jit };
        const first = await side.send(req);
        expect(jit, 'the first run is not compiled').toEqual(before);
        const second = await side.send(req);
        expect(jit.compiled, 'the second run is compiled').toBe(before.compiled + 1);
        const { compiled: firstCompiled, ...a } = first;
        const { compiled: secondCompiled, ...b } = second;
        expect([firstCompiled, secondCompiled]).toEqual([false, true]);
        expect(b, describeRequest(req)).toEqual(a);
        expect(((a.body as { errors?: unknown[] }).errors?.length ?? 0) > 0).toBe(req.errors);
      }
    } finally {
      await t.close();
    }
  });
});
