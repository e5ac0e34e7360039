import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { PersonModel, ContactPointModel, DigitalMailboxModel } from '../krr/model.js';
import type { ClientModel, OnBehalfOfModel, JwksModel, JwkModel } from '../clients/model.js';
import type { GraphQLContext } from '../graphql/context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /**
   * An ISO-8601 date and time with offset, e.g. `2023-08-05T10:45:15.768Z`. Upstream timestamp variants are parsed leniently
   * and serialized in UTC.
   */
  DateTime: { input: Date; output: Date; }
  /**
   * A 9-digit Norwegian organisation number (organisasjonsnummer). Mod-11 checked on input; serialized as received from
   * the upstream on output.
   */
  OrganizationNumber: { input: string; output: string; }
  /**
   * An 11-digit Norwegian personal identifier (fødselsnummer, D-number, H-number or a synthetic test number), checked with
   * both mod-11 control-digit rules (the classic one and the one for numbers issued from 2032). KRR: `personidentifikator`.
   */
  PersonIdentifier: { input: string; output: string; }
  /** An absolute http(s) URL. */
  URL: { input: string; output: string; }
};

/** The organisation a caller acts for (supplier mode: its tenant from TENANTS_FILE). */
export type ActingFor = {
  __typename?: 'ActingFor';
  /** Its name as configured, when acting for a customer. */
  name: Maybe<Scalars['String']['output']>;
  /** The onbehalfof registration's id, with `via: ONBEHALFOF`. */
  onBehalfOf: Maybe<Scalars['String']['output']>;
  /** Its organisation number; null for the facade's own organisation when no enterprise certificate names it. */
  organizationNumber: Maybe<Scalars['OrganizationNumber']['output']>;
  /** How the facade obtains the Maskinporten token for its look-ups: as itself, through an Altinn delegation or an onbehalfof registration. */
  via: ActingVia;
};

/** How the facade obtains the Maskinporten token it looks persons up with. */
export type ActingVia =
  /** For a customer that delegated the KRR scopes to us in Altinn (`consumer_org` in the grant). */
  | 'CONSUMER_ORG'
  /** For a customer through an onbehalfof registration on our Maskinporten client (`iss_onbehalfof` in the grant). */
  | 'ONBEHALFOF'
  /** As the facade's own organisation. */
  | 'OWN';

/** One key to add to a client's set, for `addClientJwk`. */
export type AddClientJwkInput = {
  /** The client's `client_id`: 1–128 letters, digits, `.`, `_`, `-` or `:`, never `.` or `..`, never holding a personal id (a UUID excepted); anything else is refused with `BAD_USER_INPUT`. */
  clientId: Scalars['ID']['input'];
  /** The public key; its `kid` must not be in use (a `CONFLICT` user error otherwise). */
  key: JwkInput;
};

/** Admin API: `application_type`. */
export type ApplicationType =
  /** `browser`: a single-page application in the browser: a public client, with `tokenEndpointAuthMethod: NONE`. */
  | 'BROWSER'
  /** `native`: a mobile or desktop app: a public client, with `tokenEndpointAuthMethod: NONE`; may redirect to localhost. */
  | 'NATIVE'
  /** `web`: a server-side application that keeps a secret or a key (a confidential client). The only type for `MASKINPORTEN` and `KRR`. */
  | 'WEB';

/** An OIDC/OAuth2 client registration in ID-porten / Maskinporten. */
export type Client = {
  __typename?: 'Client';
  /** Seconds. Admin API: `access_token_lifetime`. */
  accessTokenLifetime: Maybe<Scalars['Int']['output']>;
  /** False once deleted (the admin API deletes softly). Admin API: `active`. */
  active: Scalars['Boolean']['output'];
  /** Admin API: `application_type`. */
  applicationType: Maybe<ApplicationType>;
  /** Seconds. Admin API: `authorization_lifetime`. */
  authorizationLifetime: Maybe<Scalars['Int']['output']>;
  /** Admin API: `client_uri`. */
  clientUri: Maybe<Scalars['URL']['output']>;
  /** `S256` or `none`. Admin API: `code_challenge_method`. */
  codeChallengeMethod: Maybe<Scalars['String']['output']>;
  /** Admin API: `created`. */
  createdAt: Maybe<Scalars['DateTime']['output']>;
  /** Internal description. Admin API: `description`. */
  description: Maybe<Scalars['String']['output']>;
  /** Admin API: `frontchannel_logout_session_required`. */
  frontchannelLogoutSessionRequired: Maybe<Scalars['Boolean']['output']>;
  /** Admin API: `frontchannel_logout_uri`. */
  frontchannelLogoutUri: Maybe<Scalars['URL']['output']>;
  /** Admin API: `grant_types`. */
  grantTypes: Array<GrantType>;
  /** Admin API: `client_id`. */
  id: Scalars['ID']['output'];
  /**
   * Admin API: `integration_type`. Null when the admin API names a type this API does not know (yet), or none: the client
   * is listed all the same.
   */
  integrationType: Maybe<IntegrationType>;
  /** The client's public keys, fetched lazily. Null (with an error) when they cannot be read. `GET /clients/{id}/jwks`. */
  jwks: Maybe<Jwks>;
  /** Admin API: `last_updated`. Pass it to `updateClient` to refuse overwriting a newer change. */
  lastUpdatedAt: Maybe<Scalars['DateTime']['output']>;
  /** Shown to users at login. Admin API: `client_name` (older responses: `display_name`). */
  name: Maybe<Scalars['String']['output']>;
  /** The client's onbehalfof registrations. Admin API: the embedded `onbehalfof` array. */
  onBehalfOf: Array<OnBehalfOf>;
  /** The owning organisation. Admin API: `client_orgno`. */
  organizationNumber: Scalars['OrganizationNumber']['output'];
  /** Admin API: `post_logout_redirect_uris`. */
  postLogoutRedirectUris: Array<Scalars['URL']['output']>;
  /** Admin API: `redirect_uris`. */
  redirectUris: Array<Scalars['URL']['output']>;
  /** Seconds. Admin API: `refresh_token_lifetime`. */
  refreshTokenLifetime: Maybe<Scalars['Int']['output']>;
  /** Admin API: `refresh_token_usage`. */
  refreshTokenUsage: Maybe<RefreshTokenUsage>;
  /** Admin API: `scopes`. */
  scopes: Array<Scalars['String']['output']>;
  /** Admin API: `sso_disabled`. */
  ssoDisabled: Maybe<Scalars['Boolean']['output']>;
  /** The supplier that manages the client for its owner. Admin API: `supplier_orgno`. */
  supplierOrganizationNumber: Maybe<Scalars['OrganizationNumber']['output']>;
  /** Admin API: `token_endpoint_auth_method`. */
  tokenEndpointAuthMethod: Maybe<TokenEndpointAuthMethod>;
};

