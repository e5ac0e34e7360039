import type { CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidPersonIdentifier } from '../../src/graphql/identifiers.js';
import {
  createKrrSeed,
  DIGIPOST_ORGNO,
  EBOKS_ORGNO,
  generatedPerson,
  krrSeedPersons,
  syntheticPersonIdentifiers,
} from '../../src/sandbox/krr-seed.js';
import { KRR_SCOPES, krrStaleCutoff, parseKrrTimestamp, startKrrSimulator } from '../../src/sandbox/krr.js';
import type { KrrPerson, KrrSimulator, KrrSimulatorOptions } from '../../src/sandbox/krr.js';
import { startTokenSource, type TokenSource } from '../helpers/token-source.js';

const CONTACT = KRR_SCOPES.kontaktinformasjon;
const POST = KRR_SCOPES.digitalpost;
const BOTH = `${CONTACT} ${POST}`;

const SEED_IDS = [
  '11887197158',
  '17894199350',
  '04846697271',
  '11822648950',
  '22859197810',
  '26826499361',
  '18886799280',
  '23079421936',
  '23079422568',
];

let source: TokenSource;
let issuer: string;
let jwksUrl: string;
let otherKey: CryptoKey;
let sim: KrrSimulator;
const extraSims: KrrSimulator[] = [];

interface TokenOptions {
  key?: CryptoKey;
  iat?: number;
  exp?: number;
  iss?: string;
}

