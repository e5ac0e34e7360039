/**
 * Norwegian identifiers as the simulators judge them, written from reference/upstream-apis.md §4 alone.
 *
 * The facade has its own checks (src/graphql/identifiers.ts) and the sandbox must not import them: a simulator that
 * asks the facade what is valid agrees with it by construction, so a mistake in the facade's rules could never show up
 * as a disagreement in the tests that run the facade against the simulators. Fix this file from the reference, never by
 * copying the facade (test/sandbox/independence.test.ts keeps the import out).
 */

/** k1 over d1..d9 (reference §4). */
const K1_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2] as const;
/** k2 over d1..d9 and k1. */
const K2_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;
/** The organisation number's check digit over its first eight digits. */
const ORGNO_WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2] as const;

/** The 2032 rule: `(sum1 + k1) mod 11` may be any of these (the classic rule is the remainder 0). */
const REMAINDERS_ALLOWED_FROM_2032 = new Set([0, 1, 2, 3]);

/** The digits of `value` when it is exactly `length` ASCII digits, else undefined. */
function digitsOf(value: unknown, length: number): number[] | undefined {
  if (typeof value !== 'string' || value.length !== length) return undefined;
  const digits: number[] = [];
  for (let i = 0; i < length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return undefined;
    digits.push(code - 0x30);
  }
  return digits;
}

/** Σ digits[i] × weights[i] over the weights' length. */
function weightedSum(digits: readonly number[], weights: readonly number[]): number {
  return weights.reduce((sum, weight, i) => sum + weight * (digits[i] ?? 0), 0);
}

/** `11 - (sum mod 11)` with 11 read as 0; undefined when it gives 10 (no valid check digit exists). */
function mod11Check(sum: number): number | undefined {
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  return check === 10 ? undefined : check;
}

/**
 * True when `id` is 11 digits whose check digits k1 and k2 hold: k1 under the classic rule or the 2032 rule (both are
 * valid now, reference §4), k2 always under the classic rule. Says nothing about the date in the first six digits.
 */
export function hasValidPersonCheckDigits(id: unknown): boolean {
  const d = digitsOf(id, 11);
  if (!d) return false;
  const k1 = d[9] as number;
  const k2 = d[10] as number;
  const sum1 = weightedSum(d, K1_WEIGHTS);
  const classicK1 = mod11Check(sum1);
  const k1Holds = k1 === classicK1 || REMAINDERS_ALLOWED_FROM_2032.has((sum1 + k1) % 11);
  if (!k1Holds) return false;
  const expectedK2 = mod11Check(weightedSum(d, K2_WEIGHTS));
  return expectedK2 !== undefined && k2 === expectedK2;
}

/**
 * True when the first four digits read as a day 1–31 and a month 1–12 once the documented offsets are removed: day
 * + 40 (D-number), month + 40 (H-number, NAV Dolly synthetic) or + 80 (Skatteetaten Tenor synthetic, the kind KRR's
 * test environment uses). The offsets combine (a Tenor D-number has both). Days are not checked against the month.
 */
export function hasPlausibleBirthDate(id: string): boolean {
  const d = digitsOf(id.slice(0, 4), 4);
  if (!d) return false;
  const day = (d[0] as number) * 10 + (d[1] as number);
  const month = (d[2] as number) * 10 + (d[3] as number);
  const dayOk = (day >= 1 && day <= 31) || (day >= 41 && day <= 71);
  const monthOk = (month >= 1 && month <= 12) || (month >= 41 && month <= 52) || (month >= 81 && month <= 92);
  return dayOk && monthOk;
}

/**
 * A personal identifier the simulators treat as one that could belong to a person: fødselsnummer, D-number, H-number
 * or synthetic test number, with valid check digits (either k1 rule) and a plausible day and month.
 *
 * The reference does not say that KRR checks dates. The date check is here because the KRR simulator uses this only
 * to decide whether an unknown id gets a generated person (`populateUnknown`): the population register holds nobody
 * born on the 35th, so such an id stays IKKE_REGISTRERT, as the simulator has always answered it.
 */
export function isValidPersonId(id: unknown): boolean {
  return typeof id === 'string' && hasValidPersonCheckDigits(id) && hasPlausibleBirthDate(id);
}

/** A 9-digit organisation number whose ninth digit is the mod-11 check digit over weights 3 2 7 6 5 4 3 2. */
export function isValidOrgno(orgno: unknown): boolean {
  const d = digitsOf(orgno, 9);
  if (!d) return false;
  const check = mod11Check(weightedSum(d, ORGNO_WEIGHTS));
  return check !== undefined && d[8] === check;
}
