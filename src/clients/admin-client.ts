import { authorizedRequest } from '../upstream/authorized-request.js';
import { UpstreamStatusError, UpstreamUnavailableError } from '../upstream/errors.js';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../upstream/http-client.js';
import type { UpstreamRequestContext } from '../upstream/request-context.js';
import type { TokenProvider, TokenRequest } from '../upstream/token-provider.js';
import type { ClientDto, JwksDto, OnBehalfOfDto } from './dto.js';

/** What an admin call does, which decides the one scope its token carries (least privilege, reference §3). */
export type AdminAccess = 'read' | 'write' | 'modify' | 'onbehalfof';

export const ADMIN_SCOPES: Record<AdminAccess, string> = {
  read: 'idporten:dcr.read',
  write: 'idporten:dcr.write',
  modify: 'idporten:dcr.modify',
  onbehalfof: 'idporten:dcr/onbehalfof:write',
};
export const SUPPLIER_SCOPE = 'idporten:dcr.supplier';

export interface AdminClientOptions {
  /** Our organisation number (from the enterprise certificate), when known. */
  ownOrgno?: string;
  /** The facade's Maskinporten client holds `idporten:dcr.supplier`: supplied clients are listed and managed too. */
  supplier: boolean;
}

/**
 * The ID-porten admin API over the shared upstream layer. Each call asks the token service for exactly the scope its
 * operation needs; supplier work (a client owned by a customer) adds `idporten:dcr.supplier`.
 */
export class AdminApiClient {
  /**
   * @param supplied clients known to be supplied by us (learned from their DTOs or from a 403 → supplier retry),
   *   shared by every request's view
   * @param context the GraphQL request this view's calls serve (see `forRequest`)
   */
  constructor(
    private readonly http: UpstreamClient,
    private readonly tokens: TokenProvider,
    private readonly opts: AdminClientOptions,
    private readonly supplied = new Map<string, boolean>(),
    private readonly context?: UpstreamRequestContext,
  ) {}

  /** A view whose calls carry `context` (correlation id, retry budget); what it learns is shared. */
  forRequest(context: UpstreamRequestContext): AdminApiClient {
    return new AdminApiClient(this.http, this.tokens, this.opts, this.supplied, context);
  }

  /**
   * Sends one admin call. When the client is not known to be supplied and the API refuses (403), the call is
   * repeated once with the supplier scope: a refused call changed nothing, so this is safe even for writes.
   */
  async send(
    access: AdminAccess,
    req: UpstreamRequest,
    target?: { clientId?: string; orgno?: string },
  ): Promise<UpstreamResponse> {
    const known = target?.clientId ? this.supplied.get(target.clientId) : undefined;
    const supplied = known ?? (target?.orgno !== undefined && target.orgno !== this.opts.ownOrgno);
    const request = { ...req, context: this.context };
    const res = await authorizedRequest(this.http, this.tokens, this.token(access, supplied), request);
    if (res.status === 403 && !supplied && this.opts.supplier && known === undefined && target?.clientId) {
      const retry = await authorizedRequest(this.http, this.tokens, this.token(access, true), request);
      if (retry.status !== 403) this.supplied.set(target.clientId, true);
      return retry;
    }
    return res;
  }

  /** `GET /clients`: ours, and with supplier rights those we supply. */
  async listClients(): Promise<ClientDto[]> {
    const res = await authorizedRequest(this.http, this.tokens, this.token('read', this.opts.supplier), {
      method: 'GET',
      path: '/clients',
      retry: true,
      context: this.context,
    });
    if (res.status !== 200) throw new UpstreamStatusError('admin', res.status, res.body);
    if (!Array.isArray(res.body)) throw new UpstreamUnavailableError('admin', 'unreadable answer');
    const clients = (res.body as unknown[]).filter(isObject) as ClientDto[];
    clients.forEach((c) => this.learn(c));
    return clients;
  }

  /** `GET /clients/{id}`; null when not found. */
  async getClient(id: string): Promise<ClientDto | null> {
    const res = await this.send('read', { method: 'GET', path: clientPath(id) }, { clientId: id });
    if (res.status === 404) return null;
    if (res.status !== 200) throw new UpstreamStatusError('admin', res.status, res.body);
    if (!isObject(res.body)) throw new UpstreamUnavailableError('admin', 'unreadable answer');
    this.learn(res.body as ClientDto);
    return res.body as ClientDto;
  }

  /** `GET /clients/{id}/jwks`; an empty set when the client has no keys. */
  async getJwks(id: string): Promise<JwksDto> {
    const res = await this.send('read', { method: 'GET', path: `${clientPath(id)}/jwks` }, { clientId: id });
    if (res.status === 404) return { keys: [] };
    if (res.status !== 200) throw new UpstreamStatusError('admin', res.status, res.body);
    const body = res.body as JwksDto | unknown[] | undefined;
    if (Array.isArray(body)) return { keys: body.filter(isObject) };
    if (!isObject(body)) return { keys: [] };
    return { ...body, keys: Array.isArray(body.keys) ? body.keys.filter(isObject) : [] };
  }

  /** `GET /clients/{id}/onbehalfof/{obo}`; null when not found. */
  async getOnBehalfOf(clientId: string, id: string): Promise<OnBehalfOfDto | null> {
    const res = await this.send('read', { method: 'GET', path: onBehalfOfPath(clientId, id) }, { clientId });
    if (res.status === 404) return null;
    if (res.status !== 200) throw new UpstreamStatusError('admin', res.status, res.body);
    return isObject(res.body) ? (res.body as OnBehalfOfDto) : null;
  }

  learn(dto: ClientDto): void {
    if (!dto.client_id) return;
    const ours = this.opts.ownOrgno;
    if (ours) this.supplied.set(dto.client_id, dto.client_orgno !== ours && dto.supplier_orgno === ours);
  }

  private token(access: AdminAccess, supplied: boolean): TokenRequest {
    return { scopes: supplied ? [ADMIN_SCOPES[access], SUPPLIER_SCOPE] : [ADMIN_SCOPES[access]] };
  }
}

export function clientPath(id: string): string {
  return `/clients/${encodeURIComponent(id)}`;
}

export function onBehalfOfPath(clientId: string, id?: string): string {
  return `${clientPath(clientId)}/onbehalfof${id === undefined ? '' : `/${encodeURIComponent(id)}`}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
