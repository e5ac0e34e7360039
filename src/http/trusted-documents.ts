import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/**
 * Trusted documents (a.k.a. persisted operations allow-list): with `TRUSTED_DOCUMENTS_FILE` set, only the operations
 * in that manifest run, requested by their sha256 hash. The manifest is the `persisted-documents.json` that GraphQL
 * Code Generator's client preset writes with `persistedDocuments: { hashAlgorithm: 'sha256' }`: a JSON object mapping
 * the sha256 hex of each document (utf8) to the document text.
 *
 * Clients name a document either the Apollo APQ way (`extensions.persistedQuery = { version: 1, sha256Hash }`) or the
 * GraphQL-over-HTTP persisted documents way (`documentId`, bare hex or `sha256:<hex>`). A request that carries a
 * `query` text runs only when that text is byte-for-byte a listed document.
 */

const VARIABLE = 'TRUSTED_DOCUMENTS_FILE';
const HASH = /^[0-9a-f]{64}$/;
const HASH_ANY_CASE = /^[0-9a-f]{64}$/i;
const DOCUMENT_ID_PREFIX = 'sha256:';

/** A startup problem with the manifest; the message names the variable and never includes the file's content. */
export class TrustedDocumentsError extends Error {
  override name = 'TrustedDocumentsError';
}

export interface TrustedDocuments {
  /** Number of listed documents. */
  readonly size: number;
  /** The document listed under this sha256 hex hash (lowercase), if any. */
  get(hash: string): string | undefined;
  /** Every listed document with its hash, in the manifest's order. */
  entries(): IterableIterator<[hash: string, document: string]>;
}

/**
 * Reads and checks the manifest at start: valid JSON object, every key 64 lowercase hex chars, every value a non-empty
 * string whose sha256 (utf8, hex) equals its key; otherwise throws TrustedDocumentsError naming the variable and the
 * first bad entry's key.
 */
export async function loadTrustedDocuments(file: string): Promise<TrustedDocuments> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new TrustedDocumentsError(
      `${VARIABLE} (${file}) cannot be read: ${typeof code === 'string' ? code : 'unreadable'}`,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input: keep it out of the error.
    throw new TrustedDocumentsError(`${VARIABLE} (${file}) is not valid JSON`);
  }
  if (!isRecord(manifest)) {
    throw new TrustedDocumentsError(
      `${VARIABLE} (${file}) must hold a JSON object mapping sha256 hex hashes to GraphQL documents`,
    );
  }

  const documents = new Map<string, string>();
  let position = 0;
  for (const [key, value] of Object.entries(manifest)) {
    position += 1;
    const entry = describeKey(key, position);
    if (!HASH.test(key)) {
      throw new TrustedDocumentsError(
        `${VARIABLE} (${file}): ${entry} is not a sha256 hash (64 lowercase hex characters)`,
      );
    }
    if (typeof value !== 'string' || value.length === 0) {
      throw new TrustedDocumentsError(
        `${VARIABLE} (${file}): ${entry} must map to a non-empty GraphQL document string`,
      );
    }
    if (sha256Hex(value) !== key) {
      throw new TrustedDocumentsError(`${VARIABLE} (${file}): ${entry} is not the sha256 of its document`);
    }
    documents.set(key, value);
  }

  return Object.freeze({
    size: documents.size,
    get: (hash: string): string | undefined => (typeof hash === 'string' ? documents.get(hash) : undefined),
    entries: () => documents.entries(),
  });
}

/** Names a manifest entry without quoting file content: a hash-like key is shown, anything else only by position. */
function describeKey(key: string, position: number): string {
  return /^[0-9a-fA-F]{1,128}$/.test(key) ? `entry "${key}"` : `entry #${position} (key of ${key.length} characters)`;
}

export type TrustedResolution =
  /** What to hand to Apollo: the document text filled in as `query`, the id fields removed. */
  { ok: true; body: unknown; search: string } | { ok: false; status: number; code: string; message: string };

