/**
 * Nothing goes to Apollo's cloud. Apollo Server turns on usage reporting by itself when it finds APOLLO_KEY and
 * APOLLO_GRAPH_REF in the environment, and schema reporting with APOLLO_SCHEMA_REPORTING=true; a platform that sets
 * them for its other services would have the facade send operations and error messages away. Its inline-trace plugin
 * (federated subgraphs only) is disabled too, so that Apollo never loads its protobuf code.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApolloServer } from '@apollo/server';
import { loadConfig } from '../../src/config.js';
import { buildSchema } from '../../src/graphql/schema.js';
import { createGraphQLServer } from '../../src/graphql/server.js';
import { callerResolvers } from '../../src/tenants/resolvers.js';
import { clientResolvers } from '../../src/clients/resolvers.js';
import { personResolvers } from '../../src/krr/resolvers.js';
import { Metrics } from '../../src/observability/metrics.js';

const APOLLO_VARIABLES = {
  APOLLO_KEY: 'service:facade:not-a-real-key',
  APOLLO_GRAPH_REF: 'facade@current',
  APOLLO_SCHEMA_REPORTING: 'true',
};

interface Plugin {
  __internal_plugin_id__?: string;
  __is_disabled_plugin__?: boolean;
}

/** The plugins Apollo runs after start: ours and the ones it adds itself (it keeps them in `internals`). */
function pluginsOf(apollo: ApolloServer<never>): Plugin[] {
  return (apollo as unknown as { internals: { plugins: Plugin[] } }).internals.plugins;
}

describe('Apollo reporting', () => {
  let saved: Record<string, string | undefined>;
  let apollo: ApolloServer<never> | undefined;

  beforeEach(() => {
    saved = Object.fromEntries(Object.keys(APOLLO_VARIABLES).map((name) => [name, process.env[name]]));
    Object.assign(process.env, APOLLO_VARIABLES);
  });

  afterEach(async () => {
    await apollo?.stop();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('stays off with APOLLO_KEY, APOLLO_GRAPH_REF and APOLLO_SCHEMA_REPORTING set', async () => {
    const config = loadConfig({ SANDBOX: 'true' });
    const server = createGraphQLServer({
      schema: buildSchema([personResolvers, clientResolvers, callerResolvers]),
      metrics: new Metrics({ defaultMetrics: false }),
      introspection: false,
      persistedQueries: true,
      limits: config.queryLimits,
      admission: config.admission,
    });
    apollo = server.apollo as unknown as ApolloServer<never>;
    await apollo.start();

    const byId = new Map(
      pluginsOf(apollo)
        .filter((plugin) => plugin.__internal_plugin_id__)
        .map((plugin) => [plugin.__internal_plugin_id__, plugin]),
    );
    for (const id of ['UsageReporting', 'SchemaReporting', 'InlineTrace']) {
      expect(byId.get(id), id).toBeDefined();
      expect(byId.get(id)?.__is_disabled_plugin__, `${id} disabled`).toBe(true);
    }
  });
});
