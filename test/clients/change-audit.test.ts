import { GraphQLError, buildASTSchema, concatAST, parse, type GraphQLResolveInfo } from 'graphql';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHANGE_SUBJECTS, auditedMutations } from '../../src/clients/change-audit.js';
import type { MutationResolvers } from '../../src/generated/graphql.js';
import type { GraphQLContext } from '../../src/graphql/context.js';
import { AuditLogError, type ClientChangeRecord } from '../../src/observability/audit.js';

type Fn = (parent: unknown, args: unknown, ctx: GraphQLContext, info: GraphQLResolveInfo) => Promise<unknown>;

/** A context with an audit log that records (or refuses) change records, and a logger that collects its lines. */
function fakeContext(opts: { failRequested?: boolean; failCompleted?: boolean; callerRequestId?: string } = {}) {
  const records: ClientChangeRecord[] = [];
  const logged: { level: string; obj: unknown; msg: string }[] = [];
  const logger = {
    error: (obj: unknown, msg: string) => logged.push({ level: 'error', obj, msg }),
    warn: (obj: unknown, msg: string) => logged.push({ level: 'warn', obj, msg }),
  };
  const ctx = {
    requestId: 'req-1',
    callerRequestId: opts.callerRequestId,
    log: () => logger,
    clients: {
      requestId: 'req-1',
      callerRequestId: opts.callerRequestId,
      caller: { subject: 'caller-sub', clientId: 'caller-client', scopes: new Set(['clients.write']) },
      audit: {
        write: async () => undefined,
        close: async () => undefined,
        writeChange: async (record: ClientChangeRecord) => {
          if (record.stage === 'requested' && opts.failRequested)
            throw new AuditLogError('audit log: write failed (ENOSPC)');
          if (record.stage === 'completed' && opts.failCompleted)
            throw new AuditLogError('audit log: write failed (ENOSPC)');
          records.push(structuredClone(record));
        },
      },
    },
  } as unknown as GraphQLContext;
  return { ctx, records, logged };
}

function wrapped(resolvers: Record<string, unknown>): Record<string, Fn> {
  return auditedMutations(resolvers as MutationResolvers<GraphQLContext>) as unknown as Record<string, Fn>;
}

const info = {} as GraphQLResolveInfo;
const key = { kid: 'k1', kty: 'RSA', alg: 'RS256', use: 'sig', n: 'MODULUS-n-value', e: 'AQAB' };

