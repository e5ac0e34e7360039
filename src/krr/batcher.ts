import type { KrrClient, LookupKind } from './client.js';
import { KRR_MAX_IDS_PER_REQUEST } from './client.js';
import type { UpstreamRequestContext } from '../upstream/request-context.js';
import type { KrrPersonDto } from './dto.js';

interface Waiter {
  resolve(dto: KrrPersonDto | undefined): void;
  reject(err: unknown): void;
}

interface PendingBatch {
  waiters: Map<string, Waiter[]>;
  /** The first joiner's request: its correlation id goes upstream, its retry budget pays for the batch's retries. */
  context?: UpstreamRequestContext;
  cancel?: () => void;
}

export interface PersonBatcherOptions {
  /** How long a batch waits for more ids from other requests (ms); 0 flushes on the next turn of the event loop. */
  windowMs: number;
}

/**
 * Cross-request batching and coalescing of KRR look-ups. Ids asked for by concurrent GraphQL requests within
 * `windowMs` share one upstream call (up to 1000 ids), and a look-up of an id already in flight joins it.
 *
 * Safe because every caller was authenticated and authorized (scopes, rate limit) before its look-up joins a batch, all
 * look-ups use the facade's one upstream identity, and each answer is keyed by `personidentifikator`: a caller only
 * ever receives the persons it asked for. Audit records stay per request (krr/context.ts).
 */
export class PersonBatcher {
  private readonly pending = new Map<boolean, PendingBatch>();
  /** Ids whose upstream call is under way, per kind: later callers join it instead of asking again. */
  private readonly inflight = new Map<boolean, Map<string, Promise<KrrPersonDto | undefined>>>();

  constructor(
    private readonly client: KrrClient,
    private readonly opts: PersonBatcherOptions,
  ) {}

  load(id: string, kind: LookupKind, context?: UpstreamRequestContext): Promise<KrrPersonDto | undefined> {
    const running = this.inflight.get(kind.digitalPost)?.get(id);
    if (running) return running;
    let batch = this.pending.get(kind.digitalPost);
    if (!batch) {
      batch = { waiters: new Map(), context };
      this.pending.set(kind.digitalPost, batch);
    }
    const target = batch;
    const promise = new Promise<KrrPersonDto | undefined>((resolve, reject) => {
      const list = target.waiters.get(id);
      if (list) list.push({ resolve, reject });
      else target.waiters.set(id, [{ resolve, reject }]);
    });
    if (target.waiters.size >= KRR_MAX_IDS_PER_REQUEST) this.flush(kind);
    else if (!target.cancel) {
      if (this.opts.windowMs > 0) {
        const timer = setTimeout(() => this.flush(kind), this.opts.windowMs);
        target.cancel = () => clearTimeout(timer);
      } else {
        const immediate = setImmediate(() => this.flush(kind));
        target.cancel = () => clearImmediate(immediate);
      }
    }
    return promise;
  }

  private flush(kind: LookupKind): void {
    const batch = this.pending.get(kind.digitalPost);
    if (!batch) return;
    this.pending.delete(kind.digitalPost);
    batch.cancel?.();
    const ids = [...batch.waiters.keys()];
    const call = this.client.lookup(ids, kind, batch.context);
    let running = this.inflight.get(kind.digitalPost);
    if (!running) {
      running = new Map();
      this.inflight.set(kind.digitalPost, running);
    }
    const inflight = running;
    for (const id of ids) {
      inflight.set(
        id,
        call.then((found) => found.get(id)),
      );
    }
    call
      .then(
        (found) => {
          for (const [id, waiters] of batch.waiters) for (const w of waiters) w.resolve(found.get(id));
        },
        (err: unknown) => {
          for (const waiters of batch.waiters.values()) for (const w of waiters) w.reject(err);
        },
      )
      .finally(() => {
        for (const id of ids) inflight.delete(id);
      });
    // Joiners of a failed call observe the failure through their own promise; this one must not go unhandled.
    for (const id of ids) inflight.get(id)?.catch(() => undefined);
  }
}
