import { monthsBefore, parseUpstreamTimestamp } from '../upstream/timestamps.js';
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
 * timestamps): a person with odd data is still a person. `dto` undefined means KRR did not return the id.
 */
export function toPersonModel(id: string, dto: KrrPersonDto | undefined, now: Date): PersonModel {
  return toPersonModelStaleBefore(id, dto, monthsBefore(now, STALE_AFTER_MONTHS));
}

/** As toPersonModel, with the 18-month cut-off computed once for a whole batch. */
export function toPersonModelStaleBefore(id: string, dto: KrrPersonDto | undefined, staleBefore: Date): PersonModel {
  if (!dto) return notRegistered(id);
  const status = mapStatus(dto);
  const contact = isObject(dto.kontaktinformasjon) ? dto.kontaktinformasjon : undefined;
  return {
    id,
    status,
    reserved: status === 'NOT_REGISTERED' ? null : yesNo(dto.reservasjon),
    reservedAt: parseUpstreamTimestamp(dto.reservasjonstidspunkt ?? dto.reservasjon_oppdatert),
    notificationStatus: mapNotificationStatus(dto.varslingsstatus),
    language: typeof dto.spraak === 'string' && dto.spraak ? dto.spraak.toLowerCase() : null,
    languageUpdatedAt: parseUpstreamTimestamp(dto.spraak_oppdatert),
    email: contactPoint(contact, EMAIL, staleBefore),
    mobilePhone: contactPoint(contact, MOBILE_PHONE, staleBefore),
    digitalMailbox: digitalMailbox(dto),
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
  switch (dto.status) {
    case 'AKTIV':
      return 'ACTIVE';
    case 'SLETTET':
      return 'DELETED';
    case 'IKKE_REGISTRERT':
      return 'NOT_REGISTERED';
    default:
      // An unknown or missing status: a person with a reservation answer is registered.
      return yesNo(dto.reservasjon) === null ? 'NOT_REGISTERED' : 'ACTIVE';
  }
}

function mapNotificationStatus(value: unknown): NotificationStatusModel | null {
  if (value === 'KAN_VARSLES') return 'CAN_BE_NOTIFIED';
  if (value === 'KAN_IKKE_VARSLES') return 'CANNOT_BE_NOTIFIED';
  return null;
}

function yesNo(value: unknown): boolean | null {
  if (value === 'JA' || value === true) return true;
  if (value === 'NEI' || value === false) return false;
  return null;
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

/** The keys are constants, not built per person: a key built per look-up made mapping several times slower. */
function contactPoint(
  contact: KrrContactInfoDto | undefined,
  keys: ContactKeys,
  staleBefore: Date,
): ContactPointModel | null {
  const value = contact?.[keys.value];
  if (!contact || typeof value !== 'string' || value.length === 0) return null;
  const updatedAt = parseUpstreamTimestamp(contact[keys.updated]);
  const lastVerifiedAt = parseUpstreamTimestamp(contact[keys.verified]);
  const latest = Math.max(updatedAt?.getTime() ?? -Infinity, lastVerifiedAt?.getTime() ?? -Infinity);
  return {
    value,
    updatedAt,
    lastVerifiedAt,
    lastValidatedAt: parseUpstreamTimestamp(contact[keys.validated]),
    duplicated: yesNo(contact[keys.duplicated]),
    stale: !(latest >= staleBefore.getTime()),
  };
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
