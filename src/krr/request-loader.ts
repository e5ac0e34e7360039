/**
 * One request's look-ups of one kind: every id is fetched once per request, and ids asked for by the resolvers running
 * in the same turn go out together, as DataLoader does. Its bookkeeping is per batch, not per id: DataLoader makes a
 * promise, a callback and a cache entry for every key, about half a kilobyte per person, which was the largest
 * allocation of a bulk query. Here an id costs one Map entry (its slot in `values`).
 *
 * Dispatch waits until the promise jobs of the current turn have run (DataLoader's `enqueuePostPromiseJob`): the root
 * fields of one operation, whose resolvers start in the same turn, register their ids before the first fetch starts.
 */
export class RequestLoader<V> {
  /** Per id asked for, its slot in `values`. */
  private readonly slots = new Map<string, number>();
  private readonly values: (V | Error)[] = [];
  /** Fetches in slot order: `end` is one past the last slot each fills. */
  private readonly fetches: { end: number; done: Promise<void> }[] = [];
  private queued: string[] = [];

  constructor(private readonly fetch: (ids: readonly string[]) => Promise<readonly (V | Error)[]>) {}

  /** One result per id, in order: the value, or an Error for an id whose fetch failed. */
  async loadMany(ids: readonly string[]): Promise<(V | Error)[]> {
    // Each id's slot, found once (the answer is read from these, not looked up again).
    const slotAt = new Array<number>(ids.length);
    let last = -1;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      let slot = this.slots.get(id);
      if (slot === undefined) {
        slot = this.values.length + this.queued.length;
        this.slots.set(id, slot);
        if (this.queued.length === 0) this.schedule();
        this.queued.push(id);
      }
      slotAt[i] = slot;
      if (slot > last) last = slot;
    }
    // An id still queued: wait until its fetch has started.
    if (last >= this.values.length) await this.dispatched;
    // Every fetch filling a slot up to `last` (usually one).
    for (const fetch of this.fetches) {
      await fetch.done;
      if (fetch.end > last) break;
    }
    const results = new Array<V | Error>(ids.length);
    for (let i = 0; i < ids.length; i++) results[i] = this.values[slotAt[i] as number] as V | Error;
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
    const start = this.values.length;
    this.values.length = start + ids.length;
    const fill = (results: readonly (V | Error)[] | Error) => {
      for (let i = 0; i < ids.length; i++) {
        this.values[start + i] = results instanceof Error ? results : (results[i] ?? missing());
      }
    };
    const done = this.fetch(ids).then(fill, (err: unknown) =>
      fill(err instanceof Error ? err : new Error(String(err))),
    );
    this.fetches.push({ end: start + ids.length, done });
  }
}

function missing(): Error {
  return new Error('the look-up returned fewer results than ids');
}
