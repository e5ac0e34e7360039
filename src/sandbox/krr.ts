/**
 * A KRR oppslagstjeneste simulator (reference §2): `POST /rest/v1/personer` and `POST /rest/v2/personer`, guarded by
 * Maskinporten bearer tokens, answering the upstream DTOs in a shuffled order so the facade must key by id. Chosen ids
 * can be refused the way KRR refuses: the whole request answered 400 (`refuseIds`), never per id.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createBearerVerifier } from './bearer.js';
import { FaultInjector, faultStatus } from './faults.js';
import { BodyTooLargeError, close, listen, readJson, sendJson } from './http-util.js';
import { generatedPerson, krrSeedPersons } from './krr-seed.js';
import type { KrrPerson, KrrVarslingsstatus } from './krr-seed.js';
import { krrStaleCutoff, parseKrrTimestamp } from './krr-time.js';
import { isValidPersonId } from './norwegian-ids.js';

export { krrStaleCutoff, parseKrrTimestamp } from './krr-time.js';

export type {
  KrrDigitalPost,
  KrrJaNei,
  KrrKontaktinformasjon,
  KrrPerson,
  KrrPersonStatus,
  KrrVarslingsstatus,
} from './krr-seed.js';

/** The KRR scopes: the consumer variants and the supplier variants used with `consumer_org`. */
export const KRR_SCOPES = {
  kontaktinformasjon: 'krr:global/kontaktinformasjon.read',
  digitalpost: 'krr:global/digitalpost.read',
  supplierKontaktinformasjon: 'krr:global/kontaktinfo.read',
  supplierDigitalpost: 'krr:global/postkasse.read',
} as const;

/** At most this many ids per request (reference §2). */
export const KRR_MAX_IDS = 1000;

export interface KrrSimulatorOptions {
  /** Expected `iss` of bearer tokens. */
  maskinportenIssuer: string;
  /** Where the token issuer's signing keys are published. */
  maskinportenJwksUrl: string;
  /** Default: the seed from krr-seed.ts. */
  persons?: readonly KrrPerson[];
  /** Millisecond clock for the 18-month rule (default `Date.now`). */
  now?: () => number;
  /** Answer in an order different from the request (default true): the facade must key by id. */
  shuffle?: boolean;
  /** Answer unknown but valid ids with a generated active person instead of IKKE_REGISTRERT (default false). */
  populateUnknown?: boolean;
  port?: number;
  host?: string;
  /** Artificial latency per authorized request answered normally, in ms (default 0), for benchmarks. */
  latencyMs?: number;
  /** Ids KRR refuses: a request containing any of them is answered 400 as a whole (see `refuseIds`). */
  refuseIds?: Iterable<string>;
}

export interface KrrRequestRecord {
  path: string;
  status: number;
  ids: string[];
  scopes: string[];
  /** The caller's `X-Correlation-ID` header, when sent. */
  correlationId?: string;
  /**
   * The legal consumer the call was made for: the orgno in the bearer token's `consumer.ID` (`0192:` removed). Set for
   * every call with a valid token; absent when the token was missing or invalid.
   */
  consumer?: string;
  /** The supplier acting for `consumer` (the orgno in the token's `supplier.ID`), when the token names one. */
  supplier?: string;
}

export interface KrrSimulator {
  /** Base URL, e.g. `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  /**
   * Every POST received, in arrival order; the oldest are dropped beyond 10 000 records or 250 000 recorded ids.
   * Requests a fault reset or stalled are recorded with status 0.
   */
  readonly requests: KrrRequestRecord[];
  /** Fault injection, applied to authorized requests (after token and scope checks), before normal handling. */
  readonly faults: FaultInjector;
  /** The next `count` (default 1) authorized requests answer `status` with `body`: `faults.enqueue` of a status fault. */
  failNext(status: number, count?: number, body?: unknown): void;
  /** Latency added to every authorized request answered normally: `faults.setLatency`. */
  setLatency(ms: number): void;
  /**
   * From now on, a valid authorized request whose body contains any of `ids` is refused as a whole the way KRR refuses
   * (HTTP 400 with an undocumented body naming no id; KRR never answers per id), with `body` when given. Replaces the
   * ids refused so far; an empty list refuses none.
   */
  refuseIds(ids: Iterable<string>, body?: unknown): void;
  close(): Promise<void>;
}

const ROUTES = new Set(['/rest/v1/personer', '/rest/v2/personer']);
const MAX_RECORDS = 10_000;
const MAX_RECORDED_IDS = 250_000;
const MAX_GENERATED = 100_000;
const ID_PATTERN = /^\d{11}$/;
/** What a refusal looks like when the test gives no body: KRR's error bodies are not documented, so none is assumed. */
const REFUSAL_BODY = { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'Ugyldig forespørsel' };

