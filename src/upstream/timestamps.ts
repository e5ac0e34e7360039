/**
 * Upstream timestamps come in several shapes (reference §2 and §3): `2010-12-16T13:32:05.000+01:00`,
 * `2023-06-29T10:14:52+02`, `2023-08-05T10:45:15.768Z`, even `2017-11-02 T15:02:32 +0100`. Parsed leniently; anything
 * unreadable becomes null rather than failing a whole person or client.
 */
export function parseUpstreamTimestamp(value: unknown): Date | null {
  if (typeof value === 'number') return validDate(new Date(value * 1000));
  if (typeof value !== 'string') return null;
  // Fast path for the common strict shape (thousands per 1000-person answer): let the engine parse it.
  if (STRICT_ISO.test(value)) {
    return isCalendarDate(value.slice(0, 10)) ? validDate(new Date(value)) : null;
  }
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

/** `2023-08-05T10:45:15.768Z`, `2010-12-16T13:32:05.000+01:00`: what Date parses exactly as ISO-8601. */
const STRICT_ISO = /^\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})$/;

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
