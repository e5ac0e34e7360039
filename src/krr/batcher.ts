import { UpstreamStatusError, UpstreamUnavailableError } from '../upstream/errors.js';
import type { UpstreamRequestContext } from '../upstream/request-context.js';
import { RetryBudget } from '../upstream/retry.js';
import type { AnswerSizes } from './answer-sizes.js';
import { OWN_PARTY, type KrrAnswer, type KrrClient, type LookupKind, type LookupParty } from './client.js';
import { KRR_MAX_IDS_PER_REQUEST } from './client.js';
import type { KrrPersonDto } from './dto.js';
import { LookupFailure } from './lookup-failure.js';

/**
 * Per id: the person, undefined when KRR did not return the id, or the failure of its upstream call (or of its record
 * in KRR's answer).
 */
export type LookupOutcome = KrrPersonDto | undefined | LookupFailure;

/**
 * A batch's answer: per id the person or (after a split) the failure of the call that refused it; ids absent were not
 * returned by KRR. A LookupFailure instead of a map: the call failed for every id of the batch.
 */
type BatchAnswer = ReadonlyMap<string, KrrPersonDto | LookupFailure> | LookupFailure;

/** Ids collected for one upstream call; `answer` settles when the call (and any split of it) does. */
interface Batch {
  ids: Set<string>;
  /**
   * Per contributing request (its upstream context; without one, per loadMany) the ids it put into the batch, each id
   * under the first request that asked for it: disjoint, together `ids`. A refusal is isolated along these first.
   */
  owners: Map<object, string[]>;
  answer: Promise<BatchAnswer>;
  /** The first joiner's correlation id goes upstream; the retry budget is the batch's own (see BATCH_RETRY_BUDGET). */
  context: UpstreamRequestContext;
  start(call: Promise<BatchAnswer>): void;
  cancelTimer?: () => void;
  /** `performance.now()` when the batch opened (its first id joined). */
  openedAt: number;
}

/**
 * KRR answers that refuse the *content* of a request (an id it will not look up; a body it will not take), as opposed
 * to the caller (401, 403: every id fails), the load (429) or an outage (5xx). Only these split a batch.
 */
const REFUSAL_STATUSES: ReadonlySet<number> = new Set([400, 404, 413, 422]);

/**
 * What isolating the refused ids among one request's `ids` ids of a batch may spend, charged to that request only:
 * 64 extra KRR calls plus one per 4 ids (two per split, halves looked up concurrently), 314 for 1000 ids. One refused
 * id among 1000 takes 20, three take about 54, twenty spread evenly about 262. Its ids still unresolved when they are
 * spent fail with the refusal; other requests' ids never do (see PersonBatcher).
 */
export function splitCallsFor(ids: number): number {
  return SPLIT_CALLS_BASE + Math.ceil(ids / SPLIT_IDS_PER_CALL);
}
export const SPLIT_CALLS_BASE = 64;
export const SPLIT_IDS_PER_CALL = 4;

/**
 * Ids KRR refused on their own while a refused batch was split (and answered other parts of it, so the refusal was the
 * id's) are remembered this long, per party and kind, and answered with that refusal at once instead of being sent
 * again: repeating a refused id cannot make later batches split.
 */
export const REFUSED_ID_TTL_MS = 10 * 60_000;
/** At most this many remembered refused ids; the oldest are forgotten first. */
export const MAX_REFUSED_IDS = 10_000;

/**
 * Retries one batch may spend on its KRR calls (splits and their token requests included). Each batch has its own
 * budget, as large as one GraphQL request's: the budget of the request that happened to open the batch may already be
 * spent, and that must not fail the other callers' persons.
 */
export const BATCH_RETRY_BUDGET = 3;