interface PersonEntry {
  person: KrrPerson;
  /** Last time each present contact point was updated or verified (ms; NaN when unknown). */
  emailTouched?: number;
  mobileTouched?: number;
  /** Serialized answers, by slot `contact | post << 1 | canNotify << 2`: the 1000-id fast path only joins strings. */
  json?: (string | undefined)[];
}

type ParsedRequest = { ok: true; ids: string[]; includeUnregistered: boolean } | { ok: false; message: string };

/** The later of "updated" and "verified", NaN when neither is known. */
function lastTouched(updated: string | undefined, verified: string | undefined): number {
  const a = updated ? parseKrrTimestamp(updated) : NaN;
  const b = verified ? parseKrrTimestamp(verified) : NaN;
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.max(a, b);
}

function indexPerson(person: KrrPerson): PersonEntry {
  const k = person.kontaktinformasjon;
  const entry: PersonEntry = { person };
  if (k?.epostadresse) entry.emailTouched = lastTouched(k.epostadresse_oppdatert, k.epostadresse_sist_verifisert);
  if (k?.mobiltelefonnummer) {
    entry.mobileTouched = lastTouched(k.mobiltelefonnummer_oppdatert, k.mobiltelefonnummer_sist_verifisert);
  }
  return entry;
}

/** A contact point is fresh when updated or verified after the cutoff (unknown timestamps count as stale). */
const isFresh = (touched: number | undefined, cutoff: number): boolean => touched !== undefined && touched >= cutoff;

function varslingsstatusOf(entry: PersonEntry, cutoff: number): KrrVarslingsstatus {
  const { person } = entry;
  if (person.status !== 'AKTIV' || person.reservasjon !== 'NEI') return 'KAN_IKKE_VARSLES';
  return isFresh(entry.emailTouched, cutoff) || isFresh(entry.mobileTouched, cutoff)
    ? 'KAN_VARSLES'
    : 'KAN_IKKE_VARSLES';
}

/** Persons per piece of an answer: about 50 KB. */
const PERSONS_PER_PIECE = 100;

/**
 * `{"personer":[…]}` as bytes in pieces of at most PERSONS_PER_PIECE persons. As one string, a 1000-person answer
 * (about 500 KB) is a large object to V8, in pages fresh from the OS each time: on the bench machine that made the
 * simulator's work per person 2.5 times what it is for 100-person answers, CPU that real KRR does not take from the
 * facade and its callers.
 */
function answerPieces(personer: readonly string[]): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < personer.length || at === 0; at += PERSONS_PER_PIECE) {
    const items = personer.slice(at, at + PERSONS_PER_PIECE).join(',');
    const first = at === 0 ? '{"personer":[' : ',';
    const last = at + PERSONS_PER_PIECE >= personer.length ? ']}' : '';
    pieces.push(Buffer.from(first + items + last));
  }
  return pieces;
}

/** The person as a consumer with these scopes sees it, serialized (cached per entry and visible variant). */
function serialize(entry: PersonEntry, contact: boolean, post: boolean, cutoff: number): string {
  const varslingsstatus = contact ? varslingsstatusOf(entry, cutoff) : undefined;
  const slot = (contact ? 1 : 0) | (post ? 2 : 0) | (varslingsstatus === 'KAN_VARSLES' ? 4 : 0);
  const cache = (entry.json ??= []);
  return (cache[slot] ??= JSON.stringify(project(entry, varslingsstatus, post)));
}

/** The person as a consumer with these scopes sees it (`varslingsstatus` given only with the contact scope). */
function project(entry: PersonEntry, varslingsstatus: KrrVarslingsstatus | undefined, post: boolean): KrrPerson {
  const p = entry.person;
  // Absent fields stay undefined here, and JSON.stringify leaves them out: the answer keeps KRR's field order.
  const out: KrrPerson = {
    personidentifikator: p.personidentifikator,
    reservasjon: p.reservasjon,
    reservasjonstidspunkt: p.reservasjonstidspunkt,
    reservasjon_oppdatert: p.reservasjon_oppdatert,
    status: p.status,
  };
  const active = p.status === 'AKTIV';
  if (varslingsstatus) {
    out.varslingsstatus = varslingsstatus;
    if (active) {
      if (p.spraak) out.spraak = p.spraak;
      if (p.spraak_oppdatert) out.spraak_oppdatert = p.spraak_oppdatert;
      if (p.kontaktinformasjon) out.kontaktinformasjon = p.kontaktinformasjon;
    }
  }
  if (post && active) {
    if (p.digital_post) out.digital_post = p.digital_post;
    if (p.sertifikat) out.sertifikat = p.sertifikat;
  }
  return out;
}

