import type {
  ApplicationType,
  CreateClientInput,
  GrantType,
  IntegrationType,
  JwkInput,
  RefreshTokenUsage,
  TokenEndpointAuthMethod,
  UpdateClientInput,
} from '../generated/graphql.js';
import type { ClientDto, JwkDto } from './dto.js';

/** The fixed scopes the admin API gives every `krr` client (reference §3), whether or not they are asked for. */
export const KRR_CLIENT_SCOPES = ['krr:global/kontaktinformasjon.read', 'krr:global/digitalpost.read'] as const;

/** Schema enums ↔ admin API values (reference §3). */
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export function grantTypeToApi(value: GrantType): string {
  return value === 'JWT_BEARER' ? JWT_BEARER : value.toLowerCase();
}

export function grantTypeFromApi(value: string): GrantType | null {
  if (value === JWT_BEARER) return 'JWT_BEARER';
  if (value === 'authorization_code') return 'AUTHORIZATION_CODE';
  if (value === 'refresh_token') return 'REFRESH_TOKEN';
  return null;
}

/** Upper-cases a known enum value; unknown values become null rather than breaking a whole client. */
export function enumFromApi<T extends string>(value: unknown, allowed: readonly T[]): T | null {
  if (typeof value !== 'string') return null;
  const upper = value.toUpperCase() as T;
  return allowed.includes(upper) ? upper : null;
}

export const INTEGRATION_TYPES: readonly IntegrationType[] = [
  'IDPORTEN',
  'MASKINPORTEN',
  'API_KLIENT',
  'KRR',
  'EFORMIDLING',
  'ANSATTPORTEN',
];
export const APPLICATION_TYPES: readonly ApplicationType[] = ['WEB', 'BROWSER', 'NATIVE'];
export const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = [
  'CLIENT_SECRET_BASIC',
  'CLIENT_SECRET_POST',
  'PRIVATE_KEY_JWT',
  'NONE',
];
export const REFRESH_TOKEN_USAGES: readonly RefreshTokenUsage[] = ['ONETIME', 'REUSE'];

/** Schema field name → admin API field name, for the writable client fields. */
const CLIENT_FIELDS = {
  name: 'client_name',
  description: 'description',
  clientUri: 'client_uri',
  organizationNumber: 'client_orgno',
  integrationType: 'integration_type',
  applicationType: 'application_type',
  tokenEndpointAuthMethod: 'token_endpoint_auth_method',
  grantTypes: 'grant_types',
  scopes: 'scopes',
  redirectUris: 'redirect_uris',
  postLogoutRedirectUris: 'post_logout_redirect_uris',
  frontchannelLogoutUri: 'frontchannel_logout_uri',
  frontchannelLogoutSessionRequired: 'frontchannel_logout_session_required',
  refreshTokenUsage: 'refresh_token_usage',
  authorizationLifetime: 'authorization_lifetime',
  accessTokenLifetime: 'access_token_lifetime',
  refreshTokenLifetime: 'refresh_token_lifetime',
  codeChallengeMethod: 'code_challenge_method',
  ssoDisabled: 'sso_disabled',
} as const;

const ONBEHALFOF_FIELDS: Record<string, string> = {
  onbehalfof: 'id',
  name: 'name',
  display_name: 'name',
  orgno: 'organizationNumber',
  url: 'url',
  client_uri: 'url',
  description: 'description',
};

const API_TO_SCHEMA: Record<string, string> = {
  ...Object.fromEntries(Object.entries(CLIENT_FIELDS).map(([schema, api]) => [api, schema])),
  display_name: 'name',
  keys: 'keys',
};

