import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pLimit from 'p-limit';
import { COMPRESSED_ENCODINGS, ContentCodingError, contentCodings, decodeBody } from './content-coding.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Response headers the refusal needs (a 415's `Accept-Encoding`, `Connection: close` when the rest is unread). */
    readonly headers: Record<string, string> = {},
    /** The error's `extensions.code`. */
    readonly code = 'BAD_REQUEST',
  ) {
    super(message);
  }
}

/**
 * The body as text, at most `limitBytes` as sent and, when the caller compressed it (`Content-Encoding`: gzip, deflate
 * or br, RFC 9110 §8.4), once decoded too: a batch job's 1000-id query may come compressed.
 */
export function readBody(
  req: IncomingMessage,
  limitBytes: number,
  decoding: DecodeTurns = NO_WAIT,
  /** Counts the bytes against the bodies' budget as they arrive, and the decoded text once there. */
  hold: BodyHold = NO_BODY,
): Promise<string> {
  const codings = contentCodings(req.headers['content-encoding']);
  if (codings.length === 0) return readBytes(req, limitBytes, hold, asText);
  return readBytes(req, limitBytes, hold, (bytes) => bytes)
    .then((bytes) => decoding(() => decodeText(bytes, codings, limitBytes)))
    .then((text) => {
      if (!hold.resize(text.length)) throw busy();
      return text;
    });
}

/**
 * Runs a decode when its turn comes. A compressed body may grow to MAX_BODY_BYTES before its size is known, and a few
 * kilobytes of gzip are enough for that: without turns, a thousand small requests arriving together would make the
 * facade hold a thousand times MAX_BODY_BYTES. {@link BodyBudget.decoding} lets as many decode at once as the bodies'
 * budget holds; the others wait (decoding is bounded, so the wait is short), none is refused for it.
 */
export type DecodeTurns = <T>(decode: () => Promise<T>) => Promise<T>;

const NO_WAIT: DecodeTurns = (decode) => decode();

/** The bytes as text; JSON is UTF-8 (RFC 8259 §8.1), and a byte that is not must not become a U+FFFD sent upstream. */
function asText(bytes: Buffer): string {
  if (!isUtf8(bytes)) throw new HttpError(400, 'The request body is not valid UTF-8.');
  return bytes.toString('utf8');
}

async function decodeText(bytes: Buffer, codings: readonly string[], limitBytes: number): Promise<string> {
  try {
    return asText(await decodeBody(bytes, codings, limitBytes));
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
function readBytes<T>(
  req: IncomingMessage,
  limitBytes: number,
  hold: BodyHold,
  finish: (bytes: Buffer) => T,
): Promise<T> {
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
      if (err) return reject(err);
      // `finish` may refuse the bytes (not UTF-8): a throw here would escape the 'end' listener and end the process.
      try {
        resolve(finish(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
      } catch (refused) {
        reject(refused as Error);
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        req.pause(); // the rest is never read; the 413 response closes the connection
        done(tooLarge(limitBytes));
        return;
      }
      // Counted as it comes: bodies that stall short of their end would otherwise hold memory no budget sees.
      if (!hold.resize(size)) {
        req.pause();
        done(busy());
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

/** Refused for the bodies' budget (`MAX_BODY_BYTES_IN_FLIGHT`); the rest of the body, if any, is never read. */
function busy(): HttpError {
  return new HttpError(
    503,
    'The service is busy: try again shortly.',
    { 'retry-after': '1', connection: 'close' },
    'OVERLOADED',
  );
}

/** One request body's share of the {@link BodyBudget}. */
export interface BodyHold {
  /**
   * Holds the body at `bytes` (more as it arrives, its decoded size once decoded); false, holding no more, when that
   * would pass the limit while other bodies are held: a body alone is always accepted, so a limit below MAX_BODY_BYTES
   * cannot lock out large requests.
   */
  resize(bytes: number): boolean;
  /** Lets go of the body: once the answer it is for has been handed over, or when the response closes. */
  release(): void;
}

/** A hold that counts nothing: a request without a body, or a body read outside the budget. */
export const NO_BODY: BodyHold = { resize: () => true, release: () => {} };

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
   * A hold for the body of the request `res` answers, holding nothing yet; released when `res` closes if not before: a
   * caller that never reads its answer holds no body once its operation has run.
   */
  open(res: ServerResponse): BodyHold {
    let own = 0;
    let open = true;
    const release = () => {
      if (!open) return;
      open = false;
      this.held -= own;
      own = 0;
    };
    res.once('close', release);
    return {
      resize: (bytes) => {
        if (!open) return false;
        const more = bytes - own;
        if (more > 0 && this.held > own && this.held + more > this.limit) return false;
        this.held += more;
        own = bytes;
        return true;
      },
      release,
    };
  }
}
