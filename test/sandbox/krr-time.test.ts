import { describe, expect, it } from 'vitest';
import { KRR_STALE_AFTER_MONTHS, krrStaleCutoff, parseKrrTimestamp } from '../../src/sandbox/krr-time.js';

describe("the KRR simulator's timestamps (reference §2)", () => {
  it('reads the three shapes KRR sends', () => {
    expect(parseKrrTimestamp('2010-12-16T13:32:05.000+01:00')).toBe(Date.parse('2010-12-16T12:32:05.000Z'));
    expect(parseKrrTimestamp('2023-06-29T10:14:52+02')).toBe(Date.parse('2023-06-29T08:14:52Z'));
    expect(parseKrrTimestamp('2023-08-05T10:45:15.768Z')).toBe(Date.parse('2023-08-05T10:45:15.768Z'));
  });

  it('is lenient about the rest: ±HHMM, no seconds, long fractions, spaces, no zone (UTC)', () => {
    expect(parseKrrTimestamp('2017-11-02 T15:02:32 +0100')).toBe(Date.parse('2017-11-02T14:02:32Z'));
    expect(parseKrrTimestamp('2023-06-29T10:14-02:30')).toBe(Date.parse('2023-06-29T12:44:00Z'));
    expect(parseKrrTimestamp('2023-08-05T10:45:15.768123456Z')).toBe(Date.parse('2023-08-05T10:45:15.768Z'));
    expect(parseKrrTimestamp('2023-08-05T10:45:15.7z')).toBe(Date.parse('2023-08-05T10:45:15.700Z'));
    expect(parseKrrTimestamp(' 2023-08-05 10:45:15 ')).toBe(Date.parse('2023-08-05T10:45:15Z'));
  });

  it('gives NaN for what is not a time, or a date that does not exist', () => {
    for (const text of [
      '',
      'i går',
      '2023-08-05',
      '2023-02-29T10:00:00Z',
      '2023-13-01T10:00:00Z',
      '2023-08-05T24:00:00Z',
      '2023-08-05T10:45:15+24',
      '2023-08-05T10:45:15.Z',
      '2023-08-05T10:45:15Zjunk',
    ]) {
      expect(parseKrrTimestamp(text), text).toBeNaN();
    }
    expect(parseKrrTimestamp('2024-02-29T10:00:00Z')).toBe(Date.parse('2024-02-29T10:00:00Z'));
  });
});

describe("the KRR simulator's 18-month rule (eForvaltningsforskriften §32)", () => {
  it('is 18 months', () => {
    expect(KRR_STALE_AFTER_MONTHS).toBe(18);
  });

  it('puts the cutoff 18 calendar months back at the same time of day', () => {
    expect(new Date(krrStaleCutoff(Date.parse('2026-11-21T12:00:00Z'))).toISOString()).toBe('2025-05-21T12:00:00.000Z');
    expect(new Date(krrStaleCutoff(Date.parse('2026-03-15T23:59:59.999Z'))).toISOString()).toBe(
      '2024-09-15T23:59:59.999Z',
    );
  });

  it('clamps the day to the end of a shorter month', () => {
    expect(new Date(krrStaleCutoff(Date.parse('2026-08-31T08:00:00Z'))).toISOString()).toBe('2025-02-28T08:00:00.000Z');
    expect(new Date(krrStaleCutoff(Date.parse('2025-08-31T08:00:00Z'))).toISOString()).toBe('2024-02-29T08:00:00.000Z');
    expect(new Date(krrStaleCutoff(Date.parse('2026-12-31T00:00:00Z'))).toISOString()).toBe('2025-06-30T00:00:00.000Z');
  });
});
