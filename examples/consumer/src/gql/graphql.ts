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

export type AddClientJwkInput = {
  clientId: Scalars['ID']['input'];
  key: JwkInput;
};

/** Admin API: `application_type`. */
export type ApplicationType =
  | 'BROWSER'
  | 'NATIVE'
  | 'WEB';

/** Narrows `clients`; all given conditions must hold. */
export type ClientFilter = {
  active?: InputMaybe<Scalars['Boolean']['input']>;
  integrationType?: InputMaybe<IntegrationType>;
  /** Case-insensitive substring of the client's name. */
  nameContains?: InputMaybe<Scalars['String']['input']>;
};

export type CreateClientInput = {
  /** Seconds, 0 = default. */
  accessTokenLifetime?: InputMaybe<Scalars['Int']['input']>;
  applicationType: ApplicationType;
  /** Seconds, 0 = default. */
  authorizationLifetime?: InputMaybe<Scalars['Int']['input']>;
  clientUri?: InputMaybe<Scalars['URL']['input']>;
  codeChallengeMethod?: InputMaybe<Scalars['String']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  frontchannelLogoutSessionRequired?: InputMaybe<Scalars['Boolean']['input']>;
  frontchannelLogoutUri?: InputMaybe<Scalars['URL']['input']>;
  grantTypes: Array<GrantType>;
  integrationType: IntegrationType;
  name: Scalars['String']['input'];
  /** Defaults to ours; a supplier sets its customer's. */
  organizationNumber?: InputMaybe<Scalars['OrganizationNumber']['input']>;
  postLogoutRedirectUris?: InputMaybe<Array<Scalars['URL']['input']>>;
  redirectUris?: InputMaybe<Array<Scalars['URL']['input']>>;
  /** Seconds, 0 = default. */
  refreshTokenLifetime?: InputMaybe<Scalars['Int']['input']>;
  refreshTokenUsage?: InputMaybe<RefreshTokenUsage>;
  scopes?: InputMaybe<Array<Scalars['String']['input']>>;
  ssoDisabled?: InputMaybe<Scalars['Boolean']['input']>;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
};

export type CreateOnBehalfOfInput = {
  clientId: Scalars['ID']['input'];
  description?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  name: Scalars['String']['input'];
  organizationNumber: Scalars['OrganizationNumber']['input'];
  url?: InputMaybe<Scalars['URL']['input']>;
};

export type DeleteClientInput = {
  id: Scalars['ID']['input'];
};

export type DeleteOnBehalfOfInput = {
  clientId: Scalars['ID']['input'];
  id: Scalars['ID']['input'];
};

/** Admin API: `grant_types`. `JWT_BEARER` is `urn:ietf:params:oauth:grant-type:jwt-bearer`. */
export type GrantType =
  | 'AUTHORIZATION_CODE'
  | 'JWT_BEARER'
  | 'REFRESH_TOKEN';

/** Which product the client integrates with. Admin API: `integration_type` (immutable after creation). */
export type IntegrationType =
  | 'ANSATTPORTEN'
  | 'API_KLIENT'
  | 'EFORMIDLING'
  | 'IDPORTEN'
  | 'KRR'
  | 'MASKINPORTEN';

