import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';

/**
 * An invalid value deep in a variable names where it is (`ids[17]`), never what it is; an invalid literal names its
 * line and column. Through the whole app: Apollo's error handling and the facade's formatter.
 */
describe('errors name where the invalid input is, never the value', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  }, 30_000);
  afterAll(async () => t?.close());

  const BATCH = 'query Batch($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id } }';

  it('an invalid id in a variable list names its index', async () => {
    const ids = syntheticPersonIdentifiers(40);
    const bad = `${ids[17]?.slice(0, 10)}0`.replace(/0$/, ids[17]?.endsWith('0') ? '1' : '0');
    ids[17] = bad;
    const res = await t.graphql(BATCH, { ids });
    expect(res.body.errors).toHaveLength(1);
    const [err] = res.body.errors ?? [];
    expect(err?.message).toBe(
      'Variable "$ids" has an invalid value at ids[17]: Not a valid personal identifier: expected 11 digits with valid ' +
        'mod-11 check digits (fødselsnummer, D-, H- or synthetic number).',
    );
    expect(err?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(res.body)).not.toContain(bad);
  });

  it('a value that imitates a path cannot move the index', async () => {
    const ids = ['x at "ids[999]"; ', '11822648950'];
    const res = await t.graphql(BATCH, { ids });
    expect(res.body.errors?.[0]?.message).toMatch(/^Variable "\$ids" has an invalid value at ids\[0\]: Not a valid/);
    expect(JSON.stringify(res.body)).not.toContain('999');
  });

  it('a wrong type deep in an input object names its path', async () => {
    const res = await t.graphql(
      'mutation Update($input: UpdateClientInput!) { updateClient(input: $input) { userErrors { field } } }',
      { input: { id: 'oidc_eksempel_klient', redirectUris: ['https://a.example.no/cb', 'not a url'] } },
    );
    const message = res.body.errors?.[0]?.message ?? '';
    expect(message).toMatch(/^Variable "\$input" has an invalid value at input\.redirectUris\[1\]: Not a valid URL/);
    expect(message).not.toContain('not a url');
  });

  it('a whole variable that is wrong names no path', async () => {
    const res = await t.graphql('query One($id: PersonIdentifier!) { person(id: $id) { id } }', { id: '12345678901' });
    expect(res.body.errors?.[0]?.message).toMatch(/^Variable "\$id" has an invalid value: Not a valid personal/);
    expect(JSON.stringify(res.body)).not.toContain('12345678901');
  });

  it('an invalid literal carries its location, not its value', async () => {
    const res = await t.graphql('{\n  persons(ids: ["11822648950",\n    "12345678901"]) { id }\n}');
    const [err] = (res.body.errors ?? []) as { message: string; locations?: unknown; extensions?: { code?: string } }[];
    expect(err?.message).toMatch(/^Not a valid personal identifier: expected 11 digits/);
    expect(err?.locations).toEqual([{ line: 3, column: 5 }]);
    expect(err?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(res.body)).not.toContain('12345678901');
  });
});