export const TRUSTED_DOCUMENT_MESSAGES = {
  notFound: 'Unknown document: only the operations in the trusted documents manifest may run.',
  notAllowed: 'Only trusted documents may run: send documentId or extensions.persistedQuery.sha256Hash.',
  mismatch: 'The query does not match the trusted document of the given hash.',
  missing: 'A GraphQL request needs documentId or extensions.persistedQuery.sha256Hash.',
  batched: 'Batched requests are not supported.',
} as const;

type Refusal = Extract<TrustedResolution, { ok: false }>;

class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
  }
}

function badRequest(message: string): Refused {
  return new Refused({ ok: false, status: 400, code: 'BAD_REQUEST', message });
}

/** What a request asks for, whichever transport it came by. */
interface Ask {
  query: string | undefined;
  hash: string | undefined;
}

/**
 * Resolves one GraphQL-over-HTTP request in trusted-documents mode. `body` is the parsed JSON body (POST) or undefined
 * (GET); `search` is the URL query string (GET: query, variables, operationName, extensions, documentId). Never throws.
 */
export function resolveTrustedRequest(
  docs: TrustedDocuments,
  method: string,
  body: unknown,
  search: string,
): TrustedResolution {
  try {
    const verb = typeof method === 'string' ? method.toUpperCase() : '';
    if (verb === 'POST') return resolvePost(docs, body, typeof search === 'string' ? search : '');
    if (verb === 'GET') return resolveGet(docs, body, typeof search === 'string' ? search : '');
    return {
      ok: false,
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
      message: 'Use GET (queries) or POST.',
    };
  } catch (err) {
    if (err instanceof Refused) return err.refusal;
    // Defensive: no input may make this throw; an unforeseen shape is a bad request, not a crash.
    return { ok: false, status: 400, code: 'BAD_REQUEST', message: 'Malformed GraphQL request.' };
  }
}

function resolvePost(docs: TrustedDocuments, body: unknown, search: string): TrustedResolution {
  if (Array.isArray(body)) throw badRequest(TRUSTED_DOCUMENT_MESSAGES.batched);
  if (!isRecord(body)) throw badRequest('The POST body must be a JSON object.');

  const query = own(body, 'query');
  if (query !== undefined && query !== null && typeof query !== 'string') {
    throw badRequest('`query` must be a string.');
  }
  const extensions = own(body, 'extensions');
  if (extensions !== undefined && extensions !== null && !isRecord(extensions)) {
    throw badRequest('`extensions` in a POST body must be an object if provided.');
  }
  const ext = isRecord(extensions) ? extensions : undefined;
  const hash = pickHash(ext === undefined ? undefined : own(ext, 'persistedQuery'), own(body, 'documentId'));

  const document = resolveDocument(docs, { query: nonEmpty(query), hash });

  const next: Record<string, unknown> = { query: document };
  for (const key of ['operationName', 'variables'] as const) {
    const value = own(body, key);
    if (value !== undefined) next[key] = value;
  }
  if (ext !== undefined) {
    const rest = withoutPersistedQuery(ext);
    if (Object.keys(rest).length > 0) next.extensions = rest;
  }
  return { ok: true, body: next, search };
}

function resolveGet(docs: TrustedDocuments, body: unknown, search: string): TrustedResolution {
  const params = new URLSearchParams(search);
  const query = once(params, 'query');
  const documentId = once(params, 'documentId');
  const extensionsText = once(params, 'extensions');

  let ext: Record<string, unknown> | undefined;
  if (extensionsText !== undefined && extensionsText !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(extensionsText);
    } catch {
      throw badRequest('The extensions search parameter contains invalid JSON.');
    }
    if (parsed !== null && !isRecord(parsed)) {
      throw badRequest('The extensions search parameter should contain a JSON-encoded object.');
    }
    ext = parsed ?? undefined;
  }
  const hash = pickHash(ext === undefined ? undefined : own(ext, 'persistedQuery'), documentId);

  const document = resolveDocument(docs, { query: nonEmpty(query), hash });

  params.set('query', document);
  params.delete('documentId');
  if (ext !== undefined) {
    const rest = withoutPersistedQuery(ext);
    if (Object.keys(rest).length > 0) params.set('extensions', JSON.stringify(rest));
    else params.delete('extensions');
  }
  return { ok: true, body, search: `?${params.toString()}` };
}