/**
 * `KRR_BATCH_MAX_IDS`'s default: most ids in one KRR call, a fifth of KRR's own limit, so a 1000-person query goes out
 * as five calls at once and the 100-person queries of two concurrent callers share one. Calls of 200 ids keep each
 * answer near 100 KB: an upstream on V8 (a Node KRR stub; the repo's simulator is one too) builds an answer string
 * over 128 KB in fresh pages, and an independent stub spent 1.3–1.8 µs of CPU a person on calls of 200–250 ids against
 * 4.8–5.6 µs on calls of 300–500 (docs/benchmarks.md, "KRR calls of 200 ids, again"). Five calls at once also let the
 * facade read the first answers while KRR makes the others. Side by side against that stub, 200 against 500 gave
 * 100-person queries 20–40 % more throughput and 1000-person queries from 64 callers 27 %; against the simulator 4 %.
 * Records over 573 bytes (200 of them over 112 KiB) make calls of fewer ids: krr/answer-sizes.ts.
 */
export const DEFAULT_BATCH_MAX_IDS = 200;

/** `KRR_TIMEOUT_MS`'s default: a batch, its splits included, answers within this from when it is sent. */
export const DEFAULT_BATCH_DEADLINE_MS = 5_000;

export interface PersonBatcherOptions {
  /** How long a batch waits for more ids from other requests (ms); 0 flushes on the next turn of the event loop. */
  windowMs: number;
  /**
   * Asked when a batch opens, with the number of KRR calls under way: whether it waits `windowMs` for more ids (default:
   * always). When not, it is sent at the end of the event-loop turn, with the ids of every request that got this far
   * in that turn (KRR_BATCH_WINDOW_MODE).
   */
  collect?: (callsInFlight: number) => boolean;
  /** Most ids in one KRR call (KRR_BATCH_MAX_IDS): default DEFAULT_BATCH_MAX_IDS, at most KRR's own limit. */
  maxIds?: number;
  /** Fewer ids a call when KRR's records are large (KRR_BATCH_MAX_ANSWER_BYTES); none: `maxIds` alone. */
  answerSizes?: AnswerSizes;
  /**
   * The KRR deadline (`KRR_TIMEOUT_MS`, default 5000): splits of a refused batch are not started after it, and split
   * calls still running when it passes fail (UPSTREAM_UNAVAILABLE) instead of being waited for.
   */
  deadlineMs?: number;
  /** Per request, the split calls isolating its refused ids may make, given its number of ids; default splitCallsFor. */
  splitCalls?: (ids: number) => number;
  /** Default REFUSED_ID_TTL_MS; 0 remembers none. */
  refusedIdTtlMs?: number;
  /** Default MAX_REFUSED_IDS. */
  maxRefusedIds?: number;
  /** Default Date.now (tests). */
  now?: () => number;
  /**
   * Told, for each batch KRR answered, how long it took from its first id to the answer (its window and its call, ms):
   * what a look-up waits for KRR, for the adaptive admission budget (graphql/cost-budget.ts). Failed batches are not.
   */
  onAnswered?: (ms: number) => void;
}