describe('auditedMutations', () => {
  it('writes the requested record before the resolver runs and the completed one after, with one request id', async () => {
    const { ctx, records } = fakeContext({ callerRequestId: 'their-id' });
    let seenAtRun: ClientChangeRecord[] = [];
    const m = wrapped({
      addClientJwk: async () => {
        seenAtRun = [...records];
        return { jwks: { keys: [key] }, userErrors: [] };
      },
    });
    const result = await m.addClientJwk!(undefined, { input: { clientId: 'c1', key } }, ctx, info);
    expect(result).toEqual({ jwks: { keys: [key] }, userErrors: [] });
    const requested = {
      stage: 'requested',
      requestId: 'req-1',
      callerRequestId: 'their-id',
      caller: { sub: 'caller-sub', clientId: 'caller-client' },
      action: 'addClientJwk',
      clientId: 'c1',
      kid: 'k1',
    };
    expect(seenAtRun).toEqual([requested]);
    expect(records).toEqual([requested, { ...requested, stage: 'completed', outcome: 'succeeded' }]);
    expect(JSON.stringify(records)).not.toMatch(/MODULUS|AQAB/);
  });

  it('fails closed: when the requested record cannot be written the resolver does not run', async () => {
    const { ctx, records, logged } = fakeContext({ failRequested: true });
    let ran = false;
    const m = wrapped({
      rotateClientSecret: async () => {
        ran = true;
        return { client: null, clientSecret: 'SECRET', userErrors: [] };
      },
    });
    const failed = await m.rotateClientSecret!(undefined, { input: { id: 'c1' } }, ctx, info).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(failed).toBeInstanceOf(GraphQLError);
    expect((failed as GraphQLError).extensions.code).toBe('AUDIT_UNAVAILABLE');
    expect((failed as GraphQLError).message).not.toMatch(/ENOSPC|c1/);
    expect(records).toEqual([]);
    expect(logged.map((l) => l.level)).toEqual(['error']);
  });

  it('records a refusal with the user error codes, once each', async () => {
    const { ctx, records } = fakeContext();
    const m = wrapped({
      updateClient: async () => ({
        client: null,
        userErrors: [
          { code: 'INVALID', message: 'a', field: ['input', 'redirectUris'] },
          { code: 'INVALID', message: 'b', field: ['input', 'scopes'] },
          { code: 'CONFLICT', message: 'c', field: null },
        ],
      }),
    });
    await m.updateClient!(
      undefined,
      { input: { id: 'c1', name: 'New name', scopes: ['a'], description: null, lastUpdatedAt: undefined } },
      ctx,
      info,
    );
    expect(records[0]).toMatchObject({ stage: 'requested', clientId: 'c1', fields: ['name', 'scopes', 'description'] });
    expect(records[1]).toMatchObject({
      stage: 'completed',
      outcome: 'refused',
      userErrorCodes: ['INVALID', 'CONFLICT'],
    });
    expect(JSON.stringify(records)).not.toContain('New name');
  });

  it('records a failure with the GraphQL error code and rethrows the same error', async () => {
    const { ctx, records } = fakeContext();
    const upstream = new GraphQLError('admin API unavailable', { extensions: { code: 'UPSTREAM_UNAVAILABLE' } });
    const plain = new Error('bug');
    const m = wrapped({
      deleteClient: async () => {
        throw upstream;
      },
      deleteOnBehalfOf: () => {
        throw plain; // synchronously
      },
    });
    await expect(m.deleteClient!(undefined, { input: { id: 'c1' } }, ctx, info)).rejects.toBe(upstream);
    await expect(m.deleteOnBehalfOf!(undefined, { input: { clientId: 'c1', id: 'obo' } }, ctx, info)).rejects.toBe(
      plain,
    );
    expect(records.filter((r) => r.stage === 'completed')).toEqual([
      expect.objectContaining({ action: 'deleteClient', outcome: 'failed', errorCode: 'UPSTREAM_UNAVAILABLE' }),
      expect.objectContaining({
        action: 'deleteOnBehalfOf',
        clientId: 'c1',
        onBehalfOfId: 'obo',
        outcome: 'failed',
        errorCode: 'INTERNAL_SERVER_ERROR',
      }),
    ]);
  });

  it('names the new client in the completed record of createClient, never its secret', async () => {
    const { ctx, records } = fakeContext();
    const m = wrapped({
      createClient: async () => ({
        client: { client_id: 'new-client' },
        clientSecret: 'THE-SECRET',
        userErrors: [],
      }),
    });
    const input = { name: 'N', integrationType: 'IDPORTEN', grantTypes: ['AUTHORIZATION_CODE'] };
    await m.createClient!(undefined, { input }, ctx, info);
    expect(records[0]).not.toHaveProperty('clientId');
    expect(records[0]).toMatchObject({ fields: ['name', 'integrationType', 'grantTypes'] });
    expect(records[1]).toMatchObject({ stage: 'completed', outcome: 'succeeded', clientId: 'new-client' });
    expect(JSON.stringify(records)).not.toContain('THE-SECRET');
  });

  it('answers as the resolver did when the completed record cannot be written, and logs it without secrets', async () => {
    const { ctx, records, logged } = fakeContext({ failCompleted: true });
    const m = wrapped({
      rotateClientSecret: async () => ({ client: null, clientSecret: 'THE-SECRET', userErrors: [] }),
    });
    const result = await m.rotateClientSecret!(undefined, { input: { id: 'c1' } }, ctx, info);
    expect(result).toEqual({ client: null, clientSecret: 'THE-SECRET', userErrors: [] });
    expect(records.map((r) => r.stage)).toEqual(['requested']);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'error', obj: { action: 'rotateClientSecret', stage: 'completed' } });
    expect(JSON.stringify(logged)).not.toContain('THE-SECRET');
  });

  it('describes every key id of a replaced set, and each mutation’s ids', async () => {
    const { ctx, records } = fakeContext();
    const ok = async () => ({ userErrors: [] });
    const m = wrapped(Object.fromEntries(Object.keys(CHANGE_SUBJECTS).map((name) => [name, ok])));
    const calls: [string, unknown, Partial<ClientChangeRecord>][] = [
      [
        'replaceClientJwks',
        { clientId: 'c1', keys: [key, { ...key, kid: 'k2' }] },
        { clientId: 'c1', kids: ['k1', 'k2'] },
      ],
      ['removeClientJwk', { clientId: 'c1', kid: 'k1' }, { clientId: 'c1', kid: 'k1' }],
      [
        'createOnBehalfOf',
        { clientId: 'c1', id: 'o1', name: 'A', organizationNumber: '922020175' },
        { clientId: 'c1', onBehalfOfId: 'o1', fields: ['name', 'organizationNumber'] },
      ],
      [
        'updateOnBehalfOf',
        { clientId: 'c1', id: 'o1', url: 'https://x' },
        { clientId: 'c1', onBehalfOfId: 'o1', fields: ['url'] },
      ],
      ['deleteClient', { id: 'c1' }, { clientId: 'c1' }],
    ];
    for (const [action, input] of calls) await m[action]!(undefined, { input }, ctx, info);
    const requested = records.filter((r) => r.stage === 'requested');
    calls.forEach(([action, , expected], i) => {
      expect(requested[i]).toEqual({
        stage: 'requested',
        requestId: 'req-1',
        caller: { sub: 'caller-sub', clientId: 'caller-client' },
        action,
        ...expected,
      });
    });
    expect(JSON.stringify(records)).not.toMatch(/MODULUS|AQAB|922020175|https:\/\/x/);
  });

  it('wraps a resolver given as { resolve }, and audits a mutation it has no describer for', async () => {
    const { ctx, records } = fakeContext();
    const m = auditedMutations({
      deleteClient: { resolve: async () => ({ client: null, userErrors: [] }) },
      somethingNew: async () => ({ userErrors: [] }),
    } as unknown as MutationResolvers<GraphQLContext>) as unknown as Record<string, { resolve: Fn } | Fn>;
    await (m.deleteClient as { resolve: Fn }).resolve(undefined, { input: { id: 'c1' } }, ctx, info);
    await (m.somethingNew as Fn)(undefined, { input: { a: 1, b: 2 } }, ctx, info);
    expect(records.map((r) => [r.action, r.stage, r.outcome])).toEqual([
      ['deleteClient', 'requested', undefined],
      ['deleteClient', 'completed', 'succeeded'],
      ['somethingNew', 'requested', undefined],
      ['somethingNew', 'completed', 'succeeded'],
    ]);
    expect(records[2]).toMatchObject({ fields: ['a', 'b'] });
  });

  it('has a describer for every mutation of the schema', () => {
    const dir = new URL('../../schema/', import.meta.url);
    const sdl = readdirSync(dir)
      .filter((f) => f.endsWith('.graphql'))
      .map((f) => parse(readFileSync(new URL(f, dir), 'utf8')));
    const schema = buildASTSchema(concatAST(sdl), { assumeValidSDL: true });
    const mutations = Object.keys(schema.getMutationType()?.getFields() ?? {}).sort();
    expect(mutations).toHaveLength(10);
    expect(Object.keys(CHANGE_SUBJECTS).sort()).toEqual(mutations);
  });
});
