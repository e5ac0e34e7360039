/**
 * Seed data for the admin API simulator: the seed document's example client (with valid onbehalfof orgnos), a
 * Maskinporten client with a registered key, a client the owner supplies for a customer, and clients of another
 * organisation that the owner must never see; in the sandbox also the facade's own Maskinporten client with its
 * onbehalfof registrations (`facadeClient`), which the Maskinporten simulator consults for `iss_onbehalfof`.
 */
import { createHash, generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import {
  DEFAULT_LIFETIMES,
  JWT_BEARER,
  MAX_KEY_LIFETIME_SECONDS,
  type ClientSettings,
  type StoredClient,
  type StoredJwk,
  type StoredOnBehalfOf,
} from './admin-validation.js';
import { isValidOrgno } from './norwegian-ids.js';

/** The seeded client ids, stable across starts. */
export const SEEDED_CLIENT_IDS = {
  /** The seed document's example: idporten, web, client_secret_basic, owned by the owner. */
  example: 'oidc_eksempel_klient',
  /** Maskinporten client of the owner with one registered RS256 key (`SEEDED_KIDS.owner`). */
  ownerMaskinporten: '3f6a2c1e-8b4d-4f7a-9c2e-1d5b7a9e0c41',
  /** Supplied by the owner (`supplier_orgno`) for `SEEDED_ORGNOS.customer`. */
  ownerSupplied: 'a7e1d9c4-2b3f-4e8a-8d6c-5f0b1e2a3c74',
  /** idporten client of the other organisation. */
  otherIdporten: 'c2d4e6f8-1a3b-4c5d-9e7f-0a1b2c3d4e5f',
  /** Maskinporten client of the other organisation with one key (`SEEDED_KIDS.other`). */
  otherMaskinporten: 'e8f0a2b4-6c8d-4e0f-a1b3-c5d7e9f1a3b5',
  /** Client of the other organisation supplied by `SEEDED_ORGNOS.thirdSupplier`. */
  otherSupplied: 'b5c7d9e1-3f5a-4b7c-b9d1-e3f5a7b9c1d3',
} as const;

export const SEEDED_KIDS = { owner: 'sandbox-maskinporten-key-1', other: 'other-org-key-1' } as const;

/** Valid (mod-11) organisation numbers used by the seed; the seed document's 991825828/991825829 are invalid. */
export const SEEDED_ORGNOS = {
  onBehalfOf1: '910825526',
  onBehalfOf2: '910825534',
  customer: '922020175',
  thirdSupplier: '974423138',
  defaultOther: '984661185',
} as const;

/** A Maskinporten client of the owner that exists in the Maskinporten simulator too (the facade's own, in the sandbox). */
export interface SeededMaskinportenClient {
  clientId: string;
  clientName: string;
  description?: string;
  scopes: string[];
  /** Its onbehalfof registrations (customers it may act for with `iss_onbehalfof`). */
  onBehalfOf?: { onbehalfof: string; name: string; orgno: string; url?: string; description?: string }[];
}

export interface SeedOptions {
  ownerOrgno: string;
  otherOrgno: string;
  /** ms clock */
  now: number;
  /** Seeded as well, owned by `ownerOrgno` (integration maskinporten, private_key_jwt, jwt-bearer, no keys). */
  maskinportenClients?: SeededMaskinportenClient[];
}

function settings(partial: Partial<ClientSettings> & Pick<ClientSettings, 'client_name' | 'integration_type'>) {
  const base: ClientSettings = {
    application_type: 'web',
    token_endpoint_auth_method: 'private_key_jwt',
    grant_types: [JWT_BEARER],
    scopes: [],
    redirect_uris: [],
    post_logout_redirect_uris: [],
    frontchannel_logout_session_required: false,
    ...DEFAULT_LIFETIMES,
    sso_disabled: false,
    ...partial,
  };
  return base;
}

function client(
  id: string,
  client_orgno: string,
  s: ClientSettings,
  now: number,
  extra: Partial<StoredClient> = {},
): StoredClient {
  return {
    client_id: id,
    client_orgno,
    settings: s,
    active: true,
    created: now,
    last_updated: now,
    onbehalfof: new Map(),
    ...extra,
  };
}

/**
 * A 2048-bit RS256 public JWK made once per process and kid (the private half is discarded: nobody signs with seeded
 * keys). Made anew per seed it cost two RSA key generations, about half a second on a slow machine, at every sandbox
 * start and every rendering of the sandbox guide.
 */
const seededKeys = new Map<string, JsonWebKey>();

function seededJwk(kid: string, nowSec: number): StoredJwk {
  let jwk = seededKeys.get(kid);
  if (!jwk) {
    jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    seededKeys.set(kid, jwk);
  }
  return {
    kty: 'RSA',
    alg: 'RS256',
    use: 'sig',
    kid,
    n: String(jwk.n),
    e: String(jwk.e),
    exp: nowSec + MAX_KEY_LIFETIME_SECONDS,
  };
}

/** A secret nobody knows: seeded secret clients exist, but only rotation reveals a usable secret. */
function unknownSecretHash(): string {
  return createHash('sha256').update(randomBytes(32)).digest('base64url');
}

function obo(id: string, name: string, orgno: string, url: string, now: number): [string, StoredOnBehalfOf] {
  return [id, { onbehalfof: id, name, orgno, url, created: now, last_updated: now }];
}

/** Picks the first candidate orgno that is valid and not one of `taken`. */
function pickOrgno(candidates: readonly string[], taken: readonly string[]): string {
  return candidates.find((o) => isValidOrgno(o) && !taken.includes(o)) ?? candidates[0] ?? '';
}

export function seedClients(opts: SeedOptions): StoredClient[] {
  const { ownerOrgno, otherOrgno, now } = opts;
  const nowSec = Math.floor(now / 1000);
  const spare = ['922020175', '974423138', '931324527', '810713429', '910825542'];
  const customer = pickOrgno([SEEDED_ORGNOS.customer, ...spare], [ownerOrgno, otherOrgno]);
  const thirdSupplier = pickOrgno([SEEDED_ORGNOS.thirdSupplier, ...spare], [ownerOrgno, otherOrgno, customer]);
  const ids = SEEDED_CLIENT_IDS;

  const example = client(
    ids.example,
    ownerOrgno,
    settings({
      client_name: 'En tilfeldig eksempelklient',
      integration_type: 'idporten',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      scopes: ['openid', 'profile'],
      redirect_uris: ['https://eksempel.no/login'],
      post_logout_redirect_uris: ['https://eksempel.no/logout'],
      authorization_lifetime: 7200,
      access_token_lifetime: 300,
      refresh_token_lifetime: 7200,
    }),
    now,
    {
      secretHash: unknownSecretHash(),
      onbehalfof: new Map([
        obo(
          'example_onbehalfof',
          'Eksempelregistrering for onbehalof',
          SEEDED_ORGNOS.onBehalfOf1,
          'https://service.eksempel.no',
          now,
        ),
        obo(
          'example_onbehalfof_2',
          'En annen eksempelregistrering for onbehalof',
          SEEDED_ORGNOS.onBehalfOf2,
          'https://otherservice.eksempel.no',
          now,
        ),
      ]),
    },
  );

  const ownerMaskinporten = client(
    ids.ownerMaskinporten,
    ownerOrgno,
    settings({
      client_name: 'Sandbox Maskinporten-klient',
      description: 'Maskinporten client with a registered key',
      integration_type: 'maskinporten',
      scopes: ['krr:global/kontaktinformasjon.read', 'idporten:dcr.read'],
    }),
    now,
    { jwks: { keys: [seededJwk(SEEDED_KIDS.owner, nowSec)], created: now, last_updated: now } },
  );

  const ownerSupplied = client(
    ids.ownerSupplied,
    customer,
    settings({
      client_name: 'Kundeintegrasjon levert av oss',
      integration_type: 'idporten',
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'refresh_token'],
      scopes: ['openid', 'profile'],
      redirect_uris: ['https://kunde.eksempel.no/callback'],
      refresh_token_usage: 'ONETIME',
    }),
    now,
    { supplier_orgno: ownerOrgno, secretHash: unknownSecretHash() },
  );

  const otherIdporten = client(
    ids.otherIdporten,
    otherOrgno,
    settings({
      client_name: 'Annen virksomhets innlogging',
      integration_type: 'idporten',
      application_type: 'browser',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      scopes: ['openid'],
      redirect_uris: ['https://annen.eksempel.no/login'],
      code_challenge_method: 'S256',
    }),
    now,
  );

  const otherMaskinporten = client(
    ids.otherMaskinporten,
    otherOrgno,
    settings({ client_name: 'Annen virksomhets Maskinporten-klient', integration_type: 'maskinporten' }),
    now,
    { jwks: { keys: [seededJwk(SEEDED_KIDS.other, nowSec)], created: now, last_updated: now } },
  );

  const otherSupplied = client(
    ids.otherSupplied,
    otherOrgno,
    settings({
      client_name: 'Levert av tredjepart',
      integration_type: 'api_klient',
      token_endpoint_auth_method: 'private_key_jwt',
      grant_types: ['authorization_code'],
      redirect_uris: ['https://tredjepart.eksempel.no/callback'],
    }),
    now,
    { supplier_orgno: thirdSupplier },
  );

  const extra = (opts.maskinportenClients ?? []).map((m) =>
    client(
      m.clientId,
      ownerOrgno,
      settings({
        client_name: m.clientName,
        ...(m.description !== undefined ? { description: m.description } : {}),
        integration_type: 'maskinporten',
        scopes: [...m.scopes],
      }),
      now,
      {
        onbehalfof: new Map(
          (m.onBehalfOf ?? []).map((o): [string, StoredOnBehalfOf] => [
            o.onbehalfof,
            {
              onbehalfof: o.onbehalfof,
              name: o.name,
              orgno: o.orgno,
              ...(o.url !== undefined ? { url: o.url } : {}),
              ...(o.description !== undefined ? { description: o.description } : {}),
              created: now,
              last_updated: now,
            },
          ]),
        ),
      },
    ),
  );

  return [example, ownerMaskinporten, ownerSupplied, otherIdporten, otherMaskinporten, otherSupplied, ...extra];
}
