import { UpstreamStatusError, UpstreamUnavailableError } from '../upstream/errors.js';
import type { UpstreamRequestContext } from '../upstream/request-context.js';
import { RetryBudget } from '../upstream/retry.js';
import { OWN_PARTY, type KrrClient, type LookupKind, type LookupParty } from './client.js';
import { KRR_MAX_IDS_PER_REQUEST } from './client.js';
import type { KrrPersonDto } from './dto.js';

/** The upstream call an id's look-up failed with; one instance is shared by every id of that call. */
export class LookupFailure {
  constructor(readonly reason: unknown) {}
}

/** Per id: the person, undefined when KRR did not return the id, or the failure of its upstream call. */
export type LookupOutcome = KrrPersonDto | undefined | LookupFailure;

/**
 * A batch's answer: per id the person or (after a split) the failure of the call that refused it; ids absent were not
 * returned by KRR. A LookupFailure instead of a map: the call failed for every id of the batch.
 */
type BatchAnswer = ReadonlyMap<string, KrrPersonDto | LookupFailure> | LookupFailure;

/** Ids collected for one upstream call; `answer` settles when the call (and any split of it) does. */
interface Batch {
  ids: Set<string>;
  answer: Promise<BatchAnswer>;
  /** The first joiner's correlation id goes upstream; the retry budget is the batch's own (see BATCH_RETRY_BUDGET). */
  context: UpstreamRequestContext;
  start(call: Promise<BatchAnswer>): void;
  cancelTimer?: () => void;
}

/**
 * KRR answers that refuse the *content* of a request (an id it will not look up; a body it will not take), as opposed
 * to the caller (401, 403: every id fails), the load (429) or an outage (5xx). Only these split a batch.
 */
const REFUSAL_STATUSES: ReadonlySet<number> = new Set([400, 404, 413, 422]);

/**
 * At most this many extra KRR calls per batch to isolate the ids KRR refuses (two per split, halves looked up
 * concurrently): one refused id among 1000 takes 20, three take about 50. Ids still unresolved when they are spent
 * fail with the refusal.
 */
export const MAX_SPLIT_CALLS_PER_BATCH = 64;

/**
 * Retries one batch may spend on its KRR calls (splits and their token requests included). Each batch has its own
 * budget, as large as one GraphQL request's: the budget of the request that happened to open the batch may already be
 * spent, and that must not fail the other callers' persons.
 */
export const BATCH_RETRY_BUDGET = 3;

/** `KRR_TIMEOUT_MS`'s default: a batch, its splits included, answers within this from when it is sent. */
export const DEFAULT_BATCH_DEADLINE_MS = 5_000;

export interface PersonBatcherOptions {
  /** How long a batch waits for more ids from other requests (ms); 0 flushes on the next turn of the event loop. */
  windowMs: number;
  /**
   * The KRR deadline (`KRR_TIMEOUT_MS`, default 5000): splits of a refused batch are not started after it, and split
   * calls still running when it passes fail (UPSTREAM_UNAVAILABLE) instead of being waited for.
   */
  deadlineMs?: number;
  /** Default MAX_SPLIT_CALLS_PER_BATCH. */
  maxSplitCalls?: number;
}

/** What the isolation of refused ids of one batch may still spend. */
interface SplitAllowance {
  calls: number;
  deadlineAt: number;
}

/**
 * Cross-request batching and coalescing of KRR look-ups. Ids asked for by concurrent GraphQL requests within
 * `windowMs` share one upstream call (up to 1000 ids), and a look-up of an id already waiting or in flight joins it.
 *
 * Safe because every caller was authenticated and authorized (scopes, rate limit) before its look-up joins a batch, all
 * look-ups use the facade's one upstream identity, and each answer is keyed by `personidentifikator`: a caller only
 * ever receives the persons it asked for. Audit records stay per request (krr/context.ts).
 *
 * Failures stay small: when KRR refuses a batch of several ids as a whole (400, 404, 413, 422: it answers for the
 * request, never per id), the batch is split in halves, recursively, until the refused ids are isolated; only they
 * fail (UPSTREAM_REJECTED at their own paths), everyone else gets data. Bounded by MAX_SPLIT_CALLS_PER_BATCH and the
 * KRR deadline. 401 (already retried once with a fresh token), 403, 429 and 5xx never split: they fail the batch.
 *
 * Bookkeeping is per batch, not per id (a promise per id was a tenth of a 1000-person query's time).
 */
export class PersonBatcher {
  /** The batch collecting ids, per party and kind (see {@link batchKey}). */
  private readonly pending = new Map<string, Batch>();
  /**
   * Per party and kind, the batch each id's upstream call is under way in: later callers join it instead of asking
   * again. Never across parties: another customer's call is made on another legal basis.
   */
  private readonly inflight = new Map<string, Map<string, Batch>>();
  private readonly deadlineMs: number;
  private readonly maxSplitCalls: number;

  constructor(
    private readonly client: KrrClient,
    private readonly opts: PersonBatcherOptions,
  ) {
    this.deadlineMs = opts.deadlineMs ?? DEFAULT_BATCH_DEADLINE_MS;
    this.maxSplitCalls = opts.maxSplitCalls ?? MAX_SPLIT_CALLS_PER_BATCH;
  }

