import { decodeJwt } from 'jose';
import type { Logger } from 'pino';

/**
 * Why a caller's bearer token was refused. Each reason has one message, sent to the caller as the GraphQL error's
 * message and, for 401, as the `error_description` of the RFC 6750 challenge, and logged (throttled) with the token's
 * `iss`, `aud` and `client_id`/`azp`.
 */
export type AuthFailureReason =
  /** No Authorization header, or one with another scheme than Bearer: RFC 6750 §3.1, no error code. */
  | 'missing'
  /** `Bearer` followed by something that is not a compact JWS with a JSON header and claims. */
  | 'malformed'
  /** `alg` not RS256 or ES256 (`none`, HS256, …). */
  | 'algorithm'
  /** The issuer's JWKS has no key for the token's `kid` (and `alg`), or several when it names none. */
  | 'unknown_key'
  | 'signature'
  | 'issuer'
  | 'audience'
  | 'expired'
  | 'not_yet_valid'
  | 'issued_in_future'
  | 'lifetime'
  /** A required claim is missing or not of its type (`exp` missing, `iat` not a number, …). */
  | 'claims'
  /** The issuer's discovery document or JWKS cannot be fetched: 503, the token may well be good. */
  | 'keys_unavailable';

/** The realm of the challenge sent when no token came (RFC 6750 §3: at least one auth-param). */
export const REALM = 'digdir-graphql-facade';

const INVALID = 'The bearer token is invalid';

/** The caller-facing message of each reason; ASCII only, without `"` or `\`, so it can be an `error_description`. */
export function refusalMessage(
  reason: AuthFailureReason,
  detail: { claim?: string; maxLifetime?: number } = {},
): string {
  switch (reason) {
    case 'missing':
      return 'A bearer token is required (Authorization: Bearer <JWT>).';
    case 'malformed':
      return `${INVALID}: it is not a well-formed JWT (three base64url parts: a JSON header, JSON claims, a signature).`;
    case 'algorithm':
      return `${INVALID}: its signing algorithm (alg) is not accepted; RS256 or ES256 is.`;
    case 'unknown_key':
      return `${INVALID}: it is signed with a key (kid) the issuer does not publish in its JWKS.`;
    case 'signature':
      return `${INVALID}: its signature does not verify.`;
    case 'issuer':
      return `${INVALID}: it is issued by another issuer (iss) than the one this service accepts.`;
    case 'audience':
      return `${INVALID}: it is meant for another audience (aud) than this service.`;
    case 'expired':
      return `${INVALID}: it has expired (exp).`;
    case 'not_yet_valid':
      return `${INVALID}: it is not valid yet (nbf).`;
    case 'issued_in_future':
      return `${INVALID}: it is issued in the future (iat).`;
    case 'lifetime':
      return `${INVALID}: its lifetime (exp - iat, or exp - now without iat) exceeds the ${detail.maxLifetime ?? '?'} seconds accepted.`;
    case 'claims': {
      const claim = detail.claim && KNOWN_CLAIMS.has(detail.claim) ? `its ${detail.claim} claim` : 'a claim';
      return `${INVALID}: ${claim} is missing or not valid.`;
    }
    case 'keys_unavailable':
      return "The token issuer's signing keys (OIDC discovery or JWKS) cannot be fetched to verify the token; try again shortly.";
  }
}

/** Claim names a refusal message may name (jose's claim names, never the token's own strings). */
const KNOWN_CLAIMS = new Set(['exp', 'iat', 'nbf', 'iss', 'aud', 'sub', 'jti', 'typ']);

/**
 * An RFC 6750 `error_description` / quoted-string value: only `%x20-21 / %x23-5B / %x5D-7E` (printable ASCII without
 * `"` and `\`), everything else replaced, at most 300 characters. The messages are written that way already; this is
 * the second line of defence so that no header can be split or broken.
 */
export function challengeValue(text: string): string {
  const cleaned = text
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .replace(/[^\x20-\x7e]/g, '?');
  return cleaned.length > 300 ? `${cleaned.slice(0, 297)}...` : cleaned;
}

