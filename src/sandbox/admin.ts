/**
 * ID-porten / Maskinporten admin API simulator (reference §3, seed 003): clients, secrets, JWKS and onbehalfof
 * registrations under `/api/v1`, guarded by Maskinporten bearer tokens and the `idporten:dcr.*` scopes, with the
 * current Digdir error bodies. Choices where the public record is silent:
 * - `POST /clients` answers 201 (resource created); every other success answers 200, DELETE with an empty body.
 * - `GET /clients/{id}/jwks` of a client without keys answers 200 `{"keys": []}` (no set timestamps).
 * - A client that has a `supplier_orgno` can only be changed by that supplier (token with `idporten:dcr.supplier`);
 *   its customer (`client_orgno`) can still read it.
 * - Soft-deleted clients stay readable and changeable; DELETE of an inactive client answers 200 again.
 * - Unset optional fields are left out of responses; lifetimes always carry their effective value.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { seedClients, SEEDED_ORGNOS, type SeededMaskinportenClient } from './admin-seed.js';
import {
  isResourceId,
  parseClient,
  parseJwks,
  parseOnBehalfOf,
  usesSecret,
  type Problem,
  type StoredClient,
  type StoredOnBehalfOf,
} from './admin-validation.js';
import { createBearerVerifier, type VerifiedBearer } from './bearer.js';
import { FaultInjector } from './faults.js';
import { BodyTooLargeError, close, listen, readJson, sendEmpty, sendJson } from './http-util.js';

export interface AdminSimulatorOptions {
  maskinportenIssuer: string;
  maskinportenJwksUrl: string;
  /** The facade's organisation: the seeded clients belong to it. */
  ownerOrgno: string;
  /** A second organisation whose clients the owner must not see (default 984661185). */
  otherOrgno?: string;
  /** Maskinporten clients of the owner seeded besides the fixed seed (the facade's own, with onbehalfof registrations). */
  maskinportenClients?: SeededMaskinportenClient[];
  /** ms clock */
  now?: () => number;
  port?: number;
  host?: string;
}

export interface AdminRequestRecord {
  method: string;
  path: string;
  status: number;
  scopes: string[];
  /** The caller's `X-Correlation-ID`, when sent. */
  correlationId?: string;
}

export interface AdminSimulator {
  /** The API base, `http://127.0.0.1:PORT/api/v1` (no trailing slash). */
  url: string;
  /** The most recent requests (capped); requests a fault reset or stalled are recorded with status 0. */
  readonly requests: AdminRequestRecord[];
  /** Fault injection, applied to requests with a valid token (after verification), before scope checks and handling. */
  readonly faults: FaultInjector;
  /** The next `count` requests with a valid token answer `status` (with `body`, or an error body): `faults.enqueue`. */
  failNext(status: number, count?: number, body?: unknown): void;
  /**
   * The onbehalfof registration `onBehalfOf` on client `clientId` as it is now, or undefined when the client does not
   * exist, is deactivated, or has no such registration: what the Maskinporten simulator checks `iss_onbehalfof`
   * against.
   */
  findOnBehalfOf(clientId: string, onBehalfOf: string): { orgno: string; name: string } | undefined;
  close(): Promise<void>;
}

export const ADMIN_SCOPES = {
  read: 'idporten:dcr.read',
  modify: 'idporten:dcr.modify',
  write: 'idporten:dcr.write',
  onbehalfofWrite: 'idporten:dcr/onbehalfof:write',
  supplier: 'idporten:dcr.supplier',
} as const;

const S = ADMIN_SCOPES;
const READ_CLIENTS = [S.read];
const READ_ONBEHALFOF = [S.read, S.modify, S.write, S.onbehalfofWrite];
const MAX_RECORDS = 1000;
const API_PREFIX = '/api/v1';

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

class ValidationFailed extends Error {
  constructor(readonly problems: Problem[]) {
    super('validation failed');
  }
}

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  bearer: VerifiedBearer;
  id: string;
  obo: string;
}

