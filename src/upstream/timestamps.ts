/**
 * Upstream timestamps come in several shapes (reference §2 and §3): `2010-12-16T13:32:05.000+01:00`,
 * `2023-06-29T10:14:52+02`, `2023-08-05T10:45:15.768Z`, even `2017-11-02 T15:02:32 +0100`. Parsed leniently; anything
 * unreadable becomes null rather than failing a whole person or client.
 */
export function parseUpstreamTimestamp(value: unknown): Date | null {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
  if (typeof value !== 'string') return null;
  const compact = value.trim().replace(/\s+/g, ' ');
  const match = /^(\d{4}-\d{2}-\d{2})[T ]+(\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?) ?(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(
    compact,
  );
  if (!match) return null;
  const [, date, time, zone] = match;
  const normalizedTime = (time ?? '').replace(',', '.');
  let offset = 'Z';
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    offset = `${digits.slice(0, 3)}:${digits.slice(3, 5) || '00'}`;
  }
  const parsed = new Date(`${date}T${normalizedTime}${offset}`);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}