/** Narrows `clients`; all given conditions must hold. */
export type ClientFilter = {
  /** Only active clients (`true`) or only deleted, deactivated ones (`false`); both when omitted. */
  active?: InputMaybe<Scalars['Boolean']['input']>;
  /** Only clients of this integration type. */
  integrationType?: InputMaybe<IntegrationType>;
  /** Case-insensitive substring of the client's name; at most 255 characters. */
  nameContains?: InputMaybe<Scalars['String']['input']>;
};

/** What `replaceClientJwks`, `addClientJwk` and `removeClientJwk` answer. */
export type ClientJwksPayload = {
  __typename?: 'ClientJwksPayload';
  /**
   * The `kid`s of expired keys (`exp` past, or within the next minute) that `addClientJwk` or `removeClientJwk` dropped
   * when it rewrote the set: the admin API refuses to store an expired key again. Empty when none was dropped, when the
   * change failed, and for `replaceClientJwks`.
   */
  droppedExpiredKeys: Array<Scalars['String']['output']>;
  /** The client's key set after the change (`keys` empty when the set was deleted); null when the change failed (see `userErrors`). */
  jwks: Maybe<Jwks>;
  /** Business errors: empty when the change was made. */
  userErrors: Array<UserError>;
};

/** One contact channel (e-mail or mobile) with its timestamps. */
export type ContactPoint = {
  __typename?: 'ContactPoint';
  /** Whether another person has registered the same value. KRR: `…_duplisert` (JA/NEI). */
  duplicated: Maybe<Scalars['Boolean']['output']>;
  /** KRR: `…_sist_validert`. */
  lastValidatedAt: Maybe<Scalars['DateTime']['output']>;
  /** KRR: `…_sist_verifisert`. */
  lastVerifiedAt: Maybe<Scalars['DateTime']['output']>;
  /**
   * True when the channel was neither updated nor verified in the last 18 months (eForvaltningsforskriften §32): it must
   * not be used for notices. Checked per channel.
   */
  stale: Scalars['Boolean']['output'];
  /** KRR: `…_oppdatert`. */
  updatedAt: Maybe<Scalars['DateTime']['output']>;
  /** The address or number. */
  value: Scalars['String']['output'];
};

/**
 * A new client. Bounds (refused with `BAD_USER_INPUT` naming the field, before any admin API call): `name` at most 255
 * characters, `description` at most 4000, `codeChallengeMethod` at most 16, `grantTypes` at most 3, `scopes` at most
 * 100 (each at most 255), `redirectUris` and `postLogoutRedirectUris` at most 50 each.
 */
export type CreateClientInput = {
  /** Seconds, 0 = default. */
  accessTokenLifetime?: InputMaybe<Scalars['Int']['input']>;
  /** Admin API: `application_type`. */
  applicationType: ApplicationType;
  /** Seconds, 0 = default. */
  authorizationLifetime?: InputMaybe<Scalars['Int']['input']>;
  /** Admin API: `client_uri`. */
  clientUri?: InputMaybe<Scalars['URL']['input']>;
  /** `S256` or `none`; at most 16 characters. Admin API: `code_challenge_method`. */
  codeChallengeMethod?: InputMaybe<Scalars['String']['input']>;
  /** Internal description; at most 4000 characters. Admin API: `description`. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** Admin API: `frontchannel_logout_session_required`. */
  frontchannelLogoutSessionRequired?: InputMaybe<Scalars['Boolean']['input']>;
  /** Admin API: `frontchannel_logout_uri`. */
  frontchannelLogoutUri?: InputMaybe<Scalars['URL']['input']>;
  /** At most 3. Admin API: `grant_types`. */
  grantTypes: Array<GrantType>;
  /** Admin API: `integration_type`. `KRR` clients get the fixed `krr:` scopes, so they fall under the scope rule too. */
  integrationType: IntegrationType;
  /** Shown to users at login; at most 255 characters. Admin API: `client_name`. */
  name: Scalars['String']['input'];
  /** Defaults to ours; a supplier sets its customer's. Admin API: `client_orgno`. */
  organizationNumber?: InputMaybe<Scalars['OrganizationNumber']['input']>;
  /** At most 50. Admin API: `post_logout_redirect_uris`. */
  postLogoutRedirectUris?: InputMaybe<Array<Scalars['URL']['input']>>;
  /** At most 50. Admin API: `redirect_uris`. */
  redirectUris?: InputMaybe<Array<Scalars['URL']['input']>>;
  /** Seconds, 0 = default. */
  refreshTokenLifetime?: InputMaybe<Scalars['Int']['input']>;
  /** Admin API: `refresh_token_usage`. */
  refreshTokenUsage?: InputMaybe<RefreshTokenUsage>;
  /**
   * At most 100 scopes of at most 255 characters each. Only scopes the facade lets callers grant (`ADMIN_ALLOWED_SCOPES`;
   * by default all but `krr:*` and `idporten:dcr*`): any other gives a `FORBIDDEN` user error. Admin API: `scopes`.
   */
  scopes?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Admin API: `sso_disabled`. */
  ssoDisabled?: InputMaybe<Scalars['Boolean']['input']>;
  /** Admin API: `token_endpoint_auth_method`. */
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
};

/** What `createClient` answers. */
export type CreateClientPayload = {
  __typename?: 'CreateClientPayload';
  /** The new client; null when it was not created (see `userErrors`). */
  client: Maybe<Client>;
  /** The new client_secret for secret-based clients, shown only here. */
  clientSecret: Maybe<Scalars['String']['output']>;
  /** Business errors: empty when the change was made. */
  userErrors: Array<UserError>;
};

/** A new onbehalfof registration under a client: the customer the client may act for. */
export type CreateOnBehalfOfInput = {
  /** The client's `client_id`: 1–128 letters, digits, `.`, `_`, `-` or `:`, never `.` or `..`, never holding a personal id (a UUID excepted); anything else is refused with `BAD_USER_INPUT`. */
  clientId: Scalars['ID']['input'];
  /** At most 4000 characters. Admin API: `description`. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** The new registration's `onbehalfof` id, same rule as `clientId`. */
  id: Scalars['ID']['input'];
  /** At most 255 characters. Admin API: `name` (older: `display_name`). */
  name: Scalars['String']['input'];
  /** The customer. Admin API: `orgno`. */
  organizationNumber: Scalars['OrganizationNumber']['input'];
  /** Admin API: `url` (newer: `client_uri`). */
  url?: InputMaybe<Scalars['URL']['input']>;
};

/** Which client `deleteClient` deactivates. */
export type DeleteClientInput = {
  /** The client's `client_id`: 1–128 letters, digits, `.`, `_`, `-` or `:`, never `.` or `..`, never holding a personal id (a UUID excepted); anything else is refused with `BAD_USER_INPUT`. */
  id: Scalars['ID']['input'];
};

