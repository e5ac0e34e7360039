import { X509Certificate, createHash, randomBytes, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  SignJWT,
  calculateJwkThumbprint,
  compactVerify,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
} from 'jose';
import type { CryptoKey, JWK, JWTPayload, ProtectedHeaderParameters } from 'jose';
import { FaultInjector } from './faults.js';
import { close, listen, readBody, sendJson } from './http-util.js';
import { orgnoFromCertificate } from './pki.js';

export interface MaskinportenClientRegistration {
  clientId: string;
  /** The client's owner. */
  orgno: string;
  /** Registered scopes. */
  scopes: string[];
  /** Keys registered through the admin API (kid mode); each may carry `exp` (epoch seconds). */
  jwks?: JWK[];
  /**
   * Shorthand: orgnos that delegated, in Altinn, every scope registered on this client to its organisation, so
   * `consumer_org` is allowed for them with any of its scopes. Per-scope delegations: `delegations` below.
   */
  delegatedConsumerOrgs?: string[];
}

/**
 * An Altinn API delegation ("Delegert tilgang i Altinn"): the customer `consumerOrg` delegated `scopes` to the
 * supplier organisation `supplierOrgno`. Any client of the supplier may then name the customer in `consumer_org`.
 */
export interface MaskinportenDelegation {
  consumerOrg: string;
  supplierOrgno: string;
  scopes: string[];
}

/** An onbehalfof registration on a client, as the admin API holds it: the customer it acts for. */
export interface OnBehalfOfRegistration {
  orgno: string;
  name?: string;
}

/**
 * Finds the onbehalfof registration `onBehalfOf` on client `clientId` at this moment (the admin simulator's
 * `findOnBehalfOf` in the sandbox); undefined when there is none.
 */
export type OnBehalfOfLookup = (clientId: string, onBehalfOf: string) => OnBehalfOfRegistration | undefined;

export interface MaskinportenSimulatorOptions {
  /** Certificates chaining to one of these are accepted. */
  trustedCaCertsPem: string[];
  clients: MaskinportenClientRegistration[];
  /** Altinn delegations: `consumer_org` is accepted only when every requested scope is delegated. Default none. */
  delegations?: MaskinportenDelegation[];
  /**
   * Where `iss_onbehalfof` is checked: the registrations on the grant's client. Without one (and until
   * `setOnBehalfOfLookup`), every `iss_onbehalfof` is refused.
   */
  onBehalfOfLookup?: OnBehalfOfLookup;
  /** `expires_in`; default 120. */
  accessTokenTtlSeconds?: number;
  /** Millisecond clock, injectable; default `Date.now`. */
  now?: () => number;
  port?: number;
  host?: string;
}

export interface MaskinportenSimulator {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  url: string;
  /** `${url}/`, WITH a trailing slash, like `https://test.maskinporten.no/`. */
  issuer: string;
  /** `${url}/jwk`. */
  jwksUrl: string;
  /** POST /token calls received (any outcome, faults included). */
  readonly tokenRequests: number;
  readonly tokensIssued: number;
  /** Adds or replaces a client. */
  registerClient(c: MaskinportenClientRegistration): void;
  setAccessTokenTtl(seconds: number): void;
  /** The Altinn delegations now in force (copies). */
  readonly delegations: MaskinportenDelegation[];
  /** Replaces every delegation. */
  setDelegations(delegations: MaskinportenDelegation[]): void;
  /** Adds a delegation (the scopes join those already delegated by `consumerOrg` to `supplierOrgno`). */
  addDelegation(delegation: MaskinportenDelegation): void;
  /**
   * Withdraws the delegation of `scopes` (default: every scope) by `consumerOrg` to `supplierOrgno`. The
   * client shorthand `delegatedConsumerOrgs` is not touched.
   */
  revokeDelegation(consumerOrg: string, supplierOrgno: string, scopes?: string[]): void;
  /** Sets (or, with undefined, removes) where `iss_onbehalfof` registrations are looked up. */
  setOnBehalfOfLookup(lookup: OnBehalfOfLookup | undefined): void;
  /** Fault injection for `POST /token`, applied before the request is read; metadata and keys are never faulted. */
  readonly faults: FaultInjector;
  close(): Promise<void>;
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const GRANT_ALGORITHMS = ['RS256', 'RS384', 'RS512'];
const ALLOWED_CLAIMS = new Set([
  'aud',
  'iss',
  'scope',
  'iat',
  'exp',
  'jti',
  'resource',
  'consumer_org',
  'iss_onbehalfof',
]);
const ORGNO_PATTERN = /^\d{9}$/;
/** An onbehalfof id as the admin API accepts it (letters, digits, `.`, `_`, `-`, `:`; 1–128 characters). */
const ONBEHALFOF_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_CLOCK_SKEW_SECONDS = 10;
const MAX_GRANT_LIFETIME_SECONDS = 120;
const ORGNO_AUTHORITY = 'iso6523-actorid-upis';

type MpCode =
  | 'MP-011'
  | 'MP-012'
  | 'MP-100'
  | 'MP-110'
  | 'MP-120'
  | 'MP-121'
  | 'MP-122'
  | 'MP-123'
  | 'MP-124'
  | 'MP-130'
  | 'MP-200'
  | 'MP-250'
  | 'MP-251';

/** A token-endpoint rejection: `code` goes into `error_uri` only, as the real server does. */
class GrantError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly code?: MpCode,
    readonly status = 400,
  ) {
    super(description);
  }
}

