import { describe, expect, it } from 'vitest';
import {
  hasPlausibleBirthDate,
  hasValidPersonCheckDigits,
  isValidOrgno,
  isValidPersonId,
} from '../../src/sandbox/norwegian-ids.js';

/** The classic rule alone, spelled out here: to show which reference vectors need the 2032 rule. */
function classicRuleHolds(id: string): boolean {
  const d = Array.from(id, Number);
  const check = (weights: number[]): number => {
    const c = 11 - (weights.reduce((sum, w, i) => sum + w * (d[i] ?? 0), 0) % 11);
    return c === 11 ? 0 : c;
  };
  return check([3, 7, 6, 1, 8, 9, 4, 5, 2]) === d[9] && check([5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) === d[10];
}

describe('sandbox isValidPersonId (reference §4)', () => {
  it('accepts 30108299939, valid only under the 2032 rule', () => {
    expect(classicRuleHolds('30108299939')).toBe(false);
    expect(hasValidPersonCheckDigits('30108299939')).toBe(true);
    expect(isValidPersonId('30108299939')).toBe(true);
  });

  it('accepts the vectors valid under both rules: 02013299997, 30108299920, 23079422568', () => {
    for (const id of ['02013299997', '30108299920', '23079422568']) {
      expect(classicRuleHolds(id), id).toBe(true);
      expect(isValidPersonId(id), id).toBe(true);
    }
  });

  it("accepts Digdir's KRR test persons (Tenor synthetic numbers, month + 80)", () => {
    for (const id of [
      '11887197158',
      '17894199350',
      '04846697271',
      '11822648950',
      '22859197810',
      '26826499361',
      '18886799280',
    ]) {
      expect(isValidPersonId(id), id).toBe(true);
    }
  });

  it('refuses the wrong length, non-digits and non-strings', () => {
    for (const id of [
      '',
      '3010829993',
      '301082999390',
      '3010829993a',
      ' 30108299939',
      '30108299939 ',
      '30108-299939',
      '３０１０８２９９９３９', // full-width digits
    ]) {
      expect(isValidPersonId(id), JSON.stringify(id)).toBe(false);
    }
    for (const value of [30108299939, null, undefined, ['30108299939']]) {
      expect(isValidPersonId(value), String(value)).toBe(false);
    }
  });

  it('refuses k2 off by one', () => {
    for (const id of ['30108299921', '30108299938', '02013299996', '23079422569', '23079422567']) {
      expect(hasValidPersonCheckDigits(id), id).toBe(false);
      expect(isValidPersonId(id), id).toBe(false);
    }
  });

  it('refuses a k1 that fits neither rule, even with a matching k2', () => {
    // 301082999: sum1 mod 11 leaves (sum1 + 6) mod 11 = 4 and (sum1 + 1) mod 11 = 10; k2 computed over each.
    expect(hasValidPersonCheckDigits('30108299963')).toBe(false);
    expect(hasValidPersonCheckDigits('30108299912')).toBe(false);
  });

  it('refuses check digits that would have to be 10', () => {
    // k2 over 301082999 and k1 = 8 comes out as 10: no k2 digit makes it valid.
    for (let k2 = 0; k2 <= 9; k2++) expect(hasValidPersonCheckDigits(`301082999${8}${k2}`)).toBe(false);
  });

  it('accepts D-numbers (day + 40), H-numbers (month + 40) and synthetic numbers (month + 40 or + 80)', () => {
    expect(hasPlausibleBirthDate('71119422552')).toBe(true); // day 31 + 40
    expect(hasPlausibleBirthDate('41019422552')).toBe(true); // day 1 + 40
    expect(hasPlausibleBirthDate('23529422540')).toBe(true); // month 12 + 40
    expect(hasPlausibleBirthDate('23929422540')).toBe(true); // month 12 + 80
    expect(hasPlausibleBirthDate('63879422540')).toBe(true); // both offsets: a Tenor D-number
  });

  it('refuses an impossible day or month even when the check digits hold', () => {
    for (const id of ['00108299908', '30008299907', '30138299909', '32308299901']) {
      expect(hasValidPersonCheckDigits(id), id).toBe(true);
      expect(isValidPersonId(id), id).toBe(false);
    }
    for (const prefix of ['7201', '4001', '3153', '3180', '3193']) {
      expect(hasPlausibleBirthDate(`${prefix}9422540`), prefix).toBe(false);
    }
  });
});

describe('sandbox isValidOrgno (reference §4)', () => {
  it('accepts 991825827, 984661185 (Digipost) and 922020175 (e-Boks)', () => {
    for (const orgno of ['991825827', '984661185', '922020175']) expect(isValidOrgno(orgno), orgno).toBe(true);
  });

  it("refuses the seed document's example orgnos 991825828 and 991825829", () => {
    expect(isValidOrgno('991825828')).toBe(false);
    expect(isValidOrgno('991825829')).toBe(false);
  });

  it('reads a computed 11 as check digit 0', () => {
    expect(isValidOrgno('991825010')).toBe(true);
  });

  it('refuses every number whose check digit would be 10', () => {
    for (let last = 0; last <= 9; last++) expect(isValidOrgno(`99182507${last}`)).toBe(false);
  });

  it('refuses the wrong length, non-digits and non-strings', () => {
    for (const orgno of ['', '99182582', '9918258270', '99182582a', ' 991825827', '991 825 827', '99182582７']) {
      expect(isValidOrgno(orgno), JSON.stringify(orgno)).toBe(false);
    }
    for (const value of [991825827, null, undefined]) expect(isValidOrgno(value), String(value)).toBe(false);
  });
});