/**
 * Cross-request batching and coalescing of KRR look-ups. Ids asked for by concurrent GraphQL requests within
 * `windowMs` (or, when `collect` says not to wait, within the same event-loop turn) share one upstream call (up to
 * `maxIds`, by default {@link DEFAULT_BATCH_MAX_IDS}, or fewer when `answerSizes` says KRR's records are large; a full
 * batch goes out at once and the next id opens another),
 * and a look-up of an id already waiting or in flight joins it.
 *
 * Safe because every caller was authenticated and authorized (scopes, rate limit) before its look-up joins a batch, all
 * look-ups of one batch are made on one party's legal basis, and each answer is keyed by `personidentifikator`: a
 * caller only ever receives the persons it asked for. Audit records stay per request (krr/context.ts).
 *
 * Failures stay with the request that caused them. KRR refuses a call of several ids as a whole (400, 404, 413, 422:
 * it answers for the call, never per id); a refused batch is then split, recursively, in two steps:
 *
 * 1. along the requests that put ids into it (halves of about equal ids), until each request's ids are asked on their
 *    own: a request without a refused id gets its data, whatever the others sent. No budget but the deadline: the
 *    k requests of a batch take at most 2k − 2 extra calls.
 * 2. within one refused request's ids, in halves until its refused ids stand alone, charged to that request's own
 *    budget (splitCallsFor: 64 + ⌈n/4⌉ for n ids); when it is spent, the request's unresolved ids fail with the
 *    refusal, never another request's.
 *
 * Both steps together form one binary tree over the batch's ids: at most 2n − 2 extra calls for n ids (1998 for a full
 * batch) however the ids are spread over requests, no split started after the KRR deadline and no split call waited
 * for beyond it. Ids answered meanwhile (by another part) or refused on their own are left out of later calls. An id
 * KRR refused on its own while it answered other parts is remembered (bounded by MAX_REFUSED_IDS and
 * REFUSED_ID_TTL_MS, per party and kind, in memory only, never logged or counted by id) and answered UPSTREAM_REJECTED
 * at once: a refused id sent again never reaches KRR to refuse a batch. A request that asked for an id another request
 * put into the batch (or that was already in flight) and got a not-isolated refusal for it asks again, once, in a batch
 * of its own (with a deadline of its own). 401 (already retried once with a fresh token), 403, 429 and 5xx never
 * split: they fail the batch.
 *
 * Bookkeeping is per batch and request, not per id (a promise per id was a tenth of a 1000-person query's time).
 */
export class PersonBatcher {
  /** The batch collecting ids, per party and kind (see {@link batchKey}). */
  private readonly pending = new Map<string, Batch>();
  /**
   * Per party and kind, the batches whose upstream call is under way: a later caller of one of their ids joins it
   * instead of asking again (found through the batch's own id set: an index per id cost a set and a delete per id and
   * grew a map of every id in flight). Never across parties: another customer's call is made on another legal basis.
   */
  private readonly inflight = new Map<string, Set<Batch>>();
  private readonly deadlineMs: number;
  private readonly maxIds: number;
  private readonly splitCalls: (ids: number) => number;
  private readonly refused: RefusedIds;
  /** KRR calls under way: batches' calls and the split calls isolating a refusal (each holds a connection). */
  private callsInFlight = 0;

  constructor(
    private readonly client: KrrClient,
    private readonly opts: PersonBatcherOptions,
  ) {
    this.deadlineMs = opts.deadlineMs ?? DEFAULT_BATCH_DEADLINE_MS;
    this.maxIds = Math.min(Math.max(1, opts.maxIds ?? DEFAULT_BATCH_MAX_IDS), KRR_MAX_IDS_PER_REQUEST);
    this.splitCalls = opts.splitCalls ?? splitCallsFor;
    this.refused = new RefusedIds(
      opts.refusedIdTtlMs ?? REFUSED_ID_TTL_MS,
      opts.maxRefusedIds ?? MAX_REFUSED_IDS,
      opts.now ?? Date.now,
    );
  }

