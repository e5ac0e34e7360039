import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, inflateRaw, type ZlibOptions } from 'node:zlib';

/**
 * HTTP content codings (RFC 9110 §8.4) of bodies the facade reads: upstream answers and callers' requests. Decoded in
 * libuv's thread pool with node:zlib, the decoded size bounded at every step.
 */

/** What went wrong: the body is larger than allowed, in a coding not decoded here, or not what its coding says. */
export type CodingProblem = 'too large' | 'unsupported coding' | 'corrupt';

export class ContentCodingError extends Error {
  constructor(
    readonly problem: CodingProblem,
    message: string,
  ) {
    super(message);
  }
}

/** The codings decoded here, as `Accept-Encoding` lists them: a server asked for these cannot pick another. */
export const COMPRESSED_ENCODINGS = 'gzip, deflate, br';
export const NO_COMPRESSION = 'identity';

type Decoder = (buf: Buffer, opts: ZlibOptions) => Promise<Buffer>;

const gunzipAsync = promisify(gunzip) as Decoder;
const inflateAsync = promisify(inflate) as Decoder;
const inflateRawAsync = promisify(inflateRaw) as Decoder;
const brotliAsync = promisify(brotliDecompress) as Decoder;

/**
 * `deflate` is the zlib format (RFC 9110 §8.4.1.2), but some servers send raw deflate, which browsers and curl accept
 * too: a body without the zlib header (its first byte's low nibble is 8, the method) is read as raw.
 */
const inflateEither: Decoder = (buf, opts) =>
  buf.length >= 2 && (buf[0]! & 0x0f) === 8 && ((buf[0]! << 8) | buf[1]!) % 31 === 0
    ? inflateAsync(buf, opts)
    : inflateRawAsync(buf, opts);

const MAX_CODINGS = 3;

const DECODERS: Record<string, Decoder> = {
  gzip: gunzipAsync,
  'x-gzip': gunzipAsync,
  deflate: inflateEither,
  br: brotliAsync,
};

const NONE: readonly string[] = Object.freeze([]);

/**
 * The content codings of a `Content-Encoding` header, in the order they were applied ("identity" left out), lower
 * case; [] for none.
 */
export function contentCodings(header: string | string[] | undefined): readonly string[] {
  if (header === undefined) return NONE;
  const text = Array.isArray(header) ? header.join(',') : header;
  const codings: string[] = [];
  for (const part of text.split(',')) {
    const coding = part.trim().toLowerCase();
    if (coding && coding !== 'identity') codings.push(coding);
  }
  return codings;
}

/**
 * A body's content codings undone, last applied first, each in libuv's thread pool (the event loop only waits). The
 * decoded size is bounded at every step: a few kilobytes of gzip can spell gigabytes. Throws ContentCodingError.
 */
export async function decodeBody(body: Buffer, codings: readonly string[], maxBytes: number): Promise<Buffer> {
  // No body to decode (a 204, or an empty answer some servers still label gzip).
  if (body.length === 0) return body;
  // Each coding may multiply the work by the limit: more than servers ever stack is refused unread.
  if (codings.length > MAX_CODINGS) throw new ContentCodingError('unsupported coding', `${codings.length} codings`);
  let decoded = body;
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i] as string;
    const decode = DECODERS[coding];
    if (!decode) {
      // Named in a caller's error: bounded, whatever the header held.
      const named = coding.length > 32 ? `${coding.slice(0, 32)}…` : coding;
      throw new ContentCodingError(
        'unsupported coding',
        `content coding ${JSON.stringify(named.length > 40 ? `${named.slice(0, 40)}…` : named)}`,
      );
    }
    try {
      decoded = await decode(decoded, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ContentCodingError('too large', `more than ${maxBytes} bytes once decoded`);
      }
      throw new ContentCodingError('corrupt', `not valid ${coding}`);
    }
  }
  return decoded;
}
