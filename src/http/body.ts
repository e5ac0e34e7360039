import type { IncomingMessage, ServerResponse } from 'node:http';
import pLimit from 'p-limit';
import { COMPRESSED_ENCODINGS, ContentCodingError, contentCodings, decodeBody } from './content-coding.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Response headers the refusal needs (a 415's `Accept-Encoding`, `Connection: close` when the rest is unread). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * The body as text, at most `limitBytes` as sent and, when the caller compressed it (`Content-Encoding`: gzip, deflate
 * or br, RFC 9110 §8.4), once decoded too: a batch job's 1000-id query may come compressed.
 */
export function readBody(req: IncomingMessage, limitBytes: number, decoding: DecodeTurns = NO_WAIT): Promise<string> {
  const codings = contentCodings(req.headers['content-encoding']);
  if (codings.length === 0) return readBytes(req, limitBytes, asText);
  return readBytes(req, limitBytes, (bytes) => bytes).then((bytes) =>
    decoding(() => decodeText(bytes, codings, limitBytes)),
  );
}

/**
 * Runs a decode when its turn comes. A compressed body may grow to MAX_BODY_BYTES before its size is known, and a few
 * kilobytes of gzip are enough for that: without turns, a thousand small requests arriving together would make the
 * facade hold a thousand times MAX_BODY_BYTES. {@link BodyBudget.decoding} lets as many decode at once as the bodies'
 * budget holds; the others wait (decoding is bounded, so the wait is short), none is refused for it.
 */
export type DecodeTurns = <T>(decode: () => Promise<T>) => Promise<T>;

const NO_WAIT: DecodeTurns = (decode) => decode();

const asText = (bytes: Buffer) => bytes.toString('utf8');

async function decodeText(bytes: Buffer, codings: readonly string[], limitBytes: number): Promise<string> {
  try {
    return (await decodeBody(bytes, codings, limitBytes)).toString('utf8');
  } catch (err) {
    if (!(err instanceof ContentCodingError)) throw err;
    if (err.problem === 'too large') {
      throw new HttpError(413, `The request body exceeds ${limitBytes} bytes once decompressed.`);
    }
    if (err.problem === 'corrupt') {
      throw new HttpError(400, `The request body is not what its Content-Encoding says (${err.message}).`);
    }
    // RFC 7694: a 415 names the codings that would be accepted.
    throw new HttpError(415, `Unsupported Content-Encoding (${err.message}): send gzip, deflate, br or none.`, {
      'accept-encoding': COMPRESSED_ENCODINGS,
    });
  }
}

/**
 * Reads the body up to `limitBytes`, refusing early on a declared Content-Length beyond it, and as soon as a body
 * without one (chunked) grows beyond it. Plain 'data'/'end' listeners: an async iterator per request costs more than
 * the rest of reading a small body.
 */
function readBytes<T>(req: IncomingMessage, limitBytes: number, finish: (bytes: Buffer) => T): Promise<T> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limitBytes) return Promise.reject(tooLarge(limitBytes));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (err?: Error) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(finish(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.pause(); // the rest is never read; the 413 response closes the connection
        done(tooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = (err: Error) => done(err);
    const onClose = () => done(Object.assign(new Error('the client closed the request'), { code: 'ECONNRESET' }));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function tooLarge(limitBytes: number): HttpError {
  // The rest of the body is never read: the connection cannot carry another request.
  return new HttpError(413, `The request body exceeds ${limitBytes} bytes.`, { connection: 'close' });
}

const NOTHING_HELD = () => {};

/** The bytes of request bodies held at once, against a limit (`MAX_BODY_BYTES_IN_FLIGHT`). */
export class BodyBudget {
  private held = 0;
  /** Turns for `limit` / `bodyLimitBytes` compressed bodies decoding at once, at least one (see DecodeTurns). */
  readonly decoding: DecodeTurns;

  constructor(
    private readonly limit: number,
    bodyLimitBytes: number,
  ) {
    this.decoding = pLimit(Math.max(1, Math.floor(limit / bodyLimitBytes)));
  }

  /**
   * Holds `bytes` until the answer the body is for has been handed over (call the function answered then) or `res`
   * closes, whichever comes first: a caller that never reads its answer holds no body once its operation has run.
   * Undefined, holding nothing, when that would pass the limit; a body alone is always accepted, so a limit below
   * MAX_BODY_BYTES cannot lock out large requests.
   */
  hold(bytes: number, res: ServerResponse): (() => void) | undefined {
    if (bytes === 0) return NOTHING_HELD;
    if (this.held > 0 && this.held + bytes > this.limit) return undefined;
    this.held += bytes;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.held -= bytes;
    };
    res.once('close', release);
    return release;
  }
}