  /** Looks up `ids` (distinct, as DataLoader hands them over); one outcome per id, in order. */
  async loadMany(
    ids: readonly string[],
    kind: LookupKind,
    context?: UpstreamRequestContext,
    party: LookupParty = OWN_PARTY,
  ): Promise<LookupOutcome[]> {
    const key = batchKey(party, kind);
    const running = this.inflight.get(key);
    const owner: object = context ?? {};
    const maxIds = Math.min(this.maxIds, this.opts.answerSizes?.maxIds(kind) ?? Infinity);
    const sources = new Array<Batch | LookupFailure>(ids.length);
    /** Indexes of ids another request put into their batch: answered with that request's isolation. */
    const joined: number[] = [];
    let batch: Batch | undefined;
    let mine: string[] | undefined;
    let open: Batch | undefined;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      const refusal = this.refused.get(key, id);
      if (refusal) {
        sources[i] = refusal;
        continue;
      }
      const inFlight = running && inFlightWith(running, id);
      if (inFlight) {
        sources[i] = inFlight;
        joined.push(i);
        continue;
      }
      // The batch collecting ids: the same one until it fills and is sent.
      open ??= this.pendingBatch(key, kind, party, context);
      sources[i] = open;
      const size = open.ids.size;
      open.ids.add(id);
      if (open.ids.size === size) {
        joined.push(i); // already in the batch (another request's)
        continue;
      }
      if (open !== batch) {
        batch = open;
        mine = open.owners.get(owner);
        if (!mine) open.owners.set(owner, (mine = []));
      }
      (mine as string[]).push(id);
      if (open.ids.size >= maxIds) {
        this.flush(key, kind, party);
        open = undefined;
      }
    }
    // The batches these ids went into, in order (runs of ids share one: compared with the last before a lookup).
    const answers = new Map<Batch, BatchAnswer>();
    let seen: Batch | LookupFailure | undefined;
    for (const source of sources) {
      if (source === seen || source instanceof LookupFailure || answers.has(source)) continue;
      seen = source;
      answers.set(source, await source.answer);
    }
    const outcomes = new Array<LookupOutcome>(ids.length);
    let from: Batch | undefined;
    let answer: BatchAnswer | undefined;
    for (let i = 0; i < ids.length; i++) {
      const source = sources[i] as Batch | LookupFailure;
      if (source instanceof LookupFailure) {
        outcomes[i] = source;
        continue;
      }
      if (source !== from) answer = answers.get((from = source));
      outcomes[i] = answer instanceof LookupFailure ? answer : answer?.get(ids[i] as string);
    }
    // Another request's refused ids ran its isolation out before this one's id stood alone: ask again, on our own.
    const again = joined.filter((i) => {
      const outcome = outcomes[i];
      return outcome instanceof LookupFailure && outcome.notIsolated;
    });
    if (again.length > 0) {
      const retried = await this.loadAlone(
        again.map((i) => ids[i] as string),
        kind,
        context,
        party,
      );
      again.forEach((i, j) => (outcomes[i] = retried[j]));
    }
    return outcomes;
  }

  /** `ids` in a batch of their own, sent at once, joined by no one: only their own refused ids can fail them. */
  private async loadAlone(
    ids: readonly string[],
    kind: LookupKind,
    context: UpstreamRequestContext | undefined,
    party: LookupParty,
  ): Promise<LookupOutcome[]> {
    const key = batchKey(party, kind);
    const send: string[] = [];
    const outcomes = ids.map((id) => {
      const refusal = this.refused.get(key, id);
      if (!refusal) send.push(id);
      return refusal;
    });
    if (send.length === 0) return outcomes;
    const batch = newBatch(context);
    for (const id of send) batch.ids.add(id);
    batch.owners.set(context ?? {}, send);
    batch.start(this.send(batch, key, kind, party));
    const answer = await batch.answer;
    return ids.map(
      (id, i) =>
        outcomes[i] ?? (answer instanceof LookupFailure ? answer : (answer.get(id) as KrrPersonDto | undefined)),
    );
  }

  private pendingBatch(
    key: string,
    kind: LookupKind,
    party: LookupParty,
    context: UpstreamRequestContext | undefined,
  ): Batch {
    const open = this.pending.get(key);
    if (open) return open;
    const batch = newBatch(context);
    if (this.opts.windowMs > 0 && (this.opts.collect?.(this.callsInFlight) ?? true)) {
      const timer = setTimeout(() => this.flush(key, kind, party), this.opts.windowMs);
      batch.cancelTimer = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(() => this.flush(key, kind, party));
      batch.cancelTimer = () => clearImmediate(immediate);
    }
    this.pending.set(key, batch);
    return batch;
  }

  private flush(key: string, kind: LookupKind, party: LookupParty): void {
    const batch = this.pending.get(key);
    if (!batch) return;
    this.pending.delete(key);
    batch.cancelTimer?.();
    let running = this.inflight.get(key);
    if (!running) this.inflight.set(key, (running = new Set()));
    running.add(batch);
    batch.start(this.send(batch, key, kind, party));
    void batch.answer.then((answer) => {
      if (!(answer instanceof LookupFailure)) this.opts.onAnswered?.(performance.now() - batch.openedAt);
      running.delete(batch);
      if (running.size === 0 && this.inflight.get(key) === running) this.inflight.delete(key);
    });
  }

  /** One batch's KRR call; a refusal of several ids is split until the refused ids are isolated (see the class). */
  private send(batch: Batch, key: string, kind: LookupKind, party: LookupParty): Promise<BatchAnswer> {
    const deadlineAt = Date.now() + this.deadlineMs;
    const ids = [...batch.ids];
    return this.lookup(ids, kind, batch.context, party, batch.ids).catch(async (err: unknown) => {
      if (ids.length < 2 || !isRefusal(err)) throw err;
      const isolation = new Isolation({ kind, party, context: batch.context, key, deadlineAt });
      const requests = [...batch.owners.values()].map((own) => ({ ids: own, calls: this.splitCalls(own.length) }));
      await this.isolateRequests(requests, ids, err, isolation);
      // Remembered only when KRR answered another part meanwhile: then the refusal was the id's, not KRR's (a
      // misrouted path answering 404 to everything, say).
      if (isolation.succeeded) for (const [id, refusal] of isolation.refusedAlone) this.refused.add(key, id, refusal);
      return isolation.answer(ids, err);
    });
  }

  /** One KRR call, counted in {@link callsInFlight} while it is under way. */
  private lookup(
    ids: readonly string[],
    kind: LookupKind,
    context: UpstreamRequestContext,
    party: LookupParty,
    wanted?: ReadonlySet<string>,
  ): Promise<KrrAnswer> {
    this.callsInFlight++;
    const call = this.client.lookup(ids, kind, context, party, wanted);
    const answered = () => {
      this.callsInFlight--;
    };
    call.then(answered, answered);
    return call;
  }

  /**
   * `ids`, the ids of `requests` not yet answered, were refused together (`refusal`): looks up each half of the
   * requests (halves of about equal ids), splitting again where a half is refused; one request alone is split by ids.
   */
  private async isolateRequests(
    requests: RequestPart[],
    ids: string[],
    refusal: unknown,
    isolation: Isolation,
  ): Promise<void> {
    if (requests.length === 1) return this.isolateIds(ids, refusal, requests[0] as RequestPart, isolation);
    if (Date.now() >= isolation.call.deadlineAt) {
      // Not this request's fault: its ids fail as KRR not answering in time, not as refused.
      isolation.fail(ids, new LookupFailure(new UpstreamUnavailableError('krr', 'timeout')));
      return;
    }
    this.client.countSplit();
    const middle = middleByIds(requests);
    await Promise.all([
      this.lookupRequests(requests.slice(0, middle), isolation),
      this.lookupRequests(requests.slice(middle), isolation),
    ]);
  }

  private async lookupRequests(requests: RequestPart[], isolation: Isolation): Promise<void> {
    const ids = isolation.open(
      requests.length === 1 ? (requests[0] as RequestPart).ids : requests.flatMap((r) => r.ids),
    );
    if (ids.length === 0) return;
    const refusal = await this.lookupPart(ids, isolation);
    if (refusal !== undefined) await this.isolateRequests(requests, ids, refusal, isolation);
  }

  /** `ids` of one request were refused together (`refusal`): looks up each half, splitting again where one is refused. */
  private async isolateIds(ids: string[], refusal: unknown, request: RequestPart, isolation: Isolation): Promise<void> {
    if (request.calls < 2 || Date.now() >= isolation.call.deadlineAt) {
      isolation.fail(ids, new LookupFailure(refusal, true));
      return;
    }
    request.calls -= 2;
    this.client.countSplit();
    const middle = Math.ceil(ids.length / 2);
    await Promise.all([
      this.lookupIds(ids.slice(0, middle), request, isolation),
      this.lookupIds(ids.slice(middle), request, isolation),
    ]);
  }

  private async lookupIds(part: string[], request: RequestPart, isolation: Isolation): Promise<void> {
    const ids = isolation.open(part);
    if (ids.length === 0) return;
    const refusal = await this.lookupPart(ids, isolation);
    if (refusal !== undefined) await this.isolateIds(ids, refusal, request, isolation);
  }

  /**
   * One split call. Answers the refusal when KRR refused `ids` (two or more) together; else the outcome is recorded:
   * the persons, the refusal of a lone id (remembered if KRR answered another part), or the failure of the call (403, 429, 5xx, timeout: these ids
   * fail with it, the other parts are unaffected).
   */
  private async lookupPart(ids: string[], isolation: Isolation): Promise<unknown> {
    const { call } = isolation;
    try {
      isolation.answered(ids, await this.lookupBefore(ids, call));
    } catch (err) {
      if (!isRefusal(err)) {
        isolation.fail(ids, new LookupFailure(err));
      } else if (ids.length > 1) {
        return err;
      } else {
        isolation.fail(ids, new LookupFailure(err));
        isolation.refusedAlone.push([ids[0] as string, err]);
      }
    }
    return undefined;
  }

  /**
   * A split call, given up at the batch's deadline (the HTTP layer gives each call a deadline of its own, from when it
   * starts): its ids then fail as KRR not answering in time. The abandoned call runs on to its own deadline.
   */
  private lookupBefore(ids: string[], call: BatchCall): Promise<KrrAnswer> {
    const left = call.deadlineAt - Date.now();
    if (left <= 0) return Promise.reject(new UpstreamUnavailableError('krr', 'timeout'));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new UpstreamUnavailableError('krr', 'timeout')), left);
    });
    return Promise.race([this.lookup(ids, call.kind, call.context, call.party), expired]).finally(() =>
      clearTimeout(timer),
    );
  }
}