const invalidGrant = (code: MpCode, description: string) => new GrantError('invalid_grant', description, code);

interface VerifiedGrant {
  client: MaskinportenClientRegistration;
  clientAmr: 'virksomhetssertifikat' | 'private_key_jwt';
  payload: JWTPayload;
}

function isBase64(value: string): boolean {
  return value.length > 0 && value.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value);
}

function certificateIsCurrent(cert: X509Certificate, nowMs: number): boolean {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return Number.isFinite(from) && Number.isFinite(to) && from <= nowMs && nowMs <= to;
}

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

export async function startMaskinportenSimulator(opts: MaskinportenSimulatorOptions): Promise<MaskinportenSimulator> {
  const now = opts.now ?? Date.now;
  const nowSeconds = () => Math.floor(now() / 1000);
  let ttlSeconds = opts.accessTokenTtlSeconds ?? 120;
  let tokenRequests = 0;
  let tokensIssued = 0;
  const faults = new FaultInjector({
    defaultBody: (status) => ({
      error: status === 503 ? 'temporarily_unavailable' : status >= 500 ? 'server_error' : 'invalid_request',
      error_description: `Injected failure (${status})`,
    }),
  });

  const trustedCas = opts.trustedCaCertsPem.map((pem) => new X509Certificate(pem));
  const clients = new Map<string, MaskinportenClientRegistration>();
  const registerClient = (c: MaskinportenClientRegistration) => {
    clients.set(c.clientId, { ...c, scopes: [...c.scopes] });
  };
  opts.clients.forEach(registerClient);

  let delegations: MaskinportenDelegation[] = [];
  const copyDelegation = (d: MaskinportenDelegation): MaskinportenDelegation => {
    if (!ORGNO_PATTERN.test(d.consumerOrg) || !ORGNO_PATTERN.test(d.supplierOrgno)) {
      throw new TypeError('a delegation names two 9-digit organisation numbers');
    }
    return { consumerOrg: d.consumerOrg, supplierOrgno: d.supplierOrgno, scopes: [...new Set(d.scopes)] };
  };
  const setDelegations = (list: MaskinportenDelegation[]) => {
    delegations = list.map(copyDelegation);
  };
  setDelegations(opts.delegations ?? []);
  let onBehalfOfLookup = opts.onBehalfOfLookup;

  const { privateKey: signingKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwks = { keys: [{ ...publicJwk, kid, alg: 'RS256', use: 'sig' }] };

  /** Used grants: key → the grant's `exp` (epoch s). Forgotten once the grant could no longer be accepted anyway. */
  const usedGrants = new Map<string, number>();
  let lastSweep = 0;
  const sweepUsedGrants = () => {
    const current = nowSeconds();
    if (current === lastSweep && usedGrants.size < 10_000) return;
    lastSweep = current;
    for (const [key, exp] of usedGrants) {
      if (exp < current - MAX_CLOCK_SKEW_SECONDS) usedGrants.delete(key);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: 'Internal error' });
      else res.destroy();
    });
  });
  const url = await listen(server, opts.port ?? 0, opts.host ?? '127.0.0.1');
  const issuer = `${url}/`;
  const jwksUrl = `${url}/jwk`;

  const metadata = {
    issuer,
    token_endpoint: `${url}/token`,
    jwks_uri: jwksUrl,
    grant_types_supported: [JWT_BEARER],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: GRANT_ALGORITHMS,
  };

  function sendGrantError(req: IncomingMessage, res: ServerResponse, err: GrantError): void {
    const traceId = randomBytes(16).toString('hex');
    // A body left unread (too large) would poison a kept-alive connection: close it instead.
    const headers: Record<string, string> = req.complete ? {} : { connection: 'close' };
    sendJson(
      res,
      err.status,
      {
        error: err.error,
        error_description: `${err.description} (trace_id: ${traceId})`,
        ...(err.code ? { error_uri: `${issuer}errors/${err.code}` } : {}),
      },
      headers,
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', url).pathname;
    if (path === '/.well-known/oauth-authorization-server' || path === '/.well-known/openid-configuration') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET');
      return sendJson(res, 200, metadata);
    }
    if (path === '/jwk' || path === '/jwks') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET');
      return sendJson(res, 200, jwks);
    }
    if (path === '/token') {
      if (req.method !== 'POST') return methodNotAllowed(res, 'POST');
      tokenRequests += 1;
      if (await faults.apply(req, res)) return;
      try {
        const body = await tokenEndpoint(req);
        tokensIssued += 1;
        return sendJson(res, 200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
      } catch (err) {
        if (err instanceof GrantError) return sendGrantError(req, res, err);
        return sendGrantError(req, res, new GrantError('invalid_request', 'Invalid request', 'MP-011'));
      }
    }
    sendJson(res, 404, { error: 'not_found', error_description: `No such resource: ${path}` });
  }

  function methodNotAllowed(res: ServerResponse, allow: string): void {
    sendJson(res, 405, { error: 'invalid_request', error_description: 'Method not allowed' }, { allow });
  }

  async function tokenEndpoint(req: IncomingMessage) {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    let text: string;
    try {
      text = await readBody(req, 256 * 1024);
    } catch {
      throw new GrantError('invalid_request', 'Request body too large or unreadable', 'MP-011');
    }
    if (contentType !== 'application/x-www-form-urlencoded') {
      throw new GrantError('invalid_request', 'Content-Type must be application/x-www-form-urlencoded', 'MP-011');
    }
    const form = new URLSearchParams(text);
    const grantType = form.get('grant_type');
    if (!grantType) throw new GrantError('invalid_request', 'Missing grant_type', 'MP-011');
    if (grantType !== JWT_BEARER) {
      throw new GrantError('unsupported_grant_type', `Unsupported grant_type: ${grantType}`);
    }
    const assertion = form.get('assertion');
    if (!assertion) throw new GrantError('invalid_request', 'Missing assertion', 'MP-011');

    const grant = await verifyGrant(assertion);
    const { client, payload } = grant;

    // Audience: exactly one value, the issuer.
    const aud = payload.aud;
    const audOk = aud === issuer || (Array.isArray(aud) && aud.length === 1 && aud[0] === issuer);
    if (!audOk) throw invalidGrant('MP-110', `Invalid audience value in assertion. Expected: ${issuer}`);

    // Lifetime and clock skew.
    const { iat, exp } = payload;
    if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isFinite(iat) || !Number.isFinite(exp)) {
      throw invalidGrant('MP-130', 'The assertion must contain numeric iat and exp claims');
    }
    const current = nowSeconds();
    if (Math.abs(iat - current) > MAX_CLOCK_SKEW_SECONDS) {
      throw invalidGrant('MP-130', 'Invalid assertion. Client authentication failed. Invalid iat value');
    }
    if (exp - iat > MAX_GRANT_LIFETIME_SECONDS) {
      throw invalidGrant(
        'MP-130',
        `The assertion lifetime (exp - iat) must not exceed ${MAX_GRANT_LIFETIME_SECONDS} s`,
      );
    }
    if (exp <= iat || exp < current) throw invalidGrant('MP-130', 'The assertion has expired');

    // Replay: jti, or a hash of the whole grant when there is none.
    if (payload.jti !== undefined && (typeof payload.jti !== 'string' || payload.jti.length === 0)) {
      throw new GrantError('invalid_request', 'Invalid assertion: jti must be a non-empty string', 'MP-011');
    }
    const grantKey =
      payload.jti !== undefined
        ? `jti\u0000${client.clientId}\u0000${payload.jti}`
        : `hash\u0000${createHash('sha256').update(assertion).digest('hex')}`;
    sweepUsedGrants();
    if (usedGrants.has(grantKey)) throw invalidGrant('MP-012', 'Invalid assertion. Grant is used before');

    // Scopes.
    if (typeof payload.scope !== 'string' || payload.scope.trim() === '') {
      throw new GrantError('invalid_scope', 'Token request contains no scope', 'MP-200');
    }
    const scopes = payload.scope.trim().split(/\s+/);
    const unknownScopes = scopes.filter((s) => !client.scopes.includes(s));
    if (unknownScopes.length > 0) {
      throw new GrantError(
        'invalid_scope',
        `Token request contains invalid scopes for client, ${unknownScopes.join(' ')}`,
        'MP-200',
      );
    }

    // resource (RFC 8707).
    const resource = payload.resource;
    const resourceOk =
      resource === undefined ||
      (typeof resource === 'string' && resource.length > 0) ||
      (Array.isArray(resource) &&
        resource.length > 0 &&
        resource.every((r): r is string => typeof r === 'string' && r.length > 0));
    if (!resourceOk) throw new GrantError('invalid_request', 'Invalid assertion: invalid resource', 'MP-011');

    // A supplier acting for a customer (the legal consumer): by Altinn delegation or by onbehalfof registration.
    const customer = legalConsumer(client, payload, scopes);

    usedGrants.set(grantKey, exp);

    const tokenIat = nowSeconds();
    const orgId = (orgno: string) => ({ authority: ORGNO_AUTHORITY, ID: `0192:${orgno}` });
    const claims: JWTPayload = {
      client_id: client.clientId,
      client_amr: grant.clientAmr,
      token_type: 'Bearer',
      consumer: orgId(customer ?? client.orgno),
      ...(customer !== undefined ? { supplier: orgId(client.orgno) } : {}),
      scope: scopes.join(' '),
    };
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(issuer)
      .setIssuedAt(tokenIat)
      .setExpirationTime(tokenIat + ttlSeconds)
      .setJti(randomUUID());
    if (resource !== undefined) jwt.setAudience(resource as string | string[]);
    const accessToken = await jwt.sign(signingKey);
    return { access_token: accessToken, token_type: 'Bearer', expires_in: ttlSeconds, scope: scopes.join(' ') };
  }

  /**
   * The customer a supplier's grant acts for (undefined: the client's own organisation), after the checks Maskinporten
   * makes. The two mechanisms are mutually exclusive (the JWT-grant documentation):
   * - `consumer_org`: the customer must have delegated EVERY requested scope to the client's organisation in Altinn;
   *   otherwise MP-251, HTTP 403, "Consumer X has not delegated access to the scope S to supplier Y" (Digdir's
   *   troubleshooting list; the error code is `access_denied`, as RFC 6749 names a refusal). `consumer_org` equal to
   *   the client's own orgno is refused the way the troubleshooting page quotes it ("The combination consumer_org in
   *   claim and delegation scope on client is invalid", invalid_request).
   * - `iss_onbehalfof`: an onbehalfof registration with that id must exist on the client at this moment (looked up
   *   in the admin API's data); the customer is its `orgno`. Digdir documents no MP code for an unknown one: the
   *   refusal is `invalid_grant` without `error_uri`, worded in Maskinporten's "Invalid assertion. …" style.
   * invalid_request refusals carry MP-011 ("invalid parameter value"), as every other invalid_request here does.
   */
  function legalConsumer(
    client: MaskinportenClientRegistration,
    payload: JWTPayload,
    scopes: string[],
  ): string | undefined {
    const consumerOrg = payload.consumer_org;
    const onBehalfOf = payload.iss_onbehalfof;
    if (consumerOrg !== undefined && onBehalfOf !== undefined) {
      throw new GrantError(
        'invalid_request',
        'Invalid assertion: consumer_org and iss_onbehalfof are mutually exclusive',
        'MP-011',
      );
    }
    if (consumerOrg !== undefined) {
      if (typeof consumerOrg !== 'string' || !ORGNO_PATTERN.test(consumerOrg)) {
        throw new GrantError('invalid_request', 'Invalid assertion: invalid consumer_org', 'MP-011');
      }
      if (consumerOrg === client.orgno) {
        throw new GrantError(
          'invalid_request',
          'Validation of JWT claim failed: The combination consumer_org in claim and delegation scope on client is invalid',
          'MP-011',
        );
      }
      const delegated = delegatedScopes(client, consumerOrg);
      const missing = scopes.filter((s) => !delegated.has(s));
      if (missing.length > 0) {
        throw new GrantError(
          'access_denied',
          `Consumer ${consumerOrg} has not delegated access to the scope ${missing.join(' ')} to supplier ${client.orgno}`,
          'MP-251',
          403,
        );
      }
      return consumerOrg;
    }
    if (onBehalfOf !== undefined) {
      if (typeof onBehalfOf !== 'string' || !ONBEHALFOF_PATTERN.test(onBehalfOf)) {
        throw new GrantError('invalid_request', 'Invalid assertion: invalid iss_onbehalfof', 'MP-011');
      }
      const registration = onBehalfOfLookup?.(client.clientId, onBehalfOf);
      if (!registration) {
        throw new GrantError(
          'invalid_grant',
          `Invalid assertion. Client authentication failed. No onbehalfof registration '${onBehalfOf}' on client ${client.clientId}`,
        );
      }
      if (!ORGNO_PATTERN.test(registration.orgno)) {
        throw new GrantError(
          'invalid_grant',
          `Invalid assertion. The onbehalfof registration '${onBehalfOf}' has no valid organization number`,
        );
      }
      return registration.orgno;
    }
    return undefined;
  }

  /** Every scope `consumerOrg` has delegated to the client's organisation. */
  function delegatedScopes(client: MaskinportenClientRegistration, consumerOrg: string): Set<string> {
    const out = new Set<string>();
    if ((client.delegatedConsumerOrgs ?? []).includes(consumerOrg)) client.scopes.forEach((s) => out.add(s));
    for (const d of delegations) {
      if (d.consumerOrg === consumerOrg && d.supplierOrgno === client.orgno) d.scopes.forEach((s) => out.add(s));
    }
    return out;
  }

  /** Header, client, key and signature: everything up to a grant whose claims can be trusted. */
  async function verifyGrant(assertion: string): Promise<VerifiedGrant> {
    let header: ProtectedHeaderParameters;
    let payload: JWTPayload;
    try {
      header = decodeProtectedHeader(assertion);
      payload = decodeJwt(assertion);
    } catch {
      throw new GrantError('invalid_request', 'Invalid assertion. The assertion is not a valid signed JWT', 'MP-011');
    }
    if (assertion.split('.').length !== 3) {
      throw new GrantError('invalid_request', 'Invalid assertion. The assertion is not a signed JWT', 'MP-011');
    }
    if (typeof header.alg !== 'string' || !GRANT_ALGORITHMS.includes(header.alg)) {
      throw invalidGrant('MP-124', `Invalid assertion. Signature algorithm not supported: ${String(header.alg)}`);
    }

    const clientId = payload.iss;
    const client = typeof clientId === 'string' ? clients.get(clientId) : undefined;
    if (!client) throw invalidGrant('MP-100', `Invalid assertion. Client not found: ${String(clientId)}`);

    const registeredKeys = client.jwks ?? [];
    let key: KeyObject | CryptoKey | Uint8Array;
    let clientAmr: VerifiedGrant['clientAmr'];
    let certificate: X509Certificate | undefined;

    if (registeredKeys.length > 0) {
      if (header.x5c !== undefined) {
        throw invalidGrant(
          'MP-123',
          'Invalid assertion. The client has registered keys: the grant must name one by kid, not carry x5c',
        );
      }
      if (typeof header.kid !== 'string' || header.kid === '') {
        throw invalidGrant('MP-124', 'Invalid assertion. Missing kid for a client with registered keys');
      }
      const jwk = registeredKeys.find((k) => k.kid === header.kid);
      if (!jwk) throw invalidGrant('MP-124', `Invalid assertion. Unknown kid: ${header.kid}`);
      const keyExp = (jwk as { exp?: unknown }).exp;
      if (typeof keyExp === 'number' && keyExp <= nowSeconds()) {
        throw invalidGrant('MP-121', `Invalid assertion. The registered key ${header.kid} has expired`);
      }
      try {
        const { kty, n, e, crv, x, y } = jwk;
        const publicOnly = Object.fromEntries(
          Object.entries({ kty, n, e, crv, x, y }).filter(([, v]) => v !== undefined),
        ) as JWK;
        key = (await importJWK(publicOnly, header.alg)) as CryptoKey | Uint8Array;
      } catch {
        throw invalidGrant('MP-124', `Invalid assertion. The registered key ${header.kid} is not usable`);
      }
      clientAmr = 'private_key_jwt';
    } else {
      if (header.x5c === undefined) {
        if (header.kid !== undefined) {
          throw invalidGrant('MP-124', `Invalid assertion. Unknown kid: ${String(header.kid)}`);
        }
        throw invalidGrant('MP-123', 'Invalid assertion. Missing x5c or kid in the header');
      }
      certificate = verifyCertificateChain(header.x5c);
      key = certificate.publicKey;
      clientAmr = 'virksomhetssertifikat';
    }

    try {
      await compactVerify(assertion, key, { algorithms: GRANT_ALGORITHMS });
    } catch {
      throw invalidGrant('MP-124', 'Invalid assertion. Signature verification failed');
    }

    if (certificate) {
      const orgno = orgnoFromCertificate(certificate);
      if (orgno !== client.orgno) {
        throw invalidGrant(
          'MP-122',
          `Invalid assertion. The certificate's organization number ${orgno ?? '(none)'} does not own client ${client.clientId}`,
        );
      }
    }

    const extraClaims = Object.keys(payload).filter((claim) => !ALLOWED_CLAIMS.has(claim));
    if (extraClaims.length > 0) {
      throw new GrantError('invalid_request', 'Invalid assertion', 'MP-011');
    }
    return { client, clientAmr, payload };
  }

  /** The x5c header: an array of base64 DER, leaf first, chained to a trusted CA, every link currently valid. */
  function verifyCertificateChain(x5c: unknown): X509Certificate {
    if (!Array.isArray(x5c) || x5c.length === 0) {
      throw invalidGrant('MP-123', 'Invalid assertion. x5c must be an array of base64 DER certificates');
    }
    const chain: X509Certificate[] = [];
    for (const entry of x5c) {
      if (typeof entry !== 'string' || !isBase64(entry)) {
        throw invalidGrant('MP-123', 'Invalid assertion. x5c contains an entry that is not base64 DER');
      }
      try {
        chain.push(new X509Certificate(Buffer.from(entry, 'base64')));
      } catch {
        throw invalidGrant('MP-123', 'Invalid assertion. x5c contains a certificate that cannot be parsed');
      }
    }
    const leaf = chain[0] as X509Certificate;
    if (leaf.ca)
      throw invalidGrant('MP-123', 'Invalid assertion. The first x5c certificate must be the leaf, not a CA');
    const current = now();

    // Walk from the leaf until a certificate is a trusted CA or is signed by one.
    for (let i = 0; i < chain.length; i += 1) {
      const cert = chain[i] as X509Certificate;
      if (!certificateIsCurrent(cert, current)) {
        throw invalidGrant('MP-120', 'Invalid assertion. The certificate is expired or not yet valid');
      }
      if (i > 0 && !cert.ca) {
        throw invalidGrant('MP-120', 'Invalid assertion. An intermediate certificate is not a CA');
      }
      const trusted = trustedCas.some((ca) => ca.fingerprint256 === cert.fingerprint256);
      if (trusted && i > 0) return leaf;
      const anchor = trustedCas.find((ca) => signedBy(cert, ca));
      if (anchor) {
        if (!certificateIsCurrent(anchor, current)) {
          throw invalidGrant('MP-120', 'Invalid assertion. The issuing CA certificate is expired');
        }
        return leaf;
      }
      const next = chain[i + 1];
      if (!next || !signedBy(cert, next)) break;
    }
    throw invalidGrant('MP-120', 'Invalid assertion. The certificate is not issued by a trusted certificate authority');
  }

  return {
    url,
    issuer,
    jwksUrl,
    get tokenRequests() {
      return tokenRequests;
    },
    get tokensIssued() {
      return tokensIssued;
    },
    registerClient,
    setAccessTokenTtl(seconds: number) {
      ttlSeconds = seconds;
    },
    get delegations() {
      return delegations.map(copyDelegation);
    },
    setDelegations,
    addDelegation(delegation: MaskinportenDelegation) {
      delegations.push(copyDelegation(delegation));
    },
    revokeDelegation(consumerOrg: string, supplierOrgno: string, scopes?: string[]) {
      delegations = delegations
        .map((d) =>
          d.consumerOrg === consumerOrg && d.supplierOrgno === supplierOrgno
            ? { ...d, scopes: scopes ? d.scopes.filter((s) => !scopes.includes(s)) : [] }
            : d,
        )
        .filter((d) => d.scopes.length > 0);
    },
    setOnBehalfOfLookup(lookup: OnBehalfOfLookup | undefined) {
      onBehalfOfLookup = lookup;
    },
    faults,
    close: () => {
      faults.destroyPending();
      return close(server);
    },
  };
}