async function token(scope: string, opts: TokenOptions = {}): Promise<string> {
  return source.sign({ scope, clientId: 'sandbox-krr-client', ...opts });
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function post(
  target: KrrSimulator,
  path: string,
  body: unknown,
  bearer?: string,
  rawBody?: string,
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (bearer) headers['authorization'] = `Bearer ${bearer}`;
  const res = await fetch(`${target.url}${path}`, {
    method: 'POST',
    headers,
    body: rawBody ?? JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function lookup(
  ids: string[],
  scope = BOTH,
  target: KrrSimulator = sim,
  path = '/rest/v1/personer',
  extra: Record<string, unknown> = {},
): Promise<{ status: number; personer: KrrPerson[]; byId: Map<string, KrrPerson> }> {
  const answer = await post(target, path, { personidentifikatorer: ids, ...extra }, await token(scope));
  expect(answer.status).toBe(200);
  const personer = (answer.body as { personer: KrrPerson[] }).personer;
  return { status: answer.status, personer, byId: new Map(personer.map((p) => [p.personidentifikator, p])) };
}

async function startExtra(opts: Partial<KrrSimulatorOptions>): Promise<KrrSimulator> {
  const extra = await startKrrSimulator({ maskinportenIssuer: issuer, maskinportenJwksUrl: jwksUrl, ...opts });
  extraSims.push(extra);
  return extra;
}

beforeAll(async () => {
  source = await startTokenSource();
  ({ issuer, jwksUrl, foreignKey: otherKey } = source);
  sim = await startKrrSimulator({ maskinportenIssuer: issuer, maskinportenJwksUrl: jwksUrl });
});

afterAll(async () => {
  await Promise.all([sim?.close(), ...extraSims.map((s) => s.close())]);
  await source?.close();
});

describe('seed data', () => {
  it('seeds only valid personal identifiers, each once', () => {
    const ids = krrSeedPersons.map((p) => p.personidentifikator);
    expect(ids.sort()).toEqual([...SEED_IDS].sort());
    for (const id of ids) expect(isValidPersonIdentifier(id), id).toBe(true);
  });

  it('uses every KRR timestamp shape and parses them all', () => {
    const stamps = JSON.stringify(krrSeedPersons).match(/"\d{4}-\d{2}-\d{2}T[^"]+"/g) ?? [];
    const shapes = stamps.map((s) => s.slice(1, -1));
    expect(shapes.some((s) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/.test(s))).toBe(true);
    expect(shapes.some((s) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d$/.test(s))).toBe(true);
    expect(shapes.some((s) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(s))).toBe(true);
    for (const s of shapes) expect(Number.isNaN(parseKrrTimestamp(s)), s).toBe(false);
    expect(parseKrrTimestamp('2023-06-29T10:14:52+02')).toBe(Date.parse('2023-06-29T08:14:52Z'));
  });

  it('keeps "fresh" timestamps fresh relative to the seeding time', () => {
    const seededAt = Date.parse('2040-03-01T12:00:00Z');
    const person = createKrrSeed(seededAt).find((p) => p.personidentifikator === '11822648950');
    const updated = parseKrrTimestamp(person?.kontaktinformasjon?.epostadresse_oppdatert ?? '');
    expect(seededAt - updated).toBe(30 * 24 * 3600 * 1000);
  });

  it('generates distinct, valid, deterministic synthetic ids that never collide with the seed', () => {
    const ids = syntheticPersonIdentifiers(2500);
    expect(new Set(ids).size).toBe(2500);
    for (const id of ids) expect(isValidPersonIdentifier(id), id).toBe(true);
    for (const id of ids) expect(Number(id.slice(2, 4))).toBeGreaterThan(80);
    expect(syntheticPersonIdentifiers(2500)).toEqual(ids);
    expect(syntheticPersonIdentifiers(100, 2400)).toEqual(ids.slice(2400));
    expect(ids.filter((id) => SEED_IDS.includes(id))).toEqual([]);
    expect(() => syntheticPersonIdentifiers(-1)).toThrow(RangeError);
  });

  it('generates a plausible active person', () => {
    const [id] = syntheticPersonIdentifiers(1);
    const person = generatedPerson(id ?? '');
    expect(person).toMatchObject({ personidentifikator: id, status: 'AKTIV', reservasjon: 'NEI' });
    expect(person.kontaktinformasjon?.mobiltelefonnummer).toMatch(/^\+47\d{8}$/);
  });
});

describe('KRR simulator: look-ups', () => {
  it('answers v1 with every person keyed by id and every field', async () => {
    const { personer, byId } = await lookup(SEED_IDS);
    expect(personer).toHaveLength(SEED_IDS.length);
    expect(byId.get('23079421936')).toEqual({
      personidentifikator: '23079421936',
      reservasjon: 'NEI',
      status: 'AKTIV',
      varslingsstatus: 'KAN_IKKE_VARSLES',
      kontaktinformasjon: {
        epostadresse: '23079421936-test@minid.norge.no',
        epostadresse_oppdatert: '2010-12-16T13:32:05.000+01:00',
      },
    });
    const fresh = byId.get('11822648950');
    expect(fresh).toMatchObject({ reservasjon: 'NEI', status: 'AKTIV', varslingsstatus: 'KAN_VARSLES', spraak: 'nb' });
    expect(fresh?.kontaktinformasjon).toMatchObject({
      epostadresse: '11822648950-test@minid.norge.no',
      mobiltelefonnummer: '+4799999904',
    });
    expect(fresh?.kontaktinformasjon?.epostadresse_sist_verifisert).toBeTypeOf('string');
    expect(fresh?.kontaktinformasjon?.mobiltelefonnummer_oppdatert).toBeTypeOf('string');
    expect(byId.get('22859197810')?.digital_post).toEqual({
      postkasseadresse: 'ola.nordmann#2TQB',
      postkasseleverandoeradresse: DIGIPOST_ORGNO,
    });
    expect(byId.get('22859197810')?.sertifikat).toMatch(/^MII[A-Za-z0-9+/]+=*$/);
    expect(byId.get('26826499361')?.digital_post?.postkasseleverandoeradresse).toBe(EBOKS_ORGNO);
    expect(byId.get('26826499361')?.sertifikat).toMatch(/^MII/);
    expect(byId.get('18886799280')?.spraak).toBe('nn');
    expect(byId.get('04846697271')).toMatchObject({ reservasjon: 'JA', varslingsstatus: 'KAN_IKKE_VARSLES' });
    expect(byId.get('04846697271')?.reservasjonstidspunkt).toBe('2023-08-05T10:45:15.768Z');
    expect(byId.get('23079422568')?.kontaktinformasjon?.epostadresse_duplisert).toBe('JA');
  });

  it('answers v2 the same way', async () => {
    const { byId } = await lookup(['11822648950', '22859197810'], BOTH, sim, '/rest/v2/personer');
    expect(byId.get('11822648950')?.kontaktinformasjon?.epostadresse).toBe('11822648950-test@minid.norge.no');
    expect(byId.get('22859197810')?.digital_post?.postkasseleverandoeradresse).toBe(DIGIPOST_ORGNO);
  });

  it('answers with application/json;charset=UTF-8', async () => {
    const answer = await post(sim, '/rest/v1/personer', { personidentifikatorer: ['11822648950'] }, await token(BOTH));
    expect(answer.headers.get('content-type')).toBe('application/json;charset=UTF-8');
  });

  it('answers SLETTET persons without contact information', async () => {
    const { byId } = await lookup(['17894199350']);
    expect(byId.get('17894199350')).toEqual({
      personidentifikator: '17894199350',
      reservasjon: 'NEI',
      status: 'SLETTET',
      varslingsstatus: 'KAN_IKKE_VARSLES',
    });
  });

  it('answers unknown ids as IKKE_REGISTRERT', async () => {
    const [unknown] = syntheticPersonIdentifiers(1, 5000);
    const { personer } = await lookup([unknown ?? '']);
    expect(personer).toEqual([
      { personidentifikator: unknown, status: 'IKKE_REGISTRERT', varslingsstatus: 'KAN_IKKE_VARSLES' },
    ]);
  });

  it('omits unregistered ids on v2 when inkluderIkkeRegistrerte is false', async () => {
    const [unknown = ''] = syntheticPersonIdentifiers(1, 5000);
    const ids = ['11822648950', unknown];
    const omitted = await lookup(ids, BOTH, sim, '/rest/v2/personer', { inkluderIkkeRegistrerte: false });
    expect(omitted.personer.map((p) => p.personidentifikator)).toEqual(['11822648950']);
    const included = await lookup(ids, BOTH, sim, '/rest/v2/personer', { inkluderIkkeRegistrerte: true });
    expect(included.byId.get(unknown)?.status).toBe('IKKE_REGISTRERT');
  });

  it('answers each distinct id once', async () => {
    const { personer } = await lookup(['11822648950', '11822648950', '18886799280', '11822648950']);
    expect(personer.map((p) => p.personidentifikator).sort()).toEqual(['11822648950', '18886799280']);
  });

  it('answers in an order different from the request when shuffling, in request order otherwise', async () => {
    const ids = [...SEED_IDS, ...syntheticPersonIdentifiers(11, 9000)];
    for (let i = 0; i < 3; i++) {
      const { personer } = await lookup(ids.slice(0, 2 + i * 9));
      expect(personer.map((p) => p.personidentifikator)).not.toEqual(ids.slice(0, 2 + i * 9));
      expect(personer.map((p) => p.personidentifikator).sort()).toEqual(ids.slice(0, 2 + i * 9).sort());
    }
    const ordered = await startExtra({ shuffle: false });
    const { personer } = await lookup(ids, BOTH, ordered);
    expect(personer.map((p) => p.personidentifikator)).toEqual(ids);
  });

  it('answers up to 1000 ids in one request (written out 100 persons at a time)', async () => {
    for (const n of [100, 101, 299, 1000]) {
      const ids = syntheticPersonIdentifiers(n);
      const { personer } = await lookup(ids);
      expect(personer).toHaveLength(n);
      expect(new Set(personer.map((p) => p.personidentifikator))).toEqual(new Set(ids));
    }
  });

  it('answers unknown valid ids with generated persons when populateUnknown is set', async () => {
    const populated = await startExtra({ populateUnknown: true });
    const ids = syntheticPersonIdentifiers(3, 100);
    const { byId } = await lookup([...ids, '11887197158', '12345678901'], BOTH, populated);
    for (const id of ids) {
      expect(byId.get(id)).toMatchObject({ status: 'AKTIV', reservasjon: 'NEI', varslingsstatus: 'KAN_VARSLES' });
    }
    expect(byId.get('11887197158')?.kontaktinformasjon?.mobiltelefonnummer).toBe('+4799999901');
    expect(byId.get('12345678901')?.status).toBe('IKKE_REGISTRERT');
  });
});

describe('KRR simulator: scopes', () => {
  it('gives contact information but no digital mailbox with kontaktinformasjon.read only', async () => {
    const { byId } = await lookup(['22859197810', '11822648950'], CONTACT);
    const person = byId.get('22859197810');
    expect(person?.kontaktinformasjon?.epostadresse).toBeDefined();
    expect(person?.varslingsstatus).toBe('KAN_VARSLES');
    expect(person?.spraak).toBe('nb');
    expect(person).not.toHaveProperty('digital_post');
    expect(person).not.toHaveProperty('sertifikat');
  });

  it('gives the digital mailbox but no contact information with digitalpost.read only', async () => {
    const { byId } = await lookup(['22859197810', '04846697271'], POST);
    expect(byId.get('22859197810')).toEqual({
      personidentifikator: '22859197810',
      reservasjon: 'NEI',
      status: 'AKTIV',
      digital_post: { postkasseadresse: 'ola.nordmann#2TQB', postkasseleverandoeradresse: DIGIPOST_ORGNO },
      sertifikat: expect.stringMatching(/^MII/) as unknown,
    });
    const reserved = byId.get('04846697271');
    expect(reserved).toMatchObject({ reservasjon: 'JA', status: 'AKTIV' });
    expect(reserved).not.toHaveProperty('kontaktinformasjon');
    expect(reserved).not.toHaveProperty('varslingsstatus');
  });

  it('accepts the supplier scope variants', async () => {
    const scopes = `${KRR_SCOPES.supplierKontaktinformasjon} ${KRR_SCOPES.supplierDigitalpost}`;
    const { byId } = await lookup(['22859197810'], scopes);
    expect(byId.get('22859197810')?.kontaktinformasjon).toBeDefined();
    expect(byId.get('22859197810')?.digital_post).toBeDefined();
  });

  it('answers 403 to a token without a KRR scope', async () => {
    const answer = await post(sim, '/rest/v1/personer', { personidentifikatorer: ['11822648950'] }, await token('x:y'));
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toContain('insufficient_scope');
  });
});

describe('KRR simulator: authentication', () => {
  const body = { personidentifikatorer: ['11822648950'] };

  it('answers 401 without a token', async () => {
    const answer = await post(sim, '/rest/v1/personer', body);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: 'invalid_token' });
    expect(answer.headers.get('www-authenticate')).toContain('Bearer error="invalid_token"');
  });

  it('answers 401 to a token signed by another key', async () => {
    const answer = await post(sim, '/rest/v1/personer', body, await token(BOTH, { key: otherKey }));
    expect(answer.status).toBe(401);
  });

  it('answers 401 to an expired token', async () => {
    const nowSec = Math.floor(Date.now() / 1000);
    const answer = await post(
      sim,
      '/rest/v1/personer',
      body,
      await token(BOTH, { iat: nowSec - 300, exp: nowSec - 60 }),
    );
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error_description: 'token expired' });
  });

  it('answers 401 to a token from another issuer', async () => {
    const answer = await post(sim, '/rest/v1/personer', body, await token(BOTH, { iss: 'https://evil.example/' }));
    expect(answer.status).toBe(401);
  });
});

