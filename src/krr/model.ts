/** What the Person resolvers receive (codegen `mappers`): KRR data already mapped to schema terms. */

/**
 * The schema types of this model. Every enum and built-in scalar member of theirs is already in its serialized form (an
 * enum value's name, a string, a boolean, or null), for any document KRR may send (test/krr/mapping.test.ts), so the
 * compiled executor leaves their serialization out (compiled-execution.ts, `serializedTypes`).
 */
export const SERIALIZED_MODEL_TYPES: ReadonlySet<string> = new Set(['Person', 'ContactPoint', 'DigitalMailbox']);

export type PersonStatusModel = 'ACTIVE' | 'DELETED' | 'NOT_REGISTERED';
export type NotificationStatusModel = 'CAN_BE_NOTIFIED' | 'CANNOT_BE_NOTIFIED';

export interface ContactPointModel {
  value: string;
  updatedAt: Date | null;
  lastVerifiedAt: Date | null;
  lastValidatedAt: Date | null;
  duplicated: boolean | null;
  stale: boolean;
}

export interface DigitalMailboxModel {
  address: string;
  providerOrganizationNumber: string;
  certificate: string | null;
}

export interface PersonModel {
  id: string;
  status: PersonStatusModel;
  reserved: boolean | null;
  reservedAt: Date | null;
  notificationStatus: NotificationStatusModel | null;
  language: string | null;
  languageUpdatedAt: Date | null;
  email: ContactPointModel | null;
  mobilePhone: ContactPointModel | null;
  digitalMailbox: DigitalMailboxModel | null;
}
