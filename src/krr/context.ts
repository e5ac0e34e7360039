import { GraphQLError } from 'graphql';
import type { Caller } from '../auth/caller.js';
import type { AuditDataGroup, AuditLog } from '../observability/audit.js';
import { toGraphQLError } from '../upstream/errors.js';
import type { UpstreamRequestContext } from '../upstream/request-context.js';
import type { PersonBatcher } from './batcher.js';
import { LookupFailure } from './lookup-failure.js';
import { OWN_PARTY, type LookupKind, type LookupParty } from './client.js';
import { monthsBefore } from '../upstream/timestamps.js';
import { STALE_AFTER_MONTHS, toPersonModelStaleBefore } from './mapping.js';
import type { PersonModel } from './model.js';
import { PerPerson } from './per-person.js';
import type { PersonLimiter, RateLimitDecision } from './rate-limit.js';
import { RequestLoader } from './request-loader.js';

/** Per-request person look-ups: everything one GraphQL request asks for becomes as few KRR calls as possible. */
export interface PersonsContext {
  /**
   * One result per id, in order; an entry is an Error when its chunk failed or its audit record could not be
   * written. Throws RATE_LIMITED when the caller has looked up too many persons this minute.
   */
  lookup(
    ids: readonly string[],
    kind: LookupKind,
    operationName: string | null,
    /**
     * The look-up is a non-null root field's: its refusal nulls the whole answer, so the look-ups made together with it
     * are refused too (nothing of theirs is fetched or recorded for an answer that shows none of it).
     */
    nonNull?: boolean,
  ): Promise<(PersonModel | Error)[]>;
}

export interface PersonsContextOptions {
  batcher: PersonBatcher;
  now: () => number;
  audit: AuditLog;
  limiter: PersonLimiter;
  requestId: string;
  caller: Caller;
  upstream: UpstreamRequestContext;
  /** The caller's own request id (a header it sent), written on each audit record as `callerRequestId`. */
  callerRequestId?: string;
  /** On whose legal basis the caller's look-ups are made (supplier mode: its tenant); default the facade itself. */
  party?: LookupParty;
  /** The tenant's own limit (`personsPerMinute` of TENANTS_FILE), taken besides the caller's; keyed by `party.key`. */
  partyLimiter?: PersonLimiter;
  /** Counts the persons looked up, per legal consumer. */
  onLookedUp?: (consumer: string, persons: number) => void;
  /** Told when a look-up withholds persons (AUDIT_UNAVAILABLE) because their audit records could not be written. */
  onAuditFailed?: () => void;
}