describe('KRR simulator: bad requests', () => {
  async function expectBadRequest(body: unknown, rawBody?: string): Promise<Answer> {
    const answer = await post(sim, '/rest/v1/personer', body, await token(BOTH), rawBody);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: expect.any(String) as unknown, message: expect.any(String) as unknown });
    return answer;
  }

  it('rejects 0 and 1001 ids', async () => {
    await expectBadRequest({ personidentifikatorer: [] });
    await expectBadRequest({ personidentifikatorer: syntheticPersonIdentifiers(1001) });
  });

  it('rejects a body that is not JSON or has no id list', async () => {
    await expectBadRequest(undefined, '{"personidentifikatorer": [');
    await expectBadRequest({ ids: ['11822648950'] });
    await expectBadRequest(['11822648950']);
  });

  it('rejects ids that are not 11-digit strings, without echoing them', async () => {
    for (const bad of ['1182264895', '118226489500', '1182264895X', 11822648950]) {
      const answer = await expectBadRequest({ personidentifikatorer: ['18886799280', bad] });
      const text = JSON.stringify(answer.body);
      expect(text).not.toContain(String(bad));
      expect(text).not.toContain('18886799280');
    }
  });

  it('answers 404 JSON to other paths and methods', async () => {
    const other = await post(sim, '/rest/v3/personer', { personidentifikatorer: ['11822648950'] }, await token(BOTH));
    expect(other.status).toBe(404);
    const get = await fetch(`${sim.url}/rest/v1/personer`);
    expect(get.status).toBe(404);
    expect(get.headers.get('content-type')).toContain('application/json');
    await get.text();
  });
});