/** The batch under way that holds `id`, if any (there are a few at a time: one per KRR call in flight). */
function inFlightWith(running: ReadonlySet<Batch>, id: string): Batch | undefined {
  for (const batch of running) if (batch.ids.has(id)) return batch;
  return undefined;
}

function newBatch(context: UpstreamRequestContext | undefined): Batch {
  let start!: (call: Promise<BatchAnswer>) => void;
  const answer = new Promise<BatchAnswer>((resolve) => {
    start = (call) => call.then(resolve, (err: unknown) => resolve(new LookupFailure(err)));
  });
  return {
    ids: new Set(),
    owners: new Map(),
    answer,
    context: { correlationId: context?.correlationId ?? '', retryBudget: new RetryBudget(BATCH_RETRY_BUDGET) },
    start,
    openedAt: performance.now(),
  };
}

/** One request's ids in a refused batch, and the split calls isolating its refused ids may still make. */
interface RequestPart {
  ids: readonly string[];
  calls: number;
}

/** Where to cut `requests` (in order) so both halves hold about as many ids; each half gets at least one request. */
function middleByIds(requests: readonly RequestPart[]): number {
  let total = 0;
  for (const r of requests) total += r.ids.length;
  let sum = 0;
  let best = 1;
  let bestGap = Infinity;
  for (let i = 1; i < requests.length; i++) {
    sum += (requests[i - 1] as RequestPart).ids.length;
    const gap = Math.abs(total - 2 * sum);
    if (gap < bestGap) [best, bestGap] = [i, gap];
  }
  return best;
}

