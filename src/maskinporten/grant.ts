import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { GrantCredentials } from './credentials.js';

/** Maskinporten accepts `exp - iat <= 120`; staying below leaves room for rounding on either side. */
export const GRANT_LIFETIME_SECONDS = 100;

export interface GrantInput {
  clientId: string;
  /** The authorization server's issuer, exactly as its metadata publishes it. */
  audience: string;
  scopes: string[];
  resource?: string;
  /** The customer that delegated the scopes to us in Altinn (supplier mode). */
  consumerOrg?: string;
  /** Maskinporten's own claim: an onbehalfof registration on our client (supplier mode). */
  onBehalfOf?: string;
  nowSeconds: number;
}

/** Builds the signed JWT-bearer grant of reference §1 (RFC 7523). Only the documented claims: others are rejected. */
export async function buildGrant(credentials: GrantCredentials, input: GrantInput): Promise<string> {
  const claims: Record<string, string> = { scope: input.scopes.join(' ') };
  if (input.resource) claims.resource = input.resource;
  // Two ways to act for a customer, mutually exclusive (reference §1): a grant never carries both.
  if (input.consumerOrg && input.onBehalfOf) throw new RangeError('consumer_org and iss_onbehalfof are exclusive');
  if (input.consumerOrg) claims.consumer_org = input.consumerOrg;
  if (input.onBehalfOf) claims.iss_onbehalfof = input.onBehalfOf;
  const header = credentials.kid
    ? { alg: 'RS256', kid: credentials.kid }
    : { alg: 'RS256', x5c: credentials.x5c ?? [] };
  return new SignJWT(claims)
    .setProtectedHeader(header)
    .setIssuer(input.clientId)
    .setAudience(input.audience)
    .setIssuedAt(input.nowSeconds)
    .setExpirationTime(input.nowSeconds + GRANT_LIFETIME_SECONDS)
    .setJti(randomUUID())
    .sign(credentials.privateKey);
}
