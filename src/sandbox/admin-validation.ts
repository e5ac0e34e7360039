/**
 * The admin API simulator's data model and validation rules (reference §3). Pure functions: every rule answers the
 * problems it found, one entry per problem, so the server can send the Digdir validation body listing them all.
 */
import { isValidOrgno } from './norwegian-ids.js';

export const INTEGRATION_TYPES = [
  'idporten',
  'maskinporten',
  'api_klient',
  'krr',
  'eformidling',
  'ansattporten',
] as const;
export const APPLICATION_TYPES = ['web', 'browser', 'native'] as const;
export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;
export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const GRANT_TYPES = ['authorization_code', 'refresh_token', JWT_BEARER] as const;
export const REFRESH_TOKEN_USAGES = ['ONETIME', 'REUSE'] as const;
export const CODE_CHALLENGE_METHODS = ['S256', 'none'] as const;
export const KRR_SCOPES = ['krr:global/kontaktinformasjon.read', 'krr:global/digitalpost.read'] as const;

export type IntegrationType = (typeof INTEGRATION_TYPES)[number];
export type ApplicationType = (typeof APPLICATION_TYPES)[number];
export type AuthMethod = (typeof AUTH_METHODS)[number];
export type GrantType = (typeof GRANT_TYPES)[number];
export type RefreshTokenUsage = (typeof REFRESH_TOKEN_USAGES)[number];
export type CodeChallengeMethod = (typeof CODE_CHALLENGE_METHODS)[number];

export const DEFAULT_LIFETIMES = {
  authorization_lifetime: 7200,
  access_token_lifetime: 120,
  refresh_token_lifetime: 600,
} as const;
type LifetimeField = keyof typeof DEFAULT_LIFETIMES;
/** Sane upper bounds (seconds); the public record names none, so these only stop absurd values. */
export const MAX_LIFETIMES: Record<LifetimeField, number> = {
  authorization_lifetime: 365 * 24 * 3600,
  access_token_lifetime: 24 * 3600,
  refresh_token_lifetime: 365 * 24 * 3600,
};

export const MAX_JWKS_KEYS = 5;
export const MAX_KEY_LIFETIME_SECONDS = 365 * 24 * 3600;
export const MIN_RSA_BITS = 2048;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const ID_PATTERN = /^[A-Za-z0-9._-]+$/;
/** Client and onbehalfof ids (reference §3): letters, digits, `.`, `_`, `-`, `:`; 1–128 characters; never `.` or `..`. */
const RESOURCE_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export function isResourceId(value: string): boolean {
  return RESOURCE_ID_PATTERN.test(value) && value !== '.' && value !== '..';
}
const SCOPE_PATTERN = /^[A-Za-z0-9:._/-]+$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/;

/** The writable settings of a client after validation (what PUT replaces). */
export interface ClientSettings {
  client_name: string;
  description?: string;
  client_uri?: string;
  integration_type: IntegrationType;
  application_type: ApplicationType;
  token_endpoint_auth_method: AuthMethod;
  grant_types: GrantType[];
  scopes: string[];
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  frontchannel_logout_uri?: string;
  frontchannel_logout_session_required: boolean;
  refresh_token_usage?: RefreshTokenUsage;
  authorization_lifetime: number;
  access_token_lifetime: number;
  refresh_token_lifetime: number;
  code_challenge_method?: CodeChallengeMethod;
  sso_disabled: boolean;
}

export interface OnBehalfOfInput {
  onbehalfof: string;
  name: string;
  orgno: string;
  url?: string;
  description?: string;
}
export interface StoredOnBehalfOf extends OnBehalfOfInput {
  created: number;
  last_updated: number;
}

export interface StoredJwk {
  kty: 'RSA';
  alg: 'RS256';
  use: 'sig';
  kid: string;
  n: string;
  e: string;
  /** Epoch seconds. */
  exp: number;
}

export interface StoredClient {
  client_id: string;
  client_orgno: string;
  supplier_orgno?: string;
  settings: ClientSettings;
  active: boolean;
  created: number;
  last_updated: number;
  /** SHA-256 of the current client_secret; the secret itself is never stored. */
  secretHash?: string;
  onbehalfof: Map<string, StoredOnBehalfOf>;
  jwks?: { keys: StoredJwk[]; created: number; last_updated: number };
}

