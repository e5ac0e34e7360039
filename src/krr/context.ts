import DataLoader from 'dataloader';
import { toGraphQLError } from '../upstream/errors.js';
import { KRR_MAX_IDS_PER_REQUEST, type KrrClient, type LookupKind } from './client.js';
import { toPersonModel } from './mapping.js';
import type { PersonModel } from './model.js';

/** Per-request person look-ups: everything one GraphQL request asks for becomes as few KRR calls as possible. */
export interface PersonsContext {
  load(id: string, kind: LookupKind): Promise<PersonModel>;
  /** One result per id, in order; an entry is an Error when its chunk failed. */
  loadMany(ids: readonly string[], kind: LookupKind): Promise<(PersonModel | Error)[]>;
}

export function createPersonsContext(client: KrrClient, now: () => number): PersonsContext {
  const loader = (kind: LookupKind) =>
    new DataLoader<string, PersonModel>(
      async (ids) => {
        try {
          const found = await client.lookup(ids, kind);
          const at = new Date(now());
          return ids.map((id) => toPersonModel(id, found.get(id), at));
        } catch (err) {
          // Only this chunk's persons fail; the other chunks of the request are unaffected.
          const error = toGraphQLError(err);
          return ids.map(() => error);
        }
      },
      { maxBatchSize: KRR_MAX_IDS_PER_REQUEST },
    );
  const loaders = { contact: loader({ digitalPost: false }), digitalPost: loader({ digitalPost: true }) };
  const pick = (kind: LookupKind) => (kind.digitalPost ? loaders.digitalPost : loaders.contact);
  return {
    load: (id, kind) => pick(kind).load(id),
    loadMany: (ids, kind) => pick(kind).loadMany(ids),
  };
}