/** The input field path (`["input", "redirectUris"]`) of an admin API field identifier (`redirect_uris`). */
export function fieldPath(apiField: string | undefined, kind: 'client' | 'onbehalfof' | 'jwks'): string[] | null {
  if (!apiField) return null;
  const root = apiField.split(/[.[]/)[0] ?? apiField;
  const table = kind === 'onbehalfof' ? ONBEHALFOF_FIELDS : API_TO_SCHEMA;
  const name = table[root] ?? root.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return ['input', name];
}

/** Writes the given (non-undefined) input fields onto `target` in admin API terms; null clears a field. */
function applyClientFields(dto: ClientDto, input: object): ClientDto {
  const target = dto as Record<string, unknown>;
  for (const [schemaField, apiField] of Object.entries(CLIENT_FIELDS)) {
    const value = (input as Record<string, unknown>)[schemaField];
    if (value === undefined) continue;
    if (value === null) {
      delete target[apiField];
      continue;
    }
    switch (schemaField) {
      case 'integrationType':
      case 'applicationType':
      case 'tokenEndpointAuthMethod':
        target[apiField] = String(value).toLowerCase();
        break;
      case 'grantTypes':
        target.grant_types = (value as GrantType[]).map(grantTypeToApi);
        break;
      default:
        target[apiField] = value;
    }
  }
  return dto;
}

export function createInputToDto(input: CreateClientInput): ClientDto {
  return applyClientFields({}, input);
}

/** Fields the admin API sets itself; stripped before a PUT (reference §3: "strip before PUT"). */
const READ_ONLY_FIELDS = [
  'client_id',
  'supplier_orgno',
  'jwks_uri',
  'active',
  'created',
  'last_updated',
  'client_secret',
  'onbehalfof',
] as const;

/** GET, merge, PUT: the current client with only the given fields changed, read-only fields removed. */
export function mergeUpdate(current: ClientDto, input: UpdateClientInput): ClientDto {
  const merged: ClientDto = { ...current };
  if (merged.client_name === undefined && merged.display_name !== undefined) merged.client_name = merged.display_name;
  delete merged.display_name;
  for (const field of READ_ONLY_FIELDS) delete merged[field];
  // integration_type cannot change (reference §3), nor may a patch make a client a krr one: whatever reaches here
  // beside the schema's input fields, the current value is written back.
  const {
    id: _id,
    lastUpdatedAt: _seen,
    integrationType: _type,
    ...changes
  } = input as UpdateClientInput & { integrationType?: unknown };
  return applyClientFields(merged, changes);
}

/** A new key as the admin API expects it (`use` defaults to `sig`). */
export function jwkInputToDto(key: JwkInput): JwkDto {
  const dto: JwkDto = { kid: key.kid, kty: key.kty, alg: key.alg, e: key.e, n: key.n, use: key.use ?? 'sig' };
  return dto;
}

/**
 * An existing key for a rewrite of the whole set: every member as the admin API returned it (`x5c`, `x5t#S256` and
 * whatever else the facade does not model), its `exp` above all, in whatever form, so a rewrite never extends a key's
 * life nor strips what the API keeps.
 */
export function jwkForRewrite(key: JwkDto): JwkDto {
  return { ...key };
}

/**
 * A key's `exp` as epoch seconds: a number, or a string of digits (a gateway's re-serialisation); undefined when it
 * cannot be read, and such a key is kept as it is (never dropped as expired, never given another exp).
 */
export function expirySeconds(exp: unknown): number | undefined {
  const seconds =
    typeof exp === 'number' ? exp : typeof exp === 'string' && /^\s*\d{1,15}\s*$/.test(exp) ? Number(exp) : NaN;
  // Beyond what a Date can hold is as unreadable as text.
  return Number.isFinite(seconds) && Math.abs(seconds) <= MAX_DATE_SECONDS ? seconds : undefined;
}

const MAX_DATE_SECONDS = 8.64e12;

/**
 * Keys counted as expired when a set is rewritten: `exp` already past or due within this many seconds, so a key cannot
 * expire between our read and the admin API's check of the rewritten set (which refuses an `exp` in the past).
 */
export const EXPIRY_MARGIN_SECONDS = 60;

/** Splits a stored key set into the keys that can be written again and the expired ones (see EXPIRY_MARGIN_SECONDS). */
export function partitionExpired(keys: readonly JwkDto[], nowSec: number): { live: JwkDto[]; expired: JwkDto[] } {
  const live: JwkDto[] = [];
  const expired: JwkDto[] = [];
  for (const key of keys) {
    const exp = expirySeconds(key.exp);
    const expiring = exp !== undefined && exp <= nowSec + EXPIRY_MARGIN_SECONDS;
    (expiring ? expired : live).push(key);
  }
  return { live, expired };
}
