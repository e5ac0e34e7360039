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
 * The urql client. Every operation is sent as a trusted document: its hash alone
 * (`extensions.persistedQuery.sha256Hash`), which a facade started with `TRUSTED_DOCUMENTS_FILE` pointing at
 * `src/gql/persisted-documents.json` looks up in that manifest. In development (`vite` dev server) an unknown hash
 * falls back to sending the text once (automatic persisted queries), so the app also runs against a plain `npm start`;
 * production builds never send a document's text.
 */
export const client = new Client({
  url: '/graphql',
  exchanges: [
    cacheExchange,
    persistedExchange({
      generateHash: documentHash,
      enforcePersistedQueries: import.meta.env.PROD,
      enableForMutation: true,
      preferGetForPersistedQueries: false,
    }),
    fetchExchange,
  ],
  preferGetMethod: false,
  // The bearer token is added per request, so a token fetched late or renewed is always the current one.
  fetch: async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${await getToken()}`);
    return fetch(input, { ...init, headers });
  },
});