/** What `deleteClient` answers. */
export type DeleteClientPayload = {
  __typename?: 'DeleteClientPayload';
  /** The deactivated client. */
  client: Maybe<Client>;
  /** Business errors: empty when the change was made. */
  userErrors: Array<UserError>;
};

/** Which onbehalfof registration `deleteOnBehalfOf` deletes. */
export type DeleteOnBehalfOfInput = {
  /** The client's `client_id`: 1–128 letters, digits, `.`, `_`, `-` or `:`, never `.` or `..`, never holding a personal id (a UUID excepted); anything else is refused with `BAD_USER_INPUT`. */
  clientId: Scalars['ID']['input'];
  /** The registration's `onbehalfof` id, same rule as `clientId`. */
  id: Scalars['ID']['input'];
};

/** What `deleteOnBehalfOf` answers. */
export type DeleteOnBehalfOfPayload = {
  __typename?: 'DeleteOnBehalfOfPayload';
  /** The id of the deleted registration; null when nothing was deleted (see `userErrors`). */
  deletedId: Maybe<Scalars['ID']['output']>;
  /** Business errors: empty when the change was made. */
  userErrors: Array<UserError>;
};

/** A digital mailbox for secure digital post. */
export type DigitalMailbox = {
  __typename?: 'DigitalMailbox';
  /** The mailbox address at the provider. KRR: `postkasseadresse`. */
  address: Scalars['String']['output'];
  /** The provider's encryption certificate, base64 X.509. KRR: `sertifikat`. */
  certificate: Maybe<Scalars['String']['output']>;
  /** The mailbox provider (Digipost 984661185, e-Boks 922020175). KRR: `postkasseleverandoeradresse`. */
  providerOrganizationNumber: Scalars['OrganizationNumber']['output'];
};

/** Admin API: `grant_types`. `JWT_BEARER` is `urn:ietf:params:oauth:grant-type:jwt-bearer`. */
export type GrantType =
  /** `authorization_code`: a user logs in (OpenID Connect code flow). */
  | 'AUTHORIZATION_CODE'
  /** `urn:ietf:params:oauth:grant-type:jwt-bearer`: the Maskinporten grant, a JWT the client signs. */
  | 'JWT_BEARER'
  /** `refresh_token`: new tokens for a login without the user logging in again. */
  | 'REFRESH_TOKEN';

/** Which product the client integrates with. Admin API: `integration_type` (immutable after creation). */
export type IntegrationType =
  /** `ansattporten`: logs employees in with Ansattporten (OpenID Connect). */
  | 'ANSATTPORTEN'
  /** `api_klient`: an ID-porten login client that also gets tokens for APIs on the logged-in user's behalf. */
  | 'API_KLIENT'
  /** `eformidling`: a Maskinporten client for eFormidling, the message exchange between organisations. */
  | 'EFORMIDLING'
  /** `idporten`: logs citizens in with ID-porten (OpenID Connect). */
  | 'IDPORTEN'
  /** `krr`: a Maskinporten client for the contact register (KRR); the admin API gives it the fixed `krr:` scopes. */
  | 'KRR'
  /** `maskinporten`: machine-to-machine access to APIs with Maskinporten tokens (JWT bearer grant). */
  | 'MASKINPORTEN';

/** One public key (RSA, RS256). */
export type Jwk = {
  __typename?: 'Jwk';
  /** Signing algorithm, e.g. `RS256`. JWK: `alg`. */
  alg: Scalars['String']['output'];
  /** RSA public exponent, base64url. */
  e: Maybe<Scalars['String']['output']>;
  /** When the key stops being accepted (keys live at most one year). Admin API: per-key `exp`. */
  expiresAt: Maybe<Scalars['DateTime']['output']>;
  /** Key id, unique across the admin API. JWK: `kid`. */
  kid: Scalars['String']['output'];
  /** Key type, e.g. `RSA`. JWK: `kty`. */
  kty: Scalars['String']['output'];
  /** RSA modulus, base64url. */
  n: Maybe<Scalars['String']['output']>;
  /** `sig` (signing); null when the admin API gives none. JWK: `use`. */
  use: Maybe<Scalars['String']['output']>;
};

/** A public RSA key for RS256. Private members (`d`, `p`, `q`, …) are refused. */
export type JwkInput = {
  /** `RS256`. */
  alg: Scalars['String']['input'];
  /** RSA public exponent, base64url (at most 12 characters). */
  e: Scalars['String']['input'];
  /** 1–128 letters, digits, `.`, `_` or `-`; unique across the admin API. */
  kid: Scalars['String']['input'];
  /** `RSA`. */
  kty: Scalars['String']['input'];
  /** RSA modulus, base64url: 2048 to 8192 bits (at most 1367 characters). */
  n: Scalars['String']['input'];
  /** `sig` (the default). */
  use?: InputMaybe<Scalars['String']['input']>;
};

/** A client's public key set (RFC 7517). */
export type Jwks = {
  __typename?: 'Jwks';
  /** Admin API: `created`. */
  createdAt: Maybe<Scalars['DateTime']['output']>;
  /** The keys, at most 5. Admin API: `keys`. */
  keys: Array<Jwk>;
  /** Admin API: `last_updated`. */
  lastUpdatedAt: Maybe<Scalars['DateTime']['output']>;
};

/** The authenticated caller of this request. */
export type Me = {
  __typename?: 'Me';
  /** The organisation the caller's look-ups are made for: the legal consumer KRR sees. */
  actingFor: ActingFor;
  /** `client_id` (or `azp`) of the caller's token, when it has one. */
  clientId: Maybe<Scalars['String']['output']>;
  /** The scopes of the caller's token (`scope` or `scp`), sorted. */
  scopes: Array<Scalars['String']['output']>;
  /** `sub` of the caller's token. */
  subject: Scalars['String']['output'];
};

