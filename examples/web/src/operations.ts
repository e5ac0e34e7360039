import { graphql } from './gql';

/**
 * The operations of the app. Each is a typed document: its result and variables types come from the selection below
 * (`npm run examples:web:codegen` regenerates them), and it is sent to the facade by its sha256 hash alone.
 */

/** A person's KRR entry: contact points (`stale` after 18 months), reservation, notification status, mailbox. */
export const PersonQuery = graphql(`
  query WebPerson($id: PersonIdentifier!) {
    person(id: $id) {
      id
      status
      reserved
      reservedAt
      notificationStatus
      language
      email {
        value
        stale
        lastVerifiedAt
      }
      mobilePhone {
        value
        stale
        lastVerifiedAt
      }
      digitalMailbox {
        address
        providerOrganizationNumber
      }
    }
  }
`);

/** Our client registrations with their public keys (and when each expires) and onbehalfof registrations. */
export const ClientsQuery = graphql(`
  query WebClients {
    clients(filter: { active: true }) {
      id
      name
      integrationType
      jwks {
        keys {
          kid
          expiresAt
        }
      }
      onBehalfOf {
        id
        name
        organizationNumber
      }
    }
  }
`);

/**
 * Adds a public key to a client's key set. Business errors (a duplicate kid, a client this service may not manage, the
 * limit of 5 keys) come back as `userErrors`, each naming the input field at fault, e.g. `["input", "key", "kid"]`.
 */
export const AddClientJwkMutation = graphql(`
  mutation WebAddClientJwk($input: AddClientJwkInput!) {
    addClientJwk(input: $input) {
      jwks {
        keys {
          kid
          expiresAt
        }
      }
      droppedExpiredKeys
      userErrors {
        code
        field
        message
      }
    }
  }
`);
