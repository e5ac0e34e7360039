import { graphql } from './gql/index.js';

/** One person's contact channels in KRR. Needs the `contactinfo.read` scope. */
export const PersonContactQuery = graphql(`
  query PersonContact($id: PersonIdentifier!) {
    person(id: $id) {
      id
      status
      reserved
      email {
        value
        stale
      }
      mobilePhone {
        value
        stale
      }
    }
  }
`);

/** Many persons at once, in the order of `ids` (an entry is null when its KRR call failed). */
export const PersonsContactQuery = graphql(`
  query PersonsContact($ids: [PersonIdentifier!]!) {
    persons(ids: $ids) {
      id
      status
      reserved
      notificationStatus
      email {
        value
        stale
      }
      mobilePhone {
        value
        stale
      }
    }
  }
`);

/** A client registration with its public keys. Needs the `clients.read` scope. */
export const ClientKeysQuery = graphql(`
  query ClientKeys($id: ID!) {
    client(id: $id) {
      id
      name
      integrationType
      jwks {
        keys {
          kid
          expiresAt
        }
      }
    }
  }
`);

/** Adds one public key to a client's key set; business errors come back as `userErrors`. Needs `clients.write`. */
export const AddClientJwkMutation = graphql(`
  mutation AddClientJwk($input: AddClientJwkInput!) {
    addClientJwk(input: $input) {
      jwks {
        keys {
          kid
          expiresAt
        }
      }
      userErrors {
        code
        field
        message
      }
    }
  }
`);