/** The facade's write entry points: one `input` per mutation, a payload with `userErrors`. */
export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Adds one key to the client's key set (read-modify-write, serialized per client so no concurrent addition is lost).
   * Expired keys are dropped from the set when it is rewritten and named in `droppedExpiredKeys`; they never count
   * toward the limit of 5.
   */
  addClientJwk: Maybe<ClientJwksPayload>;
  /** Registers a new client. The payload carries the generated `clientSecret` once; it is never shown again. */
  createClient: Maybe<CreateClientPayload>;
  /** Registers an onbehalfof registration under a client. */
  createOnBehalfOf: Maybe<OnBehalfOfPayload>;
  /** Deactivates a client (soft delete: it stays readable with `active: false`). */
  deleteClient: Maybe<DeleteClientPayload>;
  /** Deletes an onbehalfof registration. */
  deleteOnBehalfOf: Maybe<DeleteOnBehalfOfPayload>;
  /**
   * Removes one key by `kid` (read-modify-write, serialized per client). Removing the last key deletes the set. Expired
   * keys are dropped from the set as well and named in `droppedExpiredKeys`.
   */
  removeClientJwk: Maybe<ClientJwksPayload>;
  /** Replaces the client's whole key set (at most 5 keys; an empty list deletes the set). */
  replaceClientJwks: Maybe<ClientJwksPayload>;
  /** Generates a new client_secret, shown once in the payload; the old one stays valid for about 30 minutes. */
  rotateClientSecret: Maybe<RotateClientSecretPayload>;
  /** Changes only the fields given (GET, merge, PUT). With `lastUpdatedAt`, refuses to overwrite a newer change. */
  updateClient: Maybe<UpdateClientPayload>;
  /** Changes only the fields given of an onbehalfof registration. */
  updateOnBehalfOf: Maybe<OnBehalfOfPayload>;
};


/** The facade's write entry points: one `input` per mutation, a payload with `userErrors`. */
export type MutationAddClientJwkArgs = {
  input: AddClientJwkInput;
};


/** The facade's write entry points: one `input` per mutation, a payload with `userErrors`. */
export type MutationCreateClientArgs = {
  input: CreateClientInput;
};


/** The facade's write entry points: one `input` per mutation, a payload with `userErrors`. */
export type MutationCreateOnBehalfOfArgs = {
  input: CreateOnBehalfOfInput;
};


/** The facade's write entry points: one `input` per mutation, a payload with `userErrors`. */
export type MutationDeleteClientArgs = {
  input: DeleteClientInput;
};


/** The facade's write entry points: one `input` per mutation, a payload with `userErrors`. */
export type MutationDeleteOnBehalfOfArgs = {
  input: DeleteOnBehalfOfInput;
};


/** The facade's write entry points: one `input` per mutation, a payload with `userErrors`. */
export type MutationRemoveClientJwkArgs = {
  input: RemoveClientJwkInput;
};


/** The facade's write entry points: one `input` per mutation, a payload with `userErrors`. */
export type MutationReplaceClientJwksArgs = {
  input: ReplaceClientJwksInput;
};


/** The facade's write entry points: one `input` per mutation, a payload with `userErrors`. */
export type MutationRotateClientSecretArgs = {
  input: RotateClientSecretInput;
};


/** The facade's write entry points: one `input` per mutation, a payload with `userErrors`. */
export type MutationUpdateClientArgs = {
  input: UpdateClientInput;
};


/** The facade's write entry points: one `input` per mutation, a payload with `userErrors`. */
export type MutationUpdateOnBehalfOfArgs = {
  input: UpdateOnBehalfOfInput;
};

/** Whether the person may be notified electronically. KRR: `varslingsstatus`. */
export type NotificationStatus =
  /** `KAN_IKKE_VARSLES`: reserved, deleted, not registered, or contact information older than 18 months. */
  | 'CANNOT_BE_NOTIFIED'
  /** `KAN_VARSLES` */
  | 'CAN_BE_NOTIFIED';

/** An onbehalfof registration: a supplier's client acting for one of its customers. */
export type OnBehalfOf = {
  __typename?: 'OnBehalfOf';
  /** The client this registration belongs to. */
  client: Client;
  /** Admin API: `description`. */
  description: Maybe<Scalars['String']['output']>;
  /** The registration's id within its client (admin API: `onbehalfof`), unique only together with `client { id }`: a supplier's clients often register a customer under the same id. A cache that keys objects by type and `id` must key this type by its client too (README, "Normalized caches"). */
  id: Scalars['ID']['output'];
  /** Admin API: `name` (older: `display_name`). */
  name: Maybe<Scalars['String']['output']>;
  /** The customer. Admin API: `orgno`. */
  organizationNumber: Maybe<Scalars['OrganizationNumber']['output']>;
  /** Admin API: `url` (newer: `client_uri`). */
  url: Maybe<Scalars['URL']['output']>;
};

/** What `createOnBehalfOf` and `updateOnBehalfOf` answer. */
export type OnBehalfOfPayload = {
  __typename?: 'OnBehalfOfPayload';
  /** The registration as created or changed; null when the change failed (see `userErrors`). */
  onBehalfOf: Maybe<OnBehalfOf>;
  /** Business errors: empty when the change was made. */
  userErrors: Array<UserError>;
};

/** A person's entry in the contact and reservation register (KRR, Kontakt- og reservasjonsregisteret). */
export type Person = {
  __typename?: 'Person';
  /** The person's digital mailbox (Digipost or e-Boks). KRR: `digital_post`, `sertifikat`. */
  digitalMailbox: Maybe<DigitalMailbox>;
  /** E-mail address. KRR: `kontaktinformasjon.epostadresse` and its timestamps. */
  email: Maybe<ContactPoint>;
  /** The identifier that was looked up. KRR: `personidentifikator`. */
  id: Scalars['PersonIdentifier']['output'];
  /** Preferred language: `nb`, `nn`, `en` or `se`. KRR: `spraak`. */
  language: Maybe<Scalars['String']['output']>;
  /** KRR: `spraak_oppdatert`. */
  languageUpdatedAt: Maybe<Scalars['DateTime']['output']>;
  /** Mobile phone number, e.g. `+4799999999`. KRR: `kontaktinformasjon.mobiltelefonnummer` and its timestamps. */
  mobilePhone: Maybe<ContactPoint>;
  /** KRR: `varslingsstatus`; null when KRR does not say. */
  notificationStatus: Maybe<NotificationStatus>;
  /** Whether the person has reserved against digital communication. KRR: `reservasjon` (JA/NEI); null when not registered. */
  reserved: Maybe<Scalars['Boolean']['output']>;
  /** When the reservation was last set or changed. KRR: `reservasjonstidspunkt` / `reservasjon_oppdatert`. */
  reservedAt: Maybe<Scalars['DateTime']['output']>;
  /** KRR: `status`. */
  status: PersonStatus;
};

/** Whether the person is known to KRR. KRR: `status`. */
export type PersonStatus =
  /** `AKTIV`: registered in KRR. */
  | 'ACTIVE'
  /** `SLETTET`: the registration was deleted; no contact information is returned. */
  | 'DELETED'
  /** `IKKE_REGISTRERT`: unknown to KRR; no contact information is returned. */
  | 'NOT_REGISTERED';

