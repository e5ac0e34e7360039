import { isValidPersonIdentifier } from '../graphql/identifiers.js';

/**
 * What a personal id looks like where it must never stand (log lines, spans, error messages, request ids): 11 digits
 * or more, which covers a fødselsnummer, D- and H-numbers, and one hidden in a longer run (`q_118226489500`), also as
 * people and callers write them: with one separator between two digits (`118226 48950`, `118226-48950`, `_`, which a
 * GraphQL name allows) and in any script's digits (full-width `１１８２２６４８９５０`). A `.` or `:` is no separator
 * here, so times, IPv4 addresses and versions stay readable. One rule, so every place that keeps ids out keeps out the
 * same ones.
 */
const RUNS = /\p{Nd}(?:[ \t\u00a0\u2007\u202f_\u2010-\u2015-]?\p{Nd}){10,}/gu;
const RUN = /\p{Nd}(?:[ \t\u00a0\u2007\u202f_\u2010-\u2015-]?\p{Nd}){10}/u;

/** `text` with every such run replaced by `[redacted]`. */
export function redactPersonalIds(text: string): string {
  return text.replace(RUNS, '[redacted]');
}

/** Whether `text` holds such a run. */
export function mayHoldPersonalId(text: string): boolean {
  return RUN.test(text);
}

const DECIMAL_RUNS = /\d{11,}/g;

/**
 * Whether `hex` (a trace or span id) holds a valid fødselsnummer or D-number among its decimal digits. Random ids hold
 * 11 decimal digits in a row often (about one trace id in nine), a valid personal id almost never, so this is the test
 * for values that must be kept whole when they are harmless.
 */
export function holdsValidPersonalId(hex: string): boolean {
  for (const [run] of hex.matchAll(DECIMAL_RUNS)) {
    for (let i = 0; i + 11 <= run.length; i++) {
      if (isValidPersonIdentifier(run.slice(i, i + 11))) return true;
    }
  }
  return false;
}