/** A public RSA key for RS256. Private members (`d`, `p`, `q`, …) are refused. */
export type JwkInput = {
  alg: Scalars['String']['input'];
  e: Scalars['String']['input'];
  kid: Scalars['String']['input'];
  kty: Scalars['String']['input'];
  n: Scalars['String']['input'];
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
  | 'ONETIME'
  | 'REUSE';

export type RemoveClientJwkInput = {
  clientId: Scalars['ID']['input'];
  kid: Scalars['String']['input'];
};

export type ReplaceClientJwksInput = {
  clientId: Scalars['ID']['input'];
  keys: Array<JwkInput>;
};

export type RotateClientSecretInput = {
  id: Scalars['ID']['input'];
};

/** How the client authenticates at the token endpoint. Admin API: `token_endpoint_auth_method`. */
export type TokenEndpointAuthMethod =
  | 'CLIENT_SECRET_BASIC'
  | 'CLIENT_SECRET_POST'
  | 'NONE'
  | 'PRIVATE_KEY_JWT';

/** Only the fields given change. */
export type UpdateClientInput = {
  accessTokenLifetime?: InputMaybe<Scalars['Int']['input']>;
  applicationType?: InputMaybe<ApplicationType>;
  authorizationLifetime?: InputMaybe<Scalars['Int']['input']>;
  clientUri?: InputMaybe<Scalars['URL']['input']>;
  codeChallengeMethod?: InputMaybe<Scalars['String']['input']>;
  description?: InputMaybe<Scalars['String']['input']>;
  frontchannelLogoutSessionRequired?: InputMaybe<Scalars['Boolean']['input']>;
  frontchannelLogoutUri?: InputMaybe<Scalars['URL']['input']>;
  grantTypes?: InputMaybe<Array<GrantType>>;
  id: Scalars['ID']['input'];
  /** When given and the client changed since, the update is refused with a `CONFLICT` user error. */
  lastUpdatedAt?: InputMaybe<Scalars['DateTime']['input']>;
  name?: InputMaybe<Scalars['String']['input']>;
  postLogoutRedirectUris?: InputMaybe<Array<Scalars['URL']['input']>>;
  redirectUris?: InputMaybe<Array<Scalars['URL']['input']>>;
  refreshTokenLifetime?: InputMaybe<Scalars['Int']['input']>;
  refreshTokenUsage?: InputMaybe<RefreshTokenUsage>;
  scopes?: InputMaybe<Array<Scalars['String']['input']>>;
  ssoDisabled?: InputMaybe<Scalars['Boolean']['input']>;
  tokenEndpointAuthMethod?: InputMaybe<TokenEndpointAuthMethod>;
};

export type UpdateOnBehalfOfInput = {
  clientId: Scalars['ID']['input'];
  description?: InputMaybe<Scalars['String']['input']>;
  id: Scalars['ID']['input'];
  name?: InputMaybe<Scalars['String']['input']>;
  organizationNumber?: InputMaybe<Scalars['OrganizationNumber']['input']>;
  url?: InputMaybe<Scalars['URL']['input']>;
};

export type UserErrorCode =
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'INVALID'
  | 'LIMIT_EXCEEDED'
  | 'NOT_FOUND';

export type PersonContactQueryVariables = Exact<{
  id: Scalars['PersonIdentifier']['input'];
}>;


export type PersonContactQuery = { __typename?: 'Query', person?: { __typename?: 'Person', id: string, status: PersonStatus, reserved?: boolean | null, email?: { __typename?: 'ContactPoint', value: string, stale: boolean } | null, mobilePhone?: { __typename?: 'ContactPoint', value: string, stale: boolean } | null } | null };

export type PersonsContactQueryVariables = Exact<{
  ids: Array<Scalars['PersonIdentifier']['input']> | Scalars['PersonIdentifier']['input'];
}>;


export type PersonsContactQuery = { __typename?: 'Query', persons: Array<{ __typename?: 'Person', id: string, status: PersonStatus, reserved?: boolean | null, notificationStatus?: NotificationStatus | null, email?: { __typename?: 'ContactPoint', value: string, stale: boolean } | null, mobilePhone?: { __typename?: 'ContactPoint', value: string, stale: boolean } | null } | null> };

export type ClientKeysQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type ClientKeysQuery = { __typename?: 'Query', client?: { __typename?: 'Client', id: string, name?: string | null, integrationType: IntegrationType, jwks?: { __typename?: 'Jwks', keys: Array<{ __typename?: 'Jwk', kid: string, expiresAt?: string | null }> } | null } | null };

export type AddClientJwkMutationVariables = Exact<{
  input: AddClientJwkInput;
}>;


export type AddClientJwkMutation = { __typename?: 'Mutation', addClientJwk: { __typename?: 'ClientJwksPayload', jwks?: { __typename?: 'Jwks', keys: Array<{ __typename?: 'Jwk', kid: string, expiresAt?: string | null }> } | null, userErrors: Array<{ __typename?: 'UserError', code: UserErrorCode, field?: Array<string> | null, message: string }> } };


export const PersonContactDocument = {"__meta__":{"hash":"388bdfe074767c3621fa541ab17a98664e36661602ea008274027777e76611e7"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PersonContact"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PersonIdentifier"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"person"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"reserved"}},{"kind":"Field","name":{"kind":"Name","value":"email"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"stale"}}]}},{"kind":"Field","name":{"kind":"Name","value":"mobilePhone"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"stale"}}]}}]}}]}}]} as unknown as DocumentNode<PersonContactQuery, PersonContactQueryVariables>;
export const PersonsContactDocument = {"__meta__":{"hash":"f066a8377fa56c90e0f6f8793a01030318b2ef19f1e7c014f966ae6403c477e3"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PersonsContact"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"ids"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PersonIdentifier"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"persons"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"ids"},"value":{"kind":"Variable","name":{"kind":"Name","value":"ids"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"reserved"}},{"kind":"Field","name":{"kind":"Name","value":"notificationStatus"}},{"kind":"Field","name":{"kind":"Name","value":"email"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"stale"}}]}},{"kind":"Field","name":{"kind":"Name","value":"mobilePhone"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"stale"}}]}}]}}]}}]} as unknown as DocumentNode<PersonsContactQuery, PersonsContactQueryVariables>;
export const ClientKeysDocument = {"__meta__":{"hash":"0588c7df925802c7c661001f82cffd3a2c9ae30c0ca8f3c00a95adf4d9d72da0"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ClientKeys"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"client"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"integrationType"}},{"kind":"Field","name":{"kind":"Name","value":"jwks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"keys"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kid"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ClientKeysQuery, ClientKeysQueryVariables>;
export const AddClientJwkDocument = {"__meta__":{"hash":"a2d47710e4f2dd8b898db1d802f3ed1421a047a8e80c8469bd8fd37df98becfe"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AddClientJwk"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"AddClientJwkInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"addClientJwk"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jwks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"keys"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kid"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<AddClientJwkMutation, AddClientJwkMutationVariables>;