/** The facade's read entry points. */
export type Query = {
  __typename?: 'Query';
  /** One client registration of ours (or supplied by us). Null when not found. Admin API: `GET /clients/{client_id}`. */
  client: Maybe<Client>;
  /** Our client registrations, optionally filtered. Null (with an error) when the admin API fails. `GET /clients`. */
  clients: Maybe<Array<Client>>;
  /**
   * Who the caller is, from its verified token, and on whose behalf its person look-ups are made. Needs no scope: any
   * authenticated caller may ask.
   */
  me: Me;
  /** One onbehalfof registration of a client. Null when not found. `GET /clients/{client_id}/onbehalfof/{onbehalfof}`. */
  onBehalfOf: Maybe<OnBehalfOf>;
  /**
   * Looks up one person in the contact register (KRR). Look-ups of one request are batched into as few KRR calls as
   * possible. A person unknown to KRR is returned with `status: NOT_REGISTERED`; null only on error.
   */
  person: Maybe<Person>;
  /**
   * Looks up many persons, in the same order as `ids` (duplicates allowed, looked up once). The distinct ids go to KRR in
   * calls of up to 200 ids (the service's `KRR_BATCH_MAX_IDS`, at most KRR's 1000), made at once and shared with other
   * requests' look-ups of the moment. An entry is null, with an error at its path, when the KRR call for its id failed.
   */
  persons: Array<Maybe<Person>>;
};


/** The facade's read entry points. */
export type QueryClientArgs = {
  id: Scalars['ID']['input'];
};


/** The facade's read entry points. */
export type QueryClientsArgs = {
  filter?: InputMaybe<ClientFilter>;
};


/** The facade's read entry points. */
export type QueryOnBehalfOfArgs = {
  clientId: Scalars['ID']['input'];
  id: Scalars['ID']['input'];
};


/** The facade's read entry points. */
export type QueryPersonArgs = {
  id: Scalars['PersonIdentifier']['input'];
};


/** The facade's read entry points. */
export type QueryPersonsArgs = {
  ids: Array<Scalars['PersonIdentifier']['input']>;
};

/** Admin API: `refresh_token_usage`. */
export type RefreshTokenUsage =
  /** `ONETIME`: a refresh token can be used once; each refresh returns a new one. */
  | 'ONETIME'
  /** `REUSE`: a refresh token can be used again until it expires. */
  | 'REUSE';

/** One key to remove from a client's set, for `removeClientJwk`. */
export type RemoveClientJwkInput = {
  /** The client's `client_id`: 1–128 letters, digits, `.`, `_`, `-` or `:`, never `.` or `..`, never holding a personal id (a UUID excepted); anything else is refused with `BAD_USER_INPUT`. */
  clientId: Scalars['ID']['input'];
  /** 1–128 letters, digits, `.`, `_` or `-`. */
  kid: Scalars['String']['input'];
};

/** A client's whole new key set, for `replaceClientJwks`. */
export type ReplaceClientJwksInput = {
  /** The client's `client_id`: 1–128 letters, digits, `.`, `_`, `-` or `:`, never `.` or `..`, never holding a personal id (a UUID excepted); anything else is refused with `BAD_USER_INPUT`. */
  clientId: Scalars['ID']['input'];
  /** The whole new set: at most 5 keys (more is refused with `BAD_USER_INPUT`); an empty list deletes the set. */
  keys: Array<JwkInput>;
};

/** Which client `rotateClientSecret` gives a new secret. */
export type RotateClientSecretInput = {
  /** The client's `client_id`: 1–128 letters, digits, `.`, `_`, `-` or `:`, never `.` or `..`, never holding a personal id (a UUID excepted); anything else is refused with `BAD_USER_INPUT`. */
  id: Scalars['ID']['input'];
};

/** What `rotateClientSecret` answers. */
export type RotateClientSecretPayload = {
  __typename?: 'RotateClientSecretPayload';
  /** The client whose secret was rotated; null when it was not (see `userErrors`). */
  client: Maybe<Client>;
  /** The new client_secret, shown only here. */
  clientSecret: Maybe<Scalars['String']['output']>;
  /** Business errors: empty when the change was made. */
  userErrors: Array<UserError>;
};

/** How the client authenticates at the token endpoint. Admin API: `token_endpoint_auth_method`. */
export type TokenEndpointAuthMethod =
  /** `client_secret_basic`: the client_secret in an HTTP Basic `Authorization` header. */
  | 'CLIENT_SECRET_BASIC'
  /** `client_secret_post`: the client_secret in the token request body. */
  | 'CLIENT_SECRET_POST'
  /** `none`: no client authentication, for public `BROWSER` and `NATIVE` clients. */
  | 'NONE'
  /** `private_key_jwt`: a JWT signed with one of the client's keys (`jwks`) or an enterprise certificate; required for `MASKINPORTEN` and `KRR` clients. */
  | 'PRIVATE_KEY_JWT';

/**
 * Only the fields given change; a field given as null is removed from the client (left out of the admin API's PUT, which
 * replaces the whole client). The same bounds as `CreateClientInput` apply.
 */
export type UpdateClientInput = {
  /** Seconds, 0 or more; 0 = the default (120). Admin API: `access_token_lifetime`. */
  accessTokenLifetime?: InputMaybe<Scalars['Int']['input']>;
  /** Admin API: `application_type`. */
  applicationType?: InputMaybe<ApplicationType>;
  /** Seconds, 0 or more; 0 = the default (7200). Admin API: `authorization_lifetime`. */
  authorizationLifetime?: InputMaybe<Scalars['Int']['input']>;
  /** Admin API: `client_uri`. */
  clientUri?: InputMaybe<Scalars['URL']['input']>;
  /** At most 16 characters. */
  codeChallengeMethod?: InputMaybe<Scalars['String']['input']>;
  /** At most 4000 characters. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** Admin API: `frontchannel_logout_session_required`. */
  frontchannelLogoutSessionRequired?: InputMaybe<Scalars['Boolean']['input']>;
  /** On the domain of one of the redirect URIs. Admin API: `frontchannel_logout_uri`. */
  frontchannelLogoutUri?: InputMaybe<Scalars['URL']['input']>;
  /** At most 3. */
  grantTypes?: InputMaybe<Array<GrantType>>;
  /** The client's `client_id`: 1–128 letters, digits, `.`, `_`, `-` or `:`, never `.` or `..`, never holding a personal id (a UUID excepted); anything else is refused with `BAD_USER_INPUT`. */
  id: Scalars['ID']['input'];
  /** When given and the client changed since, the update is refused with a `CONFLICT` user error. */
  lastUpdatedAt?: InputMaybe<Scalars['DateTime']['input']>;
  /** At most 255 characters. */
  name?: InputMaybe<Scalars['String']['input']>;
  /** At most 50. */
  postLogoutRedirectUris?: InputMaybe<Array<Scalars['URL']['input']>>;
  /** At most 50. */
  redirectUris?: InputMaybe<Array<Scalars['URL']['input']>>;
  /** Seconds, 0 or more; 0 = the default (600). Admin API: `refresh_token_lifetime`. */
  refreshTokenLifetime?: InputMaybe<Scalars['Int']['input']>;
  /** Admin API: `refresh_token_usage`. */
  refreshTokenUsage?: InputMaybe<RefreshTokenUsage>;
  /**
   * The whole new list: at most 100 scopes of at most 255 characters each. A scope the client does not have yet must be
   * one the facade lets callers grant (`ADMIN_ALLOWED_SCOPES`), or the update is refused with a `FORBIDDEN` user error.
   */
  scopes?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Admin API: `sso_disabled`. */
  ssoDisabled?: InputMaybe<Scalars['Boolean']['input']>;
  /** Admin API: `token_endpoint_auth_method`. */
  tokenEndpointAuthMethod?: InputMaybe<TokenEndpointAuthMethod>;
};