interface Operation {
  /** Any one of these scopes grants the operation. */
  scopes: readonly string[];
  run: (ctx: Ctx) => Promise<void> | void;
}

interface Route {
  pattern: readonly string[];
  methods: Record<string, Operation>;
}

const ERROR_CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'invalid_token',
  403: 'access_denied',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  500: 'server_error',
};

function offsetOf(ms: number, format: Intl.DateTimeFormat | undefined): number {
  const name = format?.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

function createIsoFormatter(): (ms: number) => string {
  let format: Intl.DateTimeFormat | undefined;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Oslo', timeZoneName: 'longOffset' });
  } catch {
    format = undefined;
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  /** ISO-8601 with the Europe/Oslo offset, as the admin API answers (`2024-05-01T12:00:00.000+02:00`). */
  return (ms) => {
    const offset = offsetOf(ms, format);
    const local = new Date(ms + offset * 60_000).toISOString().slice(0, -1);
    const abs = Math.abs(offset);
    return `${local}${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  };
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

function newSecret(): string {
  return randomBytes(36).toString('base64url');
}

export async function startAdminSimulator(opts: AdminSimulatorOptions): Promise<AdminSimulator> {
  const now = opts.now ?? Date.now;
  const iso = createIsoFormatter();
  const verify = createBearerVerifier({ issuer: opts.maskinportenIssuer, jwksUrl: opts.maskinportenJwksUrl });
  const clients = new Map<string, StoredClient>();
  for (const c of seedClients({
    ownerOrgno: opts.ownerOrgno,
    otherOrgno: opts.otherOrgno ?? SEEDED_ORGNOS.defaultOther,
    now: now(),
    maskinportenClients: opts.maskinportenClients,
  })) {
    clients.set(c.client_id, c);
  }
  const requests: AdminRequestRecord[] = [];
  let apiUrl = '';

  const logRequest = (record: AdminRequestRecord) => {
    requests.push(record);
    if (requests.length > MAX_RECORDS) requests.splice(0, requests.length - MAX_RECORDS);
  };

  // ---- bodies -------------------------------------------------------------------------------------------------

  const errorBody = (status: number, message: string) => ({
    status,
    timestamp: iso(now()),
    correlation_id: randomUUID(),
    error: ERROR_CODES[status] ?? 'error',
    error_description: message,
  });

  const faults = new FaultInjector({ defaultBody: (status) => errorBody(status, 'Injected failure') });

  const validationBody = (problems: Problem[]) => {
    const text = problems.map((p) => `, ${p.errorMessage}`).join('');
    return {
      status: 400,
      timestamp: iso(now()),
      correlation_id: randomUUID(),
      errors: problems.map((p) => ({
        errorMessage: p.errorMessage,
        isFieldError: p.fieldIdentifier !== undefined,
        objectName: p.objectName,
        ...(p.fieldIdentifier !== undefined ? { fieldIdentifier: p.fieldIdentifier } : {}),
      })),
      error: text,
      error_description: text,
    };
  };

  const oboJson = (o: StoredOnBehalfOf) => ({
    onbehalfof: o.onbehalfof,
    name: o.name,
    display_name: o.name,
    orgno: o.orgno,
    url: o.url,
    client_uri: o.url,
    description: o.description,
    created: iso(o.created),
    last_updated: iso(o.last_updated),
  });

  const clientJson = (c: StoredClient, clientSecret?: string) => {
    const { client_name, description, client_uri, ...settings } = c.settings;
    return {
      client_id: c.client_id,
      client_name,
      description,
      client_uri,
      client_orgno: c.client_orgno,
      supplier_orgno: c.supplier_orgno,
      ...settings,
      jwks_uri: `${apiUrl}/clients/${encodeURIComponent(c.client_id)}/jwks`,
      active: c.active,
      created: iso(c.created),
      last_updated: iso(c.last_updated),
      onbehalfof: [...c.onbehalfof.values()].map(oboJson),
      ...(clientSecret !== undefined ? { client_secret: clientSecret } : {}),
    };
  };

  const jwksJson = (c: StoredClient) =>
    c.jwks
      ? {
          keys: c.jwks.keys.map((k) => ({ ...k })),
          created: iso(c.jwks.created),
          last_updated: iso(c.jwks.last_updated),
        }
      : { keys: [] };

  // ---- ownership ----------------------------------------------------------------------------------------------

  const canSee = (c: StoredClient, b: VerifiedBearer) =>
    c.client_orgno === b.orgno || (b.scopes.has(S.supplier) && c.supplier_orgno === b.orgno);

  /** Only the supplier changes a supplied client; otherwise the owner. */
  const canChange = (c: StoredClient, b: VerifiedBearer) =>
    c.supplier_orgno !== undefined
      ? b.scopes.has(S.supplier) && c.supplier_orgno === b.orgno
      : c.client_orgno === b.orgno;

  const visibleClient = (ctx: Ctx): StoredClient => {
    const c = clients.get(ctx.id);
    if (!c) throw new ApiError(404, `No client with client_id '${ctx.id}'`);
    if (!canSee(c, ctx.bearer)) throw new ApiError(403, 'The client does not belong to your organisation');
    return c;
  };

  const changeableClient = (ctx: Ctx): StoredClient => {
    const c = visibleClient(ctx);
    if (!canChange(c, ctx.bearer)) {
      throw new ApiError(403, 'Only the supplier registered in supplier_orgno may change this client');
    }
    return c;
  };

  const existingObo = (c: StoredClient, id: string): StoredOnBehalfOf => {
    const o = c.onbehalfof.get(id);
    if (!o) throw new ApiError(404, `No onbehalfof registration '${id}' on client '${c.client_id}'`);
    return o;
  };

  const kidInUseElsewhere = (clientId: string) => (kid: string) =>
    [...clients.values()].some((c) => c.client_id !== clientId && c.jwks?.keys.some((k) => k.kid === kid));

  function valid<T>(parsed: { ok: true; value: T } | { ok: false; problems: Problem[] }): T {
    if (!parsed.ok) throw new ValidationFailed(parsed.problems);
    return parsed.value;
  }

  // ---- handlers -----------------------------------------------------------------------------------------------

  const listClients = ({ res, bearer }: Ctx) =>
    sendJson(
      res,
      200,
      [...clients.values()].filter((c) => canSee(c, bearer)).map((c) => clientJson(c)),
    );

  async function createClient({ req, res, bearer }: Ctx): Promise<void> {
    const { settings, client_orgno } = valid(parseClient(await readJson(req)));
    const orgno = client_orgno ?? bearer.orgno;
    if (orgno !== bearer.orgno && !bearer.scopes.has(S.supplier)) {
      throw new ApiError(403, `client_orgno must be your own organisation number without ${S.supplier}`);
    }
    const secret = usesSecret(settings.token_endpoint_auth_method) ? newSecret() : undefined;
    const t = now();
    const c: StoredClient = {
      client_id: randomUUID(),
      client_orgno: orgno,
      ...(orgno !== bearer.orgno ? { supplier_orgno: bearer.orgno } : {}),
      settings,
      active: true,
      created: t,
      last_updated: t,
      ...(secret !== undefined ? { secretHash: hashSecret(secret) } : {}),
      onbehalfof: new Map(),
    };
    clients.set(c.client_id, c);
    sendJson(res, 201, clientJson(c, secret));
  }

  async function replaceClient(ctx: Ctx): Promise<void> {
    const c = changeableClient(ctx);
    c.settings = valid(parseClient(await readJson(ctx.req), c)).settings;
    c.last_updated = now();
    sendJson(ctx.res, 200, clientJson(c));
  }

  function deleteClient(ctx: Ctx): void {
    const c = changeableClient(ctx);
    c.active = false;
    c.last_updated = now();
    sendEmpty(ctx.res);
  }

  function rotateSecret(ctx: Ctx): void {
    const c = changeableClient(ctx);
    if (!usesSecret(c.settings.token_endpoint_auth_method)) {
      throw new ValidationFailed([
        {
          objectName: 'Client',
          fieldIdentifier: 'token_endpoint_auth_method',
          errorMessage: `Client with token_endpoint_auth_method ${c.settings.token_endpoint_auth_method} has no client_secret`,
        },
      ]);
    }
    const secret = newSecret();
    c.secretHash = hashSecret(secret);
    c.last_updated = now();
    sendJson(ctx.res, 200, clientJson(c, secret));
  }

  async function replaceJwks(ctx: Ctx): Promise<void> {
    const c = changeableClient(ctx);
    const t = now();
    const keys = valid(parseJwks(await readJson(ctx.req), Math.floor(t / 1000), kidInUseElsewhere(c.client_id)));
    c.jwks = { keys, created: c.jwks?.created ?? t, last_updated: t };
    sendJson(ctx.res, 200, jwksJson(c));
  }

  function deleteJwks(ctx: Ctx): void {
    delete changeableClient(ctx).jwks;
    sendEmpty(ctx.res);
  }

  async function createObo(ctx: Ctx): Promise<void> {
    const c = changeableClient(ctx);
    const input = valid(parseOnBehalfOf(await readJson(ctx.req)));
    if (c.onbehalfof.has(input.onbehalfof)) {
      throw new ApiError(409, `onbehalfof '${input.onbehalfof}' already exists on this client`);
    }
    const t = now();
    const o: StoredOnBehalfOf = { ...input, created: t, last_updated: t };
    c.onbehalfof.set(o.onbehalfof, o);
    sendJson(ctx.res, 200, oboJson(o));
  }

  async function replaceObo(ctx: Ctx): Promise<void> {
    const c = changeableClient(ctx);
    const old = existingObo(c, ctx.obo);
    const input = valid(parseOnBehalfOf(await readJson(ctx.req), ctx.obo));
    const o: StoredOnBehalfOf = { ...input, created: old.created, last_updated: now() };
    c.onbehalfof.set(o.onbehalfof, o);
    sendJson(ctx.res, 200, oboJson(o));
  }

  function deleteObo(ctx: Ctx): void {
    const c = changeableClient(ctx);
    existingObo(c, ctx.obo);
    c.onbehalfof.delete(ctx.obo);
    sendEmpty(ctx.res);
  }

  const routes: Route[] = [
    {
      pattern: ['clients'],
      methods: { GET: { scopes: READ_CLIENTS, run: listClients }, POST: { scopes: [S.write], run: createClient } },
    },
    {
      pattern: ['clients', ':id'],
      methods: {
        GET: { scopes: READ_CLIENTS, run: (ctx) => sendJson(ctx.res, 200, clientJson(visibleClient(ctx))) },
        PUT: { scopes: [S.modify], run: replaceClient },
        DELETE: { scopes: [S.modify], run: deleteClient },
      },
    },
    { pattern: ['clients', ':id', 'secret'], methods: { POST: { scopes: [S.modify], run: rotateSecret } } },
    {
      pattern: ['clients', ':id', 'jwks'],
      methods: {
        GET: { scopes: READ_CLIENTS, run: (ctx) => sendJson(ctx.res, 200, jwksJson(visibleClient(ctx))) },
        POST: { scopes: [S.modify], run: replaceJwks },
        PUT: { scopes: [S.modify], run: replaceJwks },
        DELETE: { scopes: [S.modify], run: deleteJwks },
      },
    },
    {
      pattern: ['clients', ':id', 'onbehalfof'],
      methods: {
        GET: {
          scopes: READ_ONBEHALFOF,
          run: (ctx) => sendJson(ctx.res, 200, [...visibleClient(ctx).onbehalfof.values()].map(oboJson)),
        },
        POST: { scopes: [S.onbehalfofWrite], run: createObo },
      },
    },
    {
      pattern: ['clients', ':id', 'onbehalfof', ':obo'],
      methods: {
        GET: {
          scopes: READ_ONBEHALFOF,
          run: (ctx) => sendJson(ctx.res, 200, oboJson(existingObo(visibleClient(ctx), ctx.obo))),
        },
        PUT: { scopes: [S.onbehalfofWrite], run: replaceObo },
        DELETE: { scopes: [S.onbehalfofWrite], run: deleteObo },
      },
    },
  ];

  // ---- dispatch -----------------------------------------------------------------------------------------------

  function matchRoute(pathname: string): { route: Route; id: string; obo: string } | undefined {
    if (pathname !== API_PREFIX && !pathname.startsWith(`${API_PREFIX}/`)) return undefined;
    const rest = pathname.slice(API_PREFIX.length).replace(/\/$/, '');
    let segments: string[];
    try {
      segments = rest.split('/').slice(1).map(decodeURIComponent);
    } catch {
      return undefined;
    }
    if (segments.some((s) => s === '')) return undefined;
    for (const route of routes) {
      if (route.pattern.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const hit = route.pattern.every((p, i) => {
        const seg = segments[i] ?? '';
        if (p.startsWith(':')) params[p.slice(1)] = seg;
        // An id outside the admin API's id rule (`..`, `a/b` decoded from %2F, whitespace) names no resource.
        return p.startsWith(':') ? isResourceId(seg) : p === seg;
      });
      if (hit) return { route, id: params.id ?? '', obo: params.obo ?? '' };
    }
    return undefined;
  }

  async function dispatch(req: IncomingMessage, res: ServerResponse, record: AdminRequestRecord): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://sandbox').pathname;
    const match = matchRoute(pathname);
    if (!match) throw new ApiError(404, 'No such resource');
    const method = req.method ?? 'GET';
    const op = match.route.methods[method];
    if (!op) {
      res.setHeader('allow', Object.keys(match.route.methods).join(', '));
      throw new ApiError(405, `Method ${method} is not allowed here`);
    }
    const verified = await verify(req);
    if (!verified.ok) {
      res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
      throw new ApiError(401, verified.reason);
    }
    const bearer = verified.bearer;
    record.scopes = [...bearer.scopes].filter((s) => s !== '');
    if (await faults.apply(req, res)) {
      // Answered faults are logged on 'finish'; resets and stalls never finish.
      if (!res.writableEnded) logRequest({ ...record, status: 0 });
      return;
    }
    if (!op.scopes.some((s) => bearer.scopes.has(s))) {
      throw new ApiError(403, `The access token lacks the required scope (one of: ${op.scopes.join(', ')})`);
    }
    await op.run({ req, res, bearer, id: match.id, obo: match.obo });
  }

  function sendFailure(res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof ValidationFailed) return sendJson(res, 400, validationBody(err.problems));
    if (err instanceof ApiError) return sendJson(res, err.status, errorBody(err.status, err.message));
    if (err instanceof BodyTooLargeError) return sendJson(res, 413, errorBody(413, 'Request body too large'));
    sendJson(res, 500, errorBody(500, 'Internal error in the admin API simulator'));
  }

  const server = createServer((req, res) => {
    const record: AdminRequestRecord = {
      method: req.method ?? '',
      path: (req.url ?? '/').split('?')[0] ?? '/',
      status: 0,
      scopes: [],
    };
    const correlationId = req.headers['x-correlation-id'];
    if (typeof correlationId === 'string') record.correlationId = correlationId;
    res.on('finish', () => {
      record.status = res.statusCode;
      logRequest(record);
    });
    dispatch(req, res, record).catch((err: unknown) => sendFailure(res, err));
  });

  const origin = await listen(server, opts.port ?? 0, opts.host ?? '127.0.0.1');
  apiUrl = `${origin}${API_PREFIX}`;

  return {
    url: apiUrl,
    requests,
    faults,
    failNext(status: number, count = 1, body?: unknown) {
      faults.enqueue({ kind: 'status', status, body }, count);
    },
    findOnBehalfOf(clientId: string, onBehalfOf: string) {
      const c = clients.get(clientId);
      const o = c?.active ? c.onbehalfof.get(onBehalfOf) : undefined;
      return o ? { orgno: o.orgno, name: o.name } : undefined;
    },
    close: () => {
      faults.destroyPending();
      return close(server);
    },
  };
}
