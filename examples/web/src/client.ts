import { Client, cacheExchange, fetchExchange } from 'urql';
import { persistedExchange } from '@urql/exchange-persisted';
import { getToken } from './token';

/** The sha256 hash GraphQL Code Generator's client preset embedded in each generated document (`__meta__.hash`). */
function documentHash(_query: string, document: unknown): Promise<string> {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof hash !== 'string') throw new Error('document without __meta__.hash: run npm run examples:web:codegen');
  return Promise.resolve(hash);
}

/**
 * Development only (the Vite dev server; absent from production builds): the manifest, to answer a facade that does
 * not know a hash. A facade started without `TRUSTED_DOCUMENTS_FILE` (a plain `npm start`) runs automatic persisted
 * queries instead: it answers `PersistedQueryNotFound` once, and the app sends the document's text with its hash. That
 * text must be exactly the manifest's (the hash is of that text), not urql's own printing of the document.
 */
const manifest: Promise<Record<string, string>> | undefined = import.meta.env.DEV
  ? import('./gql/persisted-documents.json').then((m) => m.default as Record<string, string>)
  : undefined;

interface RequestBody {
  query?: string;
  extensions?: { persistedQuery?: { sha256Hash?: string; miss?: boolean } };
}

/** The request body, with the manifest's text of the document when it is a development retry after a miss. */
async function withManifestText(body: BodyInit | null | undefined): Promise<BodyInit | null | undefined> {
  if (!manifest || typeof body !== 'string') return body;
  const request = JSON.parse(body) as RequestBody;
  const persisted = request.extensions?.persistedQuery;
  if (!persisted?.miss || !persisted.sha256Hash) return body;
  const text = (await manifest)[persisted.sha256Hash];
  return text === undefined ? body : JSON.stringify({ ...request, query: text });
}

/**
 * The urql client. Every operation is sent as a trusted document: its hash alone
 * (`extensions.persistedQuery.sha256Hash`), which a facade started with `TRUSTED_DOCUMENTS_FILE` pointing at
 * `src/gql/persisted-documents.json` looks up in that manifest. Production builds never send a document's text
 * (`enforcePersistedQueries`); in development an unknown hash is answered once with the manifest's text (see above).
 */
export const client = new Client({
  url: '/graphql',
  exchanges: [
    cacheExchange,
    persistedExchange({
      generateHash: documentHash,
      enforcePersistedQueries: import.meta.env.PROD,
      enableForMutation: true,
      // Required: the exchange's default is GET, and the facade refuses a person operation over GET (405: its ids
      // would be in the URL) and any other GET without a preflight header (Apollo's CSRF rule).
      preferGetForPersistedQueries: false,
    }),
    fetchExchange,
  ],
  preferGetMethod: false,
  // The bearer token is added per request, so a token fetched late or renewed is always the current one.
  fetch: async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${await getToken()}`);
    return fetch(input, { ...init, headers, body: await withManifestText(init?.body) });
  },
});
