/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query WebPerson($id: PersonIdentifier!) {\n    person(id: $id) {\n      id\n      status\n      reserved\n      reservedAt\n      notificationStatus\n      language\n      email {\n        value\n        stale\n        lastVerifiedAt\n      }\n      mobilePhone {\n        value\n        stale\n        lastVerifiedAt\n      }\n      digitalMailbox {\n        address\n        providerOrganizationNumber\n      }\n    }\n  }\n": typeof types.WebPersonDocument,
    "\n  query WebClients {\n    clients(filter: { active: true }) {\n      id\n      name\n      integrationType\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n      onBehalfOf {\n        id\n        name\n        organizationNumber\n      }\n    }\n  }\n": typeof types.WebClientsDocument,
    "\n  mutation WebAddClientJwk($input: AddClientJwkInput!) {\n    addClientJwk(input: $input) {\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n      droppedExpiredKeys\n      userErrors {\n        code\n        field\n        message\n      }\n    }\n  }\n": typeof types.WebAddClientJwkDocument,
};
const documents: Documents = {
    "\n  query WebPerson($id: PersonIdentifier!) {\n    person(id: $id) {\n      id\n      status\n      reserved\n      reservedAt\n      notificationStatus\n      language\n      email {\n        value\n        stale\n        lastVerifiedAt\n      }\n      mobilePhone {\n        value\n        stale\n        lastVerifiedAt\n      }\n      digitalMailbox {\n        address\n        providerOrganizationNumber\n      }\n    }\n  }\n": types.WebPersonDocument,
    "\n  query WebClients {\n    clients(filter: { active: true }) {\n      id\n      name\n      integrationType\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n      onBehalfOf {\n        id\n        name\n        organizationNumber\n      }\n    }\n  }\n": types.WebClientsDocument,
    "\n  mutation WebAddClientJwk($input: AddClientJwkInput!) {\n    addClientJwk(input: $input) {\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n      droppedExpiredKeys\n      userErrors {\n        code\n        field\n        message\n      }\n    }\n  }\n": types.WebAddClientJwkDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WebPerson($id: PersonIdentifier!) {\n    person(id: $id) {\n      id\n      status\n      reserved\n      reservedAt\n      notificationStatus\n      language\n      email {\n        value\n        stale\n        lastVerifiedAt\n      }\n      mobilePhone {\n        value\n        stale\n        lastVerifiedAt\n      }\n      digitalMailbox {\n        address\n        providerOrganizationNumber\n      }\n    }\n  }\n"): (typeof documents)["\n  query WebPerson($id: PersonIdentifier!) {\n    person(id: $id) {\n      id\n      status\n      reserved\n      reservedAt\n      notificationStatus\n      language\n      email {\n        value\n        stale\n        lastVerifiedAt\n      }\n      mobilePhone {\n        value\n        stale\n        lastVerifiedAt\n      }\n      digitalMailbox {\n        address\n        providerOrganizationNumber\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WebClients {\n    clients(filter: { active: true }) {\n      id\n      name\n      integrationType\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n      onBehalfOf {\n        id\n        name\n        organizationNumber\n      }\n    }\n  }\n"): (typeof documents)["\n  query WebClients {\n    clients(filter: { active: true }) {\n      id\n      name\n      integrationType\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n      onBehalfOf {\n        id\n        name\n        organizationNumber\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation WebAddClientJwk($input: AddClientJwkInput!) {\n    addClientJwk(input: $input) {\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n      droppedExpiredKeys\n      userErrors {\n        code\n        field\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation WebAddClientJwk($input: AddClientJwkInput!) {\n    addClientJwk(input: $input) {\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n      droppedExpiredKeys\n      userErrors {\n        code\n        field\n        message\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;