/** One entry of the Digdir validation body's `errors[]`. */
export interface Problem {
  objectName: string;
  fieldIdentifier?: string;
  errorMessage: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

export function usesSecret(method: AuthMethod): boolean {
  return method === 'client_secret_basic' || method === 'client_secret_post';
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Collects problems for one object type and reads typed fields out of an untrusted body. */
class Reader {
  readonly problems: Problem[] = [];
  constructor(
    private readonly objectName: string,
    private readonly body: Record<string, unknown>,
  ) {}

  fail(field: string | undefined, message: string): void {
    this.problems.push({
      objectName: this.objectName,
      ...(field ? { fieldIdentifier: field } : {}),
      errorMessage: message,
    });
  }

  has(field: string): boolean {
    return this.body[field] !== undefined && this.body[field] !== null;
  }

  string(field: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
    const value = this.body[field];
    if (value === undefined || value === null || value === '') {
      if (opts.required) this.fail(field, `${field} is required`);
      return undefined;
    }
    if (typeof value !== 'string') return void this.fail(field, `${field} must be a string`);
    const max = opts.max ?? 1000;
    if (value.length > max) return void this.fail(field, `${field} must be at most ${max} characters`);
    return value;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[], required = false): T | undefined {
    const value = this.string(field, { required });
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      return void this.fail(field, `${field} must be one of ${allowed.join(', ')}`);
    }
    return value as T;
  }

  boolean(field: string): boolean | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') return void this.fail(field, `${field} must be a boolean`);
    return value;
  }

  stringArray(field: string): string[] | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
      return void this.fail(field, `${field} must be an array of strings`);
    }
    return value;
  }

  lifetime(field: LifetimeField): number {
    const value = this.body[field];
    if (value === undefined || value === null || value === 0) return DEFAULT_LIFETIMES[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      this.fail(field, `${field} must be a non-negative integer (seconds)`);
    } else if (value > MAX_LIFETIMES[field]) {
      this.fail(field, `${field} must be at most ${MAX_LIFETIMES[field]} seconds`);
    } else {
      return value;
    }
    return DEFAULT_LIFETIMES[field];
  }

  result<T>(value: T): Parsed<T> {
    return this.problems.length > 0 ? { ok: false, problems: this.problems } : { ok: true, value };
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Checks a redirect-like URI: absolute, no fragment, https. The sandbox applies the TEST environment's rules:
 * `http://localhost` (and loopback IPs) is accepted for every application type, as ID-porten's test environment
 * lets developers run web clients locally; production only allows it for `native`. Native apps may also use a
 * private-use (reverse-domain) scheme such as `no.example.app:/callback` (RFC 8252).
 */
export function redirectUriProblem(value: string, applicationType: ApplicationType | undefined): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `'${value}' is not a valid absolute URI`;
  }
  if (value.includes('#')) return `'${value}' must not contain a fragment`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return LOOPBACK_HOSTS.has(url.hostname) ? undefined : `'${value}' must use https (http only for localhost)`;
  }
  if (applicationType === 'native' && url.protocol.slice(0, -1).includes('.')) return undefined;
  return `'${value}' must use https`;
}

function httpUrlProblem(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : `'${value}' must be an http(s) URL`;
  } catch {
    return `'${value}' is not a valid absolute URL`;
  }
}

function uriList(r: Reader, field: string, applicationType: ApplicationType | undefined): string[] {
  const list = r.stringArray(field) ?? [];
  for (const uri of list) {
    const problem = redirectUriProblem(uri, applicationType);
    if (problem) r.fail(field, `Invalid ${field.slice(0, -1)}: ${problem}`);
  }
  return list;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v) => b.includes(v));
}

