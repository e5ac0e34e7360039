import { GraphQLError } from 'graphql';
import type { JwkInput } from '../generated/graphql.js';

/** Edge checks the schema's types cannot express; refused with BAD_USER_INPUT before any upstream call. */
export function badInput(message: string, field: string[]): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', field } });
}

const KID = /^[A-Za-z0-9._-]{1,128}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MIN_RSA_MODULUS_BYTES = 256; // 2048 bits

/** Only public RSA keys for RS256 (reference §3). The message never repeats key material. */
export function assertPublicRs256Key(key: JwkInput, field: string[]): void {
  const fail = (message: string, sub: string) => {
    throw badInput(message, [...field, sub]);
  };
  if (!KID.test(key.kid)) fail('kid must be 1–128 letters, digits, ".", "_" or "-".', 'kid');
  if (key.kty !== 'RSA') fail('Only RSA keys are accepted (kty "RSA").', 'kty');
  if (key.alg !== 'RS256') fail('Only RS256 keys are accepted (alg "RS256").', 'alg');
  if (key.use != null && key.use !== 'sig') fail('Keys are for signatures only (use "sig").', 'use');
  if (!BASE64URL.test(key.e) || Buffer.from(key.e, 'base64url').length === 0) fail('e must be base64url.', 'e');
  if (!BASE64URL.test(key.n)) fail('n must be base64url.', 'n');
  const modulus = Buffer.from(key.n, 'base64url');
  const significant = modulus[0] === 0 ? modulus.length - 1 : modulus.length;
  if (significant < MIN_RSA_MODULUS_BYTES) fail('RSA keys must be at least 2048 bits.', 'n');
}

export function assertLifetimes(input: Record<string, unknown>): void {
  for (const field of ['authorizationLifetime', 'accessTokenLifetime', 'refreshTokenLifetime']) {
    const value = input[field];
    if (value != null && (typeof value !== 'number' || value < 0)) {
      throw badInput(`${field} must be a number of seconds, 0 or more (0 means the default).`, ['input', field]);
    }
  }
}

export function assertNonEmpty(value: string | null | undefined, field: string[]): void {
  if (value != null && value.trim().length === 0) throw badInput(`${field.at(-1)} must not be empty.`, field);
}
