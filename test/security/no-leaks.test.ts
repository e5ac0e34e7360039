import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SCOPES, SANDBOX_ORGNO } from '../../src/sandbox/index.js';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type GraphQLResponse, type TestApp } from '../helpers/app.js';

/**
 * One whole session with successes and failures at trace level, then a scan of everything that is not the audit
 * log: normal log lines, metrics and every error the caller saw.
 */
let t: TestApp;
const responses: GraphQLResponse['body'][] = [];
const secrets: string[] = [];
const personIds = ['11822648950', '22859197810', '17894199350', ...syntheticPersonIdentifiers(1200, 9000)];

async function run(query: string, variables?: Record<string, unknown>, scope?: string) {
  const res = await t.graphql(query, variables, scope ? { scope } : {});
  responses.push(res.body);
  return res.body;
}

beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: 'trace' });
  const persons = `query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id status email { value } digitalMailbox { address } } }`;
  await run(persons, { ids: personIds });
  await run(`{ person(id: "11822648951") { id } }`); // invalid literal
  // An operation name that holds an id, which the access log names (a line written without path redaction).
  const named = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await t.token()}` },
    body: JSON.stringify({
      query: `query Lookup_11822648950 { person(id: "11822648950") { status } }`,
      operationName: 'Lookup_11822648950',
    }),
  });
  responses.push((await named.json()) as GraphQLResponse['body']);
  // The same id as people write it, where a caller puts free text: the body's operationName (logged as sent), its
  // x-request-id, a refused token's claims, a Content-Encoding, values the schema refuses.
  const spaced = '118226 48950';
  const fullWidth = '１１８２２６４８９５０';
  const oddForms = [
    'Q118226\t48950',
    'Q118226\u200b48950',
    'Lookup_118226__48950',
    'r118226.48950',
    '118226\u00ad48950',
  ];
  for (const operationName of [`Oppslag ${spaced}`, fullWidth, 'Oppslag_118226_48950', ...oddForms]) {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await t.token()}`,
        'x-request-id': operationName === fullWidth ? 'r118226.48950' : '118226-48950',
      },
      body: JSON.stringify({ query: `{ __typename }`, operationName }),
    });
    responses.push((await res.json()) as GraphQLResponse['body']);
  }
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const forged = [
    b64({ alg: 'RS256', kid: 'unknown-key', typ: 'JWT' }),
    b64({
      iss: 'https://idp.example/118226-48950',
      aud: `api ${spaced}`,
      client_id: `klient ${b64({ alg: 'RS256' })}.${b64({ sub: 'someone' })}.c2lnbmF0dXJl`,
      exp: Math.floor(Date.now() / 1000) + 60,
    }),
    'c2lnbmF0dXJl',
  ].join('.');
  const refused = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${forged}` },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  responses.push((await refused.json()) as GraphQLResponse['body']);
  const encoded = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'content-encoding': 'x11822648950',
      authorization: `Bearer ${await t.token()}`,
    },
    body: '{}',
  });
  responses.push((await encoded.json()) as GraphQLResponse['body']);
  await run(`{ clients(filter: { active: "${spaced}" }) { id } }`);
  await run(`query($f: ClientFilter) { clients(filter: $f) { id } }`, { f: { [spaced]: true } });
  await run(persons, { ids: ['11822648950', '11822648951'] }); // invalid variable
  t.sandbox.krr.failNext(500, 1);
  await run(persons, { ids: personIds });
  t.sandbox.krr.failNext(401, 1);
  await run(`{ person(id: "11822648950") { status } }`);
  await run(`{ person(id: "11822648950") { status } }`, undefined, 'clients.read'); // forbidden

  const created = (await run(
    `mutation($input: CreateClientInput!) { createClient(input: $input) { client { id } clientSecret userErrors { message } } }`,
    {
      input: {
        name: 'Leak check',
        integrationType: 'IDPORTEN',
        applicationType: 'WEB',
        tokenEndpointAuthMethod: 'CLIENT_SECRET_POST',
        grantTypes: ['AUTHORIZATION_CODE'],
        redirectUris: ['https://leak.example.no/cb'],
      },
    },
  )) as { data: { createClient: { client: { id: string }; clientSecret: string } } };
  secrets.push(created.data.createClient.clientSecret);
  const rotated = (await run(
    `mutation { rotateClientSecret(input: { id: "${created.data.createClient.client.id}" }) { clientSecret } }`,
  )) as { data: { rotateClientSecret: { clientSecret: string } } };
  secrets.push(rotated.data.rotateClientSecret.clientSecret);
  await run(
    `mutation { updateClient(input: { id: "${created.data.createClient.client.id}", redirectUris: ["http://plain.example.no"] }) { userErrors { message field } } }`,
  );
  t.sandbox.admin.failNext(503, 1);
  await run(`{ clients { id } }`);

  // Maskinporten refuses a scope: the token failure is logged
  t.sandbox.maskinporten.registerClient({
    clientId: SANDBOX_CLIENT_ID,
    orgno: SANDBOX_ORGNO,
    scopes: SANDBOX_CLIENT_SCOPES.filter((s) => s !== 'krr:global/digitalpost.read'),
  });
  t.sandbox.krr.failNext(401, 1); // drops the cached token; the new one is refused
  await run(`{ person(id: "22859197810") { digitalMailbox { address } } }`);
}, 60_000);

afterAll(async () => {
  await t.close();
});

describe('no personal data or secrets where they do not belong', () => {
  it('ran a scenario that produced errors and log lines', () => {
    const codes = responses.flatMap((r) => r.errors ?? []).map((e) => e.extensions?.code);
    expect(codes).toEqual(
      expect.arrayContaining(['BAD_USER_INPUT', 'UPSTREAM_UNAVAILABLE', 'FORBIDDEN', 'UPSTREAM_AUTH_FAILED']),
    );
    expect(secrets.every((s) => typeof s === 'string' && s.length > 10)).toBe(true);
    expect(t.logLines.length).toBeGreaterThan(10);
    expect(t.logLines.join('\n')).toContain('"msg":"graphql request"');
  });

  it('keeps them out of every normal log line, metric and error message', async () => {
    // Metric values may be long numbers (bytes); labels are what must never carry personal data.
    const metricLabels = ((await (await fetch(`${t.url}/metrics`)).text()).match(/\{[^}]*\}/g) ?? []).join('\n');
    const errors = JSON.stringify(responses.flatMap((r) => r.errors ?? []));
    const callerToken = await t.token();
    const keyBody = t.sandbox.enterprise.keyPem.split('\n')[5] ?? 'unused';
    const places: [string, string][] = [
      ['log', t.logLines.join('\n')],
      ['metric labels', metricLabels],
      ['errors', errors],
    ];
    for (const [where, text] of places) {
      // An 11-digit number standing alone (not a run inside a request id's hex, which is random and may hold one).
      expect(text, `a personal id in ${where}`).not.toMatch(/(?<![\w-])\d{11}(?![\w-])/);
      for (const id of personIds.slice(0, 3)) expect(text).not.toContain(id);
      for (const form of ['118226 48950', '118226-48950', '118226_48950', '１１８２２６４８９５０']) {
        expect(text, `"${form}" in ${where}`).not.toContain(form);
      }
      // And as a JSON line writes them (a tab as \t), or with an invisible character, two separators, a dot.
      for (const form of [
        '118226\\t48950',
        '118226\u200b48950',
        '118226__48950',
        '118226.48950',
        '118226\u00ad48950',
      ]) {
        expect(text, `${JSON.stringify(form)} in ${where}`).not.toContain(form);
      }
      for (const secret of secrets) expect(text, `a client secret in ${where}`).not.toContain(secret);
      expect(text, `a JWT in ${where}`).not.toMatch(/eyJ[\w-]{10,}\.eyJ[\w-]{10,}\./);
      expect(text, `a JWT header in ${where}`).not.toMatch(/eyJ[\w-]{10,}\./);
      expect(text).not.toContain(callerToken);
      expect(text, `private key material in ${where}`).not.toMatch(/PRIVATE KEY/);
      expect(text).not.toContain(keyBody);
    }
  });

  it('writes the personal ids to the audit log only', async () => {
    const records = await t.auditRecords();
    expect(records.map((r) => r.personId)).toEqual(expect.arrayContaining(personIds.slice(0, 3)));
  });
});
