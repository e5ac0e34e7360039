import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import { mayHoldPersonalId } from '../observability/personal-ids.js';

/** 16 384 slots of 4 bytes: 64 KB, allocated once. */
const DEFAULT_SLOTS = 1 << 14;

/**
 * Which keys were seen lately, so that a cache takes an entry on its second sight only (a "doorkeeper", as in
 * TinyLFU). Documents each sent once are common: ids written into the query text instead of variables (the style of
 * GraphiQL users and of most curl examples), an explorer's edits. Cached on first sight, every one of them was parsed,
 * weighed and kept, promoted to V8's old generation and dropped again by the LRU, which the old generation then grows
 * three times past (docs/benchmarks.md). A document sent twice is cached as before.
 *
 * One 32-bit hash per slot, in a typed array: no object per key and nothing for the garbage collector. A key whose slot
 * another key took since is seen anew (it gets in on a later sight); two keys with the same 32-bit hash count as one
 * (the second is cached on its first sight). Either way only what is cached changes, never an answer.
 */
export class SecondSight {
  private readonly hashes: Uint32Array;
  private readonly mask: number;

  constructor(slots = DEFAULT_SLOTS) {
    if (!Number.isInteger(Math.log2(slots))) throw new Error(`SecondSight: slots must be a power of two, not ${slots}`);
    this.hashes = new Uint32Array(slots);
    this.mask = slots - 1;
  }

  /** Records `key`, and tells whether it was recorded before (and its slot not taken since). */
  seenBefore(key: string): boolean {
    // 0 marks an empty slot; a key hashing to 0 is recorded as 1.
    const hash = fnv1a(key) || 1;
    const slot = hash & this.mask;
    if (this.hashes[slot] === hash) return true;
    this.hashes[slot] = hash;
    return false;
  }
}

/** 32-bit FNV-1a over the string's UTF-16 code units. */
function fnv1a(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A cache that never stores a value `refuse` turns away (and stores the rest as `inner` does). */
export class RefusingCache<V> implements KeyValueCache<V> {
  constructor(
    private readonly inner: KeyValueCache<V>,
    private readonly refuse: (value: V) => boolean,
  ) {}

  get(key: string): Promise<V | undefined> {
    return this.inner.get(key);
  }

  async set(key: string, value: V, options?: KeyValueCacheSetOptions): Promise<void> {
    if (!this.refuse(value)) await this.inner.set(key, value, options);
  }

  delete(key: string): Promise<boolean | void> {
    return this.inner.delete(key);
  }
}

/**
 * A cache that stores a value only the second time its key is set lately ({@link SecondSight}), and never one that
 * `refuse` turns away.
 */
export class SecondSightCache<V> extends RefusingCache<V> {
  private readonly sight = new SecondSight();

  constructor(inner: KeyValueCache<V>, refuse: (value: V) => boolean = () => false) {
    super(inner, refuse);
  }

  override async set(key: string, value: V, options?: KeyValueCacheSetOptions): Promise<void> {
    if (this.sight.seenBefore(key)) await super.set(key, value, options);
  }
}

/**
 * Whether the caches of documents (Apollo's store, its persisted queries, admission's measures, compiled operations)
 * may keep a document by
 * its text: not when the text holds a person's id (`person(id: "…")` written out instead of a variable). Such a text is
 * as distinct as the person, so keeping it only churns the old generation (64 callers looking up 90 000 persons that
 * way: 224–250 MB peak RSS when kept, 170–198 MB not, at 1.15–1.5 times the rate), and a cache would hold the ids
 * long after the request. It is parsed and validated each time, as any document sent once is (README "Security and
 * personal data").
 */
export function mayCacheDocument(text: string): boolean {
  return !mayHoldPersonalId(text.includes('\\u') ? withEscapesRead(text) : text);
}

const UNICODE_ESCAPES = /\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})/g;

/** The text with GraphQL's Unicode escapes read (`"\u0031\u0031…"` is a string of digits). */
function withEscapesRead(text: string): string {
  return text.replace(UNICODE_ESCAPES, (escape, braced?: string, fixed?: string) => {
    const code = Number.parseInt(braced ?? fixed ?? '', 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : escape;
  });
}
