/**
 * Upstream timestamps come in several shapes (reference §2 and §3): `2010-12-16T13:32:05.000+01:00`,
 * `2023-06-29T10:14:52+02`, `2023-08-05T10:45:15.768Z`, even `2017-11-02 T15:02:32 +0100`, or a number of epoch seconds or
 * milliseconds. Parsed leniently; anything unreadable becomes null rather than failing a whole person or client.
 */
export function parseUpstreamTimestamp(value: unknown): Date | null {
  return dateOfInstant(parseUpstreamInstant(value));
}

/** The Date of an instant {@link parseUpstreamInstant} read, or null when it was unreadable (NaN). */
export function dateOfInstant(ms: number): Date | null {
  return Number.isNaN(ms) ? null : new Date(ms);
}

/**
 * A number this large or larger is epoch milliseconds (from March 1973 on; Jackson's default for a `java.util.Date`),
 * a smaller one epoch seconds: as seconds it would be after the year 5138.
 */
const EPOCH_MILLIS_FROM = 1e11;

/**
 * As {@link parseUpstreamTimestamp}, as milliseconds since the epoch (NaN when unreadable): comparing instants (the
 * 18-month rule) needs no Date object.
 */
export function parseUpstreamInstant(value: unknown): number {
  if (typeof value === 'number') return validTime(Math.abs(value) < EPOCH_MILLIS_FROM ? value * 1000 : value);
  if (typeof value !== 'string') return NaN;
  return scanTimestamp(value);
}

/**
 * One pass over the text: there are thousands of timestamps in a 1000-person answer, and a regex with `trim` and
 * `Date`'s string parsing cost several times more. The grammar, "spaces" being any run of whitespace:
 * `[spaces] YYYY-MM-DD (T|t|spaces)+ HH:MM[:SS[(.|,)fraction of 1–9 digits]] [spaces] [Z | ±HH[[:]MM]] [spaces]`;
 * no zone means UTC. A date or time that does not exist is NaN.
 */
function scanTimestamp(text: string): number {
  const usual = scanUsualTimestamp(text);
  return usual === undefined ? scanAnyTimestamp(text) : usual;
}

/**
 * The shape KRR and the admin API send, `YYYY-MM-DDTHH:MM:SS[.mmm](Z|±HH:MM)`, read at fixed places with char codes:
 * about half the time of {@link scanAnyTimestamp}, which a 1000-person answer asks up to 4000 times. Undefined when the
 * text is not in that shape (the general scan decides); for one that is, the same instant or NaN as the general scan
 * (test/upstream/timestamps.test.ts compares both with a reference parser).
 */
function scanUsualTimestamp(text: string): number | undefined {
  const n = text.length;
  if (n < 20 || text.charCodeAt(10) !== T_CODE) return undefined;
  if (text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH) return undefined;
  if (text.charCodeAt(13) !== COLON || text.charCodeAt(16) !== COLON) return undefined;
  let i = 19;
  let millis = 0;
  if (text.charCodeAt(i) === DOT) {
    millis = digits(text, 20, 3);
    // Fewer fraction digits: the general scan (more leave a digit where the zone must be, below).
    if (millis < 0) return undefined;
    i = 23;
  }
  let offsetMinutes = 0;
  const zone = text.charCodeAt(i);
  if (zone === PLUS || zone === DASH) {
    if (n !== i + 6 || text.charCodeAt(i + 3) !== COLON) return undefined;
    const offsetHours = twoDigits(text, i + 1);
    const offsetMins = twoDigits(text, i + 4);
    if (offsetHours < 0 || offsetMins < 0) return undefined;
    if (offsetHours > 23 || offsetMins > 59) return NaN;
    offsetMinutes = (zone === DASH ? -1 : 1) * (offsetHours * 60 + offsetMins);
  } else if (zone !== Z_CODE || n !== i + 1) {
    return undefined;
  }
  const century = twoDigits(text, 0);
  const yearOfCentury = twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if ((century | yearOfCentury | month | day | hour | minute | second) < 0) return undefined;
  const year = century * 100 + yearOfCentury;
  return instantOf(year, month, day, hour, minute, second, millis, offsetMinutes);
}

/** The instant of a local date and time at an offset from UTC (minutes), or NaN when that date or time does not exist. */
function instantOf(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
  offsetMinutes: number,
): number {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  const at = daysFromCivil(year, month, day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
  return validTime(at - offsetMinutes * 60_000);
}

const DASH = 0x2d;
const PLUS = 0x2b;
const COLON = 0x3a;
const DOT = 0x2e;
const T_CODE = 0x54;
const Z_CODE = 0x5a;

/**
 * {@link digits} of two digits, without its loop: the fixed-place scan reads seven such numbers a timestamp, and with
 * `digits` it took 63–69 instead of 49–54 ns (medians, freshly parsed strings, one process).
 */
function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 48;
  const ones = text.charCodeAt(at + 1) - 48;
  // NaN (past the end) fails both comparisons.
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}

