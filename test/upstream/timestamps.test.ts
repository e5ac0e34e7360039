import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseUpstreamTimestamp } from '../../src/upstream/timestamps.js';

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

  it('reads the strict ISO shape exactly as the engine does (the fast path)', () => {
    const two = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 59 }),
        fc.option(fc.stringMatching(/^[0-9]{1,3}$/)),
        fc.option(fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 14 }), fc.constantFrom(0, 30, 45))),
        (y, mo, d, h, mi, sec, fraction, offset) => {
          const zone = offset ? `${offset[0]}${two(offset[1])}:${two(offset[2])}` : 'Z';
          const text = `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(sec)}${
            fraction === null ? '' : `.${fraction}`
          }${zone}`;
          const engine = new Date(text);
          const exists = d <= new Date(Date.UTC(2000, mo, 0)).getUTCDate() - (mo === 2 && !isLeap(y) ? 1 : 0);
          expect(iso(text)).toBe(exists ? engine.toISOString() : null);
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
    for (const value of [1e20, -1e20, Number.MAX_VALUE, 9e12]) {
      const parsed = parseUpstreamTimestamp(value);
      expect(Number.isNaN(parsed?.getTime()), `Invalid Date for ${value}`).toBe(false);
      expect(parsed).toBeNull();
    }
  });
});

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}
