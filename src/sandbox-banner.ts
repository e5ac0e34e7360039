import type { Config } from './config.js';
import type { TrustedDocuments } from './http/trusted-documents.js';

/** The sandbox's first example person (src/sandbox/krr-seed.ts): active, with an e-mail address. */
const EXAMPLE_ID = '11822648950';
const EXAMPLE_QUERY = 'query P($id: PersonIdentifier!) { person(id: $id) { status email { value stale } } }';
/** A listed query whose one variable is `$id: PersonIdentifier!`, and which looks that person up. */
const PERSON_BY_ID = /^\s*query\b[^({]*\(\s*\$id\s*:\s*PersonIdentifier\s*!\s*\)[^]*\bperson\s*\(\s*id\s*:\s*\$id\s*\)/;

export interface BannerInput {
  /** Where callers reach the facade, e.g. http://localhost:4000. */
  publicUrl: string;
  config: Config;
  token: { access_token: string; expires_in: number };
  /** With TRUSTED_DOCUMENTS_FILE: what runs here. */
  trustedDocuments?: TrustedDocuments;
}

/**
 * What `npm start` prints in sandbox mode: where things are, a caller token as a shell line, and a `curl` line that
 * runs as printed once that one is pasted. With trusted documents only, the curl line sends a listed person look-up by
 * its hash, as nothing else would run.
 */
export function sandboxBanner({ publicUrl, config, token, trustedDocuments }: BannerInput): string {
  return [
    '',
    'Sandbox mode: Maskinporten, KRR, the admin API and a caller-token issuer run embedded on loopback.',
    `GraphQL:        ${publicUrl}/graphql  (${graphiqlNote(config)})`,
    `Caller token:   POST ${publicUrl}/sandbox/caller-token  (every scope, valid ${token.expires_in} s), or this one:`,
    '',
    // A shell assignment, so that the Try line below runs as it is once this one is pasted first.
    `TOKEN=${token.access_token}`,
    '',
    ...tryLines(publicUrl, trustedDocuments),
    '',
  ].join('\n');
}

function tryLines(publicUrl: string, trustedDocuments?: TrustedDocuments): string[] {
  let body = JSON.stringify({ query: EXAMPLE_QUERY, variables: { id: EXAMPLE_ID } });
  if (trustedDocuments) {
    const listed = [...trustedDocuments.entries()].find(([, document]) => PERSON_BY_ID.test(document));
    if (!listed) {
      return [
        'Try: only the documents of TRUSTED_DOCUMENTS_FILE run here; send one by its hash:',
        `       curl -s ${publicUrl}/graphql -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\`,
        `       -d '{"documentId":"sha256:<its hash>","variables":{…}}'`,
      ];
    }
    body = JSON.stringify({ documentId: `sha256:${listed[0]}`, variables: { id: EXAMPLE_ID } });
  }
  return [
    `Try: curl -s ${publicUrl}/graphql -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\`,
    `       -d '${body}'`,
  ];
}

/** What the banner says of GraphiQL: there with a token, off, or there but able to run none of its tabs. */
function graphiqlNote(config: Config): string {
  if (!(config.graphiql ?? !config.production)) return 'GraphiQL off: GRAPHIQL=false or NODE_ENV=production';
  if (config.trustedDocumentsFile) {
    return 'GraphiQL runs nothing here: TRUSTED_DOCUMENTS_FILE takes only the ids of its listed documents';
  }
  return 'GraphiQL in a browser, a token filled in';
}
