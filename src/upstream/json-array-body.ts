/**
 * Reads an upstream JSON answer of the shape `{"<key>":[item, …]}` (KRR's `{"personer":[…]}`) from its chunks in
 * pieces of about {@link PIECE_BYTES}, with the same result as `JSON.parse` of the whole text.
 *
 * Why: V8 puts a string over 128 KB in large-object space, fresh pages from the OS for each one. A 1000-person KRR
 * answer (about 500 KB) read whole costs its decoding 3–4 ns a byte in page faults against 0.1 ns for a string under
 * that size (measured on the bench machine), more than `JSON.parse` itself. Pieces are decoded and parsed one by one,
 * never a large string.
 *
 * A piece ends at an item boundary found in its bytes (`}`, `,`, `{` with optional whitespace between, outside of
 * any string as far as the piece can tell) and is parsed as `[piece]`. A boundary inside a string or a nested value
 * leaves the piece or the rest unbalanced, so it cannot parse; whenever a piece, the envelope or the end does not read
 * as expected the whole answer is parsed at once instead, as before: the result never depends on where the bytes were
 * split. Every chunk is kept until the end for that, as reading the body whole did.
 *
 * A piece's bytes are copied between `[` and `]` into one buffer kept for the purpose and decoded from there: one
 * string per piece, as `JSON.parse` reads it. Joining the brackets to the decoded text instead made a second string of
 * the piece when `JSON.parse` flattened it (a seventh of what a 100-person query allocated), and joining the pending
 * parts with `Buffer.concat` a new buffer per piece outside the heap.
 */

/** Below V8's large-object threshold (128 KB of one-byte characters) with room for a piece's carried-over tail. */
export const PIECE_BYTES = 64 * 1024;

/** How many `{` a boundary search looks at before a piece grows on instead (nested objects come before the next). */
const BOUNDARY_TRIES = 16;
/** The envelope is looked for in the first bytes; an answer that starts otherwise is parsed whole. */
const HEAD_BYTES = 256;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;

const isJsonSpace = (byte: number | undefined) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Where a piece is staged as `[piece]` to be decoded. Shared by every reader: a piece is copied, decoded and parsed in
 * one synchronous step, so no two use it at once. A larger piece (an item larger than a piece) gets a buffer of its own,
 * so one large answer does not keep a large buffer for the process's life.
 */
const STAGING = Buffer.allocUnsafeSlow(2 * PIECE_BYTES + 2);

/** As undici's `body.text()` decodes: UTF-8, a byte order mark dropped. */
export function utf8Text(bytes: Buffer): string {
  const bom = bytes.length > 2 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bytes.toString('utf8', bom ? 3 : 0);
}

/** `JSON.parse` of `text`, or undefined for an empty or non-JSON one (an upstream's answer need not be JSON). */
export function parseJsonText(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `{"<key>":[…]}` parsed from `chunks` in pieces ({@link JsonArrayBody}): what `JSON.parse` of their text gives. */
export function parseJsonArray(key: string, chunks: readonly Buffer[]): unknown {
  const reader = new JsonArrayBody(key);
  for (const chunk of chunks) reader.push(chunk);
  return reader.end();
}

/**
 * Reads `body` to its end, then parses it as {@link parseJsonArray} does. Not while the rest arrives: persons parsed
 * from the first pieces would live through the scavenges meanwhile and, under load, be moved to the old generation
 * (64 callers of 1000 persons: garbage collection 25-30 % of the facade's CPU against 15-24 % parsing at the end, and
 * one at a time no faster).
 */
export async function readJsonArray(
  key: string,
  body: AsyncIterable<Buffer>,
  /** Told the body's size in bytes. */
  read?: { bytes: number },
): Promise<unknown> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    bytes += chunk.length;
  }
  if (read) read.bytes = bytes;
  return parseJsonArray(key, chunks);
}

export class JsonArrayBody {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private readonly head: RegExp;
  /** looking for the envelope; items: parsing pieces; whole: parse everything at the end. */
  private state: 'head' | 'items' | 'whole' = 'head';
  /** The bytes after the last piece parsed, not yet in a piece. */
  private pending: Buffer[] = [];
  private pendingLength = 0;
  private readonly items: unknown[] = [];
  private pieces = 0;

  constructor(
    private readonly key: string,
    /** The size pieces aim at; smaller only in tests. */
    private readonly pieceBytes = PIECE_BYTES,
  ) {
    // The envelope's opening, a UTF-8 byte order mark (read as latin1) and whitespace allowed.
    const name = JSON.stringify(key).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
    this.head = new RegExp(
      `^(?:\u00ef\u00bb\u00bf)?[ \\t\\r\\n]*\\{[ \\t\\r\\n]*${name}[ \\t\\r\\n]*:[ \\t\\r\\n]*\\[`,
    );
  }

