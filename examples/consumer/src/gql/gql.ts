/* eslint-disable */
import * as types from './graphql.js';
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
    "\n  query PersonContact($id: PersonIdentifier!) {\n    person(id: $id) {\n      id\n      status\n      reserved\n      email {\n        value\n        stale\n      }\n      mobilePhone {\n        value\n        stale\n      }\n    }\n  }\n": typeof types.PersonContactDocument,
    "\n  query PersonsContact($ids: [PersonIdentifier!]!) {\n    persons(ids: $ids) {\n      id\n      status\n      reserved\n      notificationStatus\n      email {\n        value\n        stale\n      }\n      mobilePhone {\n        value\n        stale\n      }\n    }\n  }\n": typeof types.PersonsContactDocument,
    "\n  query ClientKeys($id: ID!) {\n    client(id: $id) {\n      id\n      name\n      integrationType\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n    }\n  }\n": typeof types.ClientKeysDocument,
    "\n  mutation AddClientJwk($input: AddClientJwkInput!) {\n    addClientJwk(input: $input) {\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n      userErrors {\n        code\n        field\n        message\n      }\n    }\n  }\n": typeof types.AddClientJwkDocument,
};
const documents: Documents = {
    "\n  query PersonContact($id: PersonIdentifier!) {\n    person(id: $id) {\n      id\n      status\n      reserved\n      email {\n        value\n        stale\n      }\n      mobilePhone {\n        value\n        stale\n      }\n    }\n  }\n": types.PersonContactDocument,
    "\n  query PersonsContact($ids: [PersonIdentifier!]!) {\n    persons(ids: $ids) {\n      id\n      status\n      reserved\n      notificationStatus\n      email {\n        value\n        stale\n      }\n      mobilePhone {\n        value\n        stale\n      }\n    }\n  }\n": types.PersonsContactDocument,
    "\n  query ClientKeys($id: ID!) {\n    client(id: $id) {\n      id\n      name\n      integrationType\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n    }\n  }\n": types.ClientKeysDocument,
    "\n  mutation AddClientJwk($input: AddClientJwkInput!) {\n    addClientJwk(input: $input) {\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n      userErrors {\n        code\n        field\n        message\n      }\n    }\n  }\n": types.AddClientJwkDocument,
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
export function graphql(source: "\n  query PersonContact($id: PersonIdentifier!) {\n    person(id: $id) {\n      id\n      status\n      reserved\n      email {\n        value\n        stale\n      }\n      mobilePhone {\n        value\n        stale\n      }\n    }\n  }\n"): (typeof documents)["\n  query PersonContact($id: PersonIdentifier!) {\n    person(id: $id) {\n      id\n      status\n      reserved\n      email {\n        value\n        stale\n      }\n      mobilePhone {\n        value\n        stale\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PersonsContact($ids: [PersonIdentifier!]!) {\n    persons(ids: $ids) {\n      id\n      status\n      reserved\n      notificationStatus\n      email {\n        value\n        stale\n      }\n      mobilePhone {\n        value\n        stale\n      }\n    }\n  }\n"): (typeof documents)["\n  query PersonsContact($ids: [PersonIdentifier!]!) {\n    persons(ids: $ids) {\n      id\n      status\n      reserved\n      notificationStatus\n      email {\n        value\n        stale\n      }\n      mobilePhone {\n        value\n        stale\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ClientKeys($id: ID!) {\n    client(id: $id) {\n      id\n      name\n      integrationType\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ClientKeys($id: ID!) {\n    client(id: $id) {\n      id\n      name\n      integrationType\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddClientJwk($input: AddClientJwkInput!) {\n    addClientJwk(input: $input) {\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n      userErrors {\n        code\n        field\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AddClientJwk($input: AddClientJwkInput!) {\n    addClientJwk(input: $input) {\n      jwks {\n        keys {\n          kid\n          expiresAt\n        }\n      }\n      userErrors {\n        code\n        field\n        message\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;