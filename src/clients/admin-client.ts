import { LRUCache } from 'lru-cache';
import { authorizedRequest } from '../upstream/authorized-request.js';
import { UpstreamStatusError, UpstreamUnavailableError, writeFailure } from '../upstream/errors.js';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../upstream/http-client.js';
import type { UpstreamRequestContext } from '../upstream/request-context.js';
import { parseRetryAfter } from '../upstream/retry.js';
import type { TokenProvider, TokenRequest } from '../upstream/token-provider.js';
import type { ClientDto, JwksDto, OnBehalfOfDto } from './dto.js';
import { isAdminId, scopePolicy } from './input-validation.js';
import { KRR_CLIENT_SCOPES } from './mapping.js';

/** What an admin call does, which decides the one scope its token carries (least privilege, reference §3). */
export type AdminAccess = 'read' | 'write' | 'modify' | 'onbehalfof';

export const ADMIN_SCOPES: Record<AdminAccess, string> = {
  read: 'idporten:dcr.read',
  write: 'idporten:dcr.write',
  modify: 'idporten:dcr.modify',
  onbehalfof: 'idporten:dcr/onbehalfof:write',
};
export const SUPPLIER_SCOPE = 'idporten:dcr.supplier';

/**
 * Clients whose supplier status is remembered, the least recently used forgotten first: a forgotten one costs one
 * refused call (403, then the supplier retry) when next used, and the map cannot grow with whatever ids callers ask for.
 */
export const MAX_LEARNED_CLIENTS = 10_000;

export interface AdminClientOptions {
  /** Our organisation number (from the enterprise certificate), when known. */
  ownOrgno?: string;
  /**
   * Supplier mode (`ADMIN_SUPPLIER`): the facade's Maskinporten client holds `idporten:dcr.supplier`, so supplied
   * clients are listed and managed too. Off: no token request ever carries the supplier scope.
   */
  supplier: boolean;
  /**
   * `ADMIN_ALLOWED_SCOPES`: patterns (`*` wildcard) of the scopes callers may put on clients through the facade.
   * Unset: every scope but the facade's own privileged ones (`krr:*`, `idporten:dcr*`).
   */
  allowedScopes?: readonly string[];
}

/** One admin API resource: a client (`/clients/{id}`), one of its sub-resources, or one onbehalfof registration. */
export type AdminResource =
  | { clientId: string; sub?: 'secret' | 'jwks' | 'onbehalfof'; onBehalfOfId?: undefined }
  | { clientId: string; sub: 'onbehalfof'; onBehalfOfId: string };

/** One admin call. Without `resource` it addresses the client collection, `/clients`. */
export interface AdminCall {
  method: UpstreamRequest['method'];
  resource?: AdminResource;
  json?: unknown;
  /** Creating a client: its owner. A supplier (in supplier mode) creates for another organisation. */
  orgno?: string;
}

/** Thrown when an admin path would be built from an id outside the admin API's rule (a bug: ids are checked first). */
export class InvalidAdminIdError extends Error {
  constructor() {
    super('refused to build an admin API path from an id outside the admin id rule');
  }
}

/**
 * The only place admin API paths are built. Every id must follow the admin id rule (`isAdminId`), or this throws:
 * a second line of defence behind the edge checks, so no id can walk the API's paths (`..`, `/`, `%2e`).
 */
export function adminPath(resource?: AdminResource): string {
  if (!resource) return '/clients';
  let path = `/clients/${pathSegment(resource.clientId)}`;
  if (resource.sub !== undefined) {
    if (!SUB_RESOURCES.has(resource.sub)) throw new InvalidAdminIdError();
    path += `/${resource.sub}`;
  }
  if (resource.onBehalfOfId !== undefined) {
    if (resource.sub !== 'onbehalfof') throw new InvalidAdminIdError();
    path += `/${pathSegment(resource.onBehalfOfId)}`;
  }
  return path;
}

