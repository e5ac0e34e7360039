/**
 * A value per person id within one GraphQL request (the rate-limit decision that charged the person, the audit write
 * that records it), kept as the lists the ids came in until an id must be looked up. Most requests make one look-up,
 * which never looks one up: a Map of its 1000 ids, built before the KRR call and kept through it, survived into the old
 * generation every time, and with the request loader's index such maps cost a 1000-person query a sixth of its
 * throughput under load.
 */
export class PerPerson<V> {
  private lists: { ids: readonly string[]; value: V }[] = [];
  private index: Map<string, V> | undefined;

  get isEmpty(): boolean {
    return this.lists.length === 0 && (this.index === undefined || this.index.size === 0);
  }

  get(id: string): V | undefined {
    return this.isEmpty ? undefined : this.indexed().get(id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  set(id: string, value: V): void {
    this.indexed().set(id, value);
  }

  /** `value` for each of `ids`, as `set` for each would; `ids` is kept, not copied, and must not change. */
  setAll(ids: readonly string[], value: V): void {
    if (this.index) {
      for (const id of ids) this.index.set(id, value);
    } else {
      this.lists.push({ ids, value });
    }
  }

  private indexed(): Map<string, V> {
    if (!this.index) {
      this.index = new Map();
      for (const { ids, value } of this.lists) for (const id of ids) this.index.set(id, value);
      this.lists = [];
    }
    return this.index;
  }
}