describe('KRR simulator: refused ids', () => {
  it('answers 400 as a whole to a request containing a refused id, naming no id, and records it', async () => {
    const refusing = await startExtra({ refuseIds: ['04846697271'] });
    const bearer = await token(BOTH);
    const ids = ['11822648950', '04846697271', '18886799280'];
    const refused = await post(refusing, '/rest/v1/personer', { personidentifikatorer: ids }, bearer);
    expect(refused.status).toBe(400);
    const text = JSON.stringify(refused.body);
    for (const id of ids) expect(text).not.toContain(id);
    // without the refused id the same request is answered
    const rest = await lookup(['11822648950', '18886799280'], BOTH, refusing);
    expect([...rest.byId.keys()].sort()).toEqual(['11822648950', '18886799280']);
    expect(refusing.requests.map((r) => [r.status, r.ids])).toEqual([
      [400, ids],
      [200, ['11822648950', '18886799280']],
    ]);
  });

  it('is set at runtime, with any body, and cleared by an empty list; a token is checked first', async () => {
    const refusing = await startExtra({});
    const body = { personidentifikatorer: ['22859197810', '26826499361'] };
    expect((await post(refusing, '/rest/v2/personer', body, await token(BOTH))).status).toBe(200);
    refusing.refuseIds(['26826499361'], { feil: 'noe gikk galt' });
    expect(await post(refusing, '/rest/v2/personer', body)).toMatchObject({ status: 401 });
    expect(await post(refusing, '/rest/v2/personer', body, await token(CONTACT))).toMatchObject({
      status: 400,
      body: { feil: 'noe gikk galt' },
    });
    refusing.refuseIds(['22859197810']);
    const other = await post(refusing, '/rest/v2/personer', body, await token(CONTACT));
    expect(other.status).toBe(400);
    expect(other.body).not.toEqual({ feil: 'noe gikk galt' });
    refusing.refuseIds([]);
    expect((await post(refusing, '/rest/v2/personer', body, await token(CONTACT))).status).toBe(200);
  });
});

