import { describe, expect, it } from 'vitest';
import type { KrrPersonDto } from '../../src/krr/dto.js';
import { STALE_AFTER_MONTHS, materializePerson, toPersonModel as lazyPersonModel } from '../../src/krr/mapping.js';
import { getNamedType, isEnumType, isObjectType, isSpecifiedScalarType, type GraphQLLeafType } from 'graphql';
import { buildSchema } from '../../src/graphql/schema.js';
import { SERIALIZED_MODEL_TYPES, type PersonModel } from '../../src/krr/model.js';
import { personResolvers } from '../../src/krr/resolvers.js';

const ID = '11822648950';
/** A fixed "now"; 18 months earlier is exactly 2023-12-15T12:00:00.000Z. */
const NOW = new Date('2025-06-15T12:00:00.000Z');
const BOUNDARY = '2023-12-15T12:00:00.000Z';
const JUST_BEFORE_BOUNDARY = '2023-12-15T11:59:59.999Z';

/** The model with every member read (they are read on demand), so whole persons compare as plain objects. */
const toPersonModel = (...args: Parameters<typeof lazyPersonModel>) => materializePerson(lazyPersonModel(...args));

/** Lets a test hand the mapping what KRR might really send, whatever the declared DTO types say. */
const odd = (value: unknown) => value as KrrPersonDto;

function activePerson(overrides: Partial<KrrPersonDto> = {}): KrrPersonDto {
  return {
    personidentifikator: ID,
    reservasjon: 'NEI',
    status: 'AKTIV',
    varslingsstatus: 'KAN_VARSLES',
    spraak: 'nb',
    spraak_oppdatert: '2023-06-29T10:14:52+02',
    kontaktinformasjon: {
      epostadresse: 'ola.nordmann@example.no',
      epostadresse_oppdatert: '2025-01-10T09:00:00Z',
      epostadresse_sist_verifisert: '2025-02-01T10:00:00.000+01:00',
      epostadresse_sist_validert: '2025-03-01T10:00:00Z',
      epostadresse_duplisert: 'NEI',
      mobiltelefonnummer: '+4799999999',
      mobiltelefonnummer_oppdatert: '2024-12-24T18:00:00Z',
      mobiltelefonnummer_sist_verifisert: '2017-11-02 T15:02:32 +0100',
      mobiltelefonnummer_duplisert: 'JA',
    },
    ...overrides,
  };
}

