import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { Caller } from '../auth/caller.js';
import type { AuditDataGroup, AuditLog } from '../observability/audit.js';
import { toGraphQLError } from '../upstream/errors.js';
import type { UpstreamRequestContext } from '../upstream/request-context.js';
import { LookupFailure, type PersonBatcher } from './batcher.js';
import { KRR_MAX_IDS_PER_REQUEST, type LookupKind } from './client.js';
import { monthsBefore } from '../upstream/timestamps.js';
import { STALE_AFTER_MONTHS, toPersonModelStaleBefore } from './mapping.js';
import type { PersonModel } from './model.js';
import type { PersonRateLimiter } from './rate-limit.js';

/** Per-request person look-ups: everything one GraphQL request asks for becomes as few KRR calls as possible. */
export interface PersonsContext {
  /**
   * One result per id, in order; an entry is an Error when its chunk failed or its audit record could not be
   * written. Throws RATE_LIMITED when the caller has looked up too many persons this minute.
   */
  lookup(ids: readonly string[], kind: LookupKind, operationName: string | null): Promise<(PersonModel | Error)[]>;
}

export interface PersonsContextOptions {
  batcher: PersonBatcher;
  now: () => number;
  audit: AuditLog;
  limiter: PersonRateLimiter;
  requestId: string;
  caller: Caller;
  upstream: UpstreamRequestContext;
}

export function createPersonsContext(opts: PersonsContextOptions): PersonsContext {
  const loader = (kind: LookupKind) =>
    new DataLoader<string, PersonModel>(
      async (ids) => {
        // The ids join the shared cross-request batches; a failing upstream call fails only its own persons.
        const outcomes = await opts.batcher.loadMany(ids, kind, opts.upstream);
        const staleBefore = monthsBefore(new Date(opts.now()), STALE_AFTER_MONTHS);
        const errors = new Map<LookupFailure, Error>();
        return outcomes.map((outcome, i) => {
          if (!(outcome instanceof LookupFailure)) return toPersonModelStaleBefore(ids[i] ?? '', outcome, staleBefore);
          let error = errors.get(outcome);
          if (!error) errors.set(outcome, (error = toGraphQLError(outcome.reason)));
          return error;
        });
      },
      { maxBatchSize: KRR_MAX_IDS_PER_REQUEST },
    );
  // Created on first use: an operation uses one kind (krr/resolvers.ts decides it per operation).
  const loaders = new Map<boolean, DataLoader<string, PersonModel>>();
  const loaderFor = (kind: LookupKind) => {
    let found = loaders.get(kind.digitalPost);
    if (!found) {
      found = loader(kind);
      loaders.set(kind.digitalPost, found);
    }
    return found;
  };
  const charged = new Set<string>();
  /** One audit record per person per request; every field revealing the person waits for it. */
  const audited = new Map<string, Promise<void>>();
  const callerKey = `${opts.caller.clientId ?? ''}|${opts.caller.subject}`;

  const charge = (ids: readonly string[]) => {
    const fresh = [...new Set(ids)].filter((id) => !charged.has(id));
    const decision = opts.limiter.take(callerKey, fresh.length);
    if (!decision.ok) {
      throw new GraphQLError(
        `Too many person look-ups: try again in ${decision.retryAfterSeconds} s (or split the request).`,
        { extensions: { code: 'RATE_LIMITED', retryAfterSeconds: decision.retryAfterSeconds } },
      );
    }
    fresh.forEach((id) => charged.add(id));
  };

  /** Writes the records not yet written for `persons`; answers the write each person's record is in. */
  const audit = (persons: PersonModel[], kind: LookupKind, operationName: string | null) => {
    const dataGroups: AuditDataGroup[] = kind.digitalPost
      ? ['contact_information', 'digital_post']
      : ['contact_information'];
    const caller = { sub: opts.caller.subject, clientId: opts.caller.clientId };
    const fresh = [...new Set(persons.map((p) => p.id))].filter((id) => !audited.has(id));
    if (fresh.length > 0) {
      const written = opts.audit.write(
        fresh.map((personId) => ({ requestId: opts.requestId, caller, personId, dataGroups, operationName })),
      );
      fresh.forEach((id) => audited.set(id, written));
    }
    return persons.map((p) => audited.get(p.id) as Promise<void>);
  };

  return {
    async lookup(ids, kind, operationName) {
      charge(ids);
      const results = await loaderFor(kind).loadMany(ids);
      const revealed = results.filter((r): r is PersonModel => !(r instanceof Error));
      const writes = audit(revealed, kind, operationName);
      const failed = new Set<Promise<void>>();
      await Promise.all(
        [...new Set(writes)].map((write) =>
          write.catch(() => {
            failed.add(write);
          }),
        ),
      );
      let next = 0;
      // Fail closed: a person whose audit record was not written is not returned.
      return results.map((r) =>
        r instanceof Error ? r : failed.has(writes[next++] as Promise<void>) ? auditUnavailable() : r,
      );
    },
  };
}

function auditUnavailable(): GraphQLError {
  return new GraphQLError('This person cannot be shown right now: the audit log is unavailable.', {
    extensions: { code: 'AUDIT_UNAVAILABLE' },
  });
}