describe('KRR simulator: the 18-month rule', () => {
  it('marks a person with only stale contact points KAN_IKKE_VARSLES, per channel', async () => {
    const { byId } = await lookup(['11887197158', '23079422568', '11822648950']);
    expect(byId.get('11887197158')?.varslingsstatus).toBe('KAN_IKKE_VARSLES');
    expect(byId.get('11887197158')?.kontaktinformasjon?.epostadresse).toBeDefined();
    // e-mail stale, mobile fresh: still reachable.
    expect(byId.get('23079422568')?.varslingsstatus).toBe('KAN_VARSLES');
    expect(byId.get('11822648950')?.varslingsstatus).toBe('KAN_VARSLES');
  });

  it('computes varslingsstatus at answer time from the clock', async () => {
    let clock = Date.now();
    const timed = await startExtra({ now: () => clock });
    expect((await lookup(['11822648950'], CONTACT, timed)).byId.get('11822648950')?.varslingsstatus).toBe(
      'KAN_VARSLES',
    );
    clock += 2 * 365 * 24 * 3600 * 1000;
    expect((await lookup(['11822648950'], CONTACT, timed)).byId.get('11822648950')?.varslingsstatus).toBe(
      'KAN_IKKE_VARSLES',
    );
  });

  it('puts the cutoff 18 calendar months back', () => {
    expect(new Date(krrStaleCutoff(Date.parse('2026-11-21T12:00:00Z'))).toISOString()).toBe('2025-05-21T12:00:00.000Z');
  });
});

