import { CALLER_SCOPES } from '../auth/scopes.js';
import { scopePolicy } from '../clients/input-validation.js';
import { toPersonModel } from '../krr/mapping.js';
import type { KrrPersonDto } from '../krr/dto.js';
import type { ContactPointModel } from '../krr/model.js';
import { SEEDED_CLIENT_IDS, SEEDED_ORGNOS, seedClients } from '../sandbox/admin-seed.js';
import {
  SANDBOX_CLIENT_ID,
  SANDBOX_CLIENT_NAME,
  SANDBOX_CUSTOMERS,
  SANDBOX_ORGNO,
  SANDBOX_TENANT_CLAIM,
} from '../sandbox/index.js';
import { DIGIPOST_ORGNO, EBOKS_ORGNO, createKrrSeed } from '../sandbox/krr-seed.js';

/**
 * The sandbox guide: which persons are reserved, deleted, stale or have a mailbox, which clients exist, which tenants
 * there are and how to get their tokens. Read from the seeds themselves (src/sandbox/), so it cannot drift from them;
 * shown in the README (example-operations.ts) and at `/graphiql/sandbox-guide` (graphiql.ts, sandbox mode only).
 */
export interface SandboxGuide {
  persons: { id: string; shows: string }[];
  clients: { id: string; name: string; integration: string; visible: boolean; readOnly: boolean; note: string }[];
  tenants: { orgno: string; name: string; via: string }[];
  ownOrgno: string;
  scopes: readonly string[];
  tenantClaim: string;
}

/** The facade's own privileged scopes (default ADMIN_ALLOWED_SCOPES): a client holding one cannot be changed here. */
const mayGrant = scopePolicy();
const isPrivileged = (scope: string) => !mayGrant(scope);
const READ_ONLY =
  'holds privileged scopes, so its settings, keys and secret are read-only here (a `FORBIDDEN` user error); ' +
  'onbehalfof registrations on it can be made';

const PROVIDERS: Record<string, string> = { [DIGIPOST_ORGNO]: 'Digipost', [EBOKS_ORGNO]: 'e-Boks' };

function point(label: string, p: ContactPointModel | null): string | undefined {
  if (!p) return undefined;
  return `${label} ${p.stale ? 'stale (not updated or verified in 18 months)' : 'fresh'}${p.duplicated ? ', duplicated' : ''}`;
}

export function sandboxGuide(now = new Date()): SandboxGuide {
  const persons = createKrrSeed(now.getTime()).map((dto) => {
    const p = toPersonModel(dto.personidentifikator, dto as unknown as KrrPersonDto, now);
    const facts = [
      p.status === 'ACTIVE' ? 'active' : p.status === 'DELETED' ? 'deleted: no contact information' : 'not registered',
      p.reserved ? 'reserved against digital communication' : undefined,
      point('e-mail', p.email),
      point('mobile', p.mobilePhone),
      p.digitalMailbox
        ? `digital mailbox at ${PROVIDERS[p.digitalMailbox.providerOrganizationNumber] ?? p.digitalMailbox.providerOrganizationNumber} (${p.digitalMailbox.providerOrganizationNumber})`
        : undefined,
      p.language && p.language !== 'nb' ? `language ${p.language}` : undefined,
    ].filter(Boolean);
    return { id: p.id, shows: facts.join('; ') };
  });

  const byId = new Map(
    seedClients({ ownerOrgno: SANDBOX_ORGNO, otherOrgno: SEEDED_ORGNOS.defaultOther, now: now.getTime() }).map((c) => [
      c.client_id,
      c,
    ]),
  );
  const ids = SEEDED_CLIENT_IDS;
  const FOREIGN = "another organisation's: never listed; by id the admin API refuses (403): FORBIDDEN";
  const notes: Record<string, [visible: boolean, note: string]> = {
    [ids.example]: [true, "the seed document's example; onbehalfof registrations for 910825526 and 910825534"],
    [ids.ownerMaskinporten]: [true, 'one registered RS256 key'],
    [ids.ownerSupplied]: [true, `supplied by the facade's organisation for customer ${SEEDED_ORGNOS.customer}`],
    [ids.otherIdporten]: [false, FOREIGN],
    [ids.otherMaskinporten]: [false, FOREIGN],
    [ids.otherSupplied]: [false, "another organisation's, supplied by a third party: never listed"],
  };
  const clients = Object.entries(notes).map(([id, [visible, note]]) => {
    const c = byId.get(id);
    if (!c) throw new Error(`sandbox guide: seeded client ${id} missing`);
    const readOnly = visible && c.settings.scopes.some(isPrivileged);
    return {
      id,
      name: c.settings.client_name,
      integration: c.settings.integration_type,
      visible,
      readOnly,
      note: readOnly ? `${note}; ${READ_ONLY}` : note,
    };
  });
  const { delegating, onBehalfOf } = SANDBOX_CUSTOMERS;
  clients.push({
    id: SANDBOX_CLIENT_ID,
    name: SANDBOX_CLIENT_NAME,
    integration: 'maskinporten',
    visible: true,
    readOnly: true,
    note: `the facade's own Maskinporten client; its onbehalfof registration \`${onBehalfOf.onBehalfOf}\` is tenant ${onBehalfOf.orgno}; ${READ_ONLY}`,
  });

  return {
    persons,
    clients,
    tenants: [
      { orgno: delegating.orgno, name: delegating.name, via: 'Altinn delegation of the KRR scopes (consumer_org)' },
      {
        orgno: onBehalfOf.orgno,
        name: onBehalfOf.name,
        via: `onbehalfof registration \`${onBehalfOf.onBehalfOf}\` on the facade's client (iss_onbehalfof)`,
      },
    ],
    ownOrgno: SANDBOX_ORGNO,
    scopes: CALLER_SCOPES,
    tenantClaim: SANDBOX_TENANT_CLAIM,
  };
}