/** The trusted document this request may run, or a refusal. */
function resolveDocument(docs: TrustedDocuments, ask: Ask): string {
  if (ask.hash !== undefined) {
    const listed = docs.get(ask.hash);
    if (listed === undefined) {
      if (ask.query !== undefined) {
        throw new Refused({
          ok: false,
          status: 400,
          code: 'PERSISTED_QUERY_NOT_ALLOWED',
          message: TRUSTED_DOCUMENT_MESSAGES.notAllowed,
        });
      }
      throw new Refused({
        ok: false,
        status: 400,
        code: 'PERSISTED_QUERY_NOT_FOUND',
        message: TRUSTED_DOCUMENT_MESSAGES.notFound,
      });
    }
    if (ask.query !== undefined && ask.query !== listed) throw badRequest(TRUSTED_DOCUMENT_MESSAGES.mismatch);
    return listed;
  }
  if (ask.query !== undefined) {
    // Some clients send the full text of a listed operation: allowed when it is byte-for-byte that document.
    if (docs.get(sha256Hex(ask.query)) === ask.query) return ask.query;
    throw new Refused({
      ok: false,
      status: 400,
      code: 'PERSISTED_QUERY_NOT_ALLOWED',
      message: TRUSTED_DOCUMENT_MESSAGES.notAllowed,
    });
  }
  throw badRequest(TRUSTED_DOCUMENT_MESSAGES.missing);
}

/**
 * The requested hash (lowercase hex) from `extensions.persistedQuery` and/or `documentId`; undefined when neither is
 * given. A hash that is not 64 hex characters is returned as given: it is simply not listed.
 */
function pickHash(persistedQuery: unknown, documentId: unknown): string | undefined {
  let fromExtensions: string | undefined;
  if (persistedQuery !== undefined && persistedQuery !== null) {
    if (!isRecord(persistedQuery)) throw badRequest('`extensions.persistedQuery` must be an object.');
    if (own(persistedQuery, 'version') !== 1) throw badRequest('Unsupported persisted query version.');
    const sha256Hash = own(persistedQuery, 'sha256Hash');
    if (typeof sha256Hash !== 'string') throw badRequest('`extensions.persistedQuery.sha256Hash` must be a string.');
    fromExtensions = normalizeHash(sha256Hash);
  }

  let fromDocumentId: string | undefined;
  if (documentId !== undefined && documentId !== null) {
    if (typeof documentId !== 'string') throw badRequest('`documentId` must be a string.');
    const bare = documentId.startsWith(DOCUMENT_ID_PREFIX) ? documentId.slice(DOCUMENT_ID_PREFIX.length) : documentId;
    fromDocumentId = normalizeHash(bare);
  }

  if (fromExtensions !== undefined && fromDocumentId !== undefined && fromExtensions !== fromDocumentId) {
    throw badRequest('`documentId` and `extensions.persistedQuery.sha256Hash` name different documents.');
  }
  return fromExtensions ?? fromDocumentId;
}

function normalizeHash(hash: string): string {
  return HASH_ANY_CASE.test(hash) ? hash.toLowerCase() : hash;
}

function withoutPersistedQuery(ext: Record<string, unknown>): Record<string, unknown> {
  // Object.fromEntries defines own properties, so even a `__proto__` key stays plain data.
  return Object.fromEntries(Object.entries(ext).filter(([key]) => key !== 'persistedQuery'));
}

/** A search parameter given at most once (as Apollo requires); undefined when absent. */
function once(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) throw badRequest(`The '${name}' search parameter may only be specified once.`);
  return values[0];
}

function nonEmpty(query: unknown): string | undefined {
  return typeof query === 'string' && query.length > 0 ? query : undefined;
}

function own(record: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
