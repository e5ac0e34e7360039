// GraphQL Mesh's compose step (`mesh-compose`): a supergraph from KRR's OpenAPI description, its defaults otherwise.
import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('KRR', {
        source: './krr-openapi.yaml',
        // Read by the gateway from its environment when it runs, not baked into the supergraph.
        endpoint: '{env.KRR_URL}',
        // Mesh cannot make Maskinporten grants itself: it forwards one token it is given (the bench's, long-lived).
        operationHeaders: { Authorization: 'Bearer {env.KRR_TOKEN}' },
        // POST /rest/v2/personer only reads: a Query field, as a consumer would want it.
        selectQueryOrMutationField: [{ type: 'Query', fieldName: 'hentPersoner' }],
      }),
    },
  ],
});
