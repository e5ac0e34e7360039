import { GraphQLError } from 'graphql';
import type { JwkInput } from '../generated/graphql.js';
import { holdsValidPersonalId } from '../observability/personal-ids.js';

/** Edge checks the schema's types cannot express; refused with BAD_USER_INPUT before any upstream call. */
export function badInput(message: string, field: string[]): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', field } });
}

// ---- ids ----------------------------------------------------------------------------------------------------------

export const ADMIN_ID_MAX_LENGTH = 128;
const ADMIN_ID = /^[A-Za-z0-9._:-]+$/;

/**
 * The one rule for client and onbehalfof ids, the admin API's own: 1–128 letters, digits, `.`, `_`, `-` or `:`, and
 * never `.` or `..`. So no id can carry `/`, `%`, whitespace or control characters into an admin API path. Checked at
 * the edge for every id argument and input field, and again where admin paths are built (`adminPath`).
 */
export function isAdminId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= ADMIN_ID_MAX_LENGTH &&
    value !== '.' &&
    value !== '..' &&
    ADMIN_ID.test(value) &&
    !holdsPersonalId(value)
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LETTERS = /[A-Za-z]+/;
const NOT_DIGITS = /\D/g;

/**
 * Whether an id holds a valid personal id among the digits between its letters (`11822648950`, `118226-48950`,
 * `klient_118226_48950`): such an id would put a fødselsnummer into an admin API URL. UUIDs, the form the admin API
 * gives its ids, are never refused: about one random UUID in 7000 holds a valid one by chance.
 */
function holdsPersonalId(id: string): boolean {
  if (UUID.test(id)) return false;
  return id.split(LETTERS).some((part) => holdsValidPersonalId(part.replace(NOT_DIGITS, '')));
}

/** BAD_USER_INPUT naming the argument or input field (`["id"]`, `["input", "clientId"]`); never the value. */
export function assertAdminId(value: unknown, field: string[]): void {
  if (!isAdminId(value)) {
    throw badInput(
      `${field.join('.')} is not a valid id: 1–${ADMIN_ID_MAX_LENGTH} letters, digits, ".", "_", "-" or ":", not "." or "..", and no personal id in it.`,
      field,
    );
  }
}

// ---- bounds -------------------------------------------------------------------------------------------------------

/** Input bounds of the client mutations (stated in schema/client.graphql and the README). */
export const INPUT_LIMITS = {
  /** Client and onbehalfof `name`. */
  nameLength: 255,
  /** Client and onbehalfof `description`. */
  descriptionLength: 4000,
  codeChallengeMethodLength: 16,
  /** `redirectUris` and `postLogoutRedirectUris`, each. */
  redirectUris: 50,
  scopes: 100,
  scopeLength: 255,
  grantTypes: 3,
  /** `replaceClientJwks.keys`: the admin API keeps at most 5 keys per client. */
  keys: 5,
  /** `ClientFilter.nameContains`. */
  nameContainsLength: 255,
  /** JWK `n`: base64url of an RSA modulus of at most 8192 bits (one leading zero byte tolerated). */
  modulusLength: 1367,
  /** JWK `e`. */
  exponentLength: 12,
} as const;

const STRING_LIMITS: Record<string, number> = {
  name: INPUT_LIMITS.nameLength,
  description: INPUT_LIMITS.descriptionLength,
  codeChallengeMethod: INPUT_LIMITS.codeChallengeMethodLength,
};

const LIST_LIMITS: Record<string, number> = {
  redirectUris: INPUT_LIMITS.redirectUris,
  postLogoutRedirectUris: INPUT_LIMITS.redirectUris,
  scopes: INPUT_LIMITS.scopes,
  grantTypes: INPUT_LIMITS.grantTypes,
  keys: INPUT_LIMITS.keys,
};

/** Scope syntax (Maskinporten/ID-porten scope names, e.g. `prefix:sub/name.read`). */
const SCOPE = /^[A-Za-z0-9:._/-]+$/;

/**
 * Bounds every list and free-text field of a mutation input (`CreateClientInput`, `UpdateClientInput`, onbehalfof
 * inputs, `ReplaceClientJwksInput`): lists are checked before their entries, so one request's work stays bounded.
 */
export function assertInputBounds(input: object): void {
  const fields = input as Record<string, unknown>;
  for (const [field, max] of Object.entries(LIST_LIMITS)) {
    const value = fields[field];
    if (Array.isArray(value) && value.length > max) {
      throw badInput(`${field} may hold at most ${max} entries.`, ['input', field]);
    }
  }
  for (const [field, max] of Object.entries(STRING_LIMITS)) {
    const value = fields[field];
    if (typeof value === 'string' && value.length > max) {
      throw badInput(`${field} must be at most ${max} characters.`, ['input', field]);
    }
  }
  // Free text forwarded to the admin API (client and onbehalfof names and descriptions).
  assertPlainText(fields.name, ['input', 'name'], false);
  assertPlainText(fields.description, ['input', 'description'], true);
  const scopes = fields.scopes;
  if (Array.isArray(scopes)) {
    for (const scope of scopes) {
      if (typeof scope !== 'string' || scope.length > INPUT_LIMITS.scopeLength || !SCOPE.test(scope)) {
        throw badInput(
          `Each of scopes must be 1–${INPUT_LIMITS.scopeLength} letters, digits, ":", ".", "_", "/" or "-".`,
          ['input', 'scopes'],
        );
      }
    }
  }
}

export function assertMaxLength(value: string | null | undefined, max: number, field: string[]): void {
  if (value != null && value.length > max)
    throw badInput(`${field.join('.')} must be at most ${max} characters.`, field);
}

