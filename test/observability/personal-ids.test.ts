import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  holdsValidPersonalId,
  mayHoldPersonalId,
  redactPersonalIds,
  uuidMayHoldPersonalId,
} from '../../src/observability/personal-ids.js';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';

describe('the personal-id rule of logs, spans and error messages', () => {
  it.each([
    ['11822648950', '[redacted]'],
    ['q_118226489500', 'q_[redacted]'],
    ['Oppslag 118226 48950', 'Oppslag [redacted]'],
    ['fnr=118226-48950;x', 'fnr=[redacted];x'],
    ['Lookup_118226_48950', 'Lookup_[redacted]'],
    ['１１８２２６４８９５０', '[redacted]'],
    ['١١٨٢٢٦٤٨٩٥٠', '[redacted]'],
    ['1 1 8 2 2 6 4 8 9 5 0', '[redacted]'],
    ['118226\u00a048950', '[redacted]'],
    ['12345678901', '[redacted]'],
    ['x 2026-11822648950', 'x [redacted]'],
    ['118226  48950', '[redacted]'],
    ['Lookup_118226__48950', 'Lookup_[redacted]'],
    ['r118226.48950', 'r[redacted]'],
    ['r118226:48950', 'r[redacted]'],
    ['118226 - 48950', '[redacted]'],
    ['"Q118226\\t48950"', '"Q[redacted]"'],
    ['"Q118226\\u200b48950"', '"Q[redacted]"'],
    ['118226\u200b48950', '[redacted]'],
    ['118226\u00ad48950', '[redacted]'],
    ['118226\u300048950', '[redacted]'],
    ['118226\u221248950', '[redacted]'],
    ['118226\u0301 48950', '[redacted]'],
    ['①①⑧②②⑥④⑧⑨⑤⓪', '[redacted]'],
    // A backslash in raw text (an error message) is a separator, not the start of an escape that hides a digit.
    ['118226\\48950', '[redacted]'],
    ['Unknown operation named "118226\\\\48950".', 'Unknown operation named "[redacted]".'],
    ['118226\\\\\\48950', '[redacted]'],
    ['"Q118226\\\\48950"', '"Q[redacted]"'],
  ])('scrubs %j', (text, scrubbed) => {
    expect(redactPersonalIds(text)).toBe(scrubbed);
    expect(mayHoldPersonalId(text)).toBe(true);
  });

  it.each([
    '"time":"2026-12-06T05:42:39.123Z"',
    'from 192.168.10.20:4000',
    'between 2026-12-06 05:42 and 06:10',
    'version 20.19.0-24.22.3',
    'took 1234 ms for 1000 ids',
    '1182264895',
    'phone +47 912 34 567',
    'req-2026-12-06-0001',
    '20261206-120000-001',
    '123456 78901',
  ])('leaves %j alone', (text) => {
    expect(redactPersonalIds(text)).toBe(text);
    expect(mayHoldPersonalId(text)).toBe(false);
  });

  it('scrubs a megabyte of digits and spaces whole, without checking every 11 of them', () => {
    expect(redactPersonalIds(`${'1 '.repeat(500_000)}x`)).toBe('[redacted] x');
    expect(mayHoldPersonalId(`${'1 '.repeat(500_000)}x`)).toBe(true);
  });

  it('finds a valid personal id among the digits of a trace id, and not a mere run of digits', () => {
    expect(holdsValidPersonalId(`11822648950${'0'.repeat(21)}`)).toBe(true);
    expect(holdsValidPersonalId(`ab${'41'.repeat(15)}`)).toBe(false);
    expect(holdsValidPersonalId('4bf92f3577b34da6a3ce929d0e0e4736')).toBe(false);
    expect(holdsValidPersonalId(`f${'0'.repeat(8)}22859197810${'0'.repeat(12)}`)).toBe(true);
  });
});

describe('uuidMayHoldPersonalId', () => {
  it('agrees with mayHoldPersonalId on UUID-like text, ids hidden among digits and dashes included', () => {
    const ids = syntheticPersonIdentifiers(50);
    const uuidLike = fc
      .tuple(
        fc.array(fc.constantFrom(...'0123456789abcdef-0123456789'), { minLength: 20, maxLength: 40 }),
        fc.nat({ max: 49 }),
        fc.nat({ max: 40 }),
        fc.array(fc.nat({ max: 10 }), { maxLength: 3 }),
        fc.boolean(),
      )
      .map(([chars, which, at, dashes, hide]) => {
        if (!hide) return chars.join('');
        const id = [...(ids[which] as string)];
        for (const d of dashes) id.splice(d + 1, 0, '-');
        chars.splice(Math.min(at, chars.length), 0, ...id);
        return chars.join('');
      });
    fc.assert(
      fc.property(uuidLike, (text) => uuidMayHoldPersonalId(text) === mayHoldPersonalId(text)),
      { numRuns: 5000, seed: 20261206, endOnFailure: true },
    );
    // And on real UUIDs, where the run test answers for four in five without the full rule.
    for (let i = 0; i < 20_000; i++) {
      const uuid = randomUUID();
      expect(uuidMayHoldPersonalId(uuid)).toBe(mayHoldPersonalId(uuid));
    }
    expect(uuidMayHoldPersonalId('1182264-8950-4abc-8def-0123456789ab')).toBe(true);
  });
});