  /** Looks up `ids` (distinct, as DataLoader hands them over); one outcome per id, in order. */
  async loadMany(
    ids: readonly string[],
    kind: LookupKind,
    context?: UpstreamRequestContext,
    party: LookupParty = OWN_PARTY,
  ): Promise<LookupOutcome[]> {
    const key = batchKey(party, kind);
    let running = this.inflight.get(key);
    if (!running) this.inflight.set(key, (running = new Map()));
    const sources: Batch[] = new Array<Batch>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      let batch = running.get(id);
      if (!batch) {
        batch = this.pendingBatch(key, kind, party, context);
        batch.ids.add(id);
        if (batch.ids.size >= KRR_MAX_IDS_PER_REQUEST) this.flush(key, kind, party);
      }
      sources[i] = batch;
    }
    const answers = new Map<Batch, BatchAnswer>();
    for (const batch of new Set(sources)) answers.set(batch, await batch.answer);
    return ids.map((id, i) => {
      const answer = answers.get(sources[i] as Batch);
      return answer instanceof LookupFailure ? answer : answer?.get(id);
    });
  }

  private pendingBatch(
    key: string,
    kind: LookupKind,
    party: LookupParty,
    context: UpstreamRequestContext | undefined,
  ): Batch {
    const open = this.pending.get(key);
    if (open) return open;
    let start!: (call: Promise<BatchAnswer>) => void;
    const answer = new Promise<BatchAnswer>((resolve) => {
      start = (call) => call.then(resolve, (err: unknown) => resolve(new LookupFailure(err)));
    });
    const batch: Batch = {
      ids: new Set(),
      answer,
      context: { correlationId: context?.correlationId ?? '', retryBudget: new RetryBudget(BATCH_RETRY_BUDGET) },
      start,
    };
    if (this.opts.windowMs > 0) {
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
    const running = this.inflight.get(key) as Map<string, Batch>;
    for (const id of batch.ids) running.set(id, batch);
    batch.start(this.send([...batch.ids], kind, party, batch.context));
    void batch.answer.then(() => {
      for (const id of batch.ids) if (running.get(id) === batch) running.delete(id);
      if (running.size === 0 && !this.pending.has(key)) this.inflight.delete(key);
    });
  }

  /** One batch's KRR call; a refusal of several ids is split until the refused ids are isolated. */
  private send(
    ids: string[],
    kind: LookupKind,
    party: LookupParty,
    context: UpstreamRequestContext,
  ): Promise<BatchAnswer> {
    const deadlineAt = Date.now() + this.deadlineMs;
    const call = { kind, party, context };
    return this.client.lookup(ids, kind, context, party).catch(async (err: unknown) => {
      if (ids.length < 2 || !isRefusal(err)) throw err;
      const answer = new Map<string, KrrPersonDto | LookupFailure>();
      await this.isolate(ids, err, call, { calls: this.maxSplitCalls, deadlineAt }, answer);
      return answer;
    });
  }

  /** `ids` were refused together (`refusal`): looks up each half, splitting again where a half is refused. */
  private async isolate(
    ids: string[],
    refusal: unknown,
    call: BatchCall,
    allowance: SplitAllowance,
    answer: Map<string, KrrPersonDto | LookupFailure>,
  ): Promise<void> {
    if (ids.length < 2 || allowance.calls < 2 || Date.now() >= allowance.deadlineAt) {
      fail(answer, ids, new LookupFailure(refusal));
      return;
    }
    allowance.calls -= 2;
    this.client.countSplit();
    const middle = Math.ceil(ids.length / 2);
    await Promise.all([
      this.lookupPart(ids.slice(0, middle), call, allowance, answer),
      this.lookupPart(ids.slice(middle), call, allowance, answer),
    ]);
  }

  private async lookupPart(
    ids: string[],
    call: BatchCall,
    allowance: SplitAllowance,
    answer: Map<string, KrrPersonDto | LookupFailure>,
  ): Promise<void> {
    let persons: Map<string, KrrPersonDto>;
    try {
      persons = await this.lookupBefore(ids, call, allowance.deadlineAt);
    } catch (err) {
      if (isRefusal(err)) return this.isolate(ids, err, call, allowance, answer);
      // 403, 429, 5xx, timeout: this part's ids fail with it, the other parts are unaffected.
      fail(answer, ids, new LookupFailure(err));
      return;
    }
    for (const [id, person] of persons) answer.set(id, person);
  }

  /**
   * A split call, given up at the batch's deadline (the HTTP layer gives each call a deadline of its own, from when it
   * starts): its ids then fail as KRR not answering in time. The abandoned call runs on to its own deadline.
   */
  private lookupBefore(ids: string[], call: BatchCall, deadlineAt: number): Promise<Map<string, KrrPersonDto>> {
    const left = deadlineAt - Date.now();
    if (left <= 0) return Promise.reject(new UpstreamUnavailableError('krr', 'timeout'));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new UpstreamUnavailableError('krr', 'timeout')), left);
    });
    return Promise.race([this.client.lookup(ids, call.kind, call.context, call.party), expired]).finally(() =>
      clearTimeout(timer),
    );
  }
}

/** What every call of one batch (splits included) is made with. */
interface BatchCall {
  kind: LookupKind;
  party: LookupParty;
  context: UpstreamRequestContext;
}

function batchKey(party: LookupParty, kind: LookupKind): string {
  return kind.digitalPost ? `${party.key}|post` : `${party.key}|contact`;
}

function isRefusal(err: unknown): boolean {
  return err instanceof UpstreamStatusError && REFUSAL_STATUSES.has(err.status);
}

function fail(answer: Map<string, KrrPersonDto | LookupFailure>, ids: readonly string[], failure: LookupFailure): void {
  for (const id of ids) answer.set(id, failure);
}
