import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatInstant, parseUpstreamTimestamp } from '../../src/upstream/timestamps.js';

const iso = (value: unknown) => parseUpstreamTimestamp(value)?.toISOString() ?? null;

describe('parseUpstreamTimestamp', () => {
  it('reads the shapes KRR and the admin API are seen to send (reference §2)', () => {
    expect(iso('2010-12-16T13:32:05.000+01:00')).toBe('2010-12-16T12:32:05.000Z');
    expect(iso('2023-06-29T10:14:52+02')).toBe('2023-06-29T08:14:52.000Z');
    expect(iso('2023-08-05T10:45:15.768Z')).toBe('2023-08-05T10:45:15.768Z');
    expect(iso('2017-11-02 T15:02:32 +0100')).toBe('2017-11-02T14:02:32.000Z');
  });

  it('reads other offsets, fractions and separators leniently', () => {
    expect(iso('2023-06-29T10:14:52-03:30')).toBe('2023-06-29T13:44:52.000Z');
    expect(iso('2023-06-29T10:14:52+0200')).toBe('2023-06-29T08:14:52.000Z');
    expect(iso('2023-06-29 10:14:52Z')).toBe('2023-06-29T10:14:52.000Z');
    expect(iso('2023-08-05T10:45:15,768Z')).toBe('2023-08-05T10:45:15.768Z');
    expect(iso('2023-08-05T10:45:15.768123456Z')).toBe('2023-08-05T10:45:15.768Z');
    expect(iso('2023-08-05T10:45Z')).toBe('2023-08-05T10:45:00.000Z');
    expect(iso('  2023-08-05T10:45:15Z  ')).toBe('2023-08-05T10:45:15.000Z');
    expect(iso('2023-08-05t10:45:15z')).toBe('2023-08-05T10:45:15.000Z');
  });

  it('reads every text exactly as the regex-based reference parser does', () => {
    const two = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
    const space = fc.constantFrom('', ' ', '  ', '\t', '\u00a0');
    const timestamp = fc
      .record({
        lead: space,
        year: fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        month: two,
        day: two,
        separator: fc.constantFrom('T', 't', ' ', ' T', 'T ', ' T ', 'TT', ''),
        hour: two,
        minute: two,
        second: fc.option(two),
        fraction: fc.option(fc.tuple(fc.constantFrom('.', ','), fc.stringMatching(/^[0-9]{0,11}$/))),
        gap: space,
        zone: fc.constantFrom(
          '',
          'Z',
          'z',
          '+01:00',
          '-03:30',
          '+02',
          '+0100',
          '+24:00',
          '+23:59',
          '+02:',
          '+2',
          '-00',
        ),
        trail: space,
      })
      .map(
        (p) =>
          `${p.lead}${p.year}-${p.month}-${p.day}${p.separator}${p.hour}:${p.minute}` +
          `${p.second === null ? '' : `:${p.second}${p.fraction ? p.fraction.join('') : ''}`}${p.gap}${p.zone}${p.trail}`,
      );
    const mutated = fc
      .tuple(timestamp, fc.nat(), fc.constantFrom('', 'x', '9', ':', '-', ' ', 'T', '.'))
      .map(([text, at, insert]) => text.slice(0, at % (text.length + 1)) + insert + text.slice(at % (text.length + 1)));
    fc.assert(
      fc.property(fc.oneof(timestamp, mutated), (text) => {
        expect(parseUpstreamTimestamp(text)?.getTime() ?? null).toBe(referenceParse(text)?.getTime() ?? null);
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads the usual shape, YYYY-MM-DDTHH:MM:SS[.mmm](Z|±HH:MM), at fixed places exactly as the reference does', () => {
    // The shape KRR sends is read by a fast path of its own: any date, time or offset, in range or not, and the
    // near-misses it must leave to the general scan (other fraction widths, zones, a character out of place).
    const two = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
    const usual = fc
      .record({
        year: fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        month: two,
        day: fc.oneof(two, fc.constantFrom('28', '29', '30', '31')),
        hour: two,
        minute: two,
        second: two,
        fraction: fc.oneof(fc.constant(''), fc.stringMatching(/^\.[0-9]{3}$/), fc.stringMatching(/^[.,][0-9]{0,4}$/)),
        zone: fc.oneof(
          fc.constantFrom('Z', 'z', '+02', '+0100', ''),
          fc.tuple(fc.constantFrom('+', '-'), two, two).map(([sign, h, m]) => `${sign}${h}:${m}`),
        ),
      })
      .map((p) => `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${p.fraction}${p.zone}`);
    // A character replaced, or one more put in (at the end too).
    const nearMiss = fc
      .tuple(usual, fc.nat(), fc.constantFrom('x', '9', '0', ':', '-', '+', ' ', 'T', '.', 'Z', '\u0660'), fc.boolean())
      .map(([text, at, char, insert]) => {
        const i = at % (text.length + 1);
        return text.slice(0, i) + char + text.slice(insert ? i : i + 1);
      });
    fc.assert(
      fc.property(fc.oneof(usual, nearMiss), (text) => {
        expect(parseUpstreamTimestamp(text)?.getTime() ?? null).toBe(referenceParse(text)?.getTime() ?? null);
      }),
      { numRuns: 20_000 },
    );
    expect(iso('2020-02-29T23:59:59.999+23:59')).toBe('2020-02-29T00:00:59.999Z');
    expect(iso('2021-02-29T10:00:00Z')).toBeNull();
    expect(iso('2023-08-05T10:45:15.12Z+01:00')).toBeNull();
    expect(iso('2023-08-05T10:45:15.1234Z')).toBe('2023-08-05T10:45:15.123Z');
    expect(iso('2023-08-05T10:45:15.12Z')).toBe('2023-08-05T10:45:15.120Z');
    expect(iso('2023-08-05T10:45:15Z ')).toBe('2023-08-05T10:45:15.000Z');
    expect(iso('2021-01-01T10:00:00+24:00')).toBeNull();
    expect(iso('0000-01-01T00:00:00Z')).toBe('0000-01-01T00:00:00.000Z');
  });

  it('gives the instant Date gives for any time of the years 0001–9999, in UTC and at any whole-minute offset', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('0001-01-02T00:00:00Z'),
          max: new Date('9999-12-30T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
        (date, offsetMinutes) => {
          expect(iso(date.toISOString())).toBe(date.toISOString());
          // The same instant written as local time at the offset.
          const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, -1);
          const abs = Math.abs(offsetMinutes);
          const zone = `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          expect(iso(`${local}${zone}`)).toBe(date.toISOString());
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads epoch seconds', () => {
    expect(iso(1_700_000_000)).toBe('2023-11-14T22:13:20.000Z');
    expect(iso(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(iso(1_691_232_315.768)).toBe('2023-08-05T10:45:15.768Z');
  });

  it('reads epoch milliseconds (a Jackson default) as milliseconds, not as seconds thousands of years ahead', () => {
    expect(iso(1_698_840_000_000)).toBe('2023-11-01T12:00:00.000Z');
    expect(iso(1e11)).toBe('1973-03-03T09:46:40.000Z');
    // Just below, seconds: the year 5138.
    expect(iso(1e11 - 1)).toBe('5138-11-16T09:46:39.000Z');
    expect(iso(-1_698_840_000_000)).toBe(new Date(-1_698_840_000_000).toISOString());
  });

  it('answers null for garbage instead of throwing', () => {
    for (const value of [
      'garbage',
      '',
      '   ',
      '2023-06-29',
      '29.06.2023 10:14',
      '2023-06-29T10:14:52+2',
      '2023-13-29T10:14:52Z',
      '2023-06-29T25:14:52Z',
      '2023-06-29T10:14:52 Europe/Oslo',
      'null',
      null,
      undefined,
      true,
      {},
      [],
      ['2023-06-29T10:14:52Z'],
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ]) {
      expect(parseUpstreamTimestamp(value)).toBeNull();
    }
  });

  it('answers null, never an Invalid Date, for numbers outside the range of a Date', () => {
    for (const value of [1e20, -1e20, Number.MAX_VALUE, 9e15, -9e15]) {
      const parsed = parseUpstreamTimestamp(value);
      expect(Number.isNaN(parsed?.getTime()), `Invalid Date for ${value}`).toBe(false);
      expect(parsed).toBeNull();
    }
  });
});

describe('formatInstant', () => {
  const MAX = 8.64e15;

  it('formats as Date#toISOString does, at the edges of days, months, years, eras and the range', () => {
    const edges = [
      0,
      -0,
      1,
      -1,
      999,
      1000,
      86_399_999,
      86_400_000,
      -86_400_000,
      -86_400_001,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(1900, 1, 28, 12),
      Date.UTC(2100, 2, 1),
      Date.UTC(2024, 11, 31, 23, 59, 59, 999),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(10_000, 0, 1),
      Date.UTC(0, 0, 1) - 1,
      -62_167_219_200_000,
      -62_167_219_200_001,
      -62_198_755_200_000,
      MAX,
      -MAX,
      MAX - 1,
      -MAX + 1,
    ];
    for (const ms of edges) expect(formatInstant(ms), String(ms)).toBe(new Date(ms).toISOString());
  });

  it('formats every time a Date can hold as Date#toISOString does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX, max: MAX }), (ms) => formatInstant(ms) === new Date(ms).toISOString()),
      { numRuns: 20_000 },
    );
    // Times of this era, where upstream timestamps are.
    const recent = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1) });
    fc.assert(
      fc.property(recent, (ms) => formatInstant(ms) === new Date(ms).toISOString()),
      { numRuns: 20_000 },
    );
  });

  it('refuses what toISOString refuses', () => {
    for (const ms of [NaN, Infinity, -Infinity, MAX + 1, -MAX - 1, 1.5]) {
      expect(() => formatInstant(ms), String(ms)).toThrow(RangeError);
    }
  });
});

/** The parser as it was before the one-pass scanner: regular expressions and `Date`'s own string parsing. */
function referenceParse(value: string): Date | null {
  const compact = value.trim().replace(/\s+/g, ' ');
  const match = /^(\d{4}-\d{2}-\d{2})[T ]+(\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?) ?(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(
    compact,
  );
  if (!match) return null;
  const [, date = '', time = '', zone] = match;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
  if (m < 1 || m > 12 || d < 1 || d > days) return null;
  const [h = 99, min = 99, sec] = time.split(':').map((part) => Number.parseFloat(part));
  if (h >= 24 || min >= 60 || (sec !== undefined && sec >= 60)) return null;
  let offset = 'Z';
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    offset = `${digits.slice(0, 3)}:${digits.slice(3, 5) || '00'}`;
  }
  const parsed = new Date(`${date}T${time.replace(',', '.')}${offset}`);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
}
