import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';

/** A GraphQL response with its HTTP status; `data` has the shape the document selects. */
export interface GraphQLResult<TResult> {
  /** HTTP status: 200 for executed operations, 400/401/403/… when the facade refused the request. */
  status: number;
  data?: TResult | null;
  errors?: readonly GraphQLFormattedError[];
  extensions?: Record<string, unknown>;
}

/**
 * Runs a typed document against the facade, sending its text: `{ query, variables }`. The result and variable types
 * come from the document `graphql()` returned, so a query's selection is the only type declaration there is.
 * `url` is the facade's GraphQL endpoint (e.g. `http://localhost:4000/graphql`), `token` a bearer access token.
 */
export async function execute<TResult, TVariables>(
  url: string,
  token: string,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
): Promise<GraphQLResult<TResult>> {
  return post<TResult>(url, token, { query: print(document), variables });
}

/**
 * Runs a typed document as a trusted (persisted) document: sends only its sha256 hash, `{ documentId:
 * 'sha256:<hash>', variables }`. The facade must run with `TRUSTED_DOCUMENTS_FILE` set to the
 * `persisted-documents.json` generated next to the documents (or have the same documents in its manifest).
 */
export async function executePersisted<TResult, TVariables>(
  url: string,
  token: string,
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
): Promise<GraphQLResult<TResult>> {
  return post<TResult>(url, token, { documentId: `sha256:${documentHash(document)}`, variables });
}

/** The sha256 hash codegen's client preset embedded in a document (`persistedDocuments` option) as `__meta__.hash`. */
export function documentHash(document: TypedDocumentNode<unknown, never>): string {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) {
    throw new Error('document has no sha256 hash: generate it with presetConfig.persistedDocuments (sha256)');
  }
  return hash;
}

async function post<TResult>(url: string, token: string, body: unknown): Promise<GraphQLResult<TResult>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      authorization: `Bearer ${token}`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  try {
    const payload = JSON.parse(text) as Omit<GraphQLResult<TResult>, 'status'>;
    return { status: res.status, ...payload };
  } catch {
    return { status: res.status, errors: [{ message: `HTTP ${res.status}: the response is not JSON` }] };
  }
}