describe('toPersonModel', () => {
  it('maps a registered, active person completely', () => {
    expect(toPersonModel(ID, activePerson(), NOW)).toEqual<PersonModel>({
      id: ID,
      status: 'ACTIVE',
      reserved: false,
      reservedAt: null,
      notificationStatus: 'CAN_BE_NOTIFIED',
      language: 'nb',
      languageUpdatedAt: new Date('2023-06-29T08:14:52.000Z'),
      email: {
        value: 'ola.nordmann@example.no',
        updatedAt: new Date('2025-01-10T09:00:00Z'),
        lastVerifiedAt: new Date('2025-02-01T09:00:00Z'),
        lastValidatedAt: new Date('2025-03-01T10:00:00Z'),
        duplicated: false,
        stale: false,
      },
      mobilePhone: {
        value: '+4799999999',
        updatedAt: new Date('2024-12-24T18:00:00Z'),
        lastVerifiedAt: new Date('2017-11-02T14:02:32Z'),
        lastValidatedAt: null,
        duplicated: true,
        stale: false,
      },
      digitalMailbox: null,
    });
  });

  it('maps each status', () => {
    expect(toPersonModel(ID, activePerson({ status: 'AKTIV' }), NOW).status).toBe('ACTIVE');
    const deleted = toPersonModel(ID, { personidentifikator: ID, status: 'SLETTET', reservasjon: 'NEI' }, NOW);
    expect(deleted).toMatchObject({ status: 'DELETED', reserved: false, email: null, mobilePhone: null });
    const unregistered = toPersonModel(ID, { personidentifikator: ID, status: 'IKKE_REGISTRERT' }, NOW);
    expect(unregistered).toMatchObject({ status: 'NOT_REGISTERED', reserved: null, email: null, digitalMailbox: null });
    // Even if KRR sent a reservation answer, an unregistered person has none.
    expect(toPersonModel(ID, { status: 'IKKE_REGISTRERT', reservasjon: 'NEI' }, NOW).reserved).toBeNull();
  });

  it('shows no contact point, mailbox or notification for a deleted or unregistered person, whatever KRR sent', () => {
    const mailbox = { postkasseadresse: 'ola#1', postkasseleverandoeradresse: '984661185' };
    for (const status of ['SLETTET', 'IKKE_REGISTRERT', 'slettet']) {
      const person = toPersonModel(
        ID,
        activePerson({ status, varslingsstatus: 'KAN_VARSLES', digital_post: mailbox }),
        NOW,
      );
      expect(person, status).toMatchObject({
        email: null,
        mobilePhone: null,
        digitalMailbox: null,
        notificationStatus: 'CANNOT_BE_NOTIFIED',
        language: null,
        languageUpdatedAt: null,
      });
    }
    expect(toPersonModel(ID, activePerson({ digital_post: mailbox }), NOW).digitalMailbox).not.toBeNull();
  });

  it("reads KRR's codes in any case and with spaces around", () => {
    const person = toPersonModel(
      ID,
      activePerson({ status: ' aktiv', reservasjon: 'ja ', varslingsstatus: 'Kan_Ikke_Varsles' }),
      NOW,
    );
    expect(person).toMatchObject({ status: 'ACTIVE', reserved: true, notificationStatus: 'CANNOT_BE_NOTIFIED' });
    expect(toPersonModel(ID, activePerson({ status: 'Ikke_Registrert' }), NOW).status).toBe('NOT_REGISTERED');
    expect(toPersonModel(ID, activePerson({ reservasjon: 'nei' }), NOW).reserved).toBe(false);
    const contact = { ...activePerson().kontaktinformasjon, epostadresse_duplisert: 'ja' };
    expect(toPersonModel(ID, activePerson({ kontaktinformasjon: contact }), NOW).email?.duplicated).toBe(true);
  });

  it('infers the status when it is missing or unknown: registered if there is a reservation answer', () => {
    expect(toPersonModel(ID, { reservasjon: 'JA' }, NOW).status).toBe('ACTIVE');
    expect(toPersonModel(ID, { status: 'NY_STATUS', reservasjon: 'NEI' }, NOW).status).toBe('ACTIVE');
    expect(toPersonModel(ID, { status: 'NY_STATUS' }, NOW).status).toBe('NOT_REGISTERED');
    expect(toPersonModel(ID, {}, NOW).status).toBe('NOT_REGISTERED');
  });

  it('maps the reservation JA/NEI and its time', () => {
    const reserved = toPersonModel(
      ID,
      activePerson({ reservasjon: 'JA', reservasjonstidspunkt: '2010-12-16T13:32:05.000+01:00' }),
      NOW,
    );
    expect(reserved.reserved).toBe(true);
    expect(reserved.reservedAt?.toISOString()).toBe('2010-12-16T12:32:05.000Z');
    expect(toPersonModel(ID, activePerson({ reservasjon: 'NEI' }), NOW).reserved).toBe(false);
    expect(toPersonModel(ID, activePerson({ reservasjon: 'KANSKJE' }), NOW).reserved).toBeNull();
    expect(toPersonModel(ID, activePerson({ reservasjon: undefined }), NOW).reserved).toBeNull();
    // Newer documents name the time reservasjon_oppdatert.
    expect(
      toPersonModel(ID, activePerson({ reservasjon_oppdatert: '2023-08-05T10:45:15.768Z' }), NOW).reservedAt,
    ).toEqual(new Date('2023-08-05T10:45:15.768Z'));
  });

  it('maps the notification status and the language', () => {
    expect(toPersonModel(ID, activePerson({ varslingsstatus: 'KAN_IKKE_VARSLES' }), NOW).notificationStatus).toBe(
      'CANNOT_BE_NOTIFIED',
    );
    expect(toPersonModel(ID, activePerson({ varslingsstatus: 'UKJENT' }), NOW).notificationStatus).toBeNull();
    expect(toPersonModel(ID, activePerson({ spraak: 'NN' }), NOW).language).toBe('nn');
    expect(toPersonModel(ID, activePerson({ spraak: '' }), NOW).language).toBeNull();
  });

  it('answers NOT_REGISTERED for an id KRR did not return', () => {
    expect(toPersonModel(ID, undefined, NOW)).toEqual<PersonModel>({
      id: ID,
      status: 'NOT_REGISTERED',
      reserved: null,
      reservedAt: null,
      notificationStatus: 'CANNOT_BE_NOTIFIED',
      language: null,
      languageUpdatedAt: null,
      email: null,
      mobilePhone: null,
      digitalMailbox: null,
    });
  });

  describe(`the ${STALE_AFTER_MONTHS}-month rule, per channel`, () => {
    const withContact = (contact: Record<string, string>) =>
      toPersonModel(ID, activePerson({ kontaktinformasjon: { epostadresse: 'a@b.no', ...contact } }), NOW).email;

    it('is fresh when updated exactly 18 months ago, stale one millisecond earlier', () => {
      expect(withContact({ epostadresse_oppdatert: BOUNDARY })?.stale).toBe(false);
      expect(withContact({ epostadresse_oppdatert: JUST_BEFORE_BOUNDARY })?.stale).toBe(true);
    });

    it('counts a verification as much as an update', () => {
      expect(
        withContact({ epostadresse_oppdatert: '2019-01-01T00:00:00Z', epostadresse_sist_verifisert: BOUNDARY })?.stale,
      ).toBe(false);
      expect(
        withContact({
          epostadresse_oppdatert: '2019-01-01T00:00:00Z',
          epostadresse_sist_verifisert: JUST_BEFORE_BOUNDARY,
        })?.stale,
      ).toBe(true);
      // A recent validation (syntax check) alone does not make a channel fresh.
      expect(
        withContact({
          epostadresse_oppdatert: '2019-01-01T00:00:00Z',
          epostadresse_sist_validert: '2025-06-01T00:00:00Z',
        })?.stale,
      ).toBe(true);
    });

    it('judges e-mail and mobile separately', () => {
      const person = toPersonModel(
        ID,
        activePerson({
          kontaktinformasjon: {
            epostadresse: 'old@example.no',
            epostadresse_oppdatert: JUST_BEFORE_BOUNDARY,
            mobiltelefonnummer: '+4791234567',
            mobiltelefonnummer_sist_verifisert: BOUNDARY,
          },
        }),
        NOW,
      );
      expect(person.email).toMatchObject({ value: 'old@example.no', stale: true });
      expect(person.mobilePhone).toMatchObject({ value: '+4791234567', stale: false });
    });

    it('is stale when no time is known or it cannot be read', () => {
      expect(withContact({})?.stale).toBe(true);
      expect(withContact({ epostadresse_oppdatert: 'i går' })?.stale).toBe(true);
    });

    it('counts calendar months at the end of a month (31 Aug → 29 Feb in a leap year)', () => {
      const endOfAugust = new Date('2025-08-31T12:00:00.000Z');
      const email = (updated: string) =>
        toPersonModel(
          ID,
          activePerson({ kontaktinformasjon: { epostadresse: 'a@b.no', epostadresse_oppdatert: updated } }),
          endOfAugust,
        ).email?.stale;
      // 2024-03-01 + 18 months = 2025-09-01, after "now": still fresh.
      expect(email('2024-03-01T12:00:00.000Z')).toBe(false);
      // 2024-02-28 + 18 months = 2025-08-28, before "now": stale.
      expect(email('2024-02-28T12:00:00.000Z')).toBe(true);
    });
  });

  describe('the digital mailbox', () => {
    it('is read from digital_post', () => {
      const person = toPersonModel(
        ID,
        activePerson({
          digital_post: { postkasseadresse: 'ola.nordmann#1234', postkasseleverandoeradresse: '984661185' },
          sertifikat: 'MIIBase64Cert==',
        }),
        NOW,
      );
      expect(person.digitalMailbox).toEqual({
        address: 'ola.nordmann#1234',
        providerOrganizationNumber: '984661185',
        certificate: 'MIIBase64Cert==',
      });
    });

    it('is read from top-level fields too', () => {
      const person = toPersonModel(
        ID,
        activePerson({ postkasseadresse: 'kari#eboks', postkasseleverandoeradresse: '922020175' }),
        NOW,
      );
      expect(person.digitalMailbox).toEqual({
        address: 'kari#eboks',
        providerOrganizationNumber: '922020175',
        certificate: null,
      });
    });

    it('takes a certificate nested under digital_post', () => {
      const person = toPersonModel(
        ID,
        odd({
          ...activePerson(),
          digital_post: { postkasseadresse: 'x#1', postkasseleverandoeradresse: '984661185', sertifikat: 'MIInested' },
        }),
        NOW,
      );
      expect(person.digitalMailbox?.certificate).toBe('MIInested');
    });

    it('keeps a provider orgno that fails the mod-11 check (output is never validated)', () => {
      const person = toPersonModel(
        ID,
        activePerson({ digital_post: { postkasseadresse: 'x#1', postkasseleverandoeradresse: '991825828' } }),
        NOW,
      );
      expect(person.digitalMailbox?.providerOrganizationNumber).toBe('991825828');
    });

    it('is null without both an address and a provider', () => {
      expect(toPersonModel(ID, activePerson({ digital_post: { postkasseadresse: 'x#1' } }), NOW).digitalMailbox).toBe(
        null,
      );
      expect(toPersonModel(ID, activePerson({ postkasseleverandoeradresse: '984661185' }), NOW).digitalMailbox).toBe(
        null,
      );
      expect(toPersonModel(ID, activePerson({ digital_post: null }), NOW).digitalMailbox).toBeNull();
    });
  });

  it('ignores unknown fields and survives wrong types in known ones', () => {
    const person = toPersonModel(
      ID,
      odd({
        ...activePerson(),
        nytt_felt: { nested: [1, 2, 3] },
        reservasjon: true,
        spraak: 47,
        spraak_oppdatert: ['2023-06-29T10:14:52+02'],
        kontaktinformasjon: {
          epostadresse: 12345,
          mobiltelefonnummer: '+4799999999',
          mobiltelefonnummer_oppdatert: {},
        },
        digital_post: 'not an object',
      }),
      NOW,
    );
    expect(person).toMatchObject({ status: 'ACTIVE', reserved: true, language: null, languageUpdatedAt: null });
    expect(person.email).toBeNull();
    expect(person.mobilePhone).toMatchObject({ value: '+4799999999', updatedAt: null, stale: true });
    expect(person.digitalMailbox).toBeNull();
  });

  it('never puts an Invalid Date in the model, whatever number KRR sends as a time', () => {
    const person = toPersonModel(
      ID,
      odd({
        ...activePerson(),
        reservasjonstidspunkt: 1e20,
        spraak_oppdatert: Number.MAX_VALUE,
        kontaktinformasjon: { epostadresse: 'a@b.no', epostadresse_oppdatert: 9e12, epostadresse_sist_validert: -1e20 },
      }),
      NOW,
    );
    for (const date of [
      person.reservedAt,
      person.languageUpdatedAt,
      person.email?.updatedAt,
      person.email?.lastValidatedAt,
    ]) {
      expect(date === null || (date instanceof Date && !Number.isNaN(date.getTime())), `got ${String(date)}`).toBe(
        true,
      );
    }
  });
});

