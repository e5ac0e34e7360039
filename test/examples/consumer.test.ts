import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import config from '../../examples/consumer/codegen.js';
import { documentHash, execute, executePersisted } from '../../examples/consumer/src/client.js';
import type { PersonContactQuery as PersonContactResult } from '../../examples/consumer/src/gql/graphql.js';
import {
  AddClientJwkMutation,
  ClientKeysQuery,
  PersonContactQuery,
  PersonsContactQuery,
} from '../../examples/consumer/src/operations.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const CONSUMER = fileURLToPath(new URL('../../examples/consumer/', import.meta.url));
const GQL = join(CONSUMER, 'src/gql');
const MANIFEST = join(GQL, 'persisted-documents.json');

const PERSON = '11822648950';
const EXAMPLE_CLIENT = 'oidc_eksempel_klient';
const MASKINPORTEN_CLIENT = '3f6a2c1e-8b4d-4f7a-9c2e-1d5b7a9e0c41';
const MASKINPORTEN_KID = 'sandbox-maskinporten-key-1';

describe('examples/consumer generated code', () => {
  it('is fresh: the client preset on schema/ and src/operations.ts gives exactly the committed src/gql/', async () => {
    const outputs: { filename: string; content: string }[] = await generate({ ...config, silent: true }, false);
    const generated = new Map(outputs.map((o) => [relative(GQL, join(CONSUMER, o.filename)), o.content]));
    expect([...generated.keys()].sort()).toEqual(
      ['gql.ts', 'graphql.ts', 'index.ts', 'persisted-documents.json'].sort(),
    );
    // Nothing stale left behind either: the directory holds exactly what codegen writes.
    expect(readdirSync(GQL).sort()).toEqual([...generated.keys()].sort());
    for (const [file, content] of generated) {
      const fresh = content === readFileSync(join(GQL, file), 'utf8');
      expect(fresh, `examples/consumer/src/gql/${file} is stale: run \`npm run examples:codegen\``).toBe(true);
    }
  }, 60_000);

  it('embeds the sha256 hash of each persisted document in the document (`__meta__.hash`)', () => {
    const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
    for (const document of [PersonContactQuery, PersonsContactQuery, ClientKeysQuery, AddClientJwkMutation]) {
      expect(manifest[documentHash(document)]).toMatch(/^(query|mutation) /);
    }
    expect(Object.keys(manifest)).toHaveLength(4);
  });
});