/** The legal combinations of integration type, application type, auth method and grant types (reference §3). */
function checkCombination(r: Reader, s: ClientSettings): void {
  const { integration_type: it, application_type: app, token_endpoint_auth_method: auth, grant_types: grants } = s;
  if (it === 'maskinporten' || it === 'krr' || it === 'eformidling') {
    if (app !== 'web') r.fail('application_type', `Invalid combination: ${it} clients must have application_type web`);
    if (auth !== 'private_key_jwt') {
      r.fail('token_endpoint_auth_method', `Invalid combination: ${it} clients must use private_key_jwt`);
    }
    if (!sameSet(grants, [JWT_BEARER])) {
      r.fail('grant_types', `Invalid combination: ${it} clients must have exactly the grant type ${JWT_BEARER}`);
    }
    return;
  }
  const legalAuth: readonly AuthMethod[] =
    app === 'web' ? ['client_secret_basic', 'client_secret_post', 'private_key_jwt'] : ['none'];
  if (!legalAuth.includes(auth)) {
    r.fail(
      'token_endpoint_auth_method',
      `Invalid combination: ${it} ${app} clients must use token_endpoint_auth_method ${legalAuth.join(' or ')}`,
    );
  }
  if (grants.length === 0 || !grants.every((g) => g === 'authorization_code' || g === 'refresh_token')) {
    r.fail('grant_types', `Invalid combination: ${it} clients need grant types from authorization_code, refresh_token`);
  }
}

function checkScopes(r: Reader, s: ClientSettings, given: boolean): void {
  for (const scope of s.scopes) {
    if (!SCOPE_PATTERN.test(scope)) r.fail('scopes', `Invalid scope '${scope}'`);
  }
  if (s.integration_type !== 'krr') return;
  if (!given || s.scopes.length === 0) s.scopes = [...KRR_SCOPES];
  else if (!sameSet(s.scopes, KRR_SCOPES))
    r.fail('scopes', `krr clients have the fixed scopes ${KRR_SCOPES.join(' ')}`);
}

function checkRedirects(r: Reader, s: ClientSettings): void {
  if (s.grant_types.includes('authorization_code') && s.redirect_uris.length === 0) {
    r.fail('redirect_uris', 'redirect_uris must contain at least one URI for authorization_code clients');
  }
  if (s.frontchannel_logout_uri === undefined) return;
  const problem = redirectUriProblem(s.frontchannel_logout_uri, s.application_type);
  if (problem) return r.fail('frontchannel_logout_uri', `Invalid frontchannel_logout_uri: ${problem}`);
  const host = new URL(s.frontchannel_logout_uri).hostname;
  const hosts = s.redirect_uris.flatMap((u) => {
    try {
      return [new URL(u).hostname];
    } catch {
      return [];
    }
  });
  if (!hosts.includes(host)) {
    r.fail('frontchannel_logout_uri', 'frontchannel_logout_uri must be on the same host as one of the redirect_uris');
  }
}

/**
 * Validates a POST/PUT client body. `existing` is the stored client on PUT: `integration_type` may then be left out
 * (kept) but never changed, and `client_orgno`, when given, must equal the stored one. Every other writable field is
 * replaced: a missing optional field becomes unset or its default. Read-only and unknown fields are ignored.
 */
