/* eslint-disable */
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
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
  DateTime: { input: string; output: string; }
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

/** Narrows `clients`; all given conditions must hold. */
export type ClientFilter = {
  /** Only active clients (`true`) or only deleted, deactivated ones (`false`); both when omitted. */
  active?: InputMaybe<Scalars['Boolean']['input']>;
  /** Only clients of this integration type. */
  integrationType?: InputMaybe<IntegrationType>;
  /** Case-insensitive substring of the client's name; at most 255 characters. */
  nameContains?: InputMaybe<Scalars['String']['input']>;
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

/** Which onbehalfof registration `deleteOnBehalfOf` deletes. */
export type DeleteOnBehalfOfInput = {
  /** The client's `client_id`: 1–128 letters, digits, `.`, `_`, `-` or `:`, never `.` or `..`, never holding a personal id (a UUID excepted); anything else is refused with `BAD_USER_INPUT`. */
  clientId: Scalars['ID']['input'];
  /** The registration's `onbehalfof` id, same rule as `clientId`. */
  id: Scalars['ID']['input'];
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

/** Whether the person may be notified electronically. KRR: `varslingsstatus`. */
export type NotificationStatus =
  /** `KAN_IKKE_VARSLES`: reserved, deleted, not registered, or contact information older than 18 months. */
  | 'CANNOT_BE_NOTIFIED'
  /** `KAN_VARSLES` */
  | 'CAN_BE_NOTIFIED';

/** Whether the person is known to KRR. KRR: `status`. */
export type PersonStatus =
  /** `AKTIV`: registered in KRR. */
  | 'ACTIVE'
  /** `SLETTET`: the registration was deleted; no contact information is returned. */
  | 'DELETED'
  /** `IKKE_REGISTRERT`: unknown to KRR; no contact information is returned. */
  | 'NOT_REGISTERED';

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

export type WebPersonQueryVariables = Exact<{
  id: Scalars['PersonIdentifier']['input'];
}>;


export type WebPersonQuery = { __typename: 'Query', person?: { __typename: 'Person', id: string, status: PersonStatus, reserved?: boolean | null, reservedAt?: string | null, notificationStatus?: NotificationStatus | null, language?: string | null, email?: { __typename: 'ContactPoint', value: string, stale: boolean, lastVerifiedAt?: string | null } | null, mobilePhone?: { __typename: 'ContactPoint', value: string, stale: boolean, lastVerifiedAt?: string | null } | null, digitalMailbox?: { __typename: 'DigitalMailbox', address: string, providerOrganizationNumber: string } | null } | null };

export type WebClientsQueryVariables = Exact<{ [key: string]: never; }>;


export type WebClientsQuery = { __typename: 'Query', clients?: Array<{ __typename: 'Client', id: string, name?: string | null, integrationType?: IntegrationType | null, jwks?: { __typename: 'Jwks', keys: Array<{ __typename: 'Jwk', kid: string, expiresAt?: string | null }> } | null, onBehalfOf: Array<{ __typename: 'OnBehalfOf', id: string, name?: string | null, organizationNumber?: string | null }> }> | null };

export type WebAddClientJwkMutationVariables = Exact<{
  input: AddClientJwkInput;
}>;


export type WebAddClientJwkMutation = { __typename: 'Mutation', addClientJwk?: { __typename: 'ClientJwksPayload', droppedExpiredKeys: Array<string>, jwks?: { __typename: 'Jwks', keys: Array<{ __typename: 'Jwk', kid: string, expiresAt?: string | null }> } | null, userErrors: Array<{ __typename: 'UserError', code: UserErrorCode, field?: Array<string> | null, message: string }> } | null };


export const WebPersonDocument = {"__meta__":{"hash":"e41006cba3701e7b9a0c08878822b876cdbe5619b274bebfbb57bec7664896fe"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"WebPerson"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PersonIdentifier"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"person"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"reserved"}},{"kind":"Field","name":{"kind":"Name","value":"reservedAt"}},{"kind":"Field","name":{"kind":"Name","value":"notificationStatus"}},{"kind":"Field","name":{"kind":"Name","value":"language"}},{"kind":"Field","name":{"kind":"Name","value":"email"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"stale"}},{"kind":"Field","name":{"kind":"Name","value":"lastVerifiedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"mobilePhone"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"stale"}},{"kind":"Field","name":{"kind":"Name","value":"lastVerifiedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"digitalMailbox"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"address"}},{"kind":"Field","name":{"kind":"Name","value":"providerOrganizationNumber"}}]}}]}}]}}]} as unknown as DocumentNode<WebPersonQuery, WebPersonQueryVariables>;
export const WebClientsDocument = {"__meta__":{"hash":"3b7cb0915bd180ac3e039b4d7f3b00bf1c79fca7287b5bdf5e801008064b4d40"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"WebClients"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"clients"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"active"},"value":{"kind":"BooleanValue","value":true}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"integrationType"}},{"kind":"Field","name":{"kind":"Name","value":"jwks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"keys"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"kid"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"onBehalfOf"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"organizationNumber"}}]}}]}}]}}]} as unknown as DocumentNode<WebClientsQuery, WebClientsQueryVariables>;
export const WebAddClientJwkDocument = {"__meta__":{"hash":"027046dfe04da247c5d3d32579b7e1be05a1fc3772911aa58e911feaef834952"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"WebAddClientJwk"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AddClientJwkInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"addClientJwk"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"jwks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"keys"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"kid"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"droppedExpiredKeys"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<WebAddClientJwkMutation, WebAddClientJwkMutationVariables>;