const SUB_RESOURCES = new Set<string>(['secret', 'jwks', 'onbehalfof']);

function pathSegment(id: unknown): string {
  if (!isAdminId(id)) throw new InvalidAdminIdError();
  return encodeURIComponent(id);
}

/**
 * The ID-porten admin API over the shared upstream layer. Each call asks the token service for exactly the scope its
 * operation needs; supplier work (a client owned by a customer) adds `idporten:dcr.supplier`, in supplier mode only.
 */
export class AdminApiClient {
  private readonly scopeAllowed: (scope: string) => boolean;

  /**
   * @param supplied clients known to be supplied by us (learned from their DTOs or from a 403 → supplier retry),
   *   shared by every request's view
   * @param context the GraphQL request this view's calls serve (see `forRequest`)
   */
  constructor(
    private readonly http: UpstreamClient,
    private readonly tokens: TokenProvider,
    private readonly opts: AdminClientOptions,
    private readonly supplied = new LRUCache<string, boolean>({ max: MAX_LEARNED_CLIENTS }),
    private readonly context?: UpstreamRequestContext,
  ) {
    this.scopeAllowed = scopePolicy(opts.allowedScopes);
  }

  /** A view whose calls carry `context` (correlation id, retry budget); what it learns is shared. */
  forRequest(context: UpstreamRequestContext): AdminApiClient {
    return new AdminApiClient(this.http, this.tokens, this.opts, this.supplied, context);
  }

  /** The scopes among `scopes` callers may not put on a client (`ADMIN_ALLOWED_SCOPES`), in the order given. */
  refusedScopes(scopes: readonly string[]): string[] {
    return [...new Set(scopes)].filter((scope) => !this.scopeAllowed(scope));
  }

  /**
   * The scopes `client` (as the admin API returned it) holds that callers may not grant (`ADMIN_ALLOWED_SCOPES`; by
   * default `krr:*`, `idporten:dcr*`). A client holding any is protected: through the facade, its credentials, settings
   * and life cycle are not changed, or a caller allowed to manage clients could take over one with privileged scopes
   * (put its own key on it) and use them outside the facade. A `krr` client holds the fixed krr scopes whether or not
   * its answer lists them.
   */
  privilegedScopesOf(client: ClientDto): string[] {
    const listed = Array.isArray(client.scopes) ? client.scopes.filter((s): s is string => typeof s === 'string') : [];
    const fixed = client.integration_type?.toLowerCase() === 'krr' ? KRR_CLIENT_SCOPES : [];
    return this.refusedScopes([...listed, ...fixed]);
  }

  /**
   * Sends one admin call. In supplier mode, when a client is not known to be ours or supplied and the API refuses
   * (403), the very same call (same method, same path) is repeated once with the supplier scope: a refused call
   * changed nothing, so this is safe even for writes. Outside supplier mode nothing is repeated.
   */
  async send(access: AdminAccess, call: AdminCall): Promise<UpstreamResponse> {
    const clientId = call.resource?.clientId;
    const request: UpstreamRequest = {
      method: call.method,
      path: adminPath(call.resource),
      ...(call.json !== undefined ? { json: call.json } : {}),
      // A GET is safe to repeat (RFC 9110 §9.2.2): retried on 408, 429, 502–504 and connection errors, as KRR's are.
      ...(call.method === 'GET' ? { retry: true } : {}),
      context: this.context,
    };
    const known = clientId !== undefined ? this.supplied.get(clientId) : undefined;
    const supplied = known ?? (call.orgno !== undefined && call.orgno !== this.opts.ownOrgno);
    const res = await this.sendOnce(access, supplied, request);
    if (res.status === 403 && this.opts.supplier && !supplied && known === undefined && clientId !== undefined) {
      const retry = await this.sendOnce(access, true, request);
      if (retry.status !== 403 && retry.status < 500) this.supplied.set(clientId, true);
      return retry;
    }
    return res;
  }