/**
 * The outcome of one refused batch's splits, per id: answered by a successful call (the person, or absent) beats any
 * failure; among failures a lone refusal beats another failure, which beats a not-isolated refusal.
 */
class Isolation {
  private readonly persons = new Map<string, KrrPersonDto | LookupFailure>();
  private readonly done = new Set<string>();
  private readonly failures = new Map<string, LookupFailure>();
  /** Whether some call of the isolation was answered (200). */
  succeeded = false;
  /** The ids KRR refused on their own, with the refusal. */
  readonly refusedAlone: [string, unknown][] = [];

  constructor(readonly call: BatchCall) {}

  /** Those of `ids` still worth asking for: neither answered nor refused on their own. */
  open(ids: readonly string[]): string[] {
    const open: string[] = [];
    const seen = new Set<string>();
    for (const id of ids) {
      if (this.done.has(id) || seen.has(id) || rank(this.failures.get(id)) === LONE_REFUSAL) continue;
      seen.add(id);
      open.push(id);
    }
    return open;
  }

  answered(ids: readonly string[], persons: KrrAnswer): void {
    this.succeeded = true;
    for (const id of ids) {
      this.done.add(id);
      this.failures.delete(id);
    }
    for (const [id, person] of persons) this.persons.set(id, person);
  }

