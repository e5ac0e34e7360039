import { isValidPersonIdentifier } from '../graphql/identifiers.js';

/**
 * What a personal id looks like where it must never stand (log lines, spans, error messages, request ids). One rule, so
 * every place that keeps ids out keeps out the same ones. A candidate is 11 digits or more, of any script, with up to
 * {@link MAX_SEPARATORS} separators between two of them: anything but a letter or a digit (spaces of every kind,
 * dashes, `_`, `.`, `:`, `/`, invisible and combining characters) and JSON's escapes (a log line is JSON: a tab between
 * digits is written as `\t` there). A candidate is an id when it holds:
 * - 11 ASCII digits in a row, valid or not (a fødselsnummer, D- and H-numbers, one hidden in a longer run);
 * - a digit of another script (full-width `１１８２２６４８９５０`, circled, superscript);
 * - more than {@link MAX_CHECKED_DIGITS} digits (too many to be worth checking, and nothing an operator reads);
 * - otherwise, a valid fødselsnummer, D- or H-number among its digits, read without the separators
 *   (`118226 48950`, `Lookup_118226__48950`, `r118226.48950`): dates, times, addresses and counters written with
 *   separators (`req-2026-12-06-0001`, `192.168.10.20:4000`) stay readable unless they happen to hold a valid one.
 *
 * A scanner over the text rather than a regular expression: one with Unicode classes and these separators took
 * 190 ms for a megabyte of `1 1 1 …`, which any caller could send as a value an error message quotes.
 */
const MAX_SEPARATORS = 3;
/** Past this many digits a candidate is an id without a check (the check reads every 11 in a row). */
const MAX_CHECKED_DIGITS = 40;

const UNICODE_NUMBER = /\p{N}/u;
const UNICODE_LETTER = /\p{L}/u;
const HEX = /^[0-9a-fA-F]{4}$/;
const DIGIT = 0;
const OTHER_DIGIT = 1;
const LETTER = 2;
const SEPARATOR = 3;

/** The [start, end) of each id in `text`, in order; only the first when `first`. */
function findIds(text: string, first: boolean): [number, number][] {
  const found: [number, number][] = [];
  let start = -1;
  let end = -1;
  let digits = '';
  let count = 0;
  let run = 0;
  let longRun = false;
  let otherScript = false;
  let separators = 0;
  const close = () => {
    if (count >= 11 && (longRun || otherScript || count > MAX_CHECKED_DIGITS || holdsValid(digits))) {
      found.push([start, end]);
    }
    start = -1;
    digits = '';
    count = 0;
    run = 0;
    longRun = false;
    otherScript = false;
    separators = 0;
  };
  for (let i = 0; i < text.length && !(first && found.length > 0);) {
    let code = text.charCodeAt(i);
    let width = 1;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      code = text.codePointAt(i) as number;
      width = 2;
    }
    let kind: number;
    let length = width;
    if (code >= 48 && code <= 57) kind = DIGIT;
    else if (code < 128) {
      kind = (code | 0x20) >= 97 && (code | 0x20) <= 122 ? LETTER : SEPARATOR;
      if (code === 92) length = escapeLength(text, i);
    } else {
      const char = String.fromCodePoint(code);
      kind = UNICODE_NUMBER.test(char) ? OTHER_DIGIT : UNICODE_LETTER.test(char) ? LETTER : SEPARATOR;
    }
    if (kind === LETTER) {
      if (start >= 0) close();
    } else if (kind === SEPARATOR) {
      if (start >= 0 && ++separators > MAX_SEPARATORS) close();
      run = 0;
    } else {
      if (start < 0) start = i;
      end = i + width;
      count++;
      separators = 0;
      if (kind === DIGIT) {
        if (digits.length <= MAX_CHECKED_DIGITS) digits += text[i];
        if (++run >= 11) longRun = true;
      } else {
        otherScript = true;
        run = 0;
      }
    }
    i += length;
  }
  if (start >= 0) close();
  return found;
}

/** `"`, `\\`, `/`, `b`, `f`, `n`, `r`, `t`: the letters JSON escapes with one backslash. */
const SIMPLE_ESCAPES = new Set([34, 92, 47, 98, 102, 110, 114, 116]);

/**
 * How many characters the separator starting with the backslash at `i` takes: a JSON escape (`\t`, `\\`, `\u200b`) is
 * one separator; any other backslash stands alone, so the digit after it (`118226\48950` in an error message, which
 * is raw text, not JSON) is still read.
 */
function escapeLength(text: string, i: number): number {
  const next = text.charCodeAt(i + 1);
  if (next === 117) return HEX.test(text.slice(i + 2, i + 6)) ? 6 : 1;
  return SIMPLE_ESCAPES.has(next) ? 2 : 1;
}

/** `text` with every such id replaced by `[redacted]`. */
export function redactPersonalIds(text: string): string {
  const ids = findIds(text, false);
  if (ids.length === 0) return text;
  let out = '';
  let at = 0;
  for (const [start, end] of ids) {
    out += `${text.slice(at, start)}[redacted]`;
    at = end;
  }
  return out + text.slice(at);
}

/** Whether `text` holds such an id. */
export function mayHoldPersonalId(text: string): boolean {
  return findIds(text, true).length > 0;
}

/** 11 or more ASCII digits and dashes in a row: the one place a UUID (hex digits and dashes) can hold such an id. */
const UUID_DIGIT_RUN = /[0-9-]{11,}/;

/**
 * {@link mayHoldPersonalId} for a UUID, at a tenth of the cost for most: its letters break every run, and its only
 * separator is the dash, so an id can only be found in a run of digits and dashes at least 11 long (one in five UUIDs).
 */
export function uuidMayHoldPersonalId(uuid: string): boolean {
  return UUID_DIGIT_RUN.test(uuid) && mayHoldPersonalId(uuid);
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
