import type { UpstreamRequestContext } from '../upstream/request-context.js';
import type { KrrClient, LookupKind } from './client.js';
import { KRR_MAX_IDS_PER_REQUEST } from './client.js';
import type { KrrPersonDto } from './dto.js';

/** The upstream call an id's look-up failed with; one instance is shared by every id of that call. */
export class LookupFailure {
  constructor(readonly reason: unknown) {}
}

/** Per id: the person, undefined when KRR did not return the id, or the failure of its upstream call. */
export type LookupOutcome = KrrPersonDto | undefined | LookupFailure;

/** Ids collected for one upstream call; `answer` settles when the call does. */
interface Batch {
  ids: Set<string>;
  answer: Promise<Map<string, KrrPersonDto> | LookupFailure>;
  /** The first joiner's request: its correlation id goes upstream, its retry budget pays for the batch's retries. */
  context?: UpstreamRequestContext;
  start(call: Promise<Map<string, KrrPersonDto>>): void;
  cancelTimer?: () => void;
}

export interface PersonBatcherOptions {
  /** How long a batch waits for more ids from other requests (ms); 0 flushes on the next turn of the event loop. */
  windowMs: number;
}

/**
 * Cross-request batching and coalescing of KRR look-ups. Ids asked for by concurrent GraphQL requests within
 * `windowMs` share one upstream call (up to 1000 ids), and a look-up of an id already waiting or in flight joins it.
 *
 * Safe because every caller was authenticated and authorized (scopes, rate limit) before its look-up joins a batch, all
 * look-ups use the facade's one upstream identity, and each answer is keyed by `personidentifikator`: a caller only
 * ever receives the persons it asked for. Audit records stay per request (krr/context.ts).
 *
 * Bookkeeping is per batch, not per id (a promise per id was a tenth of a 1000-person query's time).
 */
export class PersonBatcher {
  /** The batch collecting ids, per kind (`digitalPost`). */
  private readonly pending = new Map<boolean, Batch>();
  /** Per kind, the batch each id's upstream call is under way in: later callers join it instead of asking again. */
  private readonly inflight = new Map<boolean, Map<string, Batch>>([
    [false, new Map()],
    [true, new Map()],
  ]);

  constructor(
    private readonly client: KrrClient,
    private readonly opts: PersonBatcherOptions,
  ) {}

  /** Looks up `ids` (distinct, as DataLoader hands them over); one outcome per id, in order. */
  async loadMany(ids: readonly string[], kind: LookupKind, context?: UpstreamRequestContext): Promise<LookupOutcome[]> {
    const running = this.inflight.get(kind.digitalPost) as Map<string, Batch>;
    const sources: Batch[] = new Array<Batch>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      let batch = running.get(id);
      if (!batch) {
        batch = this.pendingBatch(kind, context);
        batch.ids.add(id);
        if (batch.ids.size >= KRR_MAX_IDS_PER_REQUEST) this.flush(kind);
      }
      sources[i] = batch;
    }
    const answers = new Map<Batch, Map<string, KrrPersonDto> | LookupFailure>();
    for (const batch of new Set(sources)) answers.set(batch, await batch.answer);
    return ids.map((id, i) => {
      const answer = answers.get(sources[i] as Batch);
      return answer instanceof LookupFailure ? answer : answer?.get(id);
    });
  }

  private pendingBatch(kind: LookupKind, context: UpstreamRequestContext | undefined): Batch {
    const open = this.pending.get(kind.digitalPost);
    if (open) return open;
    let start!: (call: Promise<Map<string, KrrPersonDto>>) => void;
    const answer = new Promise<Map<string, KrrPersonDto> | LookupFailure>((resolve) => {
      start = (call) => call.then(resolve, (err: unknown) => resolve(new LookupFailure(err)));
    });
    const batch: Batch = { ids: new Set(), answer, context, start };
    if (this.opts.windowMs > 0) {
      const timer = setTimeout(() => this.flush(kind), this.opts.windowMs);
      batch.cancelTimer = () => clearTimeout(timer);
    } else {
      const immediate = setImmediate(() => this.flush(kind));
      batch.cancelTimer = () => clearImmediate(immediate);
    }
    this.pending.set(kind.digitalPost, batch);
    return batch;
  }

  private flush(kind: LookupKind): void {
    const batch = this.pending.get(kind.digitalPost);
    if (!batch) return;
    this.pending.delete(kind.digitalPost);
    batch.cancelTimer?.();
    const running = this.inflight.get(kind.digitalPost) as Map<string, Batch>;
    for (const id of batch.ids) running.set(id, batch);
    batch.start(this.client.lookup([...batch.ids], kind, batch.context));
    void batch.answer.then(() => {
      for (const id of batch.ids) if (running.get(id) === batch) running.delete(id);
    });
  }
}
