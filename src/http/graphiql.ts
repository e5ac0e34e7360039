import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EXAMPLE_OPERATIONS, tabVariables } from './example-operations.js';

/**
 * GraphiQL served by the facade itself, from npm packages: public-sector networks often block CDNs. Assets are read
 * once at start and served with long-lived caching.
 *
 * Why GraphiQL 3.8.3 (the last 3.x) and not the current major (5.x): 3.8 is the last release that ships a prebuilt
 * browser bundle (`graphiql.min.js`, a UMD over React 18's UMD builds), which is what lets the facade serve it from its
 * own node_modules under a strict CSP with no build step. GraphiQL 4 and 5 ship only ES modules with bare imports
 * (@graphiql/react, its plugins, radix-ui, framer-motion, zustand, markdown-it, prettier, monaco-editor 0.52 with
 * monaco-graphql): monaco's ES modules import CSS files and start web workers through bundler conventions, and React
 * (18 and 19) ships no ES module build at all (19 dropped the UMD one too), so no import map can make a browser load
 * them as they are. Serving 5.x would mean bundling it (esbuild/Vite) at install or start, or committing a vendored
 * bundle; neither is done here. Revisit when GraphiQL publishes a self-contained browser build again.
 */
const require = createRequire(import.meta.url);

const ASSETS: Record<string, { pkg: string; file: string; type: string }> = {
  'react.js': { pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript; charset=utf-8' },
  'react-dom.js': { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript; charset=utf-8' },
  'graphiql.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript; charset=utf-8' },
  'graphiql.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css; charset=utf-8' },
};

/**
 * Outside sandbox mode: one tab, the example query. (The sandbox's persons are Digdir's synthetic test persons, so the
 * ids also mean something in Digdir's test environment.)
 */
const EXAMPLE_QUERY = `# Look up persons in KRR and read our client registrations with their keys.
# Field descriptions (Docs, or hover a field) say which scope each field requires.
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
  clients(filter: { active: true }) {
    id
    name
    integrationType
    jwks { keys { kid expiresAt } }
  }
}
`;

export interface GraphiQLOptions {
  /** Headers pre-filled in every tab (sandbox mode: a fresh caller token). */
  defaultHeaders?: () => Promise<Record<string, string>>;
  /**
   * Sandbox mode: every example operation of the README as its own tab with working variables, a banner, and the
   * sandbox guide when `sandboxGuide` is given. Default: true when `defaultHeaders` is given (app.ts gives them in
   * sandbox mode only).
   */
  sandbox?: boolean;
  /**
   * The sandbox guide's page (sandbox-guide.ts `sandboxGuideHtml`), served at `/graphiql/sandbox-guide` and linked
   * from the page in sandbox mode. Given by the caller rather than imported here: the guide reads the sandbox's seeds,
   * and importing them loaded the simulators and node-forge (1.9 MB of heap) into every facade, sandbox or not
   * (test/startup-imports.test.ts).
   */
  sandboxGuide?: (now: Date) => string;
  /** The clock for live tab variables (tests). */
  now?: () => Date;
}

export interface GraphiQLTab {
  query: string;
  variables?: string;
  headers?: string;
}

/** The tabs GraphiQL opens with: in sandbox mode one per example operation (README order), else the example query. */
export function graphiqlTabs(sandbox: boolean, headers: string, now: Date): GraphiQLTab[] {
  if (!sandbox) return [{ query: EXAMPLE_QUERY, headers }];
  return EXAMPLE_OPERATIONS.map((op) => {
    const variables = tabVariables(op, now);
    return { query: op.document, headers, ...(variables !== undefined ? { variables } : {}) };
  });
}

const CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "font-src 'self' data:; connect-src 'self'";

export const SANDBOX_GUIDE_PATH = '/graphiql/sandbox-guide';

export function createGraphiQL(opts: GraphiQLOptions) {
  const sandbox = opts.sandbox ?? opts.defaultHeaders !== undefined;
  /** The guide, served and linked in sandbox mode when given. */
  const guide = sandbox ? opts.sandboxGuide : undefined;
  const now = opts.now ?? (() => new Date());
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
      const headers = JSON.stringify((await opts.defaultHeaders?.()) ?? {}, null, 2);
      const config = { tabs: graphiqlTabs(sandbox, headers, now()), sandbox };
      const banner = sandbox
        ? `<header id="sandbox-banner">Sandbox: synthetic persons and clients, a caller token with every scope in
Headers, one tab per example operation.${
            guide
              ? ` <a href="${SANDBOX_GUIDE_PATH}" target="_blank" rel="noopener">Sandbox guide</a>
(who is reserved, deleted, stale, has a mailbox; the clients; the two tenants and their tokens).`
              : ''
          } Each field's description says which scope it requires.</header>`
        : '';
      const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GraphiQL · Digdir GraphQL facade</title>
<link rel="stylesheet" href="/graphiql/graphiql.css">
<style>
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; }
#graphiql { flex: 1; min-height: 0; }
#sandbox-banner { font: 13px/1.4 system-ui, sans-serif; padding: 6px 12px; background: #fff8db; border-bottom: 1px solid #e6d9a8; }
</style>
</head>
<body>
${banner}
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphiql/react.js"></script>
<script src="/graphiql/react-dom.js"></script>
<script src="/graphiql/graphiql.js"></script>
<script>
  const config = ${JSON.stringify(config).replace(/</g, '\\u003c')};
  const fetcher = GraphiQL.createFetcher({ url: new URL('/graphql', location.href).toString() });
  // In the sandbox, tabs live in memory only: every visit opens the examples with a fresh token, never a stored
  // tab with an expired one.
  const memory = new Map();
  const storage = config.sandbox
    ? {
        getItem: (k) => (memory.has(k) ? memory.get(k) : null),
        setItem: (k, v) => void memory.set(k, String(v)),
        removeItem: (k) => void memory.delete(k),
        clear: () => memory.clear(),
        get length() { return memory.size; },
      }
    : undefined;
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher,
      storage,
      defaultTabs: config.tabs,
      defaultQuery: config.tabs[0].query,
      defaultHeaders: config.tabs[0].headers,
      headerEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: config.tabs[0].variables ? 'variables' : 'headers',
    }),
  );
</script>
</body>
</html>`;
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': CSP,
      });
      res.end(html);
    },

    /** `GET /graphiql/<asset>` (the exact path); answers true when handled. */
    asset(path: string, res: ServerResponse): boolean {
      if (!path.startsWith('/graphiql/')) return false;
      if (path === SANDBOX_GUIDE_PATH) {
        if (!guide) return false;
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        });
        res.end(guide(now()));
        return true;
      }
      const asset = assets.get(path.slice('/graphiql/'.length));
      if (!asset) return false;
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' });
      res.end(asset.body);
      return true;
    },
  };
}

export type GraphiQL = ReturnType<typeof createGraphiQL>;