/** What `updateClient` answers. */
export type UpdateClientPayload = {
  __typename?: 'UpdateClientPayload';
  /** The client as changed; null when it was not changed (see `userErrors`). */
  client: Maybe<Client>;
  /** Business errors: empty when the change was made. */
  userErrors: Array<UserError>;
};

/** Only the fields given change; a field left out or null keeps its value. */
export type UpdateOnBehalfOfInput = {
  /** The client's `client_id`: 1–128 letters, digits, `.`, `_`, `-` or `:`, never `.` or `..`, never holding a personal id (a UUID excepted); anything else is refused with `BAD_USER_INPUT`. */
  clientId: Scalars['ID']['input'];
  /** At most 4000 characters. */
  description?: InputMaybe<Scalars['String']['input']>;
  /** The registration's `onbehalfof` id, same rule as `clientId`. */
  id: Scalars['ID']['input'];
  /** At most 255 characters. */
  name?: InputMaybe<Scalars['String']['input']>;
  /** The customer. Admin API: `orgno`. */
  organizationNumber?: InputMaybe<Scalars['OrganizationNumber']['input']>;
  /** Admin API: `url` (newer: `client_uri`). */
  url?: InputMaybe<Scalars['URL']['input']>;
};

/** A business error of a mutation: data, not a GraphQL error. */
export type UserError = {
  __typename?: 'UserError';
  /** The kind of error, for code to act on. */
  code: UserErrorCode;
  /** Path to the input field at fault, e.g. `["input", "redirectUris"]`. */
  field: Maybe<Array<Scalars['String']['output']>>;
  /** What went wrong, in English, for the person filling in the form: the admin API's own validation text (at most 300 characters) or the facade's. */
  message: Scalars['String']['output'];
};

/** What kind of business error a `UserError` is. */
export type UserErrorCode =
  /** The change collides with the current state: the client changed since the `lastUpdatedAt` given, the `kid` or registration id is taken, or another change to the client is in progress (retry). */
  | 'CONFLICT'
  /** Not allowed: the client belongs to another organisation (admin API 403), it holds privileged scopes the facade may not manage, or a scope asked for may not be granted (`ADMIN_ALLOWED_SCOPES`). */
  | 'FORBIDDEN'
  /** The input was refused on its merits, by the admin API's validation (its 400 `errors[]`) or a rule of the facade (e.g. two keys with one `kid`): fix the field named and send it again. */
  | 'INVALID'
  /** The client would have more than 5 keys: remove one first. */
  | 'LIMIT_EXCEEDED'
  /** No such client, onbehalfof registration or key (admin API 404, or no key with that `kid` in the set). */
  | 'NOT_FOUND';



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  ActingFor: ResolverTypeWrapper<ActingFor>;
  ActingVia: ActingVia;
  AddClientJwkInput: AddClientJwkInput;
  ApplicationType: ApplicationType;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Client: ResolverTypeWrapper<ClientModel>;
  ClientFilter: ClientFilter;
  ClientJwksPayload: ResolverTypeWrapper<Omit<ClientJwksPayload, 'jwks'> & { jwks?: Maybe<ResolversTypes['Jwks']> }>;
  ContactPoint: ResolverTypeWrapper<ContactPointModel>;
  CreateClientInput: CreateClientInput;
  CreateClientPayload: ResolverTypeWrapper<Omit<CreateClientPayload, 'client'> & { client?: Maybe<ResolversTypes['Client']> }>;
  CreateOnBehalfOfInput: CreateOnBehalfOfInput;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DeleteClientInput: DeleteClientInput;
  DeleteClientPayload: ResolverTypeWrapper<Omit<DeleteClientPayload, 'client'> & { client?: Maybe<ResolversTypes['Client']> }>;
  DeleteOnBehalfOfInput: DeleteOnBehalfOfInput;
  DeleteOnBehalfOfPayload: ResolverTypeWrapper<DeleteOnBehalfOfPayload>;
  DigitalMailbox: ResolverTypeWrapper<DigitalMailboxModel>;
  GrantType: GrantType;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  IntegrationType: IntegrationType;
  Jwk: ResolverTypeWrapper<JwkModel>;
  JwkInput: JwkInput;
  Jwks: ResolverTypeWrapper<JwksModel>;
  Me: ResolverTypeWrapper<Me>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  NotificationStatus: NotificationStatus;
  OnBehalfOf: ResolverTypeWrapper<OnBehalfOfModel>;
  OnBehalfOfPayload: ResolverTypeWrapper<Omit<OnBehalfOfPayload, 'onBehalfOf'> & { onBehalfOf?: Maybe<ResolversTypes['OnBehalfOf']> }>;
  OrganizationNumber: ResolverTypeWrapper<Scalars['OrganizationNumber']['output']>;
  Person: ResolverTypeWrapper<PersonModel>;
  PersonIdentifier: ResolverTypeWrapper<Scalars['PersonIdentifier']['output']>;
  PersonStatus: PersonStatus;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  RefreshTokenUsage: RefreshTokenUsage;
  RemoveClientJwkInput: RemoveClientJwkInput;
  ReplaceClientJwksInput: ReplaceClientJwksInput;
  RotateClientSecretInput: RotateClientSecretInput;
  RotateClientSecretPayload: ResolverTypeWrapper<Omit<RotateClientSecretPayload, 'client'> & { client?: Maybe<ResolversTypes['Client']> }>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  TokenEndpointAuthMethod: TokenEndpointAuthMethod;
  URL: ResolverTypeWrapper<Scalars['URL']['output']>;
  UpdateClientInput: UpdateClientInput;
  UpdateClientPayload: ResolverTypeWrapper<Omit<UpdateClientPayload, 'client'> & { client?: Maybe<ResolversTypes['Client']> }>;
  UpdateOnBehalfOfInput: UpdateOnBehalfOfInput;
  UserError: ResolverTypeWrapper<UserError>;
  UserErrorCode: UserErrorCode;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  ActingFor: ActingFor;
  AddClientJwkInput: AddClientJwkInput;
  Boolean: Scalars['Boolean']['output'];
  Client: ClientModel;
  ClientFilter: ClientFilter;
  ClientJwksPayload: Omit<ClientJwksPayload, 'jwks'> & { jwks?: Maybe<ResolversParentTypes['Jwks']> };
  ContactPoint: ContactPointModel;
  CreateClientInput: CreateClientInput;
  CreateClientPayload: Omit<CreateClientPayload, 'client'> & { client?: Maybe<ResolversParentTypes['Client']> };
  CreateOnBehalfOfInput: CreateOnBehalfOfInput;
  DateTime: Scalars['DateTime']['output'];
  DeleteClientInput: DeleteClientInput;
  DeleteClientPayload: Omit<DeleteClientPayload, 'client'> & { client?: Maybe<ResolversParentTypes['Client']> };
  DeleteOnBehalfOfInput: DeleteOnBehalfOfInput;
  DeleteOnBehalfOfPayload: DeleteOnBehalfOfPayload;
  DigitalMailbox: DigitalMailboxModel;
  ID: Scalars['ID']['output'];
  Int: Scalars['Int']['output'];
  Jwk: JwkModel;
  JwkInput: JwkInput;
  Jwks: JwksModel;
  Me: Me;
  Mutation: Record<PropertyKey, never>;
  OnBehalfOf: OnBehalfOfModel;
  OnBehalfOfPayload: Omit<OnBehalfOfPayload, 'onBehalfOf'> & { onBehalfOf?: Maybe<ResolversParentTypes['OnBehalfOf']> };
  OrganizationNumber: Scalars['OrganizationNumber']['output'];
  Person: PersonModel;
  PersonIdentifier: Scalars['PersonIdentifier']['output'];
  Query: Record<PropertyKey, never>;
  RemoveClientJwkInput: RemoveClientJwkInput;
  ReplaceClientJwksInput: ReplaceClientJwksInput;
  RotateClientSecretInput: RotateClientSecretInput;
  RotateClientSecretPayload: Omit<RotateClientSecretPayload, 'client'> & { client?: Maybe<ResolversParentTypes['Client']> };
  String: Scalars['String']['output'];
  URL: Scalars['URL']['output'];
  UpdateClientInput: UpdateClientInput;
  UpdateClientPayload: Omit<UpdateClientPayload, 'client'> & { client?: Maybe<ResolversParentTypes['Client']> };
  UpdateOnBehalfOfInput: UpdateOnBehalfOfInput;
  UserError: UserError;
};