describe('toPersonModel on random documents of the documented shape', () => {
  const TIMESTAMPS = [
    '2010-12-16T13:32:05.000+01:00',
    '2023-06-29T10:14:52+02',
    '2023-08-05T10:45:15.768Z',
    '2017-11-02 T15:02:32 +0100',
    BOUNDARY,
  ];
  const pick = <T>(values: readonly T[]): T => values[Math.floor(Math.random() * values.length)] as T;
  const chance = (p: number) => Math.random() < p;

  /** Anything at all: what a field holds when KRR (or a proxy) sends the unexpected. */
  function anyValue(depth = 0): unknown {
    switch (Math.floor(Math.random() * 10)) {
      case 0:
        return null;
      case 1:
        return undefined;
      case 2:
        return (Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 15);
      case 3:
        return chance(0.5);
      case 4:
        return Math.random().toString(36).slice(2);
      case 5:
        return '';
      case 6:
        return depth < 2 ? Array.from({ length: Math.floor(Math.random() * 3) }, () => anyValue(depth + 1)) : [];
      case 7:
        return depth < 2 ? { [Math.random().toString(36).slice(2, 6)]: anyValue(depth + 1) } : {};
      case 8:
        return pick(TIMESTAMPS);
      default:
        return pick(['JA', 'NEI', 'AKTIV', 'SLETTET', 'IKKE_REGISTRERT', 'KAN_VARSLES', 'KAN_IKKE_VARSLES', 'nb']);
    }
  }

  /** The documented value for `field` most of the time, anything else sometimes. */
  const field = (documented: () => unknown) => (chance(0.7) ? documented() : anyValue());

  function randomContact(): unknown {
    if (chance(0.15)) return anyValue();
    const contact: Record<string, unknown> = {};
    for (const prefix of ['epostadresse', 'mobiltelefonnummer']) {
      if (chance(0.2)) continue;
      contact[prefix] = field(() => (prefix === 'epostadresse' ? 'a@example.no' : '+4799999999'));
      for (const suffix of ['_oppdatert', '_sist_verifisert', '_sist_validert']) {
        if (chance(0.7)) contact[prefix + suffix] = field(() => pick(TIMESTAMPS));
      }
      if (chance(0.5)) contact[`${prefix}_duplisert`] = field(() => pick(['JA', 'NEI']));
    }
    return contact;
  }

  function randomPerson(): unknown {
    if (chance(0.03)) return anyValue();
    const dto: Record<string, unknown> = {
      personidentifikator: field(() => ID),
      reservasjon: field(() => pick(['JA', 'NEI'])),
      status: field(() => pick(['AKTIV', 'SLETTET', 'IKKE_REGISTRERT'])),
      varslingsstatus: field(() => pick(['KAN_VARSLES', 'KAN_IKKE_VARSLES'])),
      spraak: field(() => pick(['nb', 'nn', 'en', 'se'])),
      spraak_oppdatert: field(() => pick(TIMESTAMPS)),
      reservasjonstidspunkt: field(() => pick(TIMESTAMPS)),
      reservasjon_oppdatert: field(() => pick(TIMESTAMPS)),
      kontaktinformasjon: randomContact(),
      digital_post: field(() => ({
        postkasseadresse: field(() => 'ola#1234'),
        postkasseleverandoeradresse: field(() => pick(['984661185', '922020175'])),
        sertifikat: field(() => 'MIIB'),
      })),
      postkasseadresse: field(() => 'kari#eboks'),
      postkasseleverandoeradresse: field(() => '922020175'),
      sertifikat: field(() => 'MIIC'),
    };
    for (const key of Object.keys(dto)) if (chance(0.25)) delete dto[key];
    for (let i = 0; i < Math.floor(Math.random() * 3); i++) dto[`ukjent_${i}`] = anyValue();
    return dto;
  }

  const isDateOrNull = (value: unknown) => value === null || value instanceof Date;

  it('gives every enum and built-in scalar member of the model types in its serialized form', () => {
    // The compiled executor leaves their serialization out (SERIALIZED_MODEL_TYPES): it must change nothing.
    const schema = buildSchema([personResolvers]);
    const leaves = (typeName: string) => {
      const type = schema.getType(typeName);
      if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
      return Object.values(type.getFields()).flatMap((field) => {
        const named = getNamedType(field.type);
        return isEnumType(named) || isSpecifiedScalarType(named)
          ? [[field.name, named as GraphQLLeafType] as const]
          : [];
      });
    };
    const objects = (person: PersonModel): [string, object | null][] => [
      ['Person', person],
      ['ContactPoint', person.email],
      ['ContactPoint', person.mobilePhone],
      ['DigitalMailbox', person.digitalMailbox],
    ];
    expect(new Set(objects(toPersonModel(ID, activePerson(), NOW)).map(([name]) => name))).toEqual(
      SERIALIZED_MODEL_TYPES,
    );
    let checked = 0;
    for (let i = 0; i < 500; i++) {
      const person = lazyPersonModel(ID, randomPerson() as KrrPersonDto, NOW);
      for (const [typeName, object] of objects(person)) {
        if (object === null) continue;
        for (const [field, type] of leaves(typeName)) {
          const value = (object as Record<string, unknown>)[field];
          if (value === null) continue;
          expect(type.serialize(value), `${typeName}.${field}`).toBe(value);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('never throws, and always answers a well-formed person', () => {
    for (let i = 0; i < 500; i++) {
      const dto = randomPerson();
      let person: PersonModel;
      try {
        person = toPersonModel(ID, dto as KrrPersonDto, NOW);
      } catch (err) {
        throw new Error(`toPersonModel threw ${String(err)} for ${JSON.stringify(dto)}`);
      }
      expect(person.id).toBe(ID);
      expect(['ACTIVE', 'DELETED', 'NOT_REGISTERED']).toContain(person.status);
      expect([true, false, null]).toContain(person.reserved);
      expect(['CAN_BE_NOTIFIED', 'CANNOT_BE_NOTIFIED', null]).toContain(person.notificationStatus);
      expect(person.language === null || typeof person.language === 'string').toBe(true);
      expect(isDateOrNull(person.reservedAt) && isDateOrNull(person.languageUpdatedAt)).toBe(true);
      for (const point of [person.email, person.mobilePhone]) {
        if (point === null) continue;
        expect(typeof point.value).toBe('string');
        expect(point.value.length).toBeGreaterThan(0);
        expect(typeof point.stale).toBe('boolean');
        expect([true, false, null]).toContain(point.duplicated);
        expect([point.updatedAt, point.lastVerifiedAt, point.lastValidatedAt].every(isDateOrNull)).toBe(true);
      }
      if (person.digitalMailbox) {
        expect(typeof person.digitalMailbox.address).toBe('string');
        expect(typeof person.digitalMailbox.providerOrganizationNumber).toBe('string');
        expect([null, 'string']).toContain(
          person.digitalMailbox.certificate === null ? null : typeof person.digitalMailbox.certificate,
        );
      }
    }
  });
});