  fail(ids: readonly string[], failure: LookupFailure): void {
    const r = rank(failure);
    for (const id of ids) if (!this.done.has(id) && rank(this.failures.get(id)) < r) this.failures.set(id, failure);
  }

  /** The batch's answer for `ids`; an id neither answered nor failed (none should be) fails with `refusal`. */
  answer(ids: readonly string[], refusal: unknown): Map<string, KrrPersonDto | LookupFailure> {
    const answer = new Map<string, KrrPersonDto | LookupFailure>(this.persons);
    for (const [id, failure] of this.failures) answer.set(id, failure);
    let unresolved: LookupFailure | undefined;
    for (const id of ids) {
      if (!this.done.has(id) && !this.failures.has(id))
        answer.set(id, (unresolved ??= new LookupFailure(refusal, true)));
    }
    return answer;
  }
}

const NONE = 0;
const NOT_ISOLATED = 1;
const OTHER_FAILURE = 2;
const LONE_REFUSAL = 3;

function rank(failure: LookupFailure | undefined): number {
  if (!failure) return NONE;
  if (failure.notIsolated) return NOT_ISOLATED;
  return isRefusal(failure.reason) ? LONE_REFUSAL : OTHER_FAILURE;
}

/**
 * Ids KRR refused on their own, per party and kind, for `ttlMs`, at most `max` (the oldest forgotten first). Kept in
 * memory only; the ids are never logged or counted by id.
 */
class RefusedIds {
  /** `${batchKey}\n${id}` → when it is forgotten, and the status KRR refused it with. */
  private readonly entries = new Map<string, { until: number; status: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly now: () => number,
  ) {}

  add(key: string, id: string, refusal: unknown): void {
    if (this.ttlMs <= 0 || this.max <= 0 || !(refusal instanceof UpstreamStatusError)) return;
    const entry = `${key}\n${id}`;
    this.entries.delete(entry);
    this.entries.set(entry, { until: this.now() + this.ttlMs, status: refusal.status });
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** The refusal to answer `id` with at once, when KRR refused it on its own lately. */
  get(key: string, id: string): LookupFailure | undefined {
    if (this.entries.size === 0) return undefined;
    const entry = `${key}\n${id}`;
    const found = this.entries.get(entry);
    if (!found) return undefined;
    if (found.until <= this.now()) {
      this.entries.delete(entry);
      return undefined;
    }
    return new LookupFailure(new UpstreamStatusError('krr', found.status, undefined));
  }
}

/** What every call of one batch (splits included) is made with. */
interface BatchCall {
  kind: LookupKind;
  party: LookupParty;
  context: UpstreamRequestContext;
  /** batchKey(party, kind). */
  key: string;
  /** Splits are not started after this, and split calls still running then fail as timed out. */
  deadlineAt: number;
}

function batchKey(party: LookupParty, kind: LookupKind): string {
  return kind.digitalPost ? `${party.key}|post` : `${party.key}|contact`;
}

function isRefusal(err: unknown): boolean {
  return err instanceof UpstreamStatusError && REFUSAL_STATUSES.has(err.status);
}
