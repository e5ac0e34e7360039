import { afterEach, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

it('AUTH_SCOPE_PREFIX: prefixed scopes, as Entra or Maskinporten issue them, grant the facade scope', async () => {
  t = await startTestApp({ AUTH_SCOPE_PREFIX: 'api://facade/, myorg:facade/' });
  const person = '{ person(id: "11822648950") { status } }';
  for (const scope of ['api://facade/contactinfo.read', 'myorg:facade/contactinfo.read', 'contactinfo.read']) {
    const res = await t.graphql(person, undefined, { scope });
    expect(res.body, scope).toEqual({ data: { person: { status: 'ACTIVE' } } });
  }
  const other = await t.graphql(person, undefined, { scope: 'api://other/contactinfo.read' });
  expect(other.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
});
