import type { GraphQLResolveInfo } from 'graphql';
import { GraphQLError } from 'graphql';
import type {
  MutationAddClientJwkArgs,
  MutationCreateClientArgs,
  MutationCreateOnBehalfOfArgs,
  MutationDeleteClientArgs,
  MutationDeleteOnBehalfOfArgs,
  MutationRemoveClientJwkArgs,
  MutationReplaceClientJwksArgs,
  MutationResolvers,
  MutationRotateClientSecretArgs,
  MutationUpdateClientArgs,
  MutationUpdateOnBehalfOfArgs,
} from '../generated/graphql.js';
import type { GraphQLContext } from '../graphql/context.js';
import { AUDIT_MAX_LIST_ITEMS, type ClientChangeRecord } from '../observability/audit.js';

/**
 * The audit of every change to a client (DESIGN.md: "every change to a client is audited too"), as a wrapper over the
 * mutation resolvers, independent of how they work. Each mutation writes two records with the request's id (the
 * Kubernetes audit log's stages):
 *
 * - `requested`, written and awaited before the resolver runs. When it cannot be written the resolver does not run,
 *   nothing is sent upstream, and the mutation answers AUDIT_UNAVAILABLE (fail closed).
 * - `completed`, after the resolver, with the outcome: `succeeded`; `refused` with the payload's user error codes;
 *   `failed` with the GraphQL error's code; `unknown` with it when the error says the change may have been made.
 *   When it cannot be written the change stands (it was made upstream): the
 *   failure is logged, and the answer is sent as it is.
 *
 * A record names the caller, the action, the client, the onbehalfof registration or key id where the mutation has one,
 * and the names of the input fields given; never a secret, key material (`n`, `e`) or the value of a changed field.
 */

/** What a record says about the thing changed, taken from the mutation's input. */
type Subject = Pick<ClientChangeRecord, 'clientId' | 'onBehalfOfId' | 'kid' | 'kids' | 'fields'>;

type Describers = {
  [K in keyof Required<MutationResolvers<GraphQLContext>>]: (args: ArgsOf<K>) => Subject;
};
type ArgsOf<K extends keyof MutationResolvers<GraphQLContext>> = {
  addClientJwk: MutationAddClientJwkArgs;
  createClient: MutationCreateClientArgs;
  createOnBehalfOf: MutationCreateOnBehalfOfArgs;
  deleteClient: MutationDeleteClientArgs;
  deleteOnBehalfOf: MutationDeleteOnBehalfOfArgs;
  removeClientJwk: MutationRemoveClientJwkArgs;
  replaceClientJwks: MutationReplaceClientJwksArgs;
  rotateClientSecret: MutationRotateClientSecretArgs;
  updateClient: MutationUpdateClientArgs;
  updateOnBehalfOf: MutationUpdateOnBehalfOfArgs;
}[K];

/** One describer per mutation of the schema: a mutation added without one is caught by the type and a test. */
export const CHANGE_SUBJECTS: Describers = {
  createClient: ({ input }) => ({ fields: fieldNames(input) }),
  updateClient: ({ input }) => ({ clientId: input.id, fields: fieldNames(input, ['id']) }),
  deleteClient: ({ input }) => ({ clientId: input.id }),
  rotateClientSecret: ({ input }) => ({ clientId: input.id }),
  replaceClientJwks: ({ input }) => ({
    clientId: input.clientId,
    kids: (Array.isArray(input.keys) ? input.keys : []).slice(0, AUDIT_MAX_LIST_ITEMS).map((k) => String(k?.kid)),
  }),
  addClientJwk: ({ input }) => ({ clientId: input.clientId, kid: input.key?.kid }),
  removeClientJwk: ({ input }) => ({ clientId: input.clientId, kid: input.kid }),
  createOnBehalfOf: ({ input }) => ({
    clientId: input.clientId,
    onBehalfOfId: input.id,
    fields: fieldNames(input, ['clientId', 'id']),
  }),
  updateOnBehalfOf: ({ input }) => ({
    clientId: input.clientId,
    onBehalfOfId: input.id,
    fields: fieldNames(input, ['clientId', 'id']),
  }),
  deleteOnBehalfOf: ({ input }) => ({ clientId: input.clientId, onBehalfOfId: input.id }),
};

/** The input fields given (null included: it is a value the caller set), without those recorded as ids. */
function fieldNames(input: object | null | undefined, ids: readonly string[] = []): string[] {
  if (!input) return [];
  return Object.entries(input)
    .filter(([name, value]) => value !== undefined && !ids.includes(name))
    .map(([name]) => name)
    .slice(0, AUDIT_MAX_LIST_ITEMS);
}

type AnyResolverFn = (parent: unknown, args: unknown, ctx: GraphQLContext, info: GraphQLResolveInfo) => unknown;

/**
 * `resolvers` with every mutation audited (see the file's comment). A mutation without a describer of its own (added
 * later) is still audited, by action and input field names.
 */
