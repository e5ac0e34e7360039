/**
 * Norwegian identifier checks (reference §4), for the scalars and the facade's own code. The simulators judge ids by
 * their own copy (src/sandbox/norwegian-ids.ts), so that the two can disagree.
 */

const K1_WEIGHTS = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const K2_WEIGHTS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
const ORGNO_WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2];

/** Σ digit(i) × weights[i], the digits read straight from the string (this runs for every id of every request). */
function weightedSum(value: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += (value.charCodeAt(i) - 48) * (weights[i] as number);
  return sum;
}

function digitAt(value: string, index: number): number {
  return value.charCodeAt(index) - 48;
}

/** `11 - (sum mod 11)`, 11 → 0; 10 means no valid check digit exists. */
function mod11CheckDigit(sum: number): number {
  const check = 11 - (sum % 11);
  return check === 11 ? 0 : check;
}

/**
 * True for an 11-digit personal identifier with valid check digits: fødselsnummer, D-number (day + 40),
 * H-number (month + 40) and synthetic test numbers (month + 40 or + 80). Both control-digit rules are accepted:
 * the classic one and the 2032 rule, under which `(sum1 + k1) mod 11` may be 0, 1, 2 or 3.
 */
export function isValidPersonIdentifier(value: string): boolean {
  if (value.length !== 11 || !ELEVEN_DIGITS.test(value)) return false;
  const k1 = digitAt(value, 9);
  const k2 = digitAt(value, 10);
  const sum1 = weightedSum(value, K1_WEIGHTS);
  const remainder = (sum1 + k1) % 11;
  const k1Ok = k1 === mod11CheckDigit(sum1) || remainder <= 3;
  if (!k1Ok) return false;
  const expectedK2 = mod11CheckDigit(weightedSum(value, K2_WEIGHTS));
  if (expectedK2 === 10 || k2 !== expectedK2) return false;
  return hasPlausibleDate(value);
}

const ELEVEN_DIGITS = /^\d{11}$/;

/** Day and month after removing the D-number (+40 day) and H/synthetic (+40/+80 month) offsets. */
function hasPlausibleDate(value: string): boolean {
  let day = digitAt(value, 0) * 10 + digitAt(value, 1);
  let month = digitAt(value, 2) * 10 + digitAt(value, 3);
  if (day > 40) day -= 40;
  if (month > 80) month -= 80;
  else if (month > 40) month -= 40;
  return day >= 1 && day <= 31 && month >= 1 && month <= 12;
}

/** True for a 9-digit organisation number with a valid mod-11 check digit. */
export function isValidOrganizationNumber(value: string): boolean {
  if (!/^\d{9}$/.test(value)) return false;
  const check = mod11CheckDigit(weightedSum(value, ORGNO_WEIGHTS));
  return check !== 10 && check === digitAt(value, 8);
}
