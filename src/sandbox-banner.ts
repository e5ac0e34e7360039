import { Kind, parse, print, type DocumentNode } from 'graphql';
import type { Config } from './config.js';
import type { TrustedDocuments } from './http/trusted-documents.js';

/** The sandbox's first example person (src/sandbox/krr-seed.ts): active, with an e-mail address. */
const EXAMPLE_ID = '11822648950';
const EXAMPLE_QUERY = 'query P($id: PersonIdentifier!) { person(id: $id) { status email { value stale } } }';

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
  const curl = `curl -s ${publicUrl}/graphql -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\`;
  if (!trustedDocuments) {
    return [`Try: ${curl}`, `       -d '${JSON.stringify({ query: EXAMPLE_QUERY, variables: { id: EXAMPLE_ID } })}'`];
  }
  const listed = [...trustedDocuments.entries()].find(([, document]) => looksUpOnePersonById(document));
  if (!listed) {
    return [
      'Try: only the documents of TRUSTED_DOCUMENTS_FILE run here; send one by its hash:',
      `       ${curl}`,
      `       -d '{"documentId":"sha256:<its hash>","variables":{…}}'`,
    ];
  }
  return [
    `Try: ${curl}`,
    `       -d '${JSON.stringify({ documentId: `sha256:${listed[0]}`, variables: { id: EXAMPLE_ID } })}'`,
  ];
}

/**
 * Whether `text` is one query whose only variable is `$id: PersonIdentifier!` and which passes it to `person(id:)` at
 * its root: the banner's example id is then all it needs.
 */
function looksUpOnePersonById(text: string): boolean {
  let document: DocumentNode;
  try {
    document = parse(text, { noLocation: true });
  } catch {
    return false;
  }
  const [operation, ...others] = document.definitions;
  if (others.length > 0 || operation?.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'query')
    return false;
  const variables = operation.variableDefinitions ?? [];
  if (variables.length !== 1 || variables[0]?.variable.name.value !== 'id') return false;
  if (print(variables[0].type) !== 'PersonIdentifier!') return false;
  return operation.selectionSet.selections.some(
    (field) =>
      field.kind === Kind.FIELD &&
      field.name.value === 'person' &&
      field.arguments?.some((arg) => arg.name.value === 'id' && arg.value.kind === Kind.VARIABLE),
  );
}

/** What the banner says of GraphiQL: there with a token, off, or there but able to run none of its tabs. */
function graphiqlNote(config: Config): string {
  if (!(config.graphiql ?? !config.production)) return 'GraphiQL off: GRAPHIQL=false or NODE_ENV=production';
  if (config.trustedDocumentsFile) {
    return 'GraphiQL runs nothing here: TRUSTED_DOCUMENTS_FILE takes only the ids of its listed documents';
  }
  return 'GraphiQL in a browser, a token filled in';
}