/** The guide as Markdown, its heading at `level` (`##`, `###`). */
export function sandboxGuideMarkdown(level = '##', now?: Date): string {
  const g = sandboxGuide(now);
  const sub = `${level}#`;
  const lines = [
    `${level} Sandbox guide`,
    '',
    'What `npm start` (sandbox mode) holds, read from its seeds. Contact points marked fresh stay fresh: they are dated',
    'relative to the start.',
    '',
    `${sub} Persons`,
    '',
    '| id | what it shows |',
    '| --- | --- |',
    ...g.persons.map((p) => `| ${p.id} | ${p.shows} |`),
    '',
    'Any other valid identifier is `NOT_REGISTERED`.',
    '',
    `${sub} Clients`,
    '',
    '| client_id | name | integration | visible | note |',
    '| --- | --- | --- | --- | --- |',
    ...g.clients.map((c) => `| ${c.id} | ${c.name} | ${c.integration} | ${c.visible ? 'yes' : 'no'} | ${c.note} |`),
    '',
    `${sub} Caller tokens and tenants`,
    '',
    `GraphiQL's Headers hold a caller token with every caller scope (${g.scopes.map((s) => `\`${s}\``).join(', ')});`,
    `without a tenant, look-ups are made as the facade's own organisation (${g.ownOrgno}). The sandbox serves two`,
    `customer organisations (supplier mode): a caller token with a customer's organisation number in its`,
    `\`${g.tenantClaim}\` claim makes the facade act on that customer's behalf.`,
    '',
    '| tenant | name | how the facade may act for it |',
    '| --- | --- | --- |',
    ...g.tenants.map((t) => `| ${t.orgno} | ${t.name} | ${t.via} |`),
    '',
    '```sh',
    `curl -s -X POST http://localhost:4000/sandbox/caller-token -H 'content-type: application/json' \\`,
    `  -d '{"tenant": "${g.tenants[0]?.orgno ?? ''}", "scope": "contactinfo.read"}'`,
    '```',
    '',
    'Both fields are optional (default: every scope, no tenant). Put `Authorization: Bearer <access_token>` in',
    "GraphiQL's Headers; query `Me` then shows the tenant in `actingFor`.",
    '',
  ];
  return lines.join('\n');
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The guide as a standalone HTML page (no script: it is served under the page's strict CSP). */
export function sandboxGuideHtml(now?: Date, facadeUrl = 'http://localhost:4000'): string {
  const g = sandboxGuide(now);
  const code = (s: string) => s.replace(/`([^`]+)`/g, '<code>$1</code>');
  const table = (head: string[], rows: string[][]) =>
    `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows
      .map((r) => `<tr>${r.map((c) => `<td>${code(escapeHtml(c))}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Sandbox guide · Digdir GraphQL facade</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; } th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; vertical-align: top; }
code, pre { font-family: ui-monospace, monospace; background: #f4f4f4; } pre { padding: .8rem; overflow-x: auto; }
</style>
</head>
<body>
<p><a href="/graphql">← GraphiQL</a></p>
<h1>Sandbox guide</h1>
<p>What the sandbox holds, read from its seeds. Contact points marked fresh stay fresh: they are dated relative to the start.</p>
<h2 id="persons">Persons</h2>
${table(
  ['id', 'what it shows'],
  g.persons.map((p) => [p.id, p.shows]),
)}
<p>Any other valid identifier is <code>NOT_REGISTERED</code>.</p>
<h2 id="clients">Clients</h2>
${table(
  ['client_id', 'name', 'integration', 'visible', 'note'],
  g.clients.map((c) => [c.id, c.name, c.integration, c.visible ? 'yes' : 'no', c.note]),
)}
<h2 id="tenants">Caller tokens and tenants</h2>
<p>GraphiQL's Headers hold a caller token with every caller scope (${g.scopes.map((s) => `<code>${s}</code>`).join(', ')}); without a tenant, look-ups are made as the facade's own organisation (${g.ownOrgno}). The sandbox serves two customer organisations (supplier mode): a caller token with a customer's organisation number in its <code>${escapeHtml(g.tenantClaim)}</code> claim makes the facade act on that customer's behalf.</p>
${table(
  ['tenant', 'name', 'how the facade may act for it'],
  g.tenants.map((t) => [t.orgno, t.name, t.via]),
)}
<pre>curl -s -X POST ${escapeHtml(facadeUrl)}/sandbox/caller-token -H 'content-type: application/json' \\
  -d '{"tenant": "${escapeHtml(g.tenants[0]?.orgno ?? '')}", "scope": "contactinfo.read"}'</pre>
<p>Both fields are optional (default: every scope, no tenant). Put <code>Authorization: Bearer &lt;access_token&gt;</code> in GraphiQL's Headers; the <code>Me</code> tab then shows the tenant in <code>actingFor</code>.</p>
</body>
</html>
`;
}
