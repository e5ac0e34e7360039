import DataLoader from 'dataloader';
import type { Caller } from '../auth/caller.js';
import type { AuditLog } from '../observability/audit.js';
import { toGraphQLError } from '../upstream/errors.js';
import type { AdminApiClient } from './admin-client.js';
import type { ClientDto, JwksDto } from './dto.js';
import type { ClientLocks } from './locks.js';

/** Upstream GETs one request may have in flight at once (per loader), so a wide query cannot flood the admin API. */
export const ADMIN_READ_CONCURRENCY = 4;

/**
 * What one request's admin work is given: its view of the admin client (`AdminApiClient.forRequest`), the shared
 * per-client lock, and what the audit of every change needs (change-audit.ts).
 */
export interface ClientsContextOptions {
  api: AdminApiClient;
  /** The per-client lock around read-modify-writes, shared by every request (and, with Redis, every replica). */
  locks: ClientLocks;
  audit: AuditLog;
  caller: Caller;
  /** The facade's own id of the request. */
  requestId: string;
  /** The caller's own validated `x-request-id`, when it sent one. */
  callerRequestId?: string;
  /** Told after an onbehalfof registration was created, changed or deleted (tokens obtained through it are dropped). */
  onBehalfOfChanged?: (clientId: string, id: string) => void;
  /** Told when a change's audit record could not be written (the change refused, or made and left unrecorded). */
  onAuditFailed?: () => void;
}

/** Per-request admin API state: besides the options, each client and its JWKS is fetched at most once per request. */
export interface ClientsContext extends ClientsContextOptions {
  client: DataLoader<string, ClientDto | null>;
  jwks: DataLoader<string, JwksDto>;
}

export function createClientsContext(opts: ClientsContextOptions): ClientsContext {
  const { api } = opts;
  return {
    ...opts,
    client: new DataLoader((ids) => mapLimited(ids, ADMIN_READ_CONCURRENCY, (id) => api.getClient(id))),
    jwks: new DataLoader((ids) => mapLimited(ids, ADMIN_READ_CONCURRENCY, (id) => api.getJwks(id))),
  };
}

/** Maps with at most `limit` calls in flight; a failing item yields its GraphQL error (DataLoader's per-key failure). */
async function mapLimited<K, V>(
  items: readonly K[],
  limit: number,
  fn: (item: K) => Promise<V>,
): Promise<(V | Error)[]> {
  const results: (V | Error)[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as K);
      } catch (err) {
        results[index] = toGraphQLError(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
