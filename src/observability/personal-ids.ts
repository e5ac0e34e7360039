import { isValidPersonIdentifier } from '../graphql/identifiers.js';

/**
 * What a personal id looks like where it must never stand (log lines, spans, error messages, request ids). One rule, so
 * every place that keeps ids out keeps out the same ones:
 * - 11 digits or more in a row, which covers a fødselsnummer, D- and H-numbers, and one hidden in a longer run
 *   (`q_118226489500`), valid or not;
 * - digits of any other script in such a run (full-width `１１８２２６４８９５０`), separated or not;
 * - 11 digits or more with one separator between two of them, as people and callers write an id (`118226 48950`,
 *   `118226-48950`, `_`, which a GraphQL name allows), when they hold a valid personal id: dates and counters written
 *   so (`req-2026-12-06-0001`) stay readable. A `.` or `:` is no separator here (times, addresses, versions).
 */
const CANDIDATES = /\p{Nd}(?:[ \t\u00a0\u2007\u202f_\u2010-\u2015-]?\p{Nd}){10,}/gu;
const ASCII_RUN = /\d{11}/;
const NOT_ASCII_DIGIT = /[^\d \t\u00a0\u2007\u202f_\u2010-\u2015-]/;
const SEPARATORS = /[^\d]/g;

function isPersonalId(candidate: string): boolean {
  if (ASCII_RUN.test(candidate) || NOT_ASCII_DIGIT.test(candidate)) return true;
  return holdsValid(candidate.replace(SEPARATORS, ''));
}

/** `text` with every such run replaced by `[redacted]`. */
export function redactPersonalIds(text: string): string {
  return text.replace(CANDIDATES, (candidate) => (isPersonalId(candidate) ? '[redacted]' : candidate));
}

/** Whether `text` holds such a run. */
export function mayHoldPersonalId(text: string): boolean {
  for (const [candidate] of text.matchAll(CANDIDATES)) if (isPersonalId(candidate)) return true;
  return false;
}

/** Whether `digits` (ASCII digits only) hold a valid fødselsnummer, D- or H-number in any 11 in a row. */
function holdsValid(digits: string): boolean {
  for (let i = 0; i + 11 <= digits.length; i++) {
    if (isValidPersonIdentifier(digits.slice(i, i + 11))) return true;
  }
  return false;
}

const DECIMAL_RUNS = /\d{11,}/g;

/**
 * Whether `hex` (a trace or span id) holds a valid fødselsnummer or D-number among its decimal digits. Random ids hold
 * 11 decimal digits in a row often (about one trace id in nine), a valid personal id almost never, so this is the test
 * for values that must be kept whole when they are harmless.
 */
export function holdsValidPersonalId(hex: string): boolean {
  for (const [run] of hex.matchAll(DECIMAL_RUNS)) if (holdsValid(run)) return true;
  return false;
}
