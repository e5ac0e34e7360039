import type { Logger } from 'pino';
import type { Caller } from '../auth/caller.js';
import type { ClientsContext } from '../clients/context.js';
import type { PersonsContext } from '../krr/context.js';

/** Built once per GraphQL request (DESIGN.md: per-request state lives in the context). */
export interface GraphQLContext {
  requestId: string;
  caller: Caller;
  /** The request's logger (its bindings carry the request id), made on first use: most requests never log. */
  log: () => Logger;
  operationName: string | null;
  persons: PersonsContext;
  clients: ClientsContext;
}
