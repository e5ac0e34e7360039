import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { ContentCodingError, NO_COMPRESSION, contentCodings, decodeBody } from '../http/content-coding.js';
import { parseJsonText, utf8Text } from '../upstream/json-array-body.js';
import { Pool, request } from '../upstream/undici-parts.js';

/*
 * The caller issuer's OIDC discovery document and JWKS, read with the undici pool the upstream clients use rather than
 * Node's global fetch (or jose's createRemoteJWKSet, which needs the global `Headers`): those load Node's own copy of
 * undici, its web streams and a second HTTP parser, ~1.6 MB of heap and 3–4 MB of memory kept by every replica for two
 * small reads every ten minutes. Reading them here also bounds them: a discovery endpoint that answered a gigabyte
 * would otherwise be read whole into a 128 MB heap.
 */

/** The largest discovery document or JWKS read (ID-porten's JWKS is about 2 KB). */
export const MAX_KEY_DOCUMENT_BYTES = 1024 * 1024;

/** jose's defaults: keys re-read at least every 10 minutes; an unknown `kid` re-reads them at most every 30 s. */
export const KEYS_MAX_AGE_MS = 10 * 60_000;
export const KEYS_COOLDOWN_MS = 30_000;

/** A discovery document or JWKS that could not be had; the message names which and why, never a URL or a body. */
export class KeyDocumentUnavailable extends Error {}

/**
 * GETs `url` and parses its JSON: 200 only, redirects not followed (as jose reads a JWKS), at most
 * {@link MAX_KEY_DOCUMENT_BYTES} as sent and once decoded (gzip, deflate or br: asked for identity, a server or a proxy
 * before it may compress anyway), all within `timeoutMs`. `what` names the document in the error.
 */
export async function fetchKeyDocument(what: string, url: URL, timeoutMs: number): Promise<unknown> {
  const pool = new Pool(url.origin, { connections: 1, connectTimeout: timeoutMs });
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await request(pool, {
      method: 'GET',
      path: `${url.pathname}${url.search}`,
      // Without Accept-Encoding any coding is acceptable (RFC 9110 §12.5.3), one not decoded here (zstd) too.
      headers: { accept: 'application/json, application/jwk-set+json', 'accept-encoding': NO_COMPRESSION },
      signal,
    });
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > MAX_KEY_DOCUMENT_BYTES) {
        res.body.destroy();
        throw new KeyDocumentUnavailable(`${what} answer is larger than ${MAX_KEY_DOCUMENT_BYTES / 1024 / 1024} MiB`);
      }
      chunks.push(chunk);
    }
    if (res.statusCode !== 200) throw new KeyDocumentUnavailable(`${what} answered HTTP ${res.statusCode}`);
    const body = await decoded(what, Buffer.concat(chunks, length), res.headers['content-encoding']);
    // Decoded as fetch's `json()` does (UTF-8, a byte order mark dropped); empty is not JSON either.
    const json = parseJsonText(utf8Text(body));
    if (json === undefined) throw new KeyDocumentUnavailable(`${what} answer is not JSON`);
    return json;
  } catch (err) {
    if (err instanceof KeyDocumentUnavailable) throw err;
    if (signal.aborted) throw new KeyDocumentUnavailable(`${what} request timed out`);
    const code = (err as { code?: unknown }).code;
    throw new KeyDocumentUnavailable(`${what} could not be fetched${typeof code === 'string' ? ` (${code})` : ''}`);
  } finally {
    void pool.destroy().catch(() => undefined);
  }
}

/**
 * `body` with the content codings its answer names undone, off the event loop, at most {@link MAX_KEY_DOCUMENT_BYTES}
 * once decoded: a few kilobytes of gzip can spell gigabytes, and are refused, not inflated.
 */
async function decoded(what: string, body: Buffer, header: string | string[] | undefined): Promise<Buffer> {
  const codings = contentCodings(header);
  if (codings.length === 0) return body;
  try {
    return await decodeBody(body, codings, MAX_KEY_DOCUMENT_BYTES);
  } catch (err) {
    if (!(err instanceof ContentCodingError)) throw err;
    if (err.problem === 'too large') {
      throw new KeyDocumentUnavailable(
        `${what} answer is larger than ${MAX_KEY_DOCUMENT_BYTES / 1024 / 1024} MiB once decoded`,
      );
    }
    // decodeBody's own words: the coding, quoted and bounded (a header, never the body).
    if (err.problem === 'unsupported coding') {
      throw new KeyDocumentUnavailable(`${what} answer is in a content coding not decoded here (${err.message})`);
    }
    throw new KeyDocumentUnavailable(`${what} answer is ${err.message}`);
  }
}

/** The `jwks_uri` of the issuer's OIDC discovery document. */
export async function discoverJwksUrl(issuer: string, timeoutMs: number): Promise<URL> {
  const url = new URL(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  const doc = (await fetchKeyDocument('OIDC discovery', url, timeoutMs)) as { jwks_uri?: unknown } | null;
  if (typeof doc?.jwks_uri !== 'string') throw new KeyDocumentUnavailable('OIDC discovery document lacks jwks_uri');
  try {
    return new URL(doc.jwks_uri);
  } catch {
    throw new KeyDocumentUnavailable('OIDC discovery document has an invalid jwks_uri');
  }
}

/**
 * The key set at `url` as jose's `createRemoteJWKSet` keeps it: read when first needed and again once older than
 * {@link KEYS_MAX_AGE_MS}; a token whose `kid` it lacks makes it read again (a key rotation) unless it was read in the
 * last {@link KEYS_COOLDOWN_MS}. Concurrent verifications wait for one read. A read that fails throws
 * {@link KeyDocumentUnavailable}; a key that is not there stays jose's `JWKSNoMatchingKey`.
 */
export function remoteKeySet(url: URL, opts: { timeoutMs: number; now?: () => number }): JWTVerifyGetKey {
  const now = opts.now ?? Date.now;
  let local: JWTVerifyGetKey | undefined;
  let readAt = -Infinity;
  let reading: Promise<void> | undefined;
  const read = (): Promise<void> =>
    (reading ??= fetchKeyDocument('JWKS', url, opts.timeoutMs)
      .then((jwks) => {
        try {
          local = createLocalJWKSet(jwks as JSONWebKeySet);
        } catch (err) {
          if (err instanceof errors.JWKSInvalid)
            throw new KeyDocumentUnavailable('JWKS is not a valid JSON Web Key Set');
          throw err;
        }
        readAt = now();
      })
      .finally(() => {
        reading = undefined;
      }));
  return async (header, token) => {
    if (!local || now() >= readAt + KEYS_MAX_AGE_MS) await read();
    try {
      return await (local as JWTVerifyGetKey)(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || now() < readAt + KEYS_COOLDOWN_MS) throw err;
      await read();
      return (local as JWTVerifyGetKey)(header, token);
    }
  };
}
