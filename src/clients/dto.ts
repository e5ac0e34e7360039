/**
 * The admin API's wire format (reference §3), snake_case as received. Loosely typed: older and newer shapes differ
 * (`client_name`/`display_name`, onbehalfof `name`/`display_name`, `url`/`client_uri`).
 */
export interface OnBehalfOfDto {
  onbehalfof?: string;
  name?: string;
  display_name?: string;
  orgno?: string;
  url?: string;
  client_uri?: string;
  description?: string;
  created?: string;
  last_updated?: string;
}

export interface ClientDto {
  client_id?: string;
  client_name?: string;
  display_name?: string;
  description?: string;
  client_uri?: string;
  client_orgno?: string;
  supplier_orgno?: string;
  integration_type?: string;
  application_type?: string;
  token_endpoint_auth_method?: string;
  grant_types?: string[];
  scopes?: string[];
  redirect_uris?: string[];
  post_logout_redirect_uris?: string[];
  frontchannel_logout_uri?: string;
  frontchannel_logout_session_required?: boolean;
  refresh_token_usage?: string;
  authorization_lifetime?: number;
  access_token_lifetime?: number;
  refresh_token_lifetime?: number;
  code_challenge_method?: string;
  sso_disabled?: boolean;
  jwks_uri?: string;
  active?: boolean;
  created?: string;
  last_updated?: string;
  client_secret?: string;
  onbehalfof?: OnBehalfOfDto[];
  [extra: string]: unknown;
}

export interface JwkDto {
  kid?: string;
  kty?: string;
  alg?: string;
  use?: string;
  n?: string;
  e?: string;
  /** Epoch seconds, as documented; read leniently (`expirySeconds`), kept as received when rewritten. */
  exp?: unknown;
  [extra: string]: unknown;
}

export interface JwksDto {
  keys?: JwkDto[];
  created?: string;
  last_updated?: string;
}
