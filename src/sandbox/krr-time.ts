/**
 * The KRR simulator's own time rules, from reference/upstream-apis.md §2: its lenient reading of KRR's timestamp shapes
 * and the 18-month rule of eForvaltningsforskriften §32. Written apart from the facade's parser and constant
 * (src/upstream/timestamps.ts, src/krr/mapping.ts) so the simulator decides `varslingsstatus` on its own and can
 * disagree with the facade's idea of "stale" (see test/sandbox/independence.test.ts).
 */

/** eForvaltningsforskriften §32: a contact point not updated or verified in 18 months must not be used for notices. */
export const KRR_STALE_AFTER_MONTHS = 18;

/**
 * `YYYY-MM-DD`, a `T` and/or whitespace, `HH:MM[:SS[.fraction]]`, then optionally `Z` or an offset `±HH`, `±HHMM` or
 * `±HH:MM`, surrounding whitespace allowed. The three shapes KRR is seen to send (reference §2) are
 * `2010-12-16T13:32:05.000+01:00`, `2023-06-29T10:14:52+02` and `2023-08-05T10:45:15.768Z`.
 */
const KRR_TIMESTAMP =
  /^\s*(\d{4})-(\d{2})-(\d{2})[Tt\s]+(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)?\s*$/;

/** Days in `month` (1–12) of `year`, proleptic Gregorian. */
function daysInMonth(year: number, month: number): number {
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(year, month, 0); // day 0 of the next month: the month's last day
  return lastDay.getUTCDate();
}

/**
 * Epoch milliseconds of a KRR timestamp, NaN when it cannot be read (a date or time that does not exist, an unknown
 * shape). Without a zone the time is read as UTC. Fractions beyond milliseconds are cut off.
 */
export function parseKrrTimestamp(value: string): number {
  const m = KRR_TIMESTAMP.exec(value);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, fraction, sign, offsetH, offsetM] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const millis = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NaN;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  let offsetMinutes = 0;
  if (sign !== undefined) {
    const hours = Number(offsetH);
    const minutes = offsetM === undefined ? 0 : Number(offsetM);
    if (hours > 23 || minutes > 59) return NaN;
    offsetMinutes = (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(hour, minute, second, millis);
  return at.getTime() - offsetMinutes * 60_000;
}

/**
 * The oldest instant a contact point may have been updated or verified at `nowMs` and still be used: the same instant
 * 18 calendar months earlier, the day clamped to the end of a shorter month (31 August → the last day of February).
 */
export function krrStaleCutoff(nowMs: number): number {
  const now = new Date(nowMs);
  const cutoff = new Date(nowMs); // keeps the time of day
  cutoff.setUTCFullYear(now.getUTCFullYear(), now.getUTCMonth() - KRR_STALE_AFTER_MONTHS, 1);
  cutoff.setUTCDate(Math.min(now.getUTCDate(), daysInMonth(cutoff.getUTCFullYear(), cutoff.getUTCMonth() + 1)));
  return cutoff.getTime();
}
