import type { UpstreamRequestContext } from './request-context.js';

/** What a Maskinporten token is asked for; every field is part of the token's identity (and its cache key). */
export interface TokenRequest {
  scopes: string[];
  resource?: string;
  /** Supplier mode, Altinn delegation: the customer's orgno (`consumer_org`). */
  consumerOrg?: string;
  /** Supplier mode, onbehalfof registration on our client (`iss_onbehalfof`). Never together with `consumerOrg`. */
  onBehalfOf?: string;
}

/** The token service as the upstream clients see it. */
export interface TokenProvider {
  /** `context`: the GraphQL request that needs the token (its retry budget pays for a token request's retries). */
  getToken(req: TokenRequest, context?: UpstreamRequestContext): Promise<string>;
  /**
   * A token in place of `refused`, which a resource server answered 401: a newer one if already cached, else a fresh
   * one, or `refused` itself when it is too fresh to be worth replacing. Until a new one comes, `refused` stays in the
   * cache (see TokenService.renew).
   */
  renew(req: TokenRequest, refused: string, context?: UpstreamRequestContext): Promise<string>;
}