export function auditedMutations(resolvers: MutationResolvers<GraphQLContext>): MutationResolvers<GraphQLContext> {
  const out: Record<string, unknown> = {};
  for (const [action, resolver] of Object.entries(resolvers)) {
    if (resolver === undefined) continue;
    const describe =
      (CHANGE_SUBJECTS as Record<string, ((args: never) => Subject) | undefined>)[action] ??
      ((args: { input?: object }) => ({ fields: fieldNames(args?.input) }));
    const wrap = (resolve: AnyResolverFn): AnyResolverFn =>
      audited(action, describe as (args: unknown) => Subject, resolve);
    out[action] =
      typeof resolver === 'function'
        ? wrap(resolver as AnyResolverFn)
        : { ...resolver, resolve: wrap((resolver as { resolve: AnyResolverFn }).resolve) };
  }
  return out as MutationResolvers<GraphQLContext>;
}

function audited(action: string, describe: (args: unknown) => Subject, resolve: AnyResolverFn): AnyResolverFn {
  return async (parent, args, ctx, info) => {
    const clients = ctx.clients;
    let subject: Subject;
    try {
      subject = describe(args);
    } catch {
      subject = {}; // an input the describer could not read: the resolver's own validation answers it
    }
    const { callerRequestId } = clients;
    const base: ClientChangeRecord = {
      stage: 'requested',
      requestId: clients.requestId,
      ...(callerRequestId !== undefined ? { callerRequestId } : {}),
      caller: {
        sub: clients.caller.subject,
        ...(clients.caller.clientId !== undefined ? { clientId: clients.caller.clientId } : {}),
      },
      action,
      ...definedOnly(subject),
    };

    try {
      await clients.audit.writeChange(base);
    } catch (err) {
      clients.onAuditFailed?.();
      ctx
        .log()
        .error({ action, stage: 'requested', err: describeError(err) }, 'client change refused: audit log unavailable');
      throw new GraphQLError('This change cannot be made right now: the audit log is unavailable.', {
        extensions: { code: 'AUDIT_UNAVAILABLE' },
      });
    }

    let completed: ClientChangeRecord;
    let result: unknown;
    let thrown: { error: unknown } | undefined;
    try {
      result = await resolve(parent, args, ctx, info);
      completed = { ...base, stage: 'completed', ...outcomeOf(action, result) };
    } catch (err) {
      thrown = { error: err };
      completed = { ...base, stage: 'completed', outcome: outcomeOfError(err), errorCode: codeOf(err) };
    }

    try {
      await clients.audit.writeChange(completed);
    } catch (err) {
      clients.onAuditFailed?.();
      // The change was made (or refused) upstream; it cannot be undone. Logged, with no input values.
      ctx
        .log()
        .error(
          { action, stage: 'completed', outcome: completed.outcome, err: describeError(err) },
          'audit record of a completed client change could not be written',
        );
    }
    if (thrown) throw thrown.error;
    return result;
  };
}

function outcomeOf(action: string, result: unknown): Partial<ClientChangeRecord> {
  const payload = (result ?? {}) as { userErrors?: unknown; client?: { client_id?: unknown } | null };
  const userErrors = Array.isArray(payload.userErrors) ? (payload.userErrors as { code?: unknown }[]) : [];
  if (userErrors.length > 0) {
    const codes = [...new Set(userErrors.map((e) => String(e?.code ?? 'UNKNOWN')))];
    return { outcome: 'refused', userErrorCodes: codes };
  }
  // The new client's id is known only now.
  const createdId = action === 'createClient' ? payload.client?.client_id : undefined;
  return { outcome: 'succeeded', ...(typeof createdId === 'string' && createdId ? { clientId: createdId } : {}) };
}

/** `unknown` when the error says the change may have been made (`extensions.outcome`), else `failed`. */
function outcomeOfError(err: unknown): 'failed' | 'unknown' {
  const outcome = (err as { extensions?: { outcome?: unknown } } | undefined)?.extensions?.outcome;
  return outcome === 'UNKNOWN' ? 'unknown' : 'failed';
}

function codeOf(err: unknown): string {
  const code = (err as { extensions?: { code?: unknown } } | undefined)?.extensions?.code;
  return typeof code === 'string' && code ? code : 'INTERNAL_SERVER_ERROR';
}

/** The error's type and message only: an error object may carry the request (its input) as properties. */
function describeError(err: unknown): { type: string; message: string } {
  const e = err as { name?: unknown; message?: unknown } | undefined;
  return { type: String(e?.name ?? 'Error'), message: String(e?.message ?? '') };
}

function definedOnly(subject: Subject): Subject {
  const out: Subject = {};
  if (typeof subject.clientId === 'string') out.clientId = subject.clientId;
  if (typeof subject.onBehalfOfId === 'string') out.onBehalfOfId = subject.onBehalfOfId;
  if (typeof subject.kid === 'string') out.kid = subject.kid;
  if (Array.isArray(subject.kids)) out.kids = subject.kids;
  if (Array.isArray(subject.fields) && subject.fields.length > 0) out.fields = subject.fields;
  return out;
}