export function createPersonsContext(opts: PersonsContextOptions): PersonsContext {
  const party = opts.party ?? OWN_PARTY;
  /** Ids this request looks up with digital post (krr/resolvers.ts decides the kind per root field). */
  const wantedWithPost = new Set<string>();
  /** KRR look-ups of `ids` through the shared cross-request batches; a failing call fails only its own persons. */
  const fetchPersons = async (ids: readonly string[], kind: LookupKind): Promise<(PersonModel | Error)[]> => {
    const outcomes = await opts.batcher.loadMany(ids, kind, opts.upstream, party);
    opts.onLookedUp?.(party.consumer ?? 'own', ids.length);
    const staleBefore = monthsBefore(new Date(opts.now()), STALE_AFTER_MONTHS);
    const errors = new Map<LookupFailure, Error>();
    return outcomes.map((outcome, i) => {
      if (!(outcome instanceof LookupFailure)) return toPersonModelStaleBefore(ids[i] ?? '', outcome, staleBefore);
      let error = errors.get(outcome);
      if (!error) errors.set(outcome, (error = toGraphQLError(outcome.reason)));
      return error;
    });
  };
  const loader = (kind: LookupKind) =>
    new RequestLoader<PersonModel>((ids) =>
      // A person the request also looks up with digital post is fetched once, with it: that look-up's answer
      // serves the contact-only field too (its selection shows no more than it asks for).
      !kind.digitalPost && wantedWithPost.size > 0 && ids.some((id) => wantedWithPost.has(id))
        ? sharingPostLookups(ids)
        : fetchPersons(ids, kind),
    );
  // Created on first use: most operations use one kind.
  const loaders = new Map<boolean, RequestLoader<PersonModel>>();
  const loaderFor = (kind: LookupKind) => {
    let found = loaders.get(kind.digitalPost);
    if (!found) {
      found = loader(kind);
      loaders.set(kind.digitalPost, found);
    }
    return found;
  };
  /** Ids of contact-only look-ups answered by the digital-post loader (fetched with digital post, audited so). */
  const servedWithPost = new Set<string>();
  /**
   * A contact-only batch some of whose ids the digital-post loader already has (cached: no second KRR look-up). Those
   * the digital-post look-up failed for are looked up contact-only after all: a refusal or an outage of the
   * digital-post call is not the contact-only fields' to share.
   */
  const sharingPostLookups = async (ids: readonly string[]): Promise<(PersonModel | Error)[]> => {
    const shared = ids.filter((id) => wantedWithPost.has(id));
    const own = ids.filter((id) => !wantedWithPost.has(id));
    shared.forEach((id) => servedWithPost.add(id));
    const [sharedResults, ownResults] = await Promise.all([
      loaderFor(WITH_POST).loadMany(shared, true),
      own.length > 0 ? fetchPersons(own, CONTACT_ONLY) : [],
    ]);
    const byId = new Map<string, PersonModel | Error>();
    shared.forEach((id, i) => byId.set(id, sharedResults[i] as PersonModel | Error));
    own.forEach((id, i) => byId.set(id, ownResults[i] as PersonModel | Error));
    const failed = shared.filter((id) => byId.get(id) instanceof Error);
    if (failed.length > 0) {
      failed.forEach((id) => servedWithPost.delete(id));
      const retried = await fetchPersons(failed, CONTACT_ONLY);
      failed.forEach((id, i) => byId.set(id, retried[i] as PersonModel | Error));
    }
    return ids.map((id) => byId.get(id) as PersonModel | Error);
  };
  /** Per id, the rate-limit decision that charged it in this request (a person counts once per request). */
  const charged = new PerPerson<Promise<void>>();
  /**
   * One audit record per person and kind per request; every field revealing the person waits for it. A record with
   * `digital_post` covers the person's contact-only fields too, so a person selected both ways gets one record with
   * it (whichever field is audited first), and a person selected twice the same way gets one record.
   */
  const auditedWithPost = new PerPerson<Promise<void>>();
  const auditedContactOnly = new PerPerson<Promise<void>>();
  const recordOf = (id: string) => auditedWithPost.get(id) ?? auditedContactOnly.get(id);
  /** The record a person's field of this kind waits for. */
  const recordFor = (id: string, kind: LookupKind) => (kind.digitalPost ? auditedWithPost.get(id) : recordOf(id));
  const callerKey = `${opts.caller.clientId ?? ''}|${opts.caller.subject}`;

  /**
   * The decision being gathered for look-ups made together (in one turn of the event loop: the root fields of an
   * operation start their look-ups one after the other before any of them waits), taken once they all have asked.
   */
  let gathering: Gathering | undefined;
  const decide = () => {
    const decision = gathering as Gathering;
    gathering = undefined;
    if (decision.refusal) {
      // Possibly no look-up but the refused one, which threw already: nothing else may wait for this.
      decision.promise.catch(() => undefined);
      decision.reject(decision.refusal);
      return;
    }
    // A limiter that throws rejects here too: the decision settles, and later look-ups of these persons fail with it.
    new Promise<RateLimitDecision>((resolve) => resolve(opts.limiter.take(callerKey, decision.fresh)))
      .then(async (outcome) => {
        if (!outcome.ok) throw rateLimited(outcome.retryAfterSeconds, 'look-ups');
        // A tenant's own limit counts every one of its callers together.
        if (!opts.partyLimiter) return;
        const shared = await opts.partyLimiter.take(party.key, decision.fresh);
        if (!shared.ok) throw rateLimited(shared.retryAfterSeconds, 'look-ups for your organisation');
      })
      .then(decision.resolve, decision.reject);
  };
  const gather = () => {
    if (!gathering) {
      gathering = { ...settleable(), fresh: 0 };
      queueMicrotask(decide);
    }
    return gathering;
  };

  /**
   * Charges the persons (`ids`, distinct) not yet charged in this request, in one decision with those of the look-ups
   * made together with it: when an operation's root fields together name more persons than the caller may look up,
   * none of them is looked up (a refused non-null root field nulls the whole answer, and persons fetched and audited
   * for its sibling would be recorded as revealed when nothing was). A look-up of a person whose charge is still being
   * decided (the shared limiter answers asynchronously) waits for that decision and shares its outcome.
   */
  const charge = (ids: readonly string[]): Promise<unknown> => {
    // Set for each fresh person as it is met.
    let decided: Gathering | undefined;
    let earlier: Set<Promise<void>> | undefined;
    if (charged.isEmpty && ids.length > 0) {
      // The request's first look-up: every person is fresh.
      decided = gather();
      charged.setAll(ids, decided.promise);
      decided.fresh += ids.length;
    } else {
      for (const id of ids) {
        const decision = charged.get(id);
        if (decision === undefined) {
          decided ??= gather();
          charged.set(id, decided.promise);
          decided.fresh++;
        } else if (decision !== decided?.promise) {
          (earlier ??= new Set()).add(decision);
        }
      }
    }
    if (decided) {
      if (!earlier) return decided.promise;
      earlier.add(decided.promise);
    }
    if (!earlier) return Promise.resolve();
    return earlier.size === 1 ? (earlier.values().next().value as Promise<void>) : Promise.all(earlier);
  };

  /**
   * Writes a record for each of `ids` (distinct) not yet covered: with digital post unless one with it exists, else
   * unless any. Answers that write when it covers every one of `ids` (none had a record already), else undefined.
   */
  const writeRecords = (
    ids: readonly string[],
    withPost: boolean,
    operationName: string | null,
  ): Promise<void> | undefined => {
    const done = withPost ? auditedWithPost : auditedContactOnly;
    // Set for each person as it is taken up, settled by the write below.
    let written: Settleable | undefined;
    let fresh: readonly string[];
    if (auditedWithPost.isEmpty && auditedContactOnly.isEmpty) {
      // The request's first records: every person is new.
      if (ids.length === 0) return undefined;
      written = settleable();
      done.setAll(ids, written.promise);
      fresh = ids;
    } else {
      const taken: string[] = [];
      for (const id of ids) {
        if (withPost ? auditedWithPost.has(id) : recordOf(id) !== undefined) continue;
        written ??= settleable();
        done.set(id, written.promise);
        taken.push(id);
      }
      if (!written) return undefined;
      fresh = taken;
    }
    const dataGroups: AuditDataGroup[] = withPost ? ['contact_information', 'digital_post'] : ['contact_information'];
    const { consumer, supplier } = party;
    const record = {
      requestId: opts.requestId,
      callerRequestId: opts.callerRequestId,
      caller: { sub: opts.caller.subject, clientId: opts.caller.clientId },
      personIds: fresh,
      dataGroups,
      operationName,
      consumer,
      supplier,
    };
    opts.audit.write([record]).then(written.resolve, written.reject);
    return fresh.length === ids.length ? written.promise : undefined;
  };

  /**
   * Writes the records not yet written for `persons`; answers the writes their records are in (usually one, this
   * call's own: every person of a look-up shares it).
   */
  const audit = (persons: PersonModel[], kind: LookupKind, operationName: string | null): Set<Promise<void>> => {
    const ids = persons.map((p) => p.id);
    if (kind.digitalPost || servedWithPost.size === 0) {
      // The usual case, every person new to this request: this call's one write is all there is to wait for.
      const covering = writeRecords(ids, kind.digitalPost, operationName);
      if (covering) return new Set([covering]);
    } else {
      writeRecords(
        ids.filter((id) => servedWithPost.has(id)),
        true,
        operationName,
      );
      writeRecords(
        ids.filter((id) => !servedWithPost.has(id)),
        false,
        operationName,
      );
    }
    const writes = new Set<Promise<void>>();
    let last: Promise<void> | undefined;
    for (const id of ids) {
      const write = recordFor(id, kind) as Promise<void>;
      if (write !== last) writes.add((last = write));
    }
    return writes;
  };

  return {
    async lookup(ids, kind, operationName, nonNull = false) {
      if (kind.digitalPost && !party.digitalPost) {
        const refusal = new GraphQLError(
          'Digital-post data is not part of your organisation’s access through this service.',
          { extensions: { code: 'FORBIDDEN' } },
        );
        if (nonNull) gather().refusal ??= refusal;
        throw refusal;
      }
      // Each person once from here on (charged, fetched and audited once); the answer follows `ids`.
      const unique = distinct(ids);
      await charge(unique);
      if (kind.digitalPost) for (const id of unique) wantedWithPost.add(id);
      const results = await loaderFor(kind).loadMany(unique, true);
      const revealed = results.filter((r): r is PersonModel => !(r instanceof Error));
      const writes = audit(revealed, kind, operationName);
      const failed = new Set<Promise<void>>();
      await Promise.all(
        [...writes].map((write) =>
          write.catch(() => {
            failed.add(write);
          }),
        ),
      );
      let answer = results;
      if (failed.size > 0) {
        opts.onAuditFailed?.();
        // Fail closed: a person whose audit record was not written is not returned.
        answer = results.map((r) =>
          r instanceof Error ? r : failed.has(recordFor(r.id, kind) as Promise<void>) ? auditUnavailable() : r,
        );
      }
      return unique === ids ? answer : inOrderOf(ids, unique, answer);
    },
  };
}

