import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * GraphiQL served by the facade itself, from npm packages: public-sector networks often block CDNs. Assets are read
 * once at start and served with long-lived caching.
 */
const require = createRequire(import.meta.url);

const ASSETS: Record<string, { pkg: string; file: string; type: string }> = {
  'react.js': { pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript; charset=utf-8' },
  'react-dom.js': { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript; charset=utf-8' },
  'graphiql.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript; charset=utf-8' },
  'graphiql.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css; charset=utf-8' },
};

const EXAMPLE_QUERY = `# Look up persons in KRR (the sandbox has Digdir's synthetic test persons),
# and read our client registrations with their keys.
#
# Supplier mode: "me" says on whose behalf your look-ups are made. In the sandbox, a caller
# token for a customer comes from POST /sandbox/caller-token with {"tenant": "910825526"}
# (Altinn delegation) or {"tenant": "910825534"} (onbehalfof registration): put it in Headers.
query Example {
  me { subject actingFor { organizationNumber name via } }
  person(id: "11822648950") {
    id
    status
    reserved
    notificationStatus
    email { value stale }
    mobilePhone { value stale }
  }
  mailbox: person(id: "22859197810") {
    digitalMailbox { address providerOrganizationNumber }
  }
  clients(filter: { active: true }) {
    id
    name
    integrationType
    jwks { keys { kid expiresAt } }
  }
}
`;

export interface GraphiQLOptions {
  /** Headers pre-filled in the editor (sandbox mode: a fresh caller token). */
  defaultHeaders?: () => Promise<Record<string, string>>;
}

export function createGraphiQL(opts: GraphiQLOptions) {
  const assets = new Map(
    Object.entries(ASSETS).map(([name, a]) => {
      // Package exports hide these UMD files from require.resolve; the package root is always reachable.
      const root = dirname(require.resolve(`${a.pkg}/package.json`));
      return [name, { body: readFileSync(join(root, a.file)), type: a.type }];
    }),
  );

  return {
    /** `GET /graphql` from a browser (Accept: text/html, no query in the URL). */
    wants(req: IncomingMessage, search: string): boolean {
      return (
        req.method === 'GET' &&
        !new URLSearchParams(search).has('query') &&
        (req.headers.accept ?? '').includes('text/html')
      );
    },

    async page(res: ServerResponse): Promise<void> {
      const headers = (await opts.defaultHeaders?.()) ?? {};
      const config = {
        headers: JSON.stringify(headers, null, 2),
        query: EXAMPLE_QUERY,
      };
      const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GraphiQL · Digdir GraphQL facade</title>
<link rel="stylesheet" href="/graphiql/graphiql.css">
<style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphiql/react.js"></script>
<script src="/graphiql/react-dom.js"></script>
<script src="/graphiql/graphiql.js"></script>
<script>
  const config = ${JSON.stringify(config).replace(/</g, '\\u003c')};
  const fetcher = GraphiQL.createFetcher({ url: new URL('/graphql', location.href).toString() });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: config.query,
      defaultHeaders: config.headers,
      headerEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers',
    }),
  );
</script>
</body>
</html>`;
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy':
          "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'",
      });
      res.end(html);
    },

    /** `GET /graphiql/<asset>` (the exact path); answers true when handled. */
    asset(path: string, res: ServerResponse): boolean {
      if (!path.startsWith('/graphiql/')) return false;
      const asset = assets.get(path.slice('/graphiql/'.length));
      if (!asset) return false;
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' });
      res.end(asset.body);
      return true;
    },
  };
}

export type GraphiQL = ReturnType<typeof createGraphiQL>;
