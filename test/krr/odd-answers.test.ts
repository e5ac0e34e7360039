/**
 * KRR answers that an independently written KRR (or a proxy in front of it) may send, beyond what the sandbox's
 * simulator sends: found by a red-team run against a fake KRR. A proxy in front of the sandbox's KRR rewrites its real
 * answers; a second facade, configured as against Digdir, reads KRR through it. Whatever KRR sends, the facade shows no
 * contact point the register says must not be used, and never shows a person it could not read as not registered.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startBehindKrrProxy, type BehindKrrProxy, type KrrProxy, type Mode } from '../helpers/krr-proxy.js';

type Person = Record<string, unknown> & { personidentifikator?: unknown; kontaktinformasjon?: Record<string, unknown> };
/** How the proxy changes KRR's `personer` before sending the answer on. */
type Rewrite = (personer: Person[]) => unknown[];

const AS_IS: Rewrite = (personer) => personer;
let rewrite: Rewrite = AS_IS;

/** The proxy's mode: KRR's answer with `rewrite` applied to its persons. */
const rewriting: Mode = (answer, status) => {
  if (status !== 200) return { body: answer, status };
  const parsed = JSON.parse(answer.toString('utf8')) as { personer: Person[] };
  return { body: Buffer.from(JSON.stringify({ personer: rewrite(parsed.personer) })), status };
};

let setup: BehindKrrProxy;
let origin: TestApp;
let facade: TestApp;
let proxy: KrrProxy;

beforeAll(async () => {
  setup = await startBehindKrrProxy(rewriting);
  ({ origin, facade, proxy } = setup);
});

afterAll(async () => {
  await setup?.close();
});

beforeEach(() => {
  rewrite = AS_IS;
});

const FRESH = '11822648950';
const DIGIPOST = '22859197810';
const QUERY = `query Persons($ids: [PersonIdentifier!]!) {
  persons(ids: $ids) {
    id status reserved notificationStatus
    email { value stale updatedAt }
    mobilePhone { value stale }
    digitalMailbox { address }
  }
}`;

interface PersonAnswer {
  id: string;
  status: string;
  reserved: boolean | null;
  notificationStatus: string | null;
  email: { value: string; stale: boolean; updatedAt: string | null } | null;
  mobilePhone: { value: string; stale: boolean } | null;
  digitalMailbox: { address: string } | null;
}

async function persons(ids: string[]) {
  const res = await facade.graphql<{ persons: (PersonAnswer | null)[] }>(QUERY, { ids });
  return res.body;
}

/** Every person as KRR sent it, with `change` applied to the one with id `id`. */
const changing =
  (id: string, change: (person: Person) => Person): Rewrite =>
  (personer) =>
    personer.map((p) => (p.personidentifikator === id ? change(p) : p));

describe('a person KRR calls deleted or unregistered', () => {
  it('has no contact points, mailbox or notification, even when KRR sent them', async () => {
    for (const [status, expected] of [
      ['SLETTET', 'DELETED'],
      ['IKKE_REGISTRERT', 'NOT_REGISTERED'],
    ]) {
      rewrite = changing(DIGIPOST, (p) => ({ ...p, status, varslingsstatus: 'KAN_VARSLES' }));
      const body = await persons([DIGIPOST]);
      expect(body.errors, status).toBeUndefined();
      expect(body.data?.persons[0], status).toMatchObject({
        id: DIGIPOST,
        status: expected,
        notificationStatus: 'CANNOT_BE_NOTIFIED',
        email: null,
        mobilePhone: null,
        digitalMailbox: null,
      });
    }
  });
});

describe("KRR's codes", () => {
  it('are read whatever their case or surrounding spaces', async () => {
    rewrite = changing(FRESH, (p) => ({ ...p, status: ' slettet ' }));
    expect((await persons([FRESH])).data?.persons[0]).toMatchObject({ status: 'DELETED', email: null });
    rewrite = changing(FRESH, (p) => ({
      ...p,
      status: 'aktiv',
      reservasjon: 'ja',
      varslingsstatus: 'kan_ikke_varsles',
    }));
    expect((await persons([FRESH])).data?.persons[0]).toMatchObject({
      status: 'ACTIVE',
      reserved: true,
      notificationStatus: 'CANNOT_BE_NOTIFIED',
    });
  });
});

