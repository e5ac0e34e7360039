/** What the Person resolvers receive (codegen `mappers`): KRR data already mapped to schema terms. */

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
