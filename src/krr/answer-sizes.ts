import type { LookupKind } from './client.js';

/** `KRR_BATCH_MAX_ANSWER_BYTES`'s default: 112 KiB, under the 128 KB past which V8 builds a string in fresh pages. */
export const DEFAULT_MAX_ANSWER_BYTES = 112 * 1024;

/** However large KRR's records, a call may carry this many ids: more calls would cost more than large answers do. */
export const MIN_IDS_PER_CALL = 50;

/** How far each answer moves the estimate of a record's size towards its own (the rest is the answers before). */
const SMOOTHING = 0.25;

/**
 * How many ids a KRR call may carry for KRR's answer to stay under `maxAnswerBytes` (`KRR_BATCH_MAX_ANSWER_BYTES`),
 * learned from the answers KRR gave, per data group: a record with digital post carries the mailbox provider's
 * certificate, several times a contact-only one.
 *
 * Why: a KRR on V8 (a Node stub, as an outside check sets one up) pays several times the CPU a person for an answer
 * over 128 KB (DEFAULT_BATCH_MAX_IDS in batcher.ts). `KRR_BATCH_MAX_IDS` alone keeps answers under that size only for
 * records of up to about 650 bytes, and records differ from one KRR to another: one with every field of the reference
 * is 774 bytes. `KRR_BATCH_MAX_ANSWER_BYTES=0` makes none (app.ts): the calls carry `KRR_BATCH_MAX_IDS`.
 */
export class AnswerSizes {
  /** The estimated size of one record (bytes), by `digitalPost`. */
  private readonly recordBytes = new Map<boolean, number>();

  /** `maxAnswerBytes`: above 0. */
  constructor(private readonly maxAnswerBytes: number = DEFAULT_MAX_ANSWER_BYTES) {}

  /** One answer of KRR's: `bytes` of body holding `records` records. */
  record(kind: LookupKind, bytes: number, records: number): void {
    if (!(records > 0) || !(bytes > 0)) return;
    const size = bytes / records;
    const before = this.recordBytes.get(kind.digitalPost);
    this.recordBytes.set(kind.digitalPost, before === undefined ? size : before + (size - before) * SMOOTHING);
  }

  /** The most ids a call of `kind` should carry: at least {@link MIN_IDS_PER_CALL}; unbounded before any answer. */
  maxIds(kind: LookupKind): number {
    const size = this.recordBytes.get(kind.digitalPost);
    if (size === undefined) return Infinity;
    return Math.max(MIN_IDS_PER_CALL, Math.floor(this.maxAnswerBytes / size));
  }
}
