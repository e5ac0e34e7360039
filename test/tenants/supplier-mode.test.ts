/**
 * Supplier mode through real HTTP: callers of two customer organisations (the sandbox's seeded tenants, one by Altinn
 * delegation, one by onbehalfof registration) and of the facade's own organisation, concurrently. Each KRR call carries
 * one legal consumer's token and only its persons; refusals stay with their tenant; audit lines name the consumer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SANDBOX_CLIENT_ID, SANDBOX_CUSTOMERS, SANDBOX_ORGNO } from '../../src/sandbox/index.js';
import { syntheticPersonIdentifiers } from '../../src/sandbox/krr-seed.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const DELEGATING = SANDBOX_CUSTOMERS.delegating.orgno; // consumer_org
const REGISTERED = SANDBOX_CUSTOMERS.onBehalfOf.orgno; // iss_onbehalfof
const ALL_SCOPES = 'contactinfo.read digitalpost.read clients.read clients.write onbehalfof.write';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function tokenFor(app: TestApp, tenant?: string, scope = ALL_SCOPES): Promise<string> {
  const res = await fetch(`${app.url}/sandbox/caller-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scope, ...(tenant ? { tenant } : {}) }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

interface Result {
  status: number;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[];
  };
}

async function ask(
  app: TestApp,
  token: string,
  query: string,
  variables?: unknown,
  headers: Record<string, string> = {},
): Promise<Result> {
  const res = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as Result['body'] };
}

const PERSONS = 'query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id status } }';

describe('supplier mode', () => {
  it('keeps every KRR call to one legal consumer, with only its persons, under concurrent callers', async () => {
    t = await startTestApp({ KRR_BATCH_WINDOW_MS: '50', KRR_BATCH_WINDOW_MODE: 'always' });
    const app = t;
    const [own, delegating, registered] = await Promise.all([
      tokenFor(app),
      tokenFor(app, DELEGATING),
      tokenFor(app, REGISTERED),
    ]);
    const ids: Record<string, string[]> & { own: string[] } = {
      own: syntheticPersonIdentifiers(20, 3000),
      [DELEGATING]: syntheticPersonIdentifiers(20, 3100),
      [REGISTERED]: syntheticPersonIdentifiers(20, 3200),
    };
    const before = app.sandbox.krr.requests.length;
    const results = await Promise.all(
      [0, 1, 2, 3].flatMap((round) => [
        ask(app, own, PERSONS, { ids: ids.own.slice(round * 5, round * 5 + 5) }),
        ask(app, delegating, PERSONS, { ids: ids[DELEGATING]!.slice(round * 5, round * 5 + 5) }),
        ask(app, registered, PERSONS, { ids: ids[REGISTERED]!.slice(round * 5, round * 5 + 5) }),
      ]),
    );
    for (const r of results) {
      expect(r.body.errors).toBeUndefined();
      expect((r.body.data?.persons as unknown[]).length).toBe(5);
    }
    const calls = app.sandbox.krr.requests.slice(before);
    expect(new Set(calls.map((c) => c.consumer))).toEqual(new Set([SANDBOX_ORGNO, DELEGATING, REGISTERED]));
    for (const call of calls) {
      const mine = call.consumer === SANDBOX_ORGNO ? ids.own : ids[call.consumer as string];
      expect(
        call.ids.every((id) => mine?.includes(id)),
        `${call.consumer}: ${call.ids.length} ids`,
      ).toBe(true);
      expect(call.supplier).toBe(call.consumer === SANDBOX_ORGNO ? undefined : SANDBOX_ORGNO);
    }
    // Batching still works within a consumer: far fewer calls than requests.
    expect(calls.length).toBeLessThan(results.length);

    const audit = (await app.auditRecords()).filter((r) => r.type === 'person_revealed');
    const byPerson = new Map(audit.map((r) => [r.personId as string, r]));
    expect(byPerson.get(ids[DELEGATING]![0]!)).toMatchObject({ consumer: DELEGATING, supplier: SANDBOX_ORGNO });
    expect(byPerson.get(ids[REGISTERED]![0]!)).toMatchObject({ consumer: REGISTERED, supplier: SANDBOX_ORGNO });
    expect(byPerson.get(ids.own[0]!)).toMatchObject({ consumer: SANDBOX_ORGNO });
    expect(byPerson.get(ids.own[0]!)?.supplier).toBeUndefined();

    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`facade_persons_looked_up_total\\{consumer="${DELEGATING}"\\} 20`));
  });

  it('fails only the tenant whose Altinn delegation is missing, with the MP code and what to fix', async () => {
    t = await startTestApp();
    const app = t;
    app.sandbox.maskinporten.revokeDelegation(DELEGATING, SANDBOX_ORGNO);
    const [own, delegating, registered] = await Promise.all([
      tokenFor(app),
      tokenFor(app, DELEGATING),
      tokenFor(app, REGISTERED),
    ]);
    const person = '{ person(id: "11822648950") { status } }';
    const [a, b, c] = await Promise.all([
      ask(app, delegating, person),
      ask(app, registered, person),
      ask(app, own, person),
    ]);
    expect(a.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', mpCode: 'MP-251' });
    expect(a.body.errors?.[0]?.message).toMatch(
      new RegExp(`${DELEGATING} must delegate .* to ${SANDBOX_ORGNO} in Altinn`),
    );
    expect(b.body).toEqual({ data: { person: { status: 'ACTIVE' } } });
    expect(c.body).toEqual({ data: { person: { status: 'ACTIVE' } } });
  });

  it('follows onbehalfof registrations changed through the facade: delete → refused, create → looked up again', async () => {
    t = await startTestApp();
    const app = t;
    const [registered, admin] = await Promise.all([tokenFor(app, REGISTERED), tokenFor(app)]);
    const person = '{ person(id: "22859197810") { status } }';
    expect((await ask(app, registered, person)).body).toEqual({ data: { person: { status: 'ACTIVE' } } });

    const deleted = await ask(
      app,
      admin,
      `mutation($input: DeleteOnBehalfOfInput!) { deleteOnBehalfOf(input: $input) { deletedId userErrors { message } } }`,
      { input: { clientId: SANDBOX_CLIENT_ID, id: 'annen-kommune' } },
    );
    expect(deleted.body.data).toEqual({ deleteOnBehalfOf: { deletedId: 'annen-kommune', userErrors: [] } });
    const refused = await ask(app, registered, person);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_AUTH_FAILED',
      oauthError: 'invalid_grant',
    });
    expect(refused.body.errors?.[0]?.message).toMatch(/onbehalfof registration "annen-kommune"/);

    const created = await ask(
      app,
      admin,
      `mutation($input: CreateOnBehalfOfInput!) { createOnBehalfOf(input: $input) { onBehalfOf { id } userErrors { message } } }`,
      {
        input: {
          clientId: SANDBOX_CLIENT_ID,
          id: 'annen-kommune',
          name: 'Annen kommune',
          organizationNumber: REGISTERED,
        },
      },
    );
    expect(created.body.data).toEqual({ createOnBehalfOf: { onBehalfOf: { id: 'annen-kommune' }, userErrors: [] } });
    expect((await ask(app, registered, person)).body).toEqual({ data: { person: { status: 'ACTIVE' } } });
  });

  it("gives a customer's caller no client administration: it cannot move another customer's legal basis", async () => {
    t = await startTestApp();
    const app = t;
    const [delegating, registered] = await Promise.all([tokenFor(app, DELEGATING), tokenFor(app, REGISTERED)]);
    const adminCallsBefore = app.sandbox.admin.requests.length;
    // The attack: point the other customer's onbehalfof registration at this customer's organisation.
    const moved = await ask(
      app,
      delegating,
      `mutation($input: UpdateOnBehalfOfInput!) { updateOnBehalfOf(input: $input) { onBehalfOf { id } userErrors { code } } }`,
      { input: { clientId: SANDBOX_CLIENT_ID, id: 'annen-kommune', organizationNumber: DELEGATING } },
    );
    expect(moved.body.data).toEqual({ updateOnBehalfOf: null });
    expect(moved.body.errors?.[0]).toMatchObject({
      path: ['updateOnBehalfOf'],
      extensions: { code: 'FORBIDDEN' },
      message: expect.stringContaining(`acts for customer ${DELEGATING}`),
    });
    for (const query of [
      `{ clients { id } }`,
      `{ client(id: "${SANDBOX_CLIENT_ID}") { id } }`,
      `{ onBehalfOf(clientId: "${SANDBOX_CLIENT_ID}", id: "annen-kommune") { organizationNumber } }`,
    ]) {
      const read = await ask(app, registered, query);
      expect(read.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    }
    const deleted = await ask(
      app,
      registered,
      `mutation { deleteOnBehalfOf(input: { clientId: "${SANDBOX_CLIENT_ID}", id: "annen-kommune" }) { deletedId } }`,
    );
    expect(deleted.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(app.sandbox.admin.requests.length).toBe(adminCallsBefore);

    // The other customer's look-ups are still made on its own legal basis, and audited so.
    const before = app.sandbox.krr.requests.length;
    const person = await ask(app, registered, '{ person(id: "22859197810") { status } }');
    expect(person.body).toEqual({ data: { person: { status: 'ACTIVE' } } });
    expect(app.sandbox.krr.requests.slice(before).map((c) => c.consumer)).toEqual([REGISTERED]);
  });

  it('tells callers who they act for (Query.me), and no argument, alias or header changes it', async () => {
    t = await startTestApp();
    const app = t;
    const me = '{ me { subject clientId scopes actingFor { organizationNumber name via onBehalfOf } } }';
    const delegating = await tokenFor(app, DELEGATING, 'contactinfo.read');
    const result = await ask(app, delegating, me, undefined, { 'x-tenant': REGISTERED, 'x-consumer-org': REGISTERED });
    expect(result.body.data?.me).toMatchObject({
      scopes: ['contactinfo.read'],
      actingFor: { organizationNumber: DELEGATING, name: 'Eksempel kommune', via: 'CONSUMER_ORG', onBehalfOf: null },
    });
    const registered = await ask(app, await tokenFor(app, REGISTERED), `{ who: me { actingFor { via onBehalfOf } } }`);
    expect(registered.body.data).toEqual({ who: { actingFor: { via: 'ONBEHALFOF', onBehalfOf: 'annen-kommune' } } });
    const own = await ask(app, await tokenFor(app), '{ me { actingFor { organizationNumber via } } }');
    expect(own.body.data).toEqual({ me: { actingFor: { organizationNumber: SANDBOX_ORGNO, via: 'OWN' } } });

    // Headers and aliases do not move a look-up to another customer.
    const before = app.sandbox.krr.requests.length;
    await ask(app, delegating, '{ other: person(id: "11822648950") { status } }', undefined, {
      'x-tenant': REGISTERED,
    });
    expect(app.sandbox.krr.requests.slice(before).map((c) => c.consumer)).toEqual([DELEGATING]);
  });

  it('refuses a token naming an organisation that is not a customer, and with TENANT_REQUIRED a token naming none', async () => {
    t = await startTestApp({ TENANT_REQUIRED: 'true' });
    const app = t;
    const stranger = await ask(app, await tokenFor(app, '984661185'), '{ me { subject } }');
    expect(stranger.status).toBe(403);
    expect(stranger.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const none = await ask(app, await tokenFor(app), '{ person(id: "11822648950") { status } }');
    expect(none.status).toBe(403);
    expect(app.sandbox.krr.requests.length).toBe(0);
    const customer = await ask(app, await tokenFor(app, REGISTERED), '{ person(id: "11822648950") { status } }');
    expect(customer.body).toEqual({ data: { person: { status: 'ACTIVE' } } });
  });
});
