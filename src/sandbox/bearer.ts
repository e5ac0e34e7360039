import type { IncomingMessage } from 'node:http';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';

/** The claims of a Maskinporten access token that the resource simulators (KRR, admin API) rely on. */
export interface MaskinportenTokenClaims {
  iss: string;
  client_id: string;
  scope: string;
  /** The organisation the token was issued to: `{ authority: 'iso6523-actorid-upis', ID: '0192:<orgno>' }`. */
  consumer: { authority: string; ID: string };
  /** Present when a supplier acts for a customer (`consumer_org`); the supplier's own organisation. */
  supplier?: { authority: string; ID: string };
  iat: number;
  exp: number;
  jti: string;
  aud?: string | string[];
}

export interface VerifiedBearer {
  claims: MaskinportenTokenClaims;
  scopes: Set<string>;
  /** The consumer's organisation number (from `consumer.ID`). */
  orgno: string;
}

export type BearerResult = { ok: true; bearer: VerifiedBearer } | { ok: false; status: 401; reason: string };

/**
 * Verifies `Authorization: Bearer <Maskinporten access token>` the way a Digdir resource server does: RS256 signature
 * against the authorization server's published JWKS, `iss` equal to its issuer, `exp` in the future.
 */
export function createBearerVerifier(opts: { issuer: string; jwksUrl: string; audience?: string }) {
  const jwks = createRemoteJWKSet(new URL(opts.jwksUrl));
  return async function verifyBearer(req: IncomingMessage): Promise<BearerResult> {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) return { ok: false, status: 401, reason: 'missing bearer token' };
    try {
      const { payload } = await jwtVerify(match[1], jwks, {
        issuer: opts.issuer,
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'scope', 'consumer'],
        ...(opts.audience ? { audience: opts.audience } : {}),
      });
      const claims = payload as unknown as MaskinportenTokenClaims;
      const orgno =
        String(claims.consumer?.ID ?? '')
          .split(':')
          .pop() ?? '';
      return { ok: true, bearer: { claims, scopes: new Set(String(claims.scope).split(' ')), orgno } };
    } catch (err) {
      const reason = err instanceof joseErrors.JWTExpired ? 'token expired' : 'invalid token';
      return { ok: false, status: 401, reason };
    }
  };
}