const CONTACT_ONLY: LookupKind = Object.freeze({ digitalPost: false });
const WITH_POST: LookupKind = Object.freeze({ digitalPost: true });

/** `ids` itself when no id repeats (the usual case), else each id once, in the order first met. */
function distinct(ids: readonly string[]): readonly string[] {
  if (ids.length < 2) return ids;
  const seen = new Set(ids);
  return seen.size === ids.length ? ids : [...seen];
}

/** The answers for `unique` (distinct), one per id of `ids` (which may repeat them). */
function inOrderOf<T>(ids: readonly string[], unique: readonly string[], answers: readonly T[]): T[] {
  const at = new Map(unique.map((id, i) => [id, i]));
  return ids.map((id) => answers[at.get(id) as number] as T);
}

function rateLimited(retryAfterSeconds: number, what: string): GraphQLError {
  return new GraphQLError(`Too many person ${what}: try again in ${retryAfterSeconds} s (or split the request).`, {
    extensions: { code: 'RATE_LIMITED', retryAfterSeconds },
  });
}

function auditUnavailable(): GraphQLError {
  return new GraphQLError('This person cannot be shown right now: the audit log is unavailable.', {
    extensions: { code: 'AUDIT_UNAVAILABLE' },
  });
}

/** The rate-limit decision of look-ups made together: how many fresh persons, or why they are all refused. */
interface Gathering extends Settleable {
  fresh: number;
  refusal?: GraphQLError;
}

/** A promise with its settling functions, to be settled later (Promise.withResolvers, which Node 20 lacks). */
interface Settleable {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function settleable(): Settleable {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
