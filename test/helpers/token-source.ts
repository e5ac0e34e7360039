import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { close, listen, sendJson } from '../../src/sandbox/http-util.js';

export interface TokenClaims {
  scope: string;
  /** The consumer organisation (`consumer.ID` = `0192:<orgno>`); default 991825827. */
  orgno?: string;
  clientId?: string;
  iat?: number;
  exp?: number;
  iss?: string;
  /** Sign with another key (e.g. `foreignKey`) instead of the published one. */
  key?: CryptoKey;
}

/** A stand-in Maskinporten for the resource simulators' tests: a published JWKS and tokens of the real shape. */
export interface TokenSource {
  /** With a trailing slash, like Maskinporten's. */
  issuer: string;
  jwksUrl: string;
  /** A key whose public half is not published: tokens signed with it must be refused. */
  foreignKey: CryptoKey;
  sign(claims: TokenClaims): Promise<string>;
  close(): Promise<void>;
}

export async function startTokenSource(opts: { issuer?: string } = {}): Promise<TokenSource> {
  const pair = await generateKeyPair('RS256');
  const foreignKey = (await generateKeyPair('RS256')).privateKey;
  const kid = 'test-signing-key';
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const server: Server = createServer((_req, res) => sendJson(res, 200, { keys: [jwk] }));
  const base = await listen(server);
  const issuer = opts.issuer ?? `${base}/`;
  return {
    issuer,
    jwksUrl: `${base}/jwks`,
    foreignKey,
    sign(claims) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        client_id: claims.clientId ?? 'test-client',
        scope: claims.scope,
        consumer: { authority: 'iso6523-actorid-upis', ID: `0192:${claims.orgno ?? '991825827'}` },
      })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(claims.iss ?? issuer)
        .setIssuedAt(claims.iat ?? now)
        .setExpirationTime(claims.exp ?? now + 120)
        .setJti(randomUUID())
        .sign(claims.key ?? pair.privateKey);
    },
    close: () => close(server),
  };
}
