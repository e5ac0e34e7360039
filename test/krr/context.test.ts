import { describe, expect, it } from 'vitest';
import type { PersonBatcher } from '../../src/krr/batcher.js';
import type { LookupKind } from '../../src/krr/client.js';
import { createPersonsContext, type PersonsContextOptions } from '../../src/krr/context.js';
import { PersonRateLimiter } from '../../src/krr/rate-limit.js';
import type { AuditLog, PersonsRevealed } from '../../src/observability/audit.js';

/** One written line: a record's fields with one of its persons. */
type AuditEntry = Omit<PersonsRevealed, 'personIds'> & { personId: string };
import type { PersonModel } from '../../src/krr/model.js';
import type { PersonLimiter, RateLimitDecision } from '../../src/krr/rate-limit.js';

const CONTACT: LookupKind = { digitalPost: false };
const POST: LookupKind = { digitalPost: true };

/** A persons context over a batcher answering every id, recording its look-ups and the audit entries written. */
function context(extra: Partial<PersonsContextOptions> = {}) {
  const lookups: { ids: string[]; digitalPost: boolean }[] = [];
  const entries: AuditEntry[] = [];
  const batcher = {
    loadMany(ids: readonly string[], kind: LookupKind) {
      lookups.push({ ids: [...ids], digitalPost: kind.digitalPost });
      return Promise.resolve(ids.map((id) => ({ personidentifikator: id, status: 'AKTIV', reservasjon: 'NEI' })));
    },
  } as unknown as PersonBatcher;
  const audit = {
    write(records: readonly PersonsRevealed[]) {
      for (const { personIds, ...record } of records)
        for (const personId of personIds) entries.push({ ...record, personId });
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  } as unknown as AuditLog;
  const persons = createPersonsContext({
    batcher,
    now: Date.now,
    audit,
    limiter: new PersonRateLimiter({ personsPerMinute: 1000 }),
    requestId: 'req-1',
    caller: { subject: 'user', clientId: 'client', scopes: new Set() },
    upstream: { correlationId: 'req-1' },
    ...extra,
  });
  return { persons, lookups, entries };
}

const groups = (entries: AuditEntry[]) =>
  entries.map((e) => [e.personId, e.dataGroups.join('+')]).sort((a, b) => String(a).localeCompare(String(b)));

describe('createPersonsContext', () => {
  it("writes the caller's request id on each audit record, and none when there is none", async () => {
    const given = context({ callerRequestId: 'their-id' });
    await given.persons.lookup(['1', '2'], CONTACT, 'Op');
    expect(given.entries.map((e) => [e.personId, e.requestId, e.callerRequestId])).toEqual([
      ['1', 'req-1', 'their-id'],
      ['2', 'req-1', 'their-id'],
    ]);
    const none = context();
    await none.persons.lookup(['1'], CONTACT, null);
    expect(none.entries[0]?.callerRequestId).toBeUndefined();
  });

  it('looks up a person wanted both ways once, with digital post, and writes one record with it', async () => {
    // either order of the fields in the request
    for (const order of [
      [CONTACT, POST],
      [POST, CONTACT],
    ]) {
      const { persons, lookups, entries } = context();
      const results = await Promise.all([
        persons.lookup(['1', '2'], order[0] as LookupKind, null),
        persons.lookup(['2', '3'], order[1] as LookupKind, null),
      ]);
      expect(results.flat().every((r) => !(r instanceof Error))).toBe(true);
      const post = order[0] === POST ? ['1', '2'] : ['2', '3'];
      const contactOnly = order[0] === POST ? ['3'] : ['1'];
      expect(lookups.sort((a, b) => Number(a.digitalPost) - Number(b.digitalPost))).toEqual([
        { ids: contactOnly, digitalPost: false },
        { ids: post, digitalPost: true },
      ]);
      expect(groups(entries)).toEqual(
        [[contactOnly[0], 'contact_information'], ...post.map((id) => [id, 'contact_information+digital_post'])].sort(
          (a, b) => String(a).localeCompare(String(b)),
        ),
      );
    }
  });

  it('writes one record per person and kind: the same way twice is one record, a later digital-post look-up adds one', async () => {
    const { persons, entries } = context();
    await Promise.all([persons.lookup(['1'], CONTACT, null), persons.lookup(['1'], CONTACT, null)]);
    expect(groups(entries)).toEqual([['1', 'contact_information']]);
    await persons.lookup(['1'], POST, null);
    await persons.lookup(['1'], POST, null);
    await persons.lookup(['1'], CONTACT, null);
    expect(groups(entries)).toEqual([
      ['1', 'contact_information'],
      ['1', 'contact_information+digital_post'],
    ]);
  });

  it('charges a person once per request: repeats in one look-up, and later look-ups waiting on a decision not yet made', async () => {
    const taken: number[] = [];
    let decide: ((d: RateLimitDecision) => void) | undefined;
    const limiter: PersonLimiter = {
      take(_caller, count) {
        taken.push(count);
        // The first decision is held until the test makes it; later ones are made at once.
        if (taken.length > 1) return { ok: true, retryAfterSeconds: 0, remaining: 100 };
        return new Promise<RateLimitDecision>((resolve) => (decide = resolve));
      },
    };
    const { persons, lookups } = context({ limiter });
    const first = persons.lookup(['1', '2', '1', '3'], CONTACT, null);
    const second = persons.lookup(['2', '3'], CONTACT, null);
    await new Promise((r) => setImmediate(r));
    // One decision for the three distinct persons; the second look-up asked for no more and waits for it.
    expect(taken).toEqual([3]);
    expect(lookups).toEqual([]);
    decide?.({ ok: true, retryAfterSeconds: 0, remaining: 100 });
    const [a, b] = await Promise.all([first, second]);
    expect([...a, ...b].every((r) => !(r instanceof Error))).toBe(true);
    await persons.lookup(['3', '4'], CONTACT, null);
    expect(taken).toEqual([3, 1]);
  });

  it('looks up, charges and audits a person repeated in a first look-up once, and answers every position', async () => {
    const taken: number[] = [];
    const limiter: PersonLimiter = {
      take(_caller, count) {
        taken.push(count);
        return { ok: true, retryAfterSeconds: 0, remaining: 100 };
      },
    };
    const { persons, lookups, entries } = context({ limiter });
    const results = await persons.lookup(['1', '2', '1', '3', '2'], CONTACT, null);
    expect(results.map((r) => (r as PersonModel).id)).toEqual(['1', '2', '1', '3', '2']);
    expect(results[0]).toBe(results[2]);
    expect(taken).toEqual([3]);
    expect(lookups).toEqual([{ ids: ['1', '2', '3'], digitalPost: false }]);
    expect(groups(entries)).toEqual([
      ['1', 'contact_information'],
      ['2', 'contact_information'],
      ['3', 'contact_information'],
    ]);
  });

  it('withholds every position of a repeated person whose audit record could not be written', async () => {
    const audit = {
      write: () => Promise.reject(new Error('disk full')),
      close: () => Promise.resolve(),
    } as unknown as AuditLog;
    const { persons } = context({ audit });
    const results = await persons.lookup(['1', '2', '1'], CONTACT, null);
    expect(results.map((r) => (r as { extensions?: { code?: string } }).extensions?.code)).toEqual([
      'AUDIT_UNAVAILABLE',
      'AUDIT_UNAVAILABLE',
      'AUDIT_UNAVAILABLE',
    ]);
  });

  it('fails every look-up waiting on a refused decision, and one whose limiter throws, without hanging', async () => {
    const refusing = context({
      limiter: { take: () => Promise.resolve({ ok: false, retryAfterSeconds: 7, remaining: 0 }) },
    });
    const refused = await Promise.allSettled([
      refusing.persons.lookup(['1', '2'], CONTACT, null),
      refusing.persons.lookup(['2'], CONTACT, null),
    ]);
    for (const r of refused) {
      expect(r.status).toBe('rejected');
      expect(((r as PromiseRejectedResult).reason as { extensions?: { code?: string } }).extensions?.code).toBe(
        'RATE_LIMITED',
      );
    }
    const throwing = context({
      limiter: {
        take: () => {
          throw new Error('limiter broke');
        },
      },
    });
    await expect(throwing.persons.lookup(['1'], CONTACT, null)).rejects.toThrow('limiter broke');
    // The same person again waits on that settled decision instead of forever.
    await expect(throwing.persons.lookup(['1'], CONTACT, null)).rejects.toThrow('limiter broke');
    expect(refusing.lookups).toEqual([]);
    expect(throwing.lookups).toEqual([]);
  });
});