export function parseClient(
  body: unknown,
  existing?: StoredClient,
): Parsed<{ settings: ClientSettings; client_orgno?: string }> {
  if (!isRecord(body)) {
    return { ok: false, problems: [{ objectName: 'Client', errorMessage: 'Request body must be a JSON object' }] };
  }
  const r = new Reader('Client', body);
  // `display_name` is what older responses called the client's name: accepted on input, never answered.
  const name = r.string('client_name', { max: 255 }) ?? r.string('display_name', { max: 255 });
  if (name === undefined && r.problems.length === 0) r.fail('client_name', 'client_name is required');
  const orgno = r.string('client_orgno');
  if (orgno !== undefined && !isValidOrgno(orgno)) {
    r.fail('client_orgno', `client_orgno '${orgno}' is not a valid organisation number`);
  }
  let integrationType = r.oneOf('integration_type', INTEGRATION_TYPES, !existing);
  if (existing) {
    if (integrationType !== undefined && integrationType !== existing.settings.integration_type) {
      r.fail('integration_type', 'integration_type cannot be changed');
    }
    integrationType = existing.settings.integration_type;
    if (orgno !== undefined && orgno !== existing.client_orgno)
      r.fail('client_orgno', 'client_orgno cannot be changed');
  }
  const applicationType = r.oneOf('application_type', APPLICATION_TYPES) ?? 'web';
  const authMethod = r.oneOf('token_endpoint_auth_method', AUTH_METHODS, true);
  const grants = r.stringArray('grant_types');
  if (!grants || grants.length === 0) r.fail('grant_types', 'grant_types must contain at least one grant type');
  for (const g of grants ?? []) {
    if (!(GRANT_TYPES as readonly string[]).includes(g)) r.fail('grant_types', `Unknown grant type '${g}'`);
  }
  const clientUri = r.string('client_uri');
  const clientUriProblem = clientUri === undefined ? undefined : httpUrlProblem(clientUri);
  if (clientUriProblem) r.fail('client_uri', `Invalid client_uri: ${clientUriProblem}`);

  const settings: ClientSettings = {
    client_name: name ?? '',
    description: r.string('description', { max: 4000 }),
    client_uri: clientUri,
    integration_type: integrationType ?? 'idporten',
    application_type: applicationType,
    token_endpoint_auth_method: authMethod ?? 'none',
    grant_types: (grants ?? []) as GrantType[],
    scopes: r.stringArray('scopes') ?? [],
    redirect_uris: uriList(r, 'redirect_uris', applicationType),
    post_logout_redirect_uris: uriList(r, 'post_logout_redirect_uris', applicationType),
    frontchannel_logout_uri: r.string('frontchannel_logout_uri'),
    frontchannel_logout_session_required: r.boolean('frontchannel_logout_session_required') ?? false,
    refresh_token_usage: r.oneOf('refresh_token_usage', REFRESH_TOKEN_USAGES),
    authorization_lifetime: r.lifetime('authorization_lifetime'),
    access_token_lifetime: r.lifetime('access_token_lifetime'),
    refresh_token_lifetime: r.lifetime('refresh_token_lifetime'),
    code_challenge_method: r.oneOf('code_challenge_method', CODE_CHALLENGE_METHODS),
    sso_disabled: r.boolean('sso_disabled') ?? false,
  };
  checkScopes(r, settings, r.has('scopes'));
  // Cross-field rules only make sense once every field they combine is well-formed.
  if (r.problems.length === 0) {
    checkCombination(r, settings);
    checkRedirects(r, settings);
  }
  return r.result({ settings, ...(orgno !== undefined ? { client_orgno: orgno } : {}) });
}

/**
 * Validates an onbehalfof body. Both shapes are accepted: the documented `{onbehalfof, display_name, orgno, url}` and
 * the newer `{onbehalfof, name, description, client_uri}`. On PUT `pathId` is the registration's id; a body id, when
 * given, must match it.
 */
export function parseOnBehalfOf(body: unknown, pathId?: string): Parsed<OnBehalfOfInput> {
  if (!isRecord(body)) {
    return { ok: false, problems: [{ objectName: 'OnBehalfOf', errorMessage: 'Request body must be a JSON object' }] };
  }
  const r = new Reader('OnBehalfOf', body);
  const bodyId = r.string('onbehalfof', { required: pathId === undefined, max: 128 });
  if (bodyId !== undefined && !isResourceId(bodyId)) {
    r.fail('onbehalfof', 'onbehalfof may only contain letters, digits, ., _, - and :, and must not be . or ..');
  }
  if (pathId !== undefined && bodyId !== undefined && bodyId !== pathId) {
    r.fail('onbehalfof', 'onbehalfof cannot be changed');
  }
  const name = r.string('name', { max: 255 }) ?? r.string('display_name', { max: 255 });
  if (name === undefined) r.fail('name', 'name (display_name) is required');
  const orgno = r.string('orgno', { required: true });
  if (orgno !== undefined && !isValidOrgno(orgno)) {
    r.fail('orgno', `orgno '${orgno}' is not a valid organisation number`);
  }
  const url = r.string('url') ?? r.string('client_uri');
  const urlProblem = url === undefined ? undefined : httpUrlProblem(url);
  if (urlProblem) r.fail(r.has('url') ? 'url' : 'client_uri', `Invalid url: ${urlProblem}`);
  const description = r.string('description', { max: 4000 });
  return r.result({
    onbehalfof: pathId ?? bodyId ?? '',
    name: name ?? '',
    orgno: orgno ?? '',
    ...(url !== undefined ? { url } : {}),
    ...(description !== undefined ? { description } : {}),
  });
}

