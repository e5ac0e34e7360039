import { dateOfInstant, monthsBefore, parseUpstreamInstant, parseUpstreamTimestamp } from '../upstream/timestamps.js';
import type { KrrContactInfoDto, KrrPersonDto } from './dto.js';
import type {
  ContactPointModel,
  DigitalMailboxModel,
  NotificationStatusModel,
  PersonModel,
  PersonStatusModel,
} from './model.js';

/** eForvaltningsforskriften §32: a channel neither updated nor verified in 18 months must not be used for notices. */
export const STALE_AFTER_MONTHS = 18;

/**
 * KRR person → schema model. Never throws on any document of the documented shape (extra or missing fields, odd
 * timestamps), neither here nor when a field is read: a person with odd data is still a person. `dto` undefined means
 * KRR did not return the id.
 */
export function toPersonModel(id: string, dto: KrrPersonDto | undefined, now: Date): PersonModel {
  return toPersonModelStaleBefore(id, dto, monthsBefore(now, STALE_AFTER_MONTHS));
}

/** As toPersonModel, with the 18-month cut-off computed once for a whole batch. */
export function toPersonModelStaleBefore(id: string, dto: KrrPersonDto | undefined, staleBefore: Date): PersonModel {
  if (!dto) return notRegistered(id);
  const person = new KrrPerson(id, dto, staleBefore.getTime());
  return person.status === 'ACTIVE' ? person : withoutContact(person);
}

/**
 * A deleted or unregistered person as KRR names it, without contact information (reference §2, and the schema's
 * PersonStatus says so): none is shown even if KRR sent some, lest a caller notify a registration that no longer
 * stands. Its reservation stays (KRR's own answer for an unregistered person is null).
 */
function withoutContact(person: KrrPerson): PersonModel {
  return {
    ...notRegistered(person.id),
    status: person.status,
    reserved: person.reserved,
    reservedAt: person.reservedAt,
  };
}

/**
 * A person read from KRR's document when a field is selected, not before: a 1000-person answer selecting e-mail and
 * mobile with `stale` parses two to four timestamps a person (of ten) and builds no Date it does not send. The members are
 * getters on the prototype; `materializePerson` reads them all into a plain object.
 */
class KrrPerson implements PersonModel {
  readonly status: PersonStatusModel;

  constructor(
    readonly id: string,
    private readonly dto: KrrPersonDto,
    private readonly staleBefore: number,
  ) {
    this.status = mapStatus(dto);
  }

  get reserved(): boolean | null {
    return this.status === 'NOT_REGISTERED' ? null : yesNo(this.dto.reservasjon);
  }

  get reservedAt(): Date | null {
    return parseUpstreamTimestamp(this.dto.reservasjonstidspunkt ?? this.dto.reservasjon_oppdatert);
  }

  get notificationStatus(): NotificationStatusModel | null {
    return mapNotificationStatus(this.dto.varslingsstatus);
  }

  get language(): string | null {
    const language = this.dto.spraak;
    return typeof language === 'string' && language ? language.toLowerCase() : null;
  }

  get languageUpdatedAt(): Date | null {
    return parseUpstreamTimestamp(this.dto.spraak_oppdatert);
  }

  /** Read once: an executor may read a member more than once (a null check, then the value). */
  private emailPoint: ContactPointModel | null | undefined;
  private mobilePoint: ContactPointModel | null | undefined;

  get email(): ContactPointModel | null {
    if (this.emailPoint === undefined) {
      this.emailPoint = contactPoint(this.dto.kontaktinformasjon, EMAIL, this.staleBefore);
    }
    return this.emailPoint;
  }

  get mobilePhone(): ContactPointModel | null {
    if (this.mobilePoint === undefined) {
      this.mobilePoint = contactPoint(this.dto.kontaktinformasjon, MOBILE_PHONE, this.staleBefore);
    }
    return this.mobilePoint;
  }

  get digitalMailbox(): DigitalMailboxModel | null {
    return digitalMailbox(this.dto);
  }
}

/** Every member of a person (and its contact points) read into a plain object. */
export function materializePerson(person: PersonModel): PersonModel {
  const contact = (point: ContactPointModel | null): ContactPointModel | null =>
    point && {
      value: point.value,
      updatedAt: point.updatedAt,
      lastVerifiedAt: point.lastVerifiedAt,
      lastValidatedAt: point.lastValidatedAt,
      duplicated: point.duplicated,
      stale: point.stale,
    };
  return {
    id: person.id,
    status: person.status,
    reserved: person.reserved,
    reservedAt: person.reservedAt,
    notificationStatus: person.notificationStatus,
    language: person.language,
    languageUpdatedAt: person.languageUpdatedAt,
    email: contact(person.email),
    mobilePhone: contact(person.mobilePhone),
    digitalMailbox: person.digitalMailbox,
  };
}

function notRegistered(id: string): PersonModel {
  return {
    id,
    status: 'NOT_REGISTERED',
    reserved: null,
    reservedAt: null,
    notificationStatus: 'CANNOT_BE_NOTIFIED',
    language: null,
    languageUpdatedAt: null,
    email: null,
    mobilePhone: null,
    digitalMailbox: null,
  };
}