/** An unknown id (validated: 11 digits, so safe to inline). */
function unregistered(id: string, contact: boolean): string {
  return contact
    ? `{"personidentifikator":"${id}","status":"IKKE_REGISTRERT","varslingsstatus":"KAN_IKKE_VARSLES"}`
    : `{"personidentifikator":"${id}","status":"IKKE_REGISTRERT"}`;
}

/** Validates the request body. Error messages never contain an id (they may name its position). */
function parseRequest(body: unknown, path: string): ParsedRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'request body must be a JSON object' };
  }
  const record = body as Record<string, unknown>;
  const ids = record['personidentifikatorer'];
  if (!Array.isArray(ids)) return { ok: false, message: 'personidentifikatorer must be an array' };
  if (ids.length < 1 || ids.length > KRR_MAX_IDS) {
    return { ok: false, message: `personidentifikatorer must contain 1 to ${KRR_MAX_IDS} entries` };
  }
  for (let i = 0; i < ids.length; i++) {
    const id: unknown = ids[i];
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
      return { ok: false, message: `personidentifikatorer[${i}] is not an 11-digit string` };
    }
  }
  const flag = record['inkluderIkkeRegistrerte'];
  if (flag !== undefined && typeof flag !== 'boolean') {
    return { ok: false, message: 'inkluderIkkeRegistrerte must be a boolean' };
  }
  // v2 only: v1 has no such flag.
  const includeUnregistered = !(path === '/rest/v2/personer' && flag === false);
  return { ok: true, ids: ids as string[], includeUnregistered };
}

/** The orgno of an `{authority, ID: '0192:<orgno>'}` claim, or undefined when the claim is not one. */
function orgnoOf(claim: unknown): string | undefined {
  if (typeof claim !== 'object' || claim === null) return undefined;
  const id = (claim as { ID?: unknown }).ID;
  if (typeof id !== 'string') return undefined;
  const m = /^(?:0192:)?(\d{9})$/.exec(id);
  return m?.[1];
}

/** Who a call is made for (the token's `consumer`) and by whom, when a supplier acts for it (`supplier`). */
function legalParties(claims: { consumer?: unknown; supplier?: unknown }): { consumer?: string; supplier?: string } {
  const consumer = orgnoOf(claims.consumer);
  const supplier = orgnoOf(claims.supplier);
  return { ...(consumer ? { consumer } : {}), ...(supplier ? { supplier } : {}) };
}