/** Any shape the top comment allows, one character at a time. */
function scanAnyTimestamp(text: string): number {
  const n = text.length;
  let i = skipSpaces(text, 0);
  if (i + 16 > n || text[i + 4] !== '-' || text[i + 7] !== '-') return NaN;
  const year = digits(text, i, 4);
  const month = digits(text, i + 5, 2);
  const day = digits(text, i + 8, 2);
  i += 10;
  const separatorFrom = i;
  while (i < n && (text[i] === 'T' || text[i] === 't' || isSpace(text.charCodeAt(i)))) i++;
  if (year < 0 || month < 0 || day < 0 || i === separatorFrom || i + 5 > n || text[i + 2] !== ':') return NaN;
  const hour = digits(text, i, 2);
  const minute = digits(text, i + 3, 2);
  if (hour < 0 || minute < 0) return NaN;
  i += 5;
  let second = 0;
  let millis = 0;
  if (text[i] === ':') {
    second = digits(text, i + 1, 2);
    if (second < 0) return NaN;
    i += 3;
    if (text[i] === '.' || text[i] === ',') {
      const from = ++i;
      while (i < n && i - from < 9 && isDigit(text.charCodeAt(i))) i++;
      const width = i - from;
      if (width === 0) return NaN;
      millis = digits(text, from, Math.min(width, 3)) * (width === 1 ? 100 : width === 2 ? 10 : 1);
    }
  }
  i = skipSpaces(text, i);
  let offsetMinutes = 0;
  if (text[i] === 'Z' || text[i] === 'z') {
    i++;
  } else if (text[i] === '+' || text[i] === '-') {
    const sign = text[i] === '-' ? -1 : 1;
    const offsetHours = digits(text, i + 1, 2);
    if (offsetHours < 0) return NaN;
    i += 3;
    let offsetMins = 0;
    if (text[i] === ':' || (i < n && isDigit(text.charCodeAt(i)))) {
      if (text[i] === ':') i++;
      offsetMins = digits(text, i, 2);
      if (offsetMins < 0) return NaN;
      i += 2;
    }
    if (offsetHours > 23 || offsetMins > 59) return NaN;
    offsetMinutes = sign * (offsetHours * 60 + offsetMins);
  }
  if (skipSpaces(text, i) !== n) return NaN;
  return instantOf(year, month, day, hour, minute, second, millis, offsetMinutes);
}

/** The number `count` decimal digits at `from` spell, or -1 when any is not a digit or the text ends first. */
function digits(text: string, from: number, count: number): number {
  if (from + count > text.length) return -1;
  let result = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    result = result * 10 + d;
  }
  return result;
}

function skipSpaces(text: string, from: number): number {
  let i = from;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** What the regex `\s` matches. */
function isSpace(code: number): boolean {
  return (
    (code >= 9 && code <= 13) ||
    code === 32 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/** NaN unless `ms` is a time a Date can hold (±8.64e15 ms). */
function validTime(ms: number): number {
  return Math.abs(ms) <= 8.64e15 ? ms : NaN;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's days_from_civil): arithmetic, where
 * Date.UTC cost a quarter of a parse (and read years 0–99 as 1900–1999). Only the era can be negative (the start of
 * year 0): every other quotient is of non-negative numbers and truncated with `| 0`, integer arithmetic where
 * `Math.floor` of a division took a third of the fixed-place scan's time.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = y >= 0 ? (y / 400) | 0 : Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = (((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) | 0) + day - 1;
  const dayOfEra = yearOfEra * 365 + ((yearOfEra / 4) | 0) - ((yearOfEra / 100) | 0) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Days in `month` (1–12) of `year`, Gregorian. */
function daysInMonth(year: number, month: number): number {
  if (month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 0;
}

/** The same instant `months` calendar months earlier, the day clamped to the month's end (31 Aug → 29 Feb). */
export function monthsBefore(date: Date, months: number): Date {
  const total = date.getUTCFullYear() * 12 + date.getUTCMonth() - months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const result = new Date(date);
  result.setUTCDate(1);
  result.setUTCFullYear(year, month, Math.min(date.getUTCDate(), daysInMonth(year, month + 1)));
  return result;
}

/**
 * `new Date(ms).toISOString()` without the Date: `2023-08-05T10:45:15.768Z`, years outside 0–9999 as `+YYYYYY` or
 * `-YYYYYY`. V8 formats toISOString through its C++ runtime at about 1.2 µs a call, and a 1000-person answer with every
 * field has up to eight DateTime fields a person (16 % of such a query's CPU went there); this takes about a sixth of
 * that, from the tables below.
 * `ms` must be a Date's time value (an integer within ±8.64e15); anything else is a RangeError.
 */
export function formatInstant(ms: number): string {
  if (!Number.isInteger(ms) || Math.abs(ms) > 8.64e15) throw new RangeError('Invalid time value');
  const days = Math.floor(ms / 86_400_000);
  const msOfDay = ms - days * 86_400_000;
  const millis = msOfDay % 1000;
  const seconds = (msOfDay - millis) / 1000;
  const second = seconds % 60;
  return datePart(days) + HOUR_MINUTE[(seconds - second) / 60] + SECOND[second] + MILLIS[millis];
}

/** `YYYY-MM-DDT` of the day `days` after 1970-01-01 (H. Hinnant's civil_from_days, the inverse of daysFromCivil). */
function datePart(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  // Months counted from March (0) to February (11), so the leap day comes last.
  const fromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * fromMarch + 2) / 5) + 1;
  const month = fromMarch < 10 ? fromMarch + 3 : fromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const yearText = year >= 0 && year <= 9999 ? pad(year, 4) : (year < 0 ? '-' : '+') + pad(Math.abs(year), 6);
  return yearText + MONTH_DAY[month * 32 + day];
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');
/** `-MM-DDT` at month * 32 + day. */
const MONTH_DAY: string[] = [];
for (let month = 1; month <= 12; month++) {
  for (let day = 1; day <= 31; day++) MONTH_DAY[month * 32 + day] = `-${pad(month, 2)}-${pad(day, 2)}T`;
}
/** `HH:MM:` at the minute of the day. */
const HOUR_MINUTE = Array.from({ length: 1440 }, (_, i) => `${pad(Math.floor(i / 60), 2)}:${pad(i % 60, 2)}:`);
const SECOND = Array.from({ length: 60 }, (_, i) => `${pad(i, 2)}.`);
const MILLIS = Array.from({ length: 1000 }, (_, i) => `${pad(i, 3)}Z`);