describe('times KRR sends as numbers', () => {
  it('reads epoch milliseconds as milliseconds: a contact point updated years ago is stale', async () => {
    // 2023-11-01T12:00:00Z, as Jackson writes a java.util.Date by default.
    const millis = Date.UTC(2023, 10, 1, 12);
    rewrite = changing(FRESH, (p) => ({
      ...p,
      kontaktinformasjon: {
        ...p.kontaktinformasjon,
        epostadresse_oppdatert: millis,
        epostadresse_sist_verifisert: millis,
      },
    }));
    const body = await persons([FRESH]);
    expect(body.errors).toBeUndefined();
    expect(body.data?.persons[0]?.email).toMatchObject({ stale: true, updatedAt: '2023-11-01T12:00:00.000Z' });
  });
});

describe('an answer the facade cannot fully read', () => {
  it('fails a person KRR answered twice with different data, and only that person', async () => {
    rewrite = (personer) => [
      ...personer,
      ...personer
        .filter((p) => p.personidentifikator === FRESH)
        .map((p) => ({ ...p, reservasjon: p.reservasjon === 'JA' ? 'NEI' : 'JA' })),
    ];
    const body = await persons([FRESH, DIGIPOST]);
    expect(body.data?.persons[0]).toBeNull();
    expect(body.data?.persons[1]).toMatchObject({ id: DIGIPOST, status: 'ACTIVE' });
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]).toMatchObject({
      path: ['persons', 0],
      extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: 'krr' },
    });
    expect(body.errors?.[0]?.message).toMatch(/could not read \(two different records for this person\)/);
    expect(JSON.stringify(body.errors)).not.toContain(FRESH);
  });

  it('answers a person KRR sent twice the same way once', async () => {
    rewrite = (personer) => [...personer, ...personer];
    const body = await persons([FRESH, DIGIPOST]);
    expect(body.errors).toBeUndefined();
    expect(body.data?.persons.map((p) => p?.status)).toEqual(['ACTIVE', 'ACTIVE']);
  });

  it('does not call a person not registered when a record without a readable id came instead', async () => {
    for (const unreadable of [
      (p: Person) => ({ ...p, personidentifikator: Number(p.personidentifikator) }),
      (p: Person) => ({ ...p, personidentifikator: undefined }),
      () => null,
      () => 'a person',
      // Strings that name no one: a leading digit dropped (as a number would lose a leading zero), a space, a word.
      (p: Person) => ({ ...p, personidentifikator: String(p.personidentifikator).slice(1) }),
      (p: Person) => ({ ...p, personidentifikator: `${String(p.personidentifikator)} ` }),
      (p: Person) => ({ ...p, personidentifikator: 'ukjent' }),
    ]) {
      rewrite = changing(FRESH, unreadable as (p: Person) => Person);
      const body = await persons([FRESH, DIGIPOST]);
      expect(body.data?.persons[0]).toBeNull();
      expect(body.data?.persons[1]).toMatchObject({ id: DIGIPOST, status: 'ACTIVE' });
      expect(body.errors?.[0]).toMatchObject({ path: ['persons', 0], extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
      expect(body.errors?.[0]?.message).toMatch(/could not read \(a record without a readable id\)/);
    }
  });

  it('fails only that person when its two copies are nested too deep to compare', async () => {
    // Written as text: JSON.parse reads any depth, JSON.stringify and a recursive comparison do not.
    const deep = `${'{"n":'.repeat(20_000)}0${'}'.repeat(20_000)}`;
    proxy.mode = (answer, status, headers) => {
      const text = rewriting(answer, status, headers).body.toString('utf8');
      return { body: Buffer.from(text.replaceAll('"DEEP"', deep)), status };
    };
    let body;
    try {
      rewrite = (personer) => [
        ...personer.map((p) => (p.personidentifikator === FRESH ? { ...p, extra: 'DEEP' } : p)),
        ...personer.filter((p) => p.personidentifikator === FRESH).map((p) => ({ ...p, extra: 'DEEP' })),
      ];
      body = await persons([FRESH, DIGIPOST]);
    } finally {
      proxy.mode = rewriting;
    }
    expect(body.data?.persons[0]).toBeNull();
    expect(body.data?.persons[1]).toMatchObject({ id: DIGIPOST, status: 'ACTIVE' });
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]).toMatchObject({ path: ['persons', 0], extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
  });

  it('says an answer without a list of persons could not be read, not "try again later"', async () => {
    for (const answer of ['{}', 'null', '[]', '{"personer":null}', '{"personer":{}}', '"x"', 'not json']) {
      proxy.mode = (_, status) => ({ body: Buffer.from(answer), status });
      try {
        const body = await persons([FRESH]);
        expect(body.errors?.[0], answer).toMatchObject({ extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
        expect(body.errors?.[0]?.message, answer).toMatch(/could not read \(unreadable answer\)/);
      } finally {
        proxy.mode = rewriting;
      }
    }
  });

  it('answers contact-only fields of persons whose digital-post look-up failed, from a contact-only look-up', async () => {
    const QUERY_BOTH = `query Both($ids: [PersonIdentifier!]!) {
      a: persons(ids: $ids) { id email { value } }
      b: persons(ids: $ids) { id digitalMailbox { address } }
    }`;
    // KRR refuses (403) or fails (503) every call made with the digital-post scope, and answers the others.
    for (const status of [403, 503]) {
      proxy.mode = (answer, answered, headers) => {
        const scope = String(decodeJwt(String(headers.authorization).slice(7)).scope);
        return scope.includes('digitalpost')
          ? { body: Buffer.from('{}'), status }
          : rewriting(answer, answered, headers);
      };
      try {
        const res = await facade.graphql<{ a: PersonAnswer[]; b: (PersonAnswer | null)[] }>(QUERY_BOTH, {
          ids: [FRESH, DIGIPOST],
        });
        expect(
          res.body.data?.a.map((p) => p.id),
          String(status),
        ).toEqual([FRESH, DIGIPOST]);
        expect(res.body.data?.a[0]?.email, String(status)).not.toBeNull();
        expect(res.body.data?.b, String(status)).toEqual([null, null]);
        expect(
          res.body.errors?.map((e) => e.path?.[0]),
          String(status),
        ).toEqual(['b', 'b']);
      } finally {
        proxy.mode = rewriting;
      }
    }
  });

  it('says a whole call refused for the token or redirected is not about the ids: never UPSTREAM_REJECTED', async () => {
    for (const [status, code] of [
      [401, 'UPSTREAM_AUTH_FAILED'],
      [307, 'UPSTREAM_UNAVAILABLE'],
      [308, 'UPSTREAM_UNAVAILABLE'],
    ] as const) {
      proxy.mode = () => ({ body: Buffer.from('{}'), status });
      try {
        const body = await persons([FRESH, DIGIPOST]);
        expect(body.data?.persons, String(status)).toEqual([null, null]);
        expect(
          body.errors?.map((e) => e.extensions),
          String(status),
        ).toEqual([
          { code, upstream: 'krr', status },
          { code, upstream: 'krr', status },
        ]);
      } finally {
        proxy.mode = rewriting;
      }
    }
  });

  it('still answers an id KRR left out as not registered when every record was readable', async () => {
    rewrite = (personer) => personer.filter((p) => p.personidentifikator !== FRESH);
    const body = await persons([FRESH, DIGIPOST]);
    expect(body.errors).toBeUndefined();
    expect(body.data?.persons[0]).toMatchObject({ id: FRESH, status: 'NOT_REGISTERED', email: null });
  });
});

describe('an answer larger than its estimate', () => {
  it('is not sent past QUERY_MAX_ANSWER_BYTES, whichever way it is written', async () => {
    const small = await startTestApp(
      { KRR_URL: proxy.url, QUERY_MAX_ANSWER_BYTES: String(1024 * 1024) },
      { peerOf: origin },
    );
    try {
      const query = (aliases: number) =>
        `query Long($ids: [PersonIdentifier!]!) { persons(ids: $ids) { ${Array.from(
          { length: aliases },
          (_, i) => `e${i}: email { value }`,
        ).join(' ')} } }`;
      // Free text longer than the limits' estimate of a string (64 bytes): e-mail addresses of 40 KB.
      rewrite = (personer) =>
        personer.map((p) => ({
          ...p,
          kontaktinformasjon: { ...p.kontaktinformasjon, epostadresse: `${'x'.repeat(40_000)}@example.no` },
        }));
      // Persons KRR knows (with an e-mail address to lengthen), repeated.
      const ids = Array.from({ length: 100 }, (_, i) => (i % 2 ? FRESH : DIGIPOST));
      // Three persons (Apollo writes the answer) and a hundred (written in pieces, stopped at the limit).
      for (const [persons, aliases] of [
        [3, 10],
        [100, 1],
      ] as const) {
        const res = await small.graphql(query(aliases), { ids: ids.slice(0, persons) });
        expect(res.status, `${persons}`).toBe(400);
        expect(res.body.data).toBeUndefined();
        expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'ANSWER_TOO_LARGE' } });
        expect(res.body.errors?.[0]?.message).toMatch(/more than 1\.0 MB/);
      }
      expect(small.logLines.some((l) => l.includes('an answer larger than QUERY_MAX_ANSWER_BYTES'))).toBe(true);
      // Within the limit it is answered.
      const fits = await small.graphql(query(1), { ids: ids.slice(0, 3) });
      expect(fits.body.errors).toBeUndefined();
      expect(JSON.stringify(fits.body).length).toBeGreaterThan(120_000);
    } finally {
      await small.close();
    }
  });
});
