import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientResolvers } from '../../src/clients/resolvers.js';
import { OrganizationNumberScalar, PersonIdentifierScalar, ScalarInputError } from '../../src/graphql/scalars.js';
import { materializePerson, toPersonModel } from '../../src/krr/mapping.js';

const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n });

/** Classic mod-11 check digit; undefined when it would be 10 (no valid number with these digits). */
function check(ds: number[], weights: number[]): number | undefined {
  const sum = weights.reduce((acc, w, i) => acc + w * (ds[i] ?? 0), 0);
  const c = 11 - (sum % 11);
  return c === 11 ? 0 : c === 10 ? undefined : c;
}

/** Valid personal identifiers: a real date, optionally as D-number (+40 day), H (+40 month) or Tenor (+80 month). */
const personIdentifier = fc
  .record({
    day: fc.integer({ min: 1, max: 28 }),
    month: fc.integer({ min: 1, max: 12 }),
    year: fc.integer({ min: 0, max: 99 }),
    individual: digits(3),
    kind: fc.constantFrom('plain', 'd', 'h', 'synthetic'),
  })
  .map(({ day, month, year, individual, kind }) => {
    const dd = kind === 'd' ? day + 40 : day;
    const mm = kind === 'h' ? month + 40 : kind === 'synthetic' ? month + 80 : month;
    const base = [...`${dd}`.padStart(2, '0'), ...`${mm}`.padStart(2, '0'), ...`${year}`.padStart(2, '0')].map(Number);
    const d = [...base, ...individual];
    const k1 = check(d, [3, 7, 6, 1, 8, 9, 4, 5, 2]);
    if (k1 === undefined) return undefined;
    const k2 = check([...d, k1], [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    return k2 === undefined ? undefined : [...d, k1, k2].join('');
  })
  .filter((id): id is string => id !== undefined);

describe('PersonIdentifier (property-based)', () => {
  it('accepts every valid fødselsnummer, D-, H- and synthetic number', () => {
    fc.assert(fc.property(personIdentifier, (id) => PersonIdentifierScalar.parseValue(id) === id));
  });

  it('refuses the same number with another second check digit', () => {
    fc.assert(
      fc.property(personIdentifier, fc.integer({ min: 1, max: 9 }), (id, delta) => {
        const wrong = id.slice(0, 10) + ((Number(id[10]) + delta) % 10);
        expect(() => PersonIdentifierScalar.parseValue(wrong)).toThrow(ScalarInputError);
      }),
    );
  });

  it('refuses anything else with BAD_USER_INPUT and never repeats the value', () => {
    const refusal = (value: unknown) => {
      try {
        PersonIdentifierScalar.parseValue(value);
        return undefined;
      } catch (err) {
        expect(err).toBeInstanceOf(ScalarInputError);
        return (err as Error).message;
      }
    };
    // One message for every refused value: nothing of the value can be in it. (Asking that the message not contain the
    // value failed on values that are words of the message, " val" of "valid".)
    const message = refusal('x');
    expect(message).toMatch(/^Not a valid personal identifier/);
    // A JSON number has a message of its own (send it as a string), the same for every number.
    const numberMessage = refusal(1);
    expect(numberMessage).toMatch(/^PersonIdentifier must be given as a string of 11 digits, not as a number/);
    fc.assert(
      // Long strings too: fast-check's default strings are short, and a message that quoted long values would pass.
      fc.property(fc.oneof(fc.string(), fc.string({ minLength: 12, maxLength: 64 }), fc.anything()), (value) => {
        const got = refusal(value);
        if (got === undefined) expect(value).toMatch(/^\d{11}$/);
        else expect(got).toBe(typeof value === 'number' || typeof value === 'bigint' ? numberMessage : message);
      }),
    );
    expect(refusal(' val')).toBe(message);
  });
});

describe('OrganizationNumber (property-based)', () => {
  const orgno = digits(8)
    .map((d) => {
      const c = check(d, [3, 2, 7, 6, 5, 4, 3, 2]);
      return c === undefined ? undefined : [...d, c].join('');
    })
    .filter((o): o is string => o !== undefined);

  it('accepts valid numbers and refuses a changed check digit', () => {
    fc.assert(
      fc.property(orgno, fc.integer({ min: 1, max: 9 }), (o, delta) => {
        expect(OrganizationNumberScalar.parseValue(o)).toBe(o);
        const wrong = o.slice(0, 8) + ((Number(o[8]) + delta) % 10);
        expect(() => OrganizationNumberScalar.parseValue(wrong)).toThrow(ScalarInputError);
      }),
    );
  });

  it('serializes whatever the upstream sent, even numbers that fail the check', () => {
    fc.assert(fc.property(fc.string(), (s) => OrganizationNumberScalar.serialize(s) === s));
  });
});

/** Values of the documented shape, wrong types included: KRR is not always what its docs say. */
const loose = fc.oneof(
  fc.constantFrom('JA', 'NEI', 'AKTIV', 'SLETTET', 'IKKE_REGISTRERT', 'KAN_VARSLES', 'KAN_IKKE_VARSLES', 'nb', 'nn'),
  fc.constantFrom(
    '2010-12-16T13:32:05.000+01:00',
    '2023-06-29T10:14:52+02',
    '2023-08-05T10:45:15.768Z',
    '2024-02-30T00:00:00Z',
  ),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.anything(),
);

const krrPerson = fc.record(
  {
    personidentifikator: fc.oneof(personIdentifier, loose),
    reservasjon: loose,
    reservasjonstidspunkt: loose,
    status: loose,
    varslingsstatus: loose,
    spraak: loose,
    spraak_oppdatert: loose,
    kontaktinformasjon: fc.oneof(
      fc.record(
        {
          epostadresse: loose,
          epostadresse_oppdatert: loose,
          epostadresse_sist_verifisert: loose,
          epostadresse_duplisert: loose,
          mobiltelefonnummer: loose,
          mobiltelefonnummer_oppdatert: loose,
          mobiltelefonnummer_sist_validert: loose,
        },
        { requiredKeys: [] },
      ),
      loose,
    ),
    digital_post: fc.oneof(
      fc.record({ postkasseadresse: loose, postkasseleverandoeradresse: loose }, { requiredKeys: [] }),
      loose,
    ),
    postkasseadresse: loose,
    sertifikat: loose,
    extra_field_from_the_future: fc.anything(),
  },
  { requiredKeys: [] },
);

describe('DTO → schema mapping (property-based)', () => {
  it('maps any KRR person of the documented shape without throwing, when mapped or read, into valid schema values', () => {
    fc.assert(
      fc.property(krrPerson, fc.date({ noInvalidDate: true }), (dto, now) => {
        // Every member read (they are read on demand): none may throw either.
        const person = materializePerson(toPersonModel('11822648950', dto as never, now));
        expect(['ACTIVE', 'DELETED', 'NOT_REGISTERED']).toContain(person.status);
        expect([null, 'CAN_BE_NOTIFIED', 'CANNOT_BE_NOTIFIED']).toContain(person.notificationStatus);
        for (const point of [person.email, person.mobilePhone]) {
          if (point) {
            expect(typeof point.value).toBe('string');
            expect(typeof point.stale).toBe('boolean');
            for (const t of [point.updatedAt, point.lastVerifiedAt, point.lastValidatedAt]) {
              if (t) expect(Number.isNaN(t.getTime())).toBe(false);
            }
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  const clientDto = fc.record(
    {
      client_id: loose,
      client_name: loose,
      display_name: loose,
      client_orgno: loose,
      integration_type: fc.constantFrom('idporten', 'maskinporten', 'krr', 'api_klient', 'eformidling', 'ansattporten'),
      application_type: loose,
      token_endpoint_auth_method: loose,
      grant_types: fc.oneof(fc.array(loose), loose),
      scopes: fc.oneof(fc.array(loose), loose),
      redirect_uris: fc.oneof(fc.array(loose), loose),
      refresh_token_usage: loose,
      active: loose,
      created: loose,
      last_updated: loose,
      onbehalfof: fc.oneof(fc.array(fc.dictionary(fc.string(), loose)), loose),
      unknown_future_field: fc.anything(),
    },
    { requiredKeys: ['integration_type'] },
  );

  it('resolves every Client field of any admin API client of the documented shape without throwing', () => {
    const fields = clientResolvers.Client as Record<
      string,
      (parent: unknown, args: unknown, ctx: unknown, info: unknown) => unknown
    >;
    const ctx = { clients: { jwks: { load: async () => ({ keys: [] }) } } };
    fc.assert(
      fc.property(clientDto, (dto) => {
        for (const [name, resolve] of Object.entries(fields)) {
          if (typeof resolve !== 'function') continue;
          const value = resolve(dto, {}, ctx, {});
          if (['grantTypes', 'scopes', 'redirectUris', 'postLogoutRedirectUris', 'onBehalfOf'].includes(name)) {
            expect(Array.isArray(value)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
