/**
 * One request's look-ups of one kind: every id is fetched once per request, and ids asked for by the resolvers running
 * in the same turn go out together, as DataLoader does. Its bookkeeping is per fetch, not per id: DataLoader makes a
 * promise, a callback and a cache entry for every key, about half a kilobyte per person, which was the largest
 * allocation of a bulk query. The index of ids asked for (a Map entry per id) is built only when a look-up may find an
 * id asked for before: a request's first look-up of distinct ids (most requests make one) builds none.
 *
 * Dispatch waits until the promise jobs of the current turn have run (DataLoader's `enqueuePostPromiseJob`): the root
 * fields of one operation, whose resolvers start in the same turn, register their ids before the first fetch starts.
 */
export class RequestLoader<V> {
  /** Per id asked for, its slot (its fetch's `start` plus its place in the fetch's ids); built on demand. */
  private slots: Map<string, number> | undefined;
  /** Fetches in slot order. */
  private readonly fetches: Fetch<V>[] = [];
  private queued: string[] = [];
  /** Slots of the ids handed to `fetch` so far: the next fetch's `start`. */
  private dispatchedEnd = 0;

  constructor(private readonly fetch: (ids: readonly string[]) => Promise<readonly (V | Error)[]>) {}

  /**
   * One result per id, in order: the value, or an Error for an id whose fetch failed. `distinct`: the caller knows no
   * id is in `ids` twice.
   */
  async loadMany(ids: readonly string[], distinct = false): Promise<(V | Error)[]> {
    // Each id's slot, when it is not its place in `ids` (the request's first look-up, of distinct ids).
    let slotAt: number[] | undefined;
    let last: number;
    // Nothing asked for yet, and no index made (one made for a look-up of no ids would miss these).
    if (distinct && !this.slots && this.dispatchedEnd === 0 && this.queued.length === 0) {
      if (ids.length === 0) return [];
      this.schedule();
      this.queued = ids.slice();
      last = ids.length - 1;
    } else {
      const slots = this.index();
      slotAt = new Array<number>(ids.length);
      last = -1;
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i] as string;
        let slot = slots.get(id);
        if (slot === undefined) {
          slot = this.dispatchedEnd + this.queued.length;
          slots.set(id, slot);
          if (this.queued.length === 0) this.schedule();
          this.queued.push(id);
        }
        slotAt[i] = slot;
        if (slot > last) last = slot;
      }
    }
    // An id still queued: wait until its fetch has started.
    if (last >= this.dispatchedEnd) await this.dispatched;
    // Every fetch filling a slot up to `last` (usually one).
    for (const fetch of this.fetches) {
      await fetch.done;
      if (fetch.end > last) break;
    }
    const results = new Array<V | Error>(ids.length);
    let fetch = this.fetches[0] as Fetch<V>;
    for (let i = 0; i < ids.length; i++) {
      const slot = slotAt ? (slotAt[i] as number) : i;
      if (slot < fetch.start || slot >= fetch.end) fetch = this.fetchOf(slot);
      results[i] = fetch.error ?? fetch.results?.[slot - fetch.start] ?? missing();
    }
    return results;
  }

  /** Settles once the queue scheduled last has been handed to `fetch`. */
  private dispatched: Promise<void> | undefined;

  private schedule(): void {
    this.dispatched = Promise.resolve().then(
      () =>
        new Promise<void>((resolve) =>
          process.nextTick(() => {
            this.dispatch();
            resolve();
          }),
        ),
    );
  }

  private dispatch(): void {
    const ids = this.queued;
    this.queued = [];
    const start = this.dispatchedEnd;
    this.dispatchedEnd = start + ids.length;
    const fetch: Fetch<V> = { start, end: this.dispatchedEnd, ids, done: Promise.resolve() };
    fetch.done = this.fetch(ids).then(
      (results) => {
        fetch.results = results;
      },
      (err: unknown) => {
        fetch.error = err instanceof Error ? err : new Error(String(err));
      },
    );
    this.fetches.push(fetch);
  }

  /** The slot of every id asked for so far, made on the first look-up that needs it. */
  private index(): Map<string, number> {
    if (this.slots) return this.slots;
    const slots = new Map<string, number>();
    for (const fetch of this.fetches) fetch.ids.forEach((id, i) => slots.set(id, fetch.start + i));
    this.queued.forEach((id, i) => slots.set(id, this.dispatchedEnd + i));
    return (this.slots = slots);
  }

  private fetchOf(slot: number): Fetch<V> {
    const found = this.fetches.find((f) => slot >= f.start && slot < f.end);
    if (!found) throw new Error(`no fetch holds slot ${slot}`);
    return found;
  }
}

/** One call of `fetch`: the ids of slots `start` to `end` (exclusive), in order, and their answer once it came. */
interface Fetch<V> {
  start: number;
  end: number;
  ids: readonly string[];
  done: Promise<void>;
  /** One per id, in order (a shorter answer leaves the last ids without one). */
  results?: readonly (V | Error)[];
  /** The fetch failed: every id's result. */
  error?: Error;
}

function missing(): Error {
  return new Error('the look-up returned fewer results than ids');
}