  /**
   * One call. A write that may have reached the admin API without a readable answer fails as an unknown outcome (see
   * `writeFailure`); a 429 left after the HTTP layer's retries (reads) is the admin API's load, as KRR's is:
   * UPSTREAM_UNAVAILABLE, never a rejection of the input (a throttled write was not made).
   */
  private async sendOnce(access: AdminAccess, supplied: boolean, request: UpstreamRequest): Promise<UpstreamResponse> {
    let res: UpstreamResponse;
    try {
      res = await authorizedRequest(this.http, this.tokens, this.token(access, supplied), request);
    } catch (err) {
      throw request.method === 'GET' ? err : writeFailure(err, 'admin');
    }
    if (res.status === 429) throw rateLimited(res);
    return res;
  }

  /** `GET /clients`: ours, and with supplier rights those we supply. */
  async listClients(): Promise<ClientDto[]> {
    const res = await authorizedRequest(this.http, this.tokens, this.token('read', true), {
      method: 'GET',
      path: adminPath(),
      retry: true,
      context: this.context,
    });
    if (res.status === 429) throw rateLimited(res);
    if (res.status !== 200) throw new UpstreamStatusError('admin', res.status, res.body);
    if (!Array.isArray(res.body)) throw new UpstreamUnavailableError('admin', 'unreadable answer');
    const clients = (res.body as unknown[]).filter(isObject) as ClientDto[];
    clients.forEach((c) => this.learn(c));
    return clients;
  }

  /** `GET /clients/{id}`; null when not found. */
  async getClient(id: string): Promise<ClientDto | null> {
    const res = await this.send('read', { method: 'GET', resource: { clientId: id } });
    if (res.status === 404) return null;
    if (res.status !== 200) throw new UpstreamStatusError('admin', res.status, res.body);
    if (!isObject(res.body)) throw new UpstreamUnavailableError('admin', 'unreadable answer');
    this.learn(res.body as ClientDto);
    return res.body as ClientDto;
  }

  /** `GET /clients/{id}/jwks`; an empty set when the client has no keys. */
  async getJwks(id: string): Promise<JwksDto> {
    const res = await this.send('read', { method: 'GET', resource: { clientId: id, sub: 'jwks' } });
    if (res.status === 404) return { keys: [] };
    if (res.status !== 200) throw new UpstreamStatusError('admin', res.status, res.body);
    const body = res.body as JwksDto | unknown[] | undefined;
    if (Array.isArray(body)) return { keys: body.filter(isObject) };
    if (!isObject(body)) return { keys: [] };
    return { ...body, keys: Array.isArray(body.keys) ? body.keys.filter(isObject) : [] };
  }

  /** `GET /clients/{id}/onbehalfof/{obo}`; null when not found. */
  async getOnBehalfOf(clientId: string, id: string): Promise<OnBehalfOfDto | null> {
    const res = await this.send('read', {
      method: 'GET',
      resource: { clientId, sub: 'onbehalfof', onBehalfOfId: id },
    });
    if (res.status === 404) return null;
    if (res.status !== 200) throw new UpstreamStatusError('admin', res.status, res.body);
    return isObject(res.body) ? (res.body as OnBehalfOfDto) : null;
  }

  learn(dto: ClientDto): void {
    if (!dto.client_id) return;
    const ours = this.opts.ownOrgno;
    if (ours) this.supplied.set(dto.client_id, dto.client_orgno !== ours && dto.supplier_orgno === ours);
  }

  /** The one place the supplier scope is added: only in supplier mode. */
  private token(access: AdminAccess, supplied: boolean): TokenRequest {
    return { scopes: supplied && this.opts.supplier ? [ADMIN_SCOPES[access], SUPPLIER_SCOPE] : [ADMIN_SCOPES[access]] };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rateLimited(res: UpstreamResponse): UpstreamUnavailableError {
  return new UpstreamUnavailableError(
    'admin',
    'rate limited',
    429,
    parseRetryAfter(res.headers['retry-after'], Date.now()),
  );
}
