/**
 * Upstream timestamps come in several shapes (reference §2 and §3): `2010-12-16T13:32:05.000+01:00`,
 * `2023-06-29T10:14:52+02`, `2023-08-05T10:45:15.768Z`, even `2017-11-02 T15:02:32 +0100`. Parsed leniently; anything
 * unreadable becomes null rather than failing a whole person or client.
 */
export function parseUpstreamTimestamp(value: unknown): Date | null {
  if (typeof value === 'number') return validDate(new Date(value * 1000));
  if (typeof value !== 'string') return null;
  // Fast path for the common strict shape (thousands per 1000-person answer), read digit by digit.
  const strict = parseStrictIso(value);
  if (strict !== undefined) return strict;
  const compact = value.trim().replace(/\s+/g, ' ');
  const match = /^(\d{4}-\d{2}-\d{2})[T ]+(\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?) ?(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(
    compact,
  );
  if (!match) return null;
  const [, date, time, zone] = match;
  if (!isCalendarDate(date ?? '') || !isClockTime(time ?? '')) return null;
  const normalizedTime = (time ?? '').replace(',', '.');
  let offset = 'Z';
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    offset = `${digits.slice(0, 3)}:${digits.slice(3, 5) || '00'}`;
  }
  return validDate(new Date(`${date}T${normalizedTime}${offset}`));
}

/**
 * `2023-08-05T10:45:15.768Z`, `2010-12-16T13:32:05.000+01:00` (fraction of 1–3 digits optional): the instant, null for
 * a date or time that does not exist, undefined for any other shape (left to the lenient parser).
 */
function parseStrictIso(value: string): Date | null | undefined {
  const n = value.length;
  if (n < 20 || n > 29) return undefined;
  const digits = (from: number, count: number): number => {
    let result = 0;
    for (let i = from; i < from + count; i++) {
      const d = value.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      result = result * 10 + d;
    }
    return result;
  };
  if (value[4] !== '-' || value[7] !== '-' || value[10] !== 'T' || value[13] !== ':' || value[16] !== ':') {
    return undefined;
  }
  const year = digits(0, 4);
  const month = digits(5, 2);
  const day = digits(8, 2);
  const hour = digits(11, 2);
  const minute = digits(14, 2);
  const second = digits(17, 2);
  // Date.UTC reads years 0–99 as 1900–1999: those (never seen upstream) go the slow way.
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined;
  let at = 19;
  let millis = 0;
  if (value[at] === '.') {
    let width = 0;
    while (width < 3 && at + 1 + width < n && digits(at + 1 + width, 1) >= 0) width++;
    if (width === 0) return undefined;
    millis = digits(at + 1, width) * (width === 1 ? 100 : width === 2 ? 10 : 1);
    at += 1 + width;
  }
  let offsetMinutes = 0;
  if (value[at] === 'Z' && at + 1 === n) {
    // UTC
  } else if ((value[at] === '+' || value[at] === '-') && at + 6 === n && value[at + 3] === ':') {
    const oh = digits(at + 1, 2);
    const om = digits(at + 4, 2);
    if (oh < 0 || om < 0) return undefined;
    offsetMinutes = (value[at] === '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    return undefined;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  return validDate(new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000));
}

function validDate(date: Date): Date | null {
  return Number.isNaN(date.getTime()) ? null : date;
}

/** `Date` would move 2024-02-30 to 1 March; a date that does not exist is refused instead. */
function isCalendarDate(date: string): boolean {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  return m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}

function isClockTime(time: string): boolean {
  const [h, min, sec] = time.split(':').map((part) => Number.parseFloat(part));
  return (h ?? 99) < 24 && (min ?? 99) < 60 && (sec === undefined || sec < 60);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in `month` (1–12) of `year`, Gregorian. */
export function daysInMonth(year: number, month: number): number {
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