describe('KRR simulator: fault injection, recording, latency', () => {
  it('fails the next authorized requests as told, then recovers', async () => {
    const faulty = await startExtra({});
    faulty.failNext(500, 2, { oops: true });
    faulty.failNext(401);
    const body = { personidentifikatorer: ['11822648950'] };
    // Unauthorized requests do not consume an injected failure.
    expect((await post(faulty, '/rest/v1/personer', body)).status).toBe(401);
    const first = await post(faulty, '/rest/v1/personer', body, await token(BOTH));
    expect(first).toMatchObject({ status: 500, body: { oops: true } });
    expect((await post(faulty, '/rest/v1/personer', body, await token(BOTH))).status).toBe(500);
    const third = await post(faulty, '/rest/v1/personer', body, await token(BOTH));
    expect(third.status).toBe(401);
    expect(third.headers.get('www-authenticate')).toContain('invalid_token');
    expect((await post(faulty, '/rest/v1/personer', body, await token(BOTH))).status).toBe(200);
  });

  it('records every POST in arrival order', async () => {
    const recorded = await startExtra({});
    await post(
      recorded,
      '/rest/v2/personer',
      { personidentifikatorer: ['11822648950', '18886799280'] },
      await token(CONTACT),
    );
    await post(recorded, '/rest/v1/personer', { personidentifikatorer: ['04846697271'] });
    // A customer's token names it as the consumer: the call is recorded as made for it (no supplier claim here).
    await post(
      recorded,
      '/rest/v1/personer',
      { personidentifikatorer: ['04846697271'] },
      await source.sign({ scope: CONTACT, orgno: '910825526' }),
    );
    await post(recorded, '/rest/v1/personer', { personidentifikatorer: [] }, await token(BOTH));
    expect(recorded.requests).toEqual([
      {
        path: '/rest/v2/personer',
        status: 200,
        ids: ['11822648950', '18886799280'],
        scopes: [CONTACT],
        consumer: '991825827',
      },
      { path: '/rest/v1/personer', status: 401, ids: ['04846697271'], scopes: [] },
      { path: '/rest/v1/personer', status: 200, ids: ['04846697271'], scopes: [CONTACT], consumer: '910825526' },
      { path: '/rest/v1/personer', status: 400, ids: [], scopes: [CONTACT, POST], consumer: '991825827' },
    ]);
  });

  it('adds artificial latency', async () => {
    const slow = await startExtra({ latencyMs: 0 });
    slow.setLatency(80);
    const started = performance.now();
    await lookup(['11822648950'], BOTH, slow);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });
});
