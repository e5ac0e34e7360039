import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The example operations, with variables that work against the sandbox: the one source of the README's
 * "## Example operations" section and of GraphiQL's tabs in sandbox mode. test/http/example-operations.test.ts fails
 * when the README differs; `npx tsx src/http/example-operations.ts --write-readme` rewrites the section.
 */
export interface ExampleOperation {
  /** The tab's title: the operation's name. */
  name: string;
  /** The document, comment first (what it shows and the scope it needs). */
  document: string;
  /** Variables that work against the sandbox as it starts. */
  variables?: Record<string, unknown>;
  /**
   * Variables that depend on the moment the page is served, overriding `variables` in GraphiQL's tab (the README
   * shows `variables` and says what to put there).
   */
  liveVariables?: (now: Date) => Record<string, unknown>;
  /** Said in the README after the variables: what to put in place of `liveVariables` outside GraphiQL. */
  readmeNote?: string;
}

/** A 2048-bit RSA public key (the private half was never kept): something to register, nothing to sign with. */
const EXAMPLE_PUBLIC_KEY = {
  kty: 'RSA',
  alg: 'RS256',
  use: 'sig',
  n:
    'p3BD3cxHe-Dv7mtIWU0nX1lxdO20QOdP5YjmMHnuJX065Em8j303lZB6FrIPv1KXIsEQQJC6-8tFuOJrh9rfJYMQ-x8ibieayTHeoyJLJmXXuV7wfYN0' +
    'HmkiUPJGX-UYqCtyryejRNzepLmXXLEsbhZyWc5pXI11pFka9WNZSOoctIUo8-gVGisLPd4clk9myx1fmBbHx67sUmMWeIZ3eLVJ2tsxkxQxoCAsRbR' +
    'WODY5S_bvO8WZ68sZ-84NVZDmPk9AJGYIC_VzFfqOSidwXj_oTfNj9HJFedaBCC-lkg6H_UBW9-iXC5Hq8A-2PK-EgtoVqlXW4X0TFNKa_pYK5Q',
  e: 'AQAB',
};

export const EXAMPLE_OPERATIONS: readonly ExampleOperation[] = [
  {
    name: 'Me',
    document: `# Who you are, and on whose behalf your look-ups are made (a tenant's token: see the
# sandbox guide)
query Me {
  me {
    subject
    actingFor {
      organizationNumber
      name
      via
    }
  }
}
`,
  },
  {
    name: 'Contact',
    document: `# Contact information (contactinfo.read) and digital mailbox (digitalpost.read)
query Contact($id: PersonIdentifier!, $mailboxId: PersonIdentifier!) {
  person(id: $id) {
    status
    reserved
    notificationStatus
    email {
      value
      stale
      lastVerifiedAt
    }
    mobilePhone {
      value
      stale
    }
  }
  mailbox: person(id: $mailboxId) {
    digitalMailbox {
      address
      providerOrganizationNumber
    }
  }
}
`,
    // Ids as variables, as the quick start says: a document with an id in its text is never compiled or cached.
    variables: { id: '11822648950', mailboxId: '22859197810' },
  },
  {
    name: 'Batch',
    document: `# Many persons (contactinfo.read): same order as ids, KRR calls of up to 200 distinct ids
query Batch($ids: [PersonIdentifier!]!) {
  persons(ids: $ids) {
    id
    status
    reserved
    email {
      value
      stale
    }
  }
}
`,
    // Active with fresh contact points, reserved, deleted, both points stale, and an id KRR does not know.
    variables: { ids: ['11822648950', '04846697271', '17894199350', '11887197158', '01810050019'] },
  },
  {
    name: 'Clients',
    document: `# Clients with their keys and onbehalfof registrations (clients.read)
query Clients {
  clients(filter: { active: true }) {
    id
    name
    integrationType
    lastUpdatedAt
    jwks {
      keys {
        kid
        expiresAt
      }
    }
    onBehalfOf {
      id
      name
    }
  }
}
`,
  },
  {
    name: 'Create',
    document: `# Register a client; the secret is shown once (clients.write)
mutation Create {
  createClient(
    input: {
      name: "Min tjeneste"
      integrationType: IDPORTEN
      applicationType: WEB
      tokenEndpointAuthMethod: CLIENT_SECRET_BASIC
      grantTypes: [AUTHORIZATION_CODE]
      scopes: ["openid", "profile"]
      redirectUris: ["https://tjeneste.example.no/callback"]
    }
  ) {
    client {
      id
      lastUpdatedAt
    }
    clientSecret
    userErrors {
      field
      message
      code
    }
  }
}
`,
  },
  {
    name: 'Update',
    document: `# Partial update that refuses to overwrite someone else's change (clients.write).
# $seen: the client's lastUpdatedAt as you read it (query Clients). If the client
# changed after it: a CONFLICT user error at ["input", "lastUpdatedAt"], nothing written.
mutation Update($id: ID!, $seen: DateTime!) {
  updateClient(input: { id: $id, lastUpdatedAt: $seen, description: "Ny beskrivelse" }) {
    client {
      id
      description
      lastUpdatedAt
    }
    userErrors {
      field
      message
      code
    }
  }
}
`,
    variables: { id: 'oidc_eksempel_klient', seen: '2026-12-01T12:00:00.000Z' },
    // In GraphiQL: the moment the page was served, after the sandbox seeded the client, so the update goes through.
    liveVariables: (now) => ({ seen: now.toISOString() }),
    readmeNote:
      'In GraphiQL, `seen` is the moment the page was served, after the sandbox seeded the client, so the update\n' +
      'goes through. From curl or a script, send the `lastUpdatedAt` that query Clients gives for the client: the\n' +
      "value above is older than the sandbox's seed and gets the `CONFLICT` user error, the guard at work.",
  },
  {
    name: 'AddKey',
    document: `# Add a public key (clients.write): RS256, at most 5 per client, a kid unique across
# the admin API. Run it twice: the second answer is a CONFLICT user error at
# ["input", "key", "kid"].
mutation AddKey($id: ID!, $key: JwkInput!) {
  addClientJwk(input: { clientId: $id, key: $key }) {
    jwks {
      keys {
        kid
        expiresAt
      }
    }
    userErrors {
      field
      message
      code
    }
  }
}
`,
    variables: { id: 'oidc_eksempel_klient', key: { kid: 'example-key-2', ...EXAMPLE_PUBLIC_KEY } },
  },
];

