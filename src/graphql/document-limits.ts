/**
 * Limits checked on the raw request, before graphql-js parses anything. The parser and the value coercion recurse
 * once per nesting level, and names are copied into error messages, logs and audit records: a 2400-deep list literal
 * overflows the stack, and a 200 KB operation name was repeated in every audit line of a 1000-person request. One
 * linear pass over the document refuses both before they cost anything.
 */
export interface DocumentLimits {
  /** Characters (UTF-16 code units) of the `query` text. */
  maxDocumentBytes: number;
  /** Brackets (`{`, `[`, `(`) open at once in the document, and arrays/objects nested in the variables. */
  maxNesting: number;
  /** Characters of one name (operation, fragment, alias, field, argument, variable) or number, and of `operationName`. */
  maxNameLength: number;
}

export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = Object.freeze({
  maxDocumentBytes: 100_000,
  maxNesting: 64,
  maxNameLength: 128,
});

/** A refusal; the message names the limit and never quotes the document. */
export interface DocumentLimitError {
  message: string;
}

const OPEN = new Set(['{', '[', '(']);
const CLOSE = new Set(['}', ']', ')']);

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95; // A-Z a-z _
}

function isNameContinue(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57); // or 0-9
}

/**
 * Checks a GraphQL document's size, bracket nesting and name lengths in one pass that skips comments and (block)
 * strings, so brackets inside them do not count. It does not validate the syntax: the parser does that afterwards.
 */
export function checkDocument(source: string, limits: DocumentLimits): DocumentLimitError | undefined {
  if (source.length > limits.maxDocumentBytes) {
    return { message: `The document has ${source.length} characters; the maximum is ${limits.maxDocumentBytes}.` };
  }
  let depth = 0;
  const length = source.length;
  for (let i = 0; i < length; i++) {
    const ch = source[i] as string;
    const code = source.charCodeAt(i);
    if (ch === '#') {
      while (i < length && source[i] !== '\n' && source[i] !== '\r') i++;
    } else if (ch === '"') {
      if (source.startsWith('"""', i)) {
        i += 3;
        while (i < length && !source.startsWith('"""', i)) i += source.startsWith('\\"""', i) ? 4 : 1;
        i += 2; // onto the closing quote; the loop's i++ steps past it
      } else {
        i++;
        while (i < length && source[i] !== '"' && source[i] !== '\n' && source[i] !== '\r') {
          if (source[i] === '\\') i++;
          i++;
        }
      }
    } else if (OPEN.has(ch)) {
      if (++depth > limits.maxNesting) {
        return { message: `The document nests brackets more than ${limits.maxNesting} levels deep.` };
      }
    } else if (CLOSE.has(ch)) {
      if (depth > 0) depth--;
    } else if (isNameContinue(code) || ch === '-') {
      // A name, or a number (`-12.5e3`): both end at the first character that cannot continue them.
      const start = i;
      while (i + 1 < length) {
        const next = source.charCodeAt(i + 1);
        if (!isNameContinue(next) && next !== 46 && next !== 43 && next !== 45) break; // . + - inside numbers
        i++;
      }
      if (i - start + 1 > limits.maxNameLength) {
        return { message: `A name or number in the document is longer than ${limits.maxNameLength} characters.` };
      }
    }
  }
  return undefined;
}

/**
 * The nesting depth of a JSON value (the request's variables), measured without recursion; stops counting once the
 * limit is passed. A scalar is depth 0, `[]` and `{}` depth 1.
 */
export function jsonDepthExceeds(value: unknown, maxDepth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (depth > maxDepth) return true;
    const children = Array.isArray(node) ? node : Object.values(node as Record<string, unknown>);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