/** Small deterministic PRNG (mulberry32). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates with a seeded PRNG; a permutation that happens to be the identity is rotated by one. */
function shuffleInPlace<T>(items: T[], seed: number): void {
  if (items.length < 2) return;
  const original = items.slice();
  const random = mulberry32(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  if (items.every((item, i) => item === original[i])) items.push(items.shift() as T);
}

export async function startKrrSimulator(opts: KrrSimulatorOptions): Promise<KrrSimulator> {
  const verifyBearer = createBearerVerifier({ issuer: opts.maskinportenIssuer, jwksUrl: opts.maskinportenJwksUrl });
  const now = opts.now ?? Date.now;
  const shuffle = opts.shuffle ?? true;
  const populateUnknown = opts.populateUnknown ?? false;

  // Persons are read once, here: later changes to the given objects are not seen.
  const byId = new Map<string, PersonEntry>();
  for (const person of opts.persons ?? krrSeedPersons) byId.set(person.personidentifikator, indexPerson(person));
  // Generated persons (populateUnknown), kept so their serialized answers are reused; cleared when full.
  const generated = new Map<string, PersonEntry>();

  /** The generated person for an unknown id, or undefined when the id is not a valid personal identifier. */
  function generatedEntry(id: string): PersonEntry | undefined {
    let entry = generated.get(id);
    if (!entry) {
      if (!isValidPersonId(id)) return undefined;
      if (generated.size >= MAX_GENERATED) generated.clear();
      entry = indexPerson(generatedPerson(id));
      generated.set(id, entry);
    }
    return entry;
  }

  const requests: KrrRequestRecord[] = [];
  let recordedIds = 0;
  const faults = new FaultInjector();
  faults.setLatency(opts.latencyMs ?? 0);
  let requestCounter = 0;
  let refused = new Set<string>(opts.refuseIds ?? []);
  let refusalBody: unknown = REFUSAL_BODY;

  function record(
    path: string,
    correlationId: string | undefined,
    status: number,
    ids: string[],
    scopes: string[],
    parties: { consumer?: string; supplier?: string } = {},
  ): void {
    requests.push({ path, status, ids, scopes, ...(correlationId ? { correlationId } : {}), ...parties });
    recordedIds += ids.length;
    let drop = 0;
    while (requests.length - drop > 1 && (requests.length - drop > MAX_RECORDS || recordedIds > MAX_RECORDED_IDS)) {
      recordedIds -= requests[drop]?.ids.length ?? 0;
      drop++;
    }
    if (drop > 0) requests.splice(0, drop);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const header = req.headers['x-correlation-id'];
    const correlationId = typeof header === 'string' ? header : undefined;

    if (req.method !== 'POST' || !ROUTES.has(path)) {
      req.resume();
      if (req.method === 'POST') record(path, correlationId, 404, [], []);
      sendJson(res, 404, { code: 'NOT_FOUND', message: 'no such resource' });
      return;
    }

    let body: unknown;
    try {
      body = await readJson(req);
    } catch (err) {
      const status = err instanceof BodyTooLargeError ? 413 : 400;
      record(path, correlationId, status, [], []);
      sendJson(
        res,
        status,
        { code: 'BAD_REQUEST', message: 'request body could not be read' },
        { connection: 'close' },
      );
      return;
    }
    const rawIds = (body as { personidentifikatorer?: unknown } | undefined)?.personidentifikatorer;
    const recordIds = Array.isArray(rawIds) ? rawIds.filter((id): id is string => typeof id === 'string') : [];

    const auth = await verifyBearer(req);
    if (!auth.ok) {
      record(path, correlationId, 401, recordIds, []);
      sendJson(
        res,
        401,
        { error: 'invalid_token', error_description: auth.reason },
        { 'www-authenticate': `Bearer error="invalid_token", error_description="${auth.reason}"` },
      );
      return;
    }
    const scopes = auth.bearer.scopes;
    const scopeList = [...scopes].filter((s) => s !== '');
    const parties = legalParties(auth.bearer.claims);
    const contact = scopes.has(KRR_SCOPES.kontaktinformasjon) || scopes.has(KRR_SCOPES.supplierKontaktinformasjon);
    const post = scopes.has(KRR_SCOPES.digitalpost) || scopes.has(KRR_SCOPES.supplierDigitalpost);
    if (!contact && !post) {
      record(path, correlationId, 403, recordIds, scopeList, parties);
      sendJson(
        res,
        403,
        { code: 'FORBIDDEN', message: 'the token carries no KRR scope' },
        {
          'www-authenticate': `Bearer error="insufficient_scope", scope="${KRR_SCOPES.kontaktinformasjon} ${KRR_SCOPES.digitalpost}"`,
        },
      );
      return;
    }

    if (await faults.apply(req, res)) {
      record(path, correlationId, faultStatus(res), recordIds, scopeList, parties);
      return;
    }

    const parsed = parseRequest(body, path);
    if (!parsed.ok) {
      record(path, correlationId, 400, recordIds, scopeList, parties);
      sendJson(res, 400, { code: 'BAD_REQUEST', message: parsed.message });
      return;
    }

    if (refused.size > 0 && parsed.ids.some((id) => refused.has(id))) {
      record(path, correlationId, 400, recordIds, scopeList, parties);
      sendJson(res, 400, refusalBody);
      return;
    }

    const cutoff = krrStaleCutoff(now());
    const personer: string[] = [];
    for (const id of new Set(parsed.ids)) {
      let entry = byId.get(id);
      if (!entry && populateUnknown) entry = generatedEntry(id);
      if (!entry) {
        if (parsed.includeUnregistered) personer.push(unregistered(id, contact));
        continue;
      }
      if (entry.person.status === 'IKKE_REGISTRERT' && !parsed.includeUnregistered) continue;
      personer.push(serialize(entry, contact, post, cutoff));
    }
    if (shuffle) shuffleInPlace(personer, ++requestCounter * 0x9e3779b1);

    record(path, correlationId, 200, recordIds, scopeList, parties);
    const pieces = answerPieces(personer);
    res.writeHead(200, {
      'content-type': 'application/json;charset=UTF-8',
      'content-length': pieces.reduce((sum, piece) => sum + piece.length, 0),
    });
    // One write of every piece (corked), as one string would have gone.
    res.cork();
    for (const piece of pieces) res.write(piece);
    res.uncork();
    res.end();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { code: 'INTERNAL_ERROR', message: 'internal error' });
      else res.destroy();
    });
  });
  const url = await listen(server, opts.port ?? 0, opts.host ?? '127.0.0.1');

  return {
    url,
    requests,
    faults,
    failNext(status: number, count = 1, body?: unknown): void {
      faults.enqueue({ kind: 'status', status, body }, count);
    },
    setLatency(ms: number): void {
      faults.setLatency(ms);
    },
    refuseIds(ids: Iterable<string>, body?: unknown): void {
      refused = new Set(ids);
      refusalBody = body === undefined ? REFUSAL_BODY : body;
    },
    close: () => {
      faults.destroyPending();
      return close(server);
    },
  };
}