/** The `WWW-Authenticate` value of a 401: `Bearer realm="…"` without a token, else `error="invalid_token"`. */
export function bearerChallenge(reason: AuthFailureReason, message: string): string {
  if (reason === 'missing') return `Bearer realm="${REALM}"`;
  return `Bearer error="invalid_token", error_description="${challengeValue(message)}"`;
}

/** The token's claims worth logging, read without verification: `iss`, `aud`, `client_id`/`azp`, never the token. */
export interface TokenClaimsForLog {
  iss?: string;
  aud?: string | string[];
  clientId?: string;
}

const MAX_LOGGED_LENGTH = 120;
const MAX_LOGGED_AUDIENCES = 5;

function bounded(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const plain = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return plain.length > MAX_LOGGED_LENGTH ? `${plain.slice(0, MAX_LOGGED_LENGTH)}…` : plain;
}

/**
 * `iss`, `aud` and `client_id` (or `azp`) of a token, decoded without verifying it, each bounded in length. Nothing
 * else: `sub` may be a person's pairwise id, and claims such as `pid` carry a fødselsnummer.
 */
export function claimsForLog(token: string | undefined): TokenClaimsForLog {
  if (!token) return {};
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(token);
  } catch {
    return {};
  }
  const out: TokenClaimsForLog = {};
  const iss = bounded(claims.iss);
  if (iss !== undefined) out.iss = iss;
  if (Array.isArray(claims.aud)) {
    const auds = claims.aud
      .slice(0, MAX_LOGGED_AUDIENCES)
      .map(bounded)
      .filter((a): a is string => a !== undefined);
    if (claims.aud.length > MAX_LOGGED_AUDIENCES) auds.push(`… ${claims.aud.length - MAX_LOGGED_AUDIENCES} more`);
    out.aud = auds;
  } else {
    const aud = bounded(claims.aud);
    if (aud !== undefined) out.aud = aud;
  }
  const clientId = bounded(claims.client_id) ?? bounded(claims.azp);
  if (clientId !== undefined) out.clientId = clientId;
  return out;
}

/** What one refusal line says, besides the reason. */
export interface RefusalFields extends TokenClaimsForLog {
  status: 401 | 503;
  /** keys_unavailable: why the keys could not be had (no URL, no token). */
  error?: string;
}

interface ReasonWindow {
  /** Refusals since the last line for this reason, not yet logged. */
  pending: number;
  last?: RefusalFields;
  timer?: NodeJS.Timeout;
}

/**
 * Logs refusals at info (keys_unavailable at warn), at most one line per reason per `intervalMs`: the first refusal of
 * a quiet reason is logged at once, later ones within the interval are counted and summed up in one line when it ends
 * (with the last one's claims), and so on while they keep coming. Every line has `count`: the refusals it stands for.
 * The reasons are a fixed set, so the state stays small whatever a flood of bad tokens looks like.
 */
export class RefusalLog {
  private readonly windows = new Map<AuthFailureReason, ReasonWindow>();

  constructor(
    private readonly log: Logger | undefined,
    private readonly intervalMs = 1_000,
  ) {}

  record(reason: AuthFailureReason, fields: RefusalFields): void {
    if (!this.log) return;
    const window = this.windows.get(reason);
    if (window) {
      window.pending++;
      window.last = fields;
      return;
    }
    this.write(reason, fields, 1);
    this.open(reason);
  }

  /** Writes what is pending at once and forgets every window (shutdown). */
  flush(): void {
    for (const [reason, window] of this.windows) {
      clearTimeout(window.timer);
      if (window.pending > 0 && window.last) this.write(reason, window.last, window.pending);
    }
    this.windows.clear();
  }

  private open(reason: AuthFailureReason): void {
    const window: ReasonWindow = { pending: 0 };
    window.timer = setTimeout(() => {
      this.windows.delete(reason);
      if (window.pending > 0 && window.last) {
        this.write(reason, window.last, window.pending);
        this.open(reason); // the next refusals wait for the interval after this line
      }
    }, this.intervalMs);
    window.timer.unref();
    this.windows.set(reason, window);
  }

  private write(reason: AuthFailureReason, fields: RefusalFields, count: number): void {
    const line = { reason, ...fields, count };
    if (reason === 'keys_unavailable') this.log?.warn(line, 'caller token not verified: issuer keys unavailable');
    else this.log?.info(line, 'caller token refused');
  }
}