function mapStatus(dto: KrrPersonDto): PersonStatusModel {
  // As documented, else in any case; an unknown or missing status is registered if KRR says reserved or not.
  const status = statusOf(dto.status) ?? statusOf(codeOf(dto.status));
  if (status) return status;
  return yesNo(dto.reservasjon) === null ? 'NOT_REGISTERED' : 'ACTIVE';
}

function statusOf(code: unknown): PersonStatusModel | undefined {
  switch (code) {
    case 'AKTIV':
      return 'ACTIVE';
    case 'SLETTET':
      return 'DELETED';
    case 'IKKE_REGISTRERT':
      return 'NOT_REGISTERED';
    default:
      return undefined;
  }
}

function mapNotificationStatus(value: unknown): NotificationStatusModel | null {
  return notificationOf(value) ?? notificationOf(codeOf(value)) ?? null;
}

function notificationOf(code: unknown): NotificationStatusModel | undefined {
  if (code === 'KAN_VARSLES') return 'CAN_BE_NOTIFIED';
  if (code === 'KAN_IKKE_VARSLES') return 'CANNOT_BE_NOTIFIED';
  return undefined;
}

function yesNo(value: unknown): boolean | null {
  if (value === true || value === false) return value;
  return yesNoOf(value) ?? yesNoOf(codeOf(value)) ?? null;
}

function yesNoOf(code: unknown): boolean | undefined {
  if (code === 'JA') return true;
  if (code === 'NEI') return false;
  return undefined;
}

/**
 * One of KRR's codes as documented (upper case, no spaces) from a text sent otherwise (`ja`, ` Aktiv `), or undefined.
 * Only for values that did not match as sent: the usual ones take no string work.
 */
function codeOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim().toUpperCase() : undefined;
}

/** The members of one contact point in KRR's `kontaktinformasjon`, spelled out once per kind. */
interface ContactKeys {
  value: keyof KrrContactInfoDto;
  updated: keyof KrrContactInfoDto;
  verified: keyof KrrContactInfoDto;
  validated: keyof KrrContactInfoDto;
  duplicated: keyof KrrContactInfoDto;
}

const EMAIL: ContactKeys = {
  value: 'epostadresse',
  updated: 'epostadresse_oppdatert',
  verified: 'epostadresse_sist_verifisert',
  validated: 'epostadresse_sist_validert',
  duplicated: 'epostadresse_duplisert',
};

const MOBILE_PHONE: ContactKeys = {
  value: 'mobiltelefonnummer',
  updated: 'mobiltelefonnummer_oppdatert',
  verified: 'mobiltelefonnummer_sist_verifisert',
  validated: 'mobiltelefonnummer_sist_validert',
  duplicated: 'mobiltelefonnummer_duplisert',
};

/** One contact point of a person, read on demand like the person (see KrrPerson). */
class KrrContactPoint implements ContactPointModel {
  /** Read once: `stale` reads the times `updatedAt` and `lastVerifiedAt` send, and a full selection asks for all three. */
  private updatedMs: number | undefined;
  private verifiedMs: number | undefined;

  constructor(
    readonly value: string,
    private readonly contact: KrrContactInfoDto,
    private readonly keys: ContactKeys,
    private readonly staleBefore: number,
  ) {}

  get updatedAt(): Date | null {
    return dateOfInstant(this.updated());
  }

  get lastVerifiedAt(): Date | null {
    return dateOfInstant(this.verified());
  }

  get lastValidatedAt(): Date | null {
    return parseUpstreamTimestamp(this.contact[this.keys.validated]);
  }

  get duplicated(): boolean | null {
    return yesNo(this.contact[this.keys.duplicated]);
  }

  /** Neither updated nor verified since the cut-off (an unreadable time counts as never). */
  get stale(): boolean {
    // Verified is read only when the update is too old: fresh contact points (most) take one parse.
    return !(this.updated() >= this.staleBefore) && !(this.verified() >= this.staleBefore);
  }

  private updated(): number {
    return (this.updatedMs ??= parseUpstreamInstant(this.contact[this.keys.updated]));
  }

  private verified(): number {
    return (this.verifiedMs ??= parseUpstreamInstant(this.contact[this.keys.verified]));
  }
}

/** The keys are constants, not built per person: a key built per look-up made mapping several times slower. */
function contactPoint(
  contact: KrrContactInfoDto | null | undefined,
  keys: ContactKeys,
  staleBefore: number,
): ContactPointModel | null {
  if (!isObject(contact)) return null;
  const value = contact[keys.value];
  if (typeof value !== 'string' || value.length === 0) return null;
  return new KrrContactPoint(value, contact, keys, staleBefore);
}

/** The mailbox may come nested under `digital_post` or on the person itself (reference §2): accept both. */
function digitalMailbox(dto: KrrPersonDto): DigitalMailboxModel | null {
  const nested = isObject(dto.digital_post) ? dto.digital_post : undefined;
  const address = nested?.postkasseadresse ?? dto.postkasseadresse;
  const provider = nested?.postkasseleverandoeradresse ?? dto.postkasseleverandoeradresse;
  if (typeof address !== 'string' || !address || typeof provider !== 'string' || !provider) return null;
  const certificate = dto.sertifikat ?? (nested as { sertifikat?: unknown } | undefined)?.sertifikat;
  return {
    address,
    providerOrganizationNumber: provider,
    certificate: typeof certificate === 'string' && certificate ? certificate : null,
  };
}

function isObject<T>(value: T | null | undefined): value is T {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