  /** How many pieces were parsed so far (the last one at `end` included). */
  get piecesParsed(): number {
    return this.pieces;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (this.state === 'head') this.readHead(false);
    else if (this.state === 'items') this.take(chunk);
  }

  /** The parsed answer: `{ [key]: items }` when read in pieces, else `JSON.parse` of the whole; undefined if not JSON. */
  end(): unknown {
    if (this.state === 'head') this.readHead(true);
    if (this.state === 'items') {
      const staged = this.stagePending();
      // The envelope's own `]` closes the staged piece: `[` items ws* `]`.
      const close = envelopeEnd(staged.bytes, staged.length);
      if (close > 0 && this.parseStaged(staged.bytes, close + 1)) return { [this.key]: this.items };
    }
    return parseJsonText(utf8Text(this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks)));
  }

  private readHead(atEnd: boolean): void {
    if (this.length < HEAD_BYTES && !atEnd) return;
    const first = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.length);
    const match = this.head.exec(first.toString('latin1', 0, HEAD_BYTES));
    if (!match) {
      this.state = 'whole';
      return;
    }
    this.state = 'items';
    this.take(first.subarray(match[0].length));
  }

  /** Adds `bytes` to the pending ones and parses every complete piece of them, about `pieceBytes` each. */
  private take(bytes: Buffer): void {
    let from = 0;
    while (this.state === 'items' && this.pendingLength + bytes.length - from > this.pieceBytes) {
      const room = this.pieceBytes - this.pendingLength;
      // No boundary within the piece's room (an item larger than that): the piece grows to the last one there is.
      const boundary =
        (room > 0 ? lastBoundary(bytes, from, from + room) : undefined) ?? lastBoundary(bytes, from, bytes.length);
      if (!boundary) break;
      this.pending.push(bytes.subarray(from, boundary.close + 1));
      this.pendingLength += boundary.close + 1 - from;
      const staged = this.stagePending();
      staged.bytes[staged.length] = CLOSE_BRACKET;
      if (!this.parseStaged(staged.bytes, staged.length + 1)) this.state = 'whole';
      from = boundary.open;
    }
    if (from < bytes.length) {
      this.pending.push(from === 0 ? bytes : bytes.subarray(from));
      this.pendingLength += bytes.length - from;
    }
  }

  /**
   * Copies the pending bytes after a `[` into {@link STAGING} (or a buffer of their own when larger) and takes them out
   * of pending; `length` is where they end, with room for one byte more. A chunk can end inside a character: the parts
   * are joined before decoding (a piece starts and ends at ASCII bytes).
   */
  private stagePending(): { bytes: Buffer; length: number } {
    const needed = this.pendingLength + 2;
    const bytes = needed <= STAGING.length ? STAGING : Buffer.allocUnsafe(needed);
    bytes[0] = OPEN_BRACKET;
    let length = 1;
    for (const part of this.pending) length += part.copy(bytes, length);
    this.pending = [];
    this.pendingLength = 0;
    return { bytes, length };
  }

  /** Adds the items of bytes[0, end), `[` items `]` (ASCII whitespace alone for none); false if it is not that. */
  private parseStaged(bytes: Buffer, end: number): boolean {
    let parsed: unknown[];
    try {
      parsed = JSON.parse(bytes.toString('utf8', 0, end)) as unknown[];
    } catch {
      return false;
    }
    for (let i = 0; i < parsed.length; i++) this.items.push(parsed[i]);
    this.pieces++;
    return true;
  }
}

/**
 * The last item boundary `}` ws* `,` ws* `{` wholly within bytes[from, to): the positions of its `}` and `{`.
 * Undefined when none is found among the last BOUNDARY_TRIES `{`.
 */
function lastBoundary(bytes: Buffer, from: number, to: number): { close: number; open: number } | undefined {
  let at = to - 1;
  for (let tries = 0; tries < BOUNDARY_TRIES && at > from; tries++) {
    const open = bytes.lastIndexOf(OPEN_BRACE, at);
    if (open <= from) return undefined;
    let i = open - 1;
    while (i > from && isJsonSpace(bytes[i])) i--;
    if (bytes[i] === COMMA) {
      i--;
      while (i > from && isJsonSpace(bytes[i])) i--;
      if (i >= from && bytes[i] === CLOSE_BRACE) return { close: i, open };
    }
    at = open - 1;
  }
  return undefined;
}

/** Where the envelope's closing `]` ws* `}` ws* at the very end of bytes[0, end) is (the `]`), or -1. */
function envelopeEnd(bytes: Buffer, end: number): number {
  let i = end - 1;
  while (i >= 0 && isJsonSpace(bytes[i])) i--;
  if (bytes[i] !== CLOSE_BRACE) return -1;
  i--;
  while (i >= 0 && isJsonSpace(bytes[i])) i--;
  return bytes[i] === CLOSE_BRACKET ? i : -1;
}
