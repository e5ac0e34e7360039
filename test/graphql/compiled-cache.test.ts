import type { GraphQLRequestContextResponseForOperation, GraphQLRequestListener } from '@apollo/server';
import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse, print, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type * as GraphqlJit from 'graphql-jit';
import { describe, expect, it, vi } from 'vitest';
import { callerResolvers } from '../../src/tenants/resolvers.js';
import { clientResolvers } from '../../src/clients/resolvers.js';
import { compiledExecutionPlugin, compiledWeight } from '../../src/graphql/compiled-execution.js';
import type { GraphQLContext } from '../../src/graphql/context.js';
import { buildSchema } from '../../src/graphql/schema.js';
import { SERIALIZED_MODEL_TYPES } from '../../src/krr/model.js';
import { personResolvers } from '../../src/krr/resolvers.js';

const compiles = vi.hoisted(() => ({ count: 0, options: [] as unknown[] }));
vi.mock('graphql-jit', async (importOriginal) => {
  const original = await importOriginal<typeof GraphqlJit>();
  return {
    ...original,
    compileQuery: (...args: Parameters<typeof original.compileQuery>) => {
      compiles.count++;
      compiles.options.push(args[3]);
      return original.compileQuery(...args);
    },
  };
});

/** A full collection, once the current job's references to weakly held objects are gone. */
async function collectGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}

const schema = buildSchema([personResolvers, clientResolvers, callerResolvers]);
const context = { caller: { scopes: new Set<string>() } } as unknown as GraphQLContext;

/** The plugin's answer to one run of `document` (null: left to Apollo's own execution). */
async function run(plugin: ReturnType<typeof compiledExecutionPlugin>, document: DocumentNode, contextValue = context) {
  const listener = (await plugin.requestDidStart?.({} as never)) as GraphQLRequestListener<GraphQLContext>;
  const operation = document.definitions[0] as OperationDefinitionNode;
  return listener.responseForOperation?.({
    document,
    // As Apollo hashes the query: by its text.
    queryHash: createHash('sha256').update(print(document)).digest('hex'),
    operation,
    request: {},
    contextValue,
  } as unknown as GraphQLRequestContextResponseForOperation<GraphQLContext>);
}

const documents = ['{ a: __typename }', '{ b: __typename }', '{ c: __typename }'].map((source) => parse(source));

describe('the compiled executor cache', () => {
  it('compiles a document on its second run by default and answers from the cache after', async () => {
    const plugin = compiledExecutionPlugin({ schema, formatError: (f) => f });
    const document = documents[0] as DocumentNode;
    const before = compiles.count;
    expect(await run(plugin, document)).toBeNull();
    expect(compiles.count).toBe(before);
    for (let i = 0; i < 3; i++) {
      const answer = await run(plugin, document);
      expect(answer?.body).toEqual({ kind: 'single', singleResult: { data: { a: 'Query' } } });
    }
    expect(compiles.count).toBe(before + 1);
  });

  it('keeps nothing of a document run once, and compiles on the second run a document parsed anew', async () => {
    const plugin = compiledExecutionPlugin({ schema, formatError: (f) => f });
    const before = compiles.count;
    // Each run parses the text again, as Apollo does for a document its store does not hold (yet).
    const first = new WeakRef(parse('{ once: __typename }'));
    expect(await run(plugin, first.deref() as DocumentNode)).toBeNull();
    const again = parse('{ once: __typename }');
    expect((await run(plugin, again))?.body).toEqual({ kind: 'single', singleResult: { data: { once: 'Query' } } });
    expect(compiles.count).toBe(before + 1);
    // Documents each run once: none compiled, and the first one's tree is not kept alive by the plugin.
    for (let i = 0; i < 200; i++) expect(await run(plugin, parse(`{ n${i}: __typename }`))).toBeNull();
    expect(compiles.count).toBe(before + 1);
    await collectGarbage();
    expect(first.deref()).toBeUndefined();
  });

  it("never compiles a document with a person's id in its text: graphql-js answers it every time", async () => {
    const plugin = compiledExecutionPlugin({ schema, formatError: (f) => f, compileAfterRuns: 0 });
    const before = compiles.count;
    const document = parse('# asked for 11822648950\n{ a: __typename }');
    for (let i = 0; i < 3; i++) expect(await run(plugin, document)).toBeNull();
    expect(compiles.count).toBe(before);
    expect(await run(plugin, parse('{ a: __typename }'))).not.toBeNull();
    expect(compiles.count).toBe(before + 1);
  });

  it('keeps at most maxOperations documents and compiles an evicted one again', async () => {
    const plugin = compiledExecutionPlugin({ schema, formatError: (f) => f, compileAfterRuns: 0, maxOperations: 2 });
    const before = compiles.count;
    for (const document of documents) await run(plugin, document);
    expect(compiles.count).toBe(before + 3);
    await run(plugin, documents[2] as DocumentNode); // still cached
    await run(plugin, documents[1] as DocumentNode); // still cached
    expect(compiles.count).toBe(before + 3);
    await run(plugin, documents[0] as DocumentNode); // evicted, the least recently used
    expect(compiles.count).toBe(before + 4);
  });

  it('keeps compiled operations within maxBytes by their weight', async () => {
    const weight = compiledWeight(documents[0] as DocumentNode) + 1;
    const plugin = compiledExecutionPlugin({ schema, formatError: (f) => f, compileAfterRuns: 0, maxBytes: weight });
    const before = compiles.count;
    await run(plugin, documents[0] as DocumentNode);
    await run(plugin, documents[1] as DocumentNode); // room for one compiled document: the first goes
    await run(plugin, documents[1] as DocumentNode);
    expect(compiles.count).toBe(before + 2);
    await run(plugin, documents[0] as DocumentNode);
    expect(compiles.count).toBe(before + 3);
  });

  it('leaves out leaf serialization only where every enum and built-in scalar leaf is a field of the model', async () => {
    const plugin = compiledExecutionPlugin({
      schema,
      formatError: (f) => f,
      compileAfterRuns: 0,
      serializedTypes: SERIALIZED_MODEL_TYPES,
    });
    // A caller who may read every field: nothing is left to graphql-js for a refused non-null field.
    const reader = {
      caller: { scopes: new Set(['contactinfo.read', 'digitalpost.read', 'dcr.read']) },
    } as unknown as GraphQLContext;
    const cases: [string, boolean][] = [
      ['query($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id status email { value stale } __typename } }', true],
      [
        'query($id: PersonIdentifier!) { person(id: $id) { ...P } } ' +
          'fragment P on Person { language reserved digitalMailbox { address providerOrganizationNumber } }',
        true,
      ],
      ['query($id: PersonIdentifier!) { person(id: $id) { id status } __type(name: "Person") { name } }', false],
      ['{ me { actingFor } }', false],
      ['{ __schema { queryType { name } } }', false],
    ];
    for (const [source, expected] of cases) {
      const before = compiles.options.length;
      await run(plugin, parse(source), reader);
      expect(compiles.options.length, source).toBe(before + 1);
      expect(compiles.options[before], source).toMatchObject({ disableLeafSerialization: expected });
    }
    // Without serializedTypes every leaf is serialized.
    const plain = compiledExecutionPlugin({ schema, formatError: (f) => f, compileAfterRuns: 0 });
    const before = compiles.options.length;
    await run(plain, parse(cases[0]![0]), reader);
    expect(compiles.options[before]).toMatchObject({ disableLeafSerialization: false });
  });
});