// ---- scopes callers may grant -------------------------------------------------------------------------------------

/** The facade's own privileged scopes: refused on clients made through the facade unless ADMIN_ALLOWED_SCOPES says. */
export const DEFAULT_REFUSED_SCOPE_PATTERNS = ['krr:*', 'idporten:dcr*'] as const;

/**
 * Which scopes callers may put on clients. `allowed` (ADMIN_ALLOWED_SCOPES) lists patterns with `*` matching any run
 * of characters; a scope is allowed when one matches. Unset: every scope but `DEFAULT_REFUSED_SCOPE_PATTERNS`.
 * Matching ignores case, so a differently cased privileged scope is refused too.
 */
export function scopePolicy(allowed?: readonly string[]): (scope: string) => boolean {
  if (allowed === undefined) {
    return (scope) => !DEFAULT_REFUSED_SCOPE_PATTERNS.some((pattern) => globMatch(pattern, scope));
  }
  return (scope) => allowed.some((pattern) => globMatch(pattern, scope));
}

/** `*` matches any run of characters (none included); everything else matches itself, ignoring case. Linear-ish. */
export function globMatch(pattern: string, value: string): boolean {
  const p = pattern.toLowerCase();
  const v = value.toLowerCase();
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && p[pi] !== '*' && p[pi] === v[vi]) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = vi;
    } else if (star !== -1) {
      pi = star + 1;
      vi = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

// ---- keys ---------------------------------------------------------------------------------------------------------

const KID = /^[A-Za-z0-9._-]{1,128}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MIN_RSA_MODULUS_BITS = 2048;
const MAX_RSA_MODULUS_BITS = 8192;

/** The true bit length of a big-endian unsigned integer: every leading zero byte stripped, the top byte's bits counted. */
export function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  const top = bytes[i];
  if (top === undefined) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(top));
}

export function assertKid(kid: string, field: string[]): void {
  if (!KID.test(kid)) throw badInput('kid must be 1–128 letters, digits, ".", "_" or "-".', field);
}

/** Only public RSA keys for RS256 (reference §3). The message never repeats key material. */
export function assertPublicRs256Key(key: JwkInput, field: string[]): void {
  const fail = (message: string, sub: string) => {
    throw badInput(message, [...field, sub]);
  };
  assertKid(key.kid, [...field, 'kid']);
  if (key.kty !== 'RSA') fail('Only RSA keys are accepted (kty "RSA").', 'kty');
  if (key.alg !== 'RS256') fail('Only RS256 keys are accepted (alg "RS256").', 'alg');
  if (key.use != null && key.use !== 'sig') fail('Keys are for signatures only (use "sig").', 'use');
  if (
    key.e.length > INPUT_LIMITS.exponentLength ||
    !BASE64URL.test(key.e) ||
    bitLength(Buffer.from(key.e, 'base64url')) === 0
  ) {
    fail('e must be a base64url RSA exponent.', 'e');
  }
  if (key.n.length > INPUT_LIMITS.modulusLength || !BASE64URL.test(key.n)) {
    fail(`n must be base64url, at most ${INPUT_LIMITS.modulusLength} characters.`, 'n');
  }
  const bits = bitLength(Buffer.from(key.n, 'base64url'));
  if (bits < MIN_RSA_MODULUS_BITS) fail(`RSA keys must be at least ${MIN_RSA_MODULUS_BITS} bits.`, 'n');
  if (bits > MAX_RSA_MODULUS_BITS) fail(`RSA keys must be at most ${MAX_RSA_MODULUS_BITS} bits.`, 'n');
}

// ---- numbers and text ---------------------------------------------------------------------------------------------

export function assertLifetimes(input: Record<string, unknown>): void {
  for (const field of ['authorizationLifetime', 'accessTokenLifetime', 'refreshTokenLifetime']) {
    const value = input[field];
    if (value != null && (typeof value !== 'number' || value < 0)) {
      throw badInput(`${field} must be a number of seconds, 0 or more (0 means the default).`, ['input', field]);
    }
  }
}

/** Whitespace and characters that show nothing (zero-width space, joiners, word joiner, soft hyphen, fillers). */
const INVISIBLE = /^[\s\u00AD\u115F\u1160\u180E\u200B-\u200D\u2060\u3164\uFFA0]*$/;

/** Empty when nothing in it shows: a name of zero-width spaces is as empty as "". */
export function assertNonEmpty(value: string | null | undefined, field: string[]): void {
  if (value != null && INVISIBLE.test(value)) throw badInput(`${field.at(-1)} must not be empty.`, field);
}

/**
 * Control characters (C0, DEL, C1) and the bidirectional embedding, override and isolate characters (U+202A–U+202E,
 * U+2066–U+2069), which make a name read as another in consoles, logs and the admin portal. A multi-line field
 * (`description`) may hold tab, line feed and carriage return; a name, and line or paragraph separators, none.
 */
// eslint-disable-next-line no-control-regex -- control characters are what these refuse
const BAD_SINGLE_LINE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex -- as above
const BAD_MULTI_LINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

/** BAD_USER_INPUT naming the field, never the value, for the characters above. */
export function assertPlainText(value: unknown, field: string[], multiLine: boolean): void {
  if (typeof value !== 'string') return;
  if ((multiLine ? BAD_MULTI_LINE : BAD_SINGLE_LINE).test(value)) {
    throw badInput(
      `${field.at(-1)} must not contain control characters${multiLine ? ' (tab and new lines aside)' : ' or line breaks'} or bidirectional override or isolate characters.`,
      field,
    );
  }
}