/** The variables a GraphiQL tab starts with, as the JSON text of its Variables editor. */
export function tabVariables(op: ExampleOperation, now: Date): string | undefined {
  if (!op.variables && !op.liveVariables) return undefined;
  return JSON.stringify({ ...op.variables, ...op.liveVariables?.(now) }, null, 2);
}

/**
 * The body of README's "## Example operations" section (everything between its heading and the next `## `), ending
 * with the sandbox guide (`sandboxGuideMarkdown`).
 */
function readmeExampleSection(sandboxGuide: string): string {
  const parts = [
    'Each is a tab in GraphiQL (`npm start`, then http://localhost:4000/graphql in a browser), with the sandbox caller',
    'token in Headers and the variables below. Operations and variables come from `src/http/example-operations.ts`; the',
    'sandbox facts from its seeds (`src/http/sandbox-guide.ts`, also served at `/graphiql/sandbox-guide` and linked from',
    'the GraphiQL page in sandbox mode).',
    '',
  ];
  for (const op of EXAMPLE_OPERATIONS) {
    parts.push(`### ${op.name}`, '', '```graphql', op.document.trimEnd(), '```', '');
    if (op.variables) {
      parts.push('Variables:', '', '```json', JSON.stringify(op.variables, null, 2), '```', '');
      if (op.readmeNote) parts.push(op.readmeNote, '');
    }
  }
  parts.push(sandboxGuide.trimEnd(), '');
  return `\n${parts.join('\n')}\n`;
}

export const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const HEADING = '## Example operations\n';

/** README with its "## Example operations" section replaced by `body`. */
export function withExampleSection(readme: string, body: string): string {
  const start = readme.indexOf(HEADING);
  if (start < 0) throw new Error('README.md has no "## Example operations" section');
  const from = start + HEADING.length;
  const next = readme.indexOf('\n## ', from);
  const end = next < 0 ? readme.length : next + 1;
  return readme.slice(0, from) + body + readme.slice(end);
}

/** README with the section rewritten from this module, formatted as `prettier --check` wants it. */
export async function readmeWithExamples(readme: string): Promise<string> {
  const prettier = await import('prettier'); // a devDependency: loaded only to write or check the README
  // Loaded here, not at the top: GraphiQL imports this module, and the guide loads the sandbox's seeds and simulators.
  const { sandboxGuideMarkdown } = await import('./sandbox-guide.js');
  const options = (await prettier.resolveConfig(README)) ?? {};
  const section = readmeExampleSection(sandboxGuideMarkdown('###'));
  return prettier.format(withExampleSection(readme, section), { ...options, filepath: README });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1] && process.argv.includes('--write-readme')) {
  writeFileSync(README, await readmeWithExamples(readFileSync(README, 'utf8')));
  // eslint-disable-next-line no-console
  console.log('README.md: "## Example operations" rewritten from src/http/example-operations.ts');
}