export type RequiresScopesDirectiveArgs = {
  scopes: Array<Array<Scalars['String']['input']>>;
};

export type RequiresScopesDirectiveResolver<Result, Parent, ContextType = GraphQLContext, Args = RequiresScopesDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ActingForResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ActingFor'] = ResolversParentTypes['ActingFor']> = {
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  onBehalfOf?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  organizationNumber?: Resolver<Maybe<ResolversTypes['OrganizationNumber']>, ParentType, ContextType>;
  via?: Resolver<ResolversTypes['ActingVia'], ParentType, ContextType>;
};

export type ClientResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Client'] = ResolversParentTypes['Client']> = {
  accessTokenLifetime?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  active?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  applicationType?: Resolver<Maybe<ResolversTypes['ApplicationType']>, ParentType, ContextType>;
  authorizationLifetime?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  clientUri?: Resolver<Maybe<ResolversTypes['URL']>, ParentType, ContextType>;
  codeChallengeMethod?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  frontchannelLogoutSessionRequired?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  frontchannelLogoutUri?: Resolver<Maybe<ResolversTypes['URL']>, ParentType, ContextType>;
  grantTypes?: Resolver<Array<ResolversTypes['GrantType']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  integrationType?: Resolver<Maybe<ResolversTypes['IntegrationType']>, ParentType, ContextType>;
  jwks?: Resolver<Maybe<ResolversTypes['Jwks']>, ParentType, ContextType>;
  lastUpdatedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  onBehalfOf?: Resolver<Array<ResolversTypes['OnBehalfOf']>, ParentType, ContextType>;
  organizationNumber?: Resolver<ResolversTypes['OrganizationNumber'], ParentType, ContextType>;
  postLogoutRedirectUris?: Resolver<Array<ResolversTypes['URL']>, ParentType, ContextType>;
  redirectUris?: Resolver<Array<ResolversTypes['URL']>, ParentType, ContextType>;
  refreshTokenLifetime?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  refreshTokenUsage?: Resolver<Maybe<ResolversTypes['RefreshTokenUsage']>, ParentType, ContextType>;
  scopes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  ssoDisabled?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  supplierOrganizationNumber?: Resolver<Maybe<ResolversTypes['OrganizationNumber']>, ParentType, ContextType>;
  tokenEndpointAuthMethod?: Resolver<Maybe<ResolversTypes['TokenEndpointAuthMethod']>, ParentType, ContextType>;
};