function rsaModulusBits(n: string): number {
  const bytes = Buffer.from(n, 'base64url');
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  const first = bytes[i];
  if (first === undefined) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(first));
}

function parseJwk(r: Reader, key: unknown, index: number, nowSec: number): StoredJwk | undefined {
  const at = `keys[${index}]`;
  if (!isRecord(key)) return void r.fail('keys', `${at} must be a JSON object`);
  const before = r.problems.length;
  const kid = key.kid;
  if (typeof kid !== 'string' || !ID_PATTERN.test(kid) || kid.length > 100) {
    r.fail('keys', `${at}: kid is required and may only contain letters, digits, ., _ and -`);
  }
  if (key.kty !== 'RSA') r.fail('keys', `${at}: kty must be RSA`);
  if (key.alg !== 'RS256') r.fail('keys', `${at}: alg must be RS256 (the only supported algorithm)`);
  if (key.use !== 'sig') r.fail('keys', `${at}: use must be sig`);
  if (typeof key.e !== 'string' || !BASE64URL_PATTERN.test(key.e)) r.fail('keys', `${at}: e must be base64url`);
  if (typeof key.n !== 'string' || !BASE64URL_PATTERN.test(key.n)) {
    r.fail('keys', `${at}: n must be base64url`);
  } else if (rsaModulusBits(key.n) < MIN_RSA_BITS) {
    r.fail('keys', `${at}: the RSA modulus must be at least ${MIN_RSA_BITS} bits`);
  }
  const secrets = PRIVATE_JWK_MEMBERS.filter((m) => key[m] !== undefined);
  if (secrets.length > 0) r.fail('keys', `${at}: private key members are not allowed (${secrets.join(', ')})`);
  let exp = nowSec + MAX_KEY_LIFETIME_SECONDS;
  if (key.exp !== undefined && key.exp !== null) {
    if (typeof key.exp !== 'number' || !Number.isInteger(key.exp) || key.exp <= nowSec) {
      r.fail('keys', `${at}: exp must be a future time in epoch seconds`);
    } else if (key.exp > nowSec + MAX_KEY_LIFETIME_SECONDS) {
      r.fail('keys', `${at}: exp must be at most one year ahead`);
    } else {
      exp = key.exp;
    }
  }
  if (r.problems.length > before) return undefined;
  return { kty: 'RSA', alg: 'RS256', use: 'sig', kid: kid as string, n: key.n as string, e: key.e as string, exp };
}

/**
 * Validates a JWKS body (`{"keys": [...]}`; a bare array is tolerated): 1 to 5 public RS256 signing keys of at least
 * 2048 bits, `kid` unique in the set and not used by any other client (`kidInUseElsewhere`).
 */
export function parseJwks(
  body: unknown,
  nowSec: number,
  kidInUseElsewhere: (kid: string) => boolean,
): Parsed<StoredJwk[]> {
  const keys = Array.isArray(body) ? body : isRecord(body) ? body.keys : undefined;
  const r = new Reader('Jwks', isRecord(body) ? body : {});
  if (!Array.isArray(keys)) {
    r.fail('keys', 'The body must be a JWKS: {"keys": [...]}');
    return r.result([]);
  }
  if (keys.length === 0) r.fail('keys', 'The key set must not be empty (DELETE removes all keys)');
  if (keys.length > MAX_JWKS_KEYS) r.fail('keys', `A client can have at most ${MAX_JWKS_KEYS} keys`);
  const parsed = keys.map((k, i) => parseJwk(r, k, i, nowSec));
  const seen = new Set<string>();
  for (const key of parsed) {
    if (!key) continue;
    if (seen.has(key.kid)) r.fail('keys', `kid '${key.kid}' occurs more than once in the key set`);
    else if (kidInUseElsewhere(key.kid)) r.fail('keys', `kid '${key.kid}' is already in use`);
    seen.add(key.kid);
  }
  return r.result(parsed.filter((k): k is StoredJwk => k !== undefined));
}