describe('typed operations against the sandbox', () => {
  let t: TestApp;
  let endpoint: string;

  beforeAll(async () => {
    // The seeded Maskinporten client holds KRR scopes, which make it read-only through the facade by default
    // (ADMIN_ALLOWED_SCOPES): this facade is configured to manage it, so the example can add a key to it.
    t = await startTestApp({ ADMIN_ALLOWED_SCOPES: '*' });
    endpoint = `${t.url}/graphql`;
  });
  afterAll(async () => {
    await t.close();
  });

  it('looks up a person, typed from the document', async () => {
    const res = await execute(endpoint, await t.token(), PersonContactQuery, { id: PERSON });
    expect(res.errors).toBeUndefined();
    expect(res.status).toBe(200);

    // The result type comes from the document: no hand-written types.
    expectTypeOf(res.data).toEqualTypeOf<PersonContactResult | null | undefined>();
    const status: 'ACTIVE' | 'DELETED' | 'NOT_REGISTERED' | undefined = res.data?.person?.status;
    const stale: boolean | undefined = res.data?.person?.email?.stale;
    const mobile: string | undefined = res.data?.person?.mobilePhone?.value;
    expect(status).toBe('ACTIVE');
    expect(stale).toBe(false);
    expect(mobile).toMatch(/^\+47\d{8}$/);
    expect(res.data?.person).toMatchObject({ id: PERSON, reserved: false, mobilePhone: { stale: false } });
  });

  it('looks up persons in a batch, in the order asked', async () => {
    const ids = ['11822648950', '17894199350', '11887197158'];
    const res = await execute(endpoint, await t.token(), PersonsContactQuery, { ids });
    expect(res.errors).toBeUndefined();
    const persons = res.data?.persons ?? [];
    expect(persons.map((p) => p?.id)).toEqual(ids);
    expect(persons.map((p) => p?.status)).toEqual(['ACTIVE', 'DELETED', 'ACTIVE']);
    expect(persons[2]?.email?.stale).toBe(true);
    expect(persons[2]?.notificationStatus).toBe('CANNOT_BE_NOTIFIED');
  });

  it('reads a client with its keys', async () => {
    const token = await t.token();
    const example = await execute(endpoint, token, ClientKeysQuery, { id: EXAMPLE_CLIENT });
    expect(example.errors).toBeUndefined();
    expect(example.data?.client).toMatchObject({ id: EXAMPLE_CLIENT, integrationType: 'IDPORTEN' });

    const res = await execute(endpoint, token, ClientKeysQuery, { id: MASKINPORTEN_CLIENT });
    expect(res.errors).toBeUndefined();
    const client = res.data?.client;
    expect(client).toMatchObject({ id: MASKINPORTEN_CLIENT, integrationType: 'MASKINPORTEN' });
    const kids: string[] = client?.jwks?.keys.map((k) => k.kid) ?? [];
    expect(kids).toEqual([MASKINPORTEN_KID]);
  });

  it('adds a key with the typed mutation, and reads business errors from userErrors', async () => {
    const token = await t.token();
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' });
    const key = { kid: 'consumer-example-key', kty: 'RSA', alg: 'RS256', use: 'sig', n: jwk.n!, e: jwk.e! };

    const added = await execute(endpoint, token, AddClientJwkMutation, {
      input: { clientId: MASKINPORTEN_CLIENT, key },
    });
    expect(added.errors).toBeUndefined();
    expect(added.data?.addClientJwk?.userErrors).toEqual([]);
    expect(added.data?.addClientJwk?.jwks?.keys.map((k) => k.kid).sort()).toEqual(
      [MASKINPORTEN_KID, 'consumer-example-key'].sort(),
    );

    const again = await execute(endpoint, token, AddClientJwkMutation, {
      input: { clientId: MASKINPORTEN_CLIENT, key },
    });
    expect(again.errors).toBeUndefined();
    const codes: ('INVALID' | 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN' | 'LIMIT_EXCEEDED')[] =
      again.data?.addClientJwk?.userErrors.map((e) => e.code) ?? [];
    expect(codes).toEqual(['CONFLICT']);
    expect(again.data?.addClientJwk?.userErrors[0]?.field).toEqual(['input', 'key', 'kid']);
    expect(again.data?.addClientJwk?.jwks).toBeNull();
  });
});

describe('trusted documents: the generated persisted-documents.json as TRUSTED_DOCUMENTS_FILE', () => {
  let t: TestApp;
  let endpoint: string;

  beforeAll(async () => {
    t = await startTestApp({ TRUSTED_DOCUMENTS_FILE: MANIFEST });
    endpoint = `${t.url}/graphql`;
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs the person query by its hash alone', async () => {
    const res = await executePersisted(endpoint, await t.token(), PersonContactQuery, { id: PERSON });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    const stale: boolean | undefined = res.data?.person?.email?.stale;
    expect(res.data?.person?.status).toBe('ACTIVE');
    expect(stale).toBe(false);
  });

  it('runs the client keys query by its hash alone', async () => {
    const res = await executePersisted(endpoint, await t.token(), ClientKeysQuery, { id: MASKINPORTEN_CLIENT });
    expect(res.errors).toBeUndefined();
    expect(res.data?.client?.jwks?.keys.map((k) => k.kid)).toEqual([MASKINPORTEN_KID]);
  });

  it('refuses a document that is not in the manifest with HTTP 400', async () => {
    const unlisted = parse('query Unlisted { clients { id name } }') as TypedDocumentNode<
      { clients: { id: string; name: string | null }[] | null },
      Record<string, never>
    >;
    const res = await execute(endpoint, await t.token(), unlisted, {});
    expect(res.status).toBe(400);
    expect(res.data ?? undefined).toBeUndefined();
    expect(res.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_ALLOWED');
  });
});

/** Never called: each line below must be a compile error (tsc fails on an unused @ts-expect-error). */
async function _wrongUsesDoNotCompile(url: string, token: string): Promise<void> {
  // @ts-expect-error the variable is a PersonIdentifier (string), not a number
  await execute(url, token, PersonContactQuery, { id: 11822648950 });
  // @ts-expect-error `id` is required
  await execute(url, token, PersonContactQuery, {});
  const res = await execute(url, token, PersonContactQuery, { id: PERSON });
  // @ts-expect-error `language` is not selected by the document
  void res.data?.person?.language;
  // @ts-expect-error `stale` is a boolean
  const _stale: string | undefined = res.data?.person?.email?.stale;
  // @ts-expect-error the mutation takes `input`
  await execute(url, token, AddClientJwkMutation, { clientId: MASKINPORTEN_CLIENT });
}
