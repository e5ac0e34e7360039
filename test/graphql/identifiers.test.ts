import { describe, expect, it } from 'vitest';
import { isValidOrganizationNumber, isValidPersonIdentifier } from '../../src/graphql/identifiers.js';

/** The classic rule only (k1 must be exactly `11 - sum mod 11`): to show which vectors need the 2032 rule. */
function validUnderClassicRuleOnly(id: string): boolean {
  const d = Array.from(id, Number);
  const check = (weights: number[]) => {
    const c = 11 - (weights.reduce((s, w, i) => s + w * (d[i] ?? 0), 0) % 11);
    return c === 11 ? 0 : c;
  };
  return check([3, 7, 6, 1, 8, 9, 4, 5, 2]) === d[9] && check([5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) === d[10];
}

describe('isValidPersonIdentifier (reference §4)', () => {
  it('accepts 30108299939, valid only under the 2032 rule', () => {
    expect(validUnderClassicRuleOnly('30108299939')).toBe(false);
    expect(isValidPersonIdentifier('30108299939')).toBe(true);
  });

  it('accepts numbers valid under both rules', () => {
    for (const id of ['02013299997', '30108299920', '23079422568']) {
      expect(validUnderClassicRuleOnly(id)).toBe(true);
      expect(isValidPersonIdentifier(id)).toBe(true);
    }
  });

  it('accepts D-numbers (day + 40), H-numbers (month + 40) and Tenor synthetic numbers (month + 80)', () => {
    expect(isValidPersonIdentifier('63079422551')).toBe(true); // D: 23 + 40
    expect(isValidPersonIdentifier('71119422552')).toBe(true); // D: 31 + 40, November
    expect(isValidPersonIdentifier('23479422540')).toBe(true); // H: 07 + 40
    expect(isValidPersonIdentifier('23879422523')).toBe(true); // Tenor: 07 + 80
    // Digdir's public KRR test persons are Tenor numbers.
    for (const id of ['11887197158', '17894199350', '04846697271', '11822648950', '22859197810', '26826499361']) {
      expect(isValidPersonIdentifier(id)).toBe(true);
    }
  });

  it('refuses the wrong length, letters, spaces and other non-digits', () => {
    for (const id of [
      '',
      '2307942256',
      '230794225680',
      '2307942256a',
      'abcdefghijk',
      '230794 2568',
      ' 23079422568',
      '23079422568 ',
      '+3079422568',
      '２３０７９４２２５６８', // full-width digits
    ]) {
      expect(isValidPersonIdentifier(id)).toBe(false);
    }
  });

  it('refuses every other last digit of a valid number', () => {
    for (const valid of ['23079422568', '02013299997', '30108299939', '63079422551', '23879422523']) {
      for (let digit = 0; digit <= 9; digit++) {
        const flipped = valid.slice(0, 10) + String(digit);
        expect(isValidPersonIdentifier(flipped)).toBe(flipped === valid);
      }
    }
  });

  it('refuses a changed k1 when k2 is left as it was', () => {
    // k1 weighs 2 in the k2 sum, so changing k1 alone always breaks k2, whichever k1 rule is applied.
    for (let k1 = 0; k1 <= 9; k1++) {
      if (k1 === 6) continue;
      expect(isValidPersonIdentifier(`230794225${k1}8`)).toBe(false);
    }
  });

  it('refuses every number whose k2 would have to be 10', () => {
    // For d1..d10 = 2307940036 the k2 sum gives 11 - (sum mod 11) = 10: no digit can be the check digit.
    for (let digit = 0; digit <= 9; digit++) {
      expect(isValidPersonIdentifier(`2307940036${digit}`)).toBe(false);
    }
  });

  it('refuses checksum-valid numbers with an impossible date', () => {
    expect(isValidPersonIdentifier('23009422528')).toBe(false); // month 00
    expect(isValidPersonIdentifier('32139422588')).toBe(false); // day 32, month 13
  });
});

describe('isValidOrganizationNumber (reference §4)', () => {
  it('accepts valid organisation numbers', () => {
    for (const orgno of ['991825827', '984661185', '922020175']) expect(isValidOrganizationNumber(orgno)).toBe(true);
  });

  it("refuses the seed's invalid onbehalfof orgnos", () => {
    expect(isValidOrganizationNumber('991825828')).toBe(false);
    expect(isValidOrganizationNumber('991825829')).toBe(false);
  });

  it('refuses every other last digit of a valid number', () => {
    for (let digit = 0; digit <= 9; digit++) {
      expect(isValidOrganizationNumber(`98466118${digit}`)).toBe(digit === 5);
    }
  });

  it('refuses every number whose check digit would have to be 10', () => {
    // 99182507: 11 - (sum mod 11) = 10.
    for (let digit = 0; digit <= 9; digit++) expect(isValidOrganizationNumber(`99182507${digit}`)).toBe(false);
  });

  it('refuses the wrong length and non-digits', () => {
    for (const orgno of ['', '99182582', '9918258270', '99182582a', 'NO991825827', '991 825 827', '0192:991825827']) {
      expect(isValidOrganizationNumber(orgno)).toBe(false);
    }
  });
});