export type ClientJwksPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ClientJwksPayload'] = ResolversParentTypes['ClientJwksPayload']> = {
  droppedExpiredKeys?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  jwks?: Resolver<Maybe<ResolversTypes['Jwks']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export type ContactPointResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ContactPoint'] = ResolversParentTypes['ContactPoint']> = {
  duplicated?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  lastValidatedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  lastVerifiedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  stale?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  updatedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  value?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type CreateClientPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['CreateClientPayload'] = ResolversParentTypes['CreateClientPayload']> = {
  client?: Resolver<Maybe<ResolversTypes['Client']>, ParentType, ContextType>;
  clientSecret?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DeleteClientPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['DeleteClientPayload'] = ResolversParentTypes['DeleteClientPayload']> = {
  client?: Resolver<Maybe<ResolversTypes['Client']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export type DeleteOnBehalfOfPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['DeleteOnBehalfOfPayload'] = ResolversParentTypes['DeleteOnBehalfOfPayload']> = {
  deletedId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export type DigitalMailboxResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['DigitalMailbox'] = ResolversParentTypes['DigitalMailbox']> = {
  address?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  certificate?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  providerOrganizationNumber?: Resolver<ResolversTypes['OrganizationNumber'], ParentType, ContextType>;
};

export type JwkResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Jwk'] = ResolversParentTypes['Jwk']> = {
  alg?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  e?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  kid?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  kty?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  n?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  use?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type JwksResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Jwks'] = ResolversParentTypes['Jwks']> = {
  createdAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  keys?: Resolver<Array<ResolversTypes['Jwk']>, ParentType, ContextType>;
  lastUpdatedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
};

export type MeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Me'] = ResolversParentTypes['Me']> = {
  actingFor?: Resolver<ResolversTypes['ActingFor'], ParentType, ContextType>;
  clientId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  scopes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  subject?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  addClientJwk?: Resolver<Maybe<ResolversTypes['ClientJwksPayload']>, ParentType, ContextType, RequireFields<MutationAddClientJwkArgs, 'input'>>;
  createClient?: Resolver<Maybe<ResolversTypes['CreateClientPayload']>, ParentType, ContextType, RequireFields<MutationCreateClientArgs, 'input'>>;
  createOnBehalfOf?: Resolver<Maybe<ResolversTypes['OnBehalfOfPayload']>, ParentType, ContextType, RequireFields<MutationCreateOnBehalfOfArgs, 'input'>>;
  deleteClient?: Resolver<Maybe<ResolversTypes['DeleteClientPayload']>, ParentType, ContextType, RequireFields<MutationDeleteClientArgs, 'input'>>;
  deleteOnBehalfOf?: Resolver<Maybe<ResolversTypes['DeleteOnBehalfOfPayload']>, ParentType, ContextType, RequireFields<MutationDeleteOnBehalfOfArgs, 'input'>>;
  removeClientJwk?: Resolver<Maybe<ResolversTypes['ClientJwksPayload']>, ParentType, ContextType, RequireFields<MutationRemoveClientJwkArgs, 'input'>>;
  replaceClientJwks?: Resolver<Maybe<ResolversTypes['ClientJwksPayload']>, ParentType, ContextType, RequireFields<MutationReplaceClientJwksArgs, 'input'>>;
  rotateClientSecret?: Resolver<Maybe<ResolversTypes['RotateClientSecretPayload']>, ParentType, ContextType, RequireFields<MutationRotateClientSecretArgs, 'input'>>;
  updateClient?: Resolver<Maybe<ResolversTypes['UpdateClientPayload']>, ParentType, ContextType, RequireFields<MutationUpdateClientArgs, 'input'>>;
  updateOnBehalfOf?: Resolver<Maybe<ResolversTypes['OnBehalfOfPayload']>, ParentType, ContextType, RequireFields<MutationUpdateOnBehalfOfArgs, 'input'>>;
};

export type OnBehalfOfResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['OnBehalfOf'] = ResolversParentTypes['OnBehalfOf']> = {
  client?: Resolver<ResolversTypes['Client'], ParentType, ContextType>;
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  organizationNumber?: Resolver<Maybe<ResolversTypes['OrganizationNumber']>, ParentType, ContextType>;
  url?: Resolver<Maybe<ResolversTypes['URL']>, ParentType, ContextType>;
};

export type OnBehalfOfPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['OnBehalfOfPayload'] = ResolversParentTypes['OnBehalfOfPayload']> = {
  onBehalfOf?: Resolver<Maybe<ResolversTypes['OnBehalfOf']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export interface OrganizationNumberScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['OrganizationNumber'], any> {
  name: 'OrganizationNumber';
}

export type PersonResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Person'] = ResolversParentTypes['Person']> = {
  digitalMailbox?: Resolver<Maybe<ResolversTypes['DigitalMailbox']>, ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['ContactPoint']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['PersonIdentifier'], ParentType, ContextType>;
  language?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  languageUpdatedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  mobilePhone?: Resolver<Maybe<ResolversTypes['ContactPoint']>, ParentType, ContextType>;
  notificationStatus?: Resolver<Maybe<ResolversTypes['NotificationStatus']>, ParentType, ContextType>;
  reserved?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  reservedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['PersonStatus'], ParentType, ContextType>;
};

export interface PersonIdentifierScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['PersonIdentifier'], any> {
  name: 'PersonIdentifier';
}

export type QueryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  client?: Resolver<Maybe<ResolversTypes['Client']>, ParentType, ContextType, RequireFields<QueryClientArgs, 'id'>>;
  clients?: Resolver<Maybe<Array<ResolversTypes['Client']>>, ParentType, ContextType, Partial<QueryClientsArgs>>;
  me?: Resolver<ResolversTypes['Me'], ParentType, ContextType>;
  onBehalfOf?: Resolver<Maybe<ResolversTypes['OnBehalfOf']>, ParentType, ContextType, RequireFields<QueryOnBehalfOfArgs, 'clientId' | 'id'>>;
  person?: Resolver<Maybe<ResolversTypes['Person']>, ParentType, ContextType, RequireFields<QueryPersonArgs, 'id'>>;
  persons?: Resolver<Array<Maybe<ResolversTypes['Person']>>, ParentType, ContextType, RequireFields<QueryPersonsArgs, 'ids'>>;
};

export type RotateClientSecretPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['RotateClientSecretPayload'] = ResolversParentTypes['RotateClientSecretPayload']> = {
  client?: Resolver<Maybe<ResolversTypes['Client']>, ParentType, ContextType>;
  clientSecret?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export interface UrlScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['URL'], any> {
  name: 'URL';
}

export type UpdateClientPayloadResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UpdateClientPayload'] = ResolversParentTypes['UpdateClientPayload']> = {
  client?: Resolver<Maybe<ResolversTypes['Client']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export type UserErrorResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UserError'] = ResolversParentTypes['UserError']> = {
  code?: Resolver<ResolversTypes['UserErrorCode'], ParentType, ContextType>;
  field?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type Resolvers<ContextType = GraphQLContext> = {
  ActingFor?: ActingForResolvers<ContextType>;
  Client?: ClientResolvers<ContextType>;
  ClientJwksPayload?: ClientJwksPayloadResolvers<ContextType>;
  ContactPoint?: ContactPointResolvers<ContextType>;
  CreateClientPayload?: CreateClientPayloadResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DeleteClientPayload?: DeleteClientPayloadResolvers<ContextType>;
  DeleteOnBehalfOfPayload?: DeleteOnBehalfOfPayloadResolvers<ContextType>;
  DigitalMailbox?: DigitalMailboxResolvers<ContextType>;
  Jwk?: JwkResolvers<ContextType>;
  Jwks?: JwksResolvers<ContextType>;
  Me?: MeResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  OnBehalfOf?: OnBehalfOfResolvers<ContextType>;
  OnBehalfOfPayload?: OnBehalfOfPayloadResolvers<ContextType>;
  OrganizationNumber?: GraphQLScalarType;
  Person?: PersonResolvers<ContextType>;
  PersonIdentifier?: GraphQLScalarType;
  Query?: QueryResolvers<ContextType>;
  RotateClientSecretPayload?: RotateClientSecretPayloadResolvers<ContextType>;
  URL?: GraphQLScalarType;
  UpdateClientPayload?: UpdateClientPayloadResolvers<ContextType>;
  UserError?: UserErrorResolvers<ContextType>;
};

export type DirectiveResolvers<ContextType = GraphQLContext> = {
  requiresScopes?: RequiresScopesDirectiveResolver<any, any, ContextType>;
};
