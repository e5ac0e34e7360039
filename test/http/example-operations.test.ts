import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_OPERATIONS, README, readmeWithExamples, tabVariables } from '../../src/http/example-operations.js';
import type { ServerResponse } from 'node:http';
import { createGraphiQL, graphiqlTabs, SANDBOX_GUIDE_PATH } from '../../src/http/graphiql.js';
import { sandboxGuide, sandboxGuideMarkdown } from '../../src/http/sandbox-guide.js';
import { createKrrSeed } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/**
 * One source for the README's example operations, GraphiQL's sandbox tabs and the sandbox guide: the README must be
 * what the module writes, and every operation must run against the sandbox with its variables, without errors.
 */
describe('example operations', () => {
  it('README "## Example operations" is generated from src/http/example-operations.ts', async () => {
    const readme = readFileSync(README, 'utf8');
    expect(
      readme === (await readmeWithExamples(readme)),
      'README.md is stale: run `npx tsx src/http/example-operations.ts --write-readme`',
    ).toBe(true);
  });

  it('names each operation as its document does, one operation per document', () => {
    const names = EXAMPLE_OPERATIONS.map((op) => op.name);
    expect(new Set(names).size).toBe(names.length);
    for (const op of EXAMPLE_OPERATIONS) {
      const defs = parse(op.document).definitions;
      expect(defs).toHaveLength(1);
      expect((defs[0] as { name?: { value: string } }).name?.value).toBe(op.name);
    }
  });

  it('gives GraphiQL one tab per operation in sandbox mode, with headers and variables', () => {
    const now = new Date('2030-01-02T03:04:05.000Z');
    const tabs = graphiqlTabs(true, '{"Authorization":"Bearer x"}', now);
    expect(tabs.map((t) => t.query)).toEqual(EXAMPLE_OPERATIONS.map((op) => op.document));
    for (const t of tabs) expect(t.headers).toContain('Bearer x');
    const update = tabs[EXAMPLE_OPERATIONS.findIndex((op) => op.name === 'Update')];
    expect(JSON.parse(update?.variables ?? '{}')).toEqual({ id: 'oidc_eksempel_klient', seen: now.toISOString() });
    expect(graphiqlTabs(false, '{}', now)).toHaveLength(1);
  });

  it('GraphiQL links and serves the sandbox guide only in sandbox mode, and only when given one', async () => {
    const served = async (opts: Parameters<typeof createGraphiQL>[0]) => {
      const graphiql = createGraphiQL(opts);
      let html = '';
      const res = { writeHead: () => res, end: (body: string) => (html = body) } as unknown as ServerResponse;
      await graphiql.page(res);
      const linked = html.includes(`href="${SANDBOX_GUIDE_PATH}"`);
      html = '';
      return { linked, handled: graphiql.asset(SANDBOX_GUIDE_PATH, res), guide: html };
    };
    const guide = () => '<p>the guide</p>';
    expect(await served({ sandbox: true, sandboxGuide: guide })).toEqual({
      linked: true,
      handled: true,
      guide: '<p>the guide</p>',
    });
    expect(await served({ sandbox: true })).toEqual({ linked: false, handled: false, guide: '' });
    expect(await served({ sandbox: false, sandboxGuide: guide })).toEqual({ linked: false, handled: false, guide: '' });
  });

  it('the guide reads the seeds: every seeded person is listed, with the facts the seed comment promises', () => {
    const guide = sandboxGuide();
    expect(guide.persons.map((p) => p.id)).toEqual(createKrrSeed().map((p) => p.personidentifikator));
    const shows = Object.fromEntries(guide.persons.map((p) => [p.id, p.shows]));
    expect(shows['17894199350']).toMatch(/^deleted/);
    expect(shows['04846697271']).toContain('reserved');
    expect(shows['11887197158']).toMatch(/e-mail stale.*mobile stale/);
    expect(shows['22859197810']).toContain('Digipost');
    expect(shows['26826499361']).toContain('e-Boks');
    expect(guide.tenants.map((t) => t.orgno)).toEqual(['910825526', '910825534']);
    expect(sandboxGuideMarkdown()).toContain('/sandbox/caller-token');
  });
});

describe('example operations against the sandbox', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 30_000);
  afterAll(async () => t?.close());

  for (const op of EXAMPLE_OPERATIONS) {
    it(`${op.name} runs with its tab's variables: no errors, no userErrors`, async () => {
      const variables = JSON.parse(tabVariables(op, new Date()) ?? '{}') as Record<string, unknown>;
      const res = await t.graphql(op.document, variables);
      expect(res.body.errors).toBeUndefined();
      const payload = Object.values(res.body.data ?? {})[0] as { userErrors?: unknown[] } | null;
      if (payload && 'userErrors' in payload) expect(payload.userErrors, JSON.stringify(payload)).toEqual([]);
    });
  }

  it("the served guide's curl line names this facade's own URL (its PORT), not the default", async () => {
    const res = await fetch(`${t.url}${SANDBOX_GUIDE_PATH}`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`curl -s -X POST ${t.url}/sandbox/caller-token`);
  });

  it("an operation with live variables says in the README what to send instead, and what the README's values do", async () => {
    for (const op of EXAMPLE_OPERATIONS.filter((o) => o.liveVariables)) expect(op.readmeNote, op.name).toBeTruthy();
    // Update's note: the README's `seen` is older than the seed, so it gets the CONFLICT user error.
    const update = EXAMPLE_OPERATIONS.find((o) => o.name === 'Update');
    const res = await t.graphql<{ updateClient: { userErrors: { code: string }[] } }>(
      update?.document ?? '',
      update?.variables,
    );
    expect(res.body.data?.updateClient.userErrors.map((e) => e.code)).toEqual(['CONFLICT']);
  });

  it("the clients the guide calls another organisation's are refused by id with FORBIDDEN, as it says", async () => {
    const foreign = sandboxGuide().clients.filter((c) => !c.visible && c.note.includes('FORBIDDEN'));
    expect(foreign).toHaveLength(2);
    for (const c of foreign) {
      const res = await t.graphql('query C($id: ID!) { client(id: $id) { id } }', { id: c.id });
      expect(
        res.body.errors?.map((e) => e.extensions?.code),
        c.id,
      ).toEqual(['FORBIDDEN']);
    }
  });

  it('the clients the guide calls visible are the ones the sandbox lists, by the names it lists', async () => {
    const res = await t.graphql<{ clients: { id: string; name: string }[] }>('{ clients { id name } }');
    const listed = new Map(res.body.data?.clients.map((c) => [c.id, c.name]));
    for (const c of sandboxGuide().clients) {
      expect(listed.has(c.id), c.id).toBe(c.visible);
      if (c.visible) expect(listed.get(c.id), c.id).toBe(c.name);
    }
  });

  it('the clients the guide calls read-only refuse changes with a FORBIDDEN user error, the others take them', async () => {
    for (const c of sandboxGuide().clients.filter((c) => c.visible)) {
      const res = await t.graphql<{ updateClient: { userErrors: { code: string }[] } }>(
        'mutation U($id: ID!) { updateClient(input: { id: $id, description: "x" }) { userErrors { code } } }',
        { id: c.id },
      );
      expect(
        res.body.data?.updateClient.userErrors.map((e) => e.code),
        c.id,
      ).toEqual(c.readOnly ? ['FORBIDDEN'] : []);
    }
  });
});
