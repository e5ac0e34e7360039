/**
 * A long answer's JSON text written in pieces. On this project's VMs a V8 string over 128 KB (the large-object size) is
 * placed in pages fresh from the OS and costs 3–4 ns a byte to make, against 0.1 ns below it (README, "KRR's answer in
 * pieces"): `JSON.stringify` of a 1000-person answer (about 150 KB) made one such string, and joining Apollo's newline to it a
 * second. Here the items of a long list are stringified a slice at a time, each slice a small string, and the pieces
 * are encoded into one buffer: the bytes are exactly `JSON.stringify(value) + '\n'`.
 */

/** Items of a long list stringified at once: 64 persons with every field are about 40 KB. */
export const SLICE_ITEMS = 64;

/** Objects are opened this deep to find long lists (answer → data → root field → its fields); deeper is one piece. */
const OPEN_DEPTH = 4;

/** True when `value` holds a list longer than one slice where {@link jsonPieces} looks for one. */
export function hasLongList(value: unknown, depth = 0): boolean {
  if (depth >= OPEN_DEPTH || !openable(value)) return false;
  if (Array.isArray(value)) return value.length > SLICE_ITEMS;
  for (const key in value) {
    if (Object.hasOwn(value, key) && hasLongList((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

/** Thrown when the text outgrows its budget: nothing more is made. */
class OverBudget extends Error {}

/** The characters a text may still take (a UTF-8 byte is at least one); unbounded without one. */
interface Budget {
  left: number;
}

/** `JSON.stringify(value)`'s text, in pieces; `value` must be an object or list (it is an answer). */
export function jsonPieces(value: object, budget: Budget = { left: Infinity }): string[] {
  const pieces: string[] = [];
  writeOpened(value, 0, pieces, budget);
  return pieces;
}

/**
 * `JSON.stringify(value) + '\n'` as UTF-8, made from {@link jsonPieces} without one string of the whole; undefined, as
 * soon as the text is seen to outgrow it, when it would take more than `maxBytes`.
 */
export function jsonLineBytes(value: object): Buffer;
export function jsonLineBytes(value: object, maxBytes: number): Buffer | undefined;
export function jsonLineBytes(value: object, maxBytes = Infinity): Buffer | undefined {
  let pieces: string[];
  try {
    pieces = jsonPieces(value, { left: maxBytes });
  } catch (err) {
    if (err instanceof OverBudget) return undefined;
    throw err;
  }
  pieces.push('\n');
  let total = 0;
  for (const piece of pieces) total += Buffer.byteLength(piece);
  if (total > maxBytes) return undefined;
  const bytes = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const piece of pieces) offset += bytes.write(piece, offset);
  return bytes;
}

/** An object or list JSON.stringify would walk itself: no `toJSON`, and a plain object (not a Map, a Date, a boxed…). */
function openable(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value) as unknown;
  // graphql-js and graphql-jit make result objects with a null prototype.
  return prototype === null || prototype === Object.prototype;
}

/** Adds `text` to the pieces, within the budget. */
function push(pieces: string[], text: string, budget: Budget): void {
  budget.left -= text.length;
  if (budget.left < 0) throw new OverBudget();
  pieces.push(text);
}

function writeValue(value: unknown, depth: number, pieces: string[], budget: Budget): boolean {
  if (depth < OPEN_DEPTH && openable(value)) {
    writeOpened(value, depth, pieces, budget);
    return true;
  }
  // undefined, a function or a symbol (or a toJSON answering one of them): left out of an object, null in a list.
  // A toJSON here is called with the key '' (JSON.stringify of the whole passes the member's name); results of
  // GraphQL execution hold none, and a Date's ignores it.
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) return false;
  push(pieces, text, budget);
  return true;
}

function writeOpened(value: object, depth: number, pieces: string[], budget: Budget): void {
  if (Array.isArray(value)) {
    if (value.length <= SLICE_ITEMS) {
      push(pieces, JSON.stringify(value), budget);
      return;
    }
    // The comma a piece of its own: joined to the slice it would make a string `bytes.write` has to copy flat first.
    pieces.push('[');
    for (let start = 0; start < value.length; start += SLICE_ITEMS) {
      if (start > 0) pieces.push(',');
      push(pieces, JSON.stringify(value.slice(start, start + SLICE_ITEMS)).slice(1, -1), budget);
    }
    pieces.push(']');
    return;
  }
  pieces.push('{');
  let first = true;
  for (const key of Object.keys(value)) {
    const at = pieces.length;
    pieces.push(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
    if (writeValue((value as Record<string, unknown>)[key], depth + 1, pieces, budget)) first = false;
    else pieces.length = at;
  }
  pieces.push('}');
}
