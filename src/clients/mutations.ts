import { GraphQLError } from 'graphql';
import type { MutationResolvers, UserError } from '../generated/graphql.js';
import type { GraphQLContext } from '../graphql/context.js';
import { UpstreamOutcomeUnknownError, toGraphQLError } from '../upstream/errors.js';
import { parseUpstreamTimestamp } from '../upstream/timestamps.js';
import type { AdminResource } from './admin-client.js';
import type { ClientDto, JwkDto, JwksDto, OnBehalfOfDto } from './dto.js';
import {
  INPUT_LIMITS,
  assertAdminId,
  assertInputBounds,
  assertKid,
  assertLifetimes,
  assertNonEmpty,
  assertPublicRs256Key,
} from './input-validation.js';
import { LockBusyError, LockUnavailableError, lockKey, type LockHold } from './locks.js';
import {
  KRR_CLIENT_SCOPES,
  createInputToDto,
  jwkForRewrite,
  jwkInputToDto,
  mergeUpdate,
  partitionExpired,
} from './mapping.js';
import { PROTECTED_CLIENT_MESSAGE, userError, userErrorsFromResponse, userErrorsFromThrown } from './user-errors.js';

/** The admin API keeps at most 5 keys per client (reference §3). */
export const MAX_JWKS_KEYS = INPUT_LIMITS.keys;

const ok = (status: number) => status >= 200 && status < 300;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Runs a mutation body; a refused GET inside it becomes user errors, system failures GraphQL errors. */
async function attempt<T extends { userErrors: UserError[] }>(
  empty: Omit<T, 'userErrors'>,
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if ((err as { extensions?: unknown }).extensions) throw err; // already a GraphQL error (BAD_USER_INPUT)
    if (err instanceof LockBusyError) {
      return {
        ...empty,
        userErrors: [userError('CONFLICT', 'Another change to this client is in progress; retry.')],
      } as T;
    }
    if (err instanceof LockUnavailableError) {
      throw new GraphQLError(
        'Client changes are unavailable right now: the store that coordinates replicas cannot be reached. Nothing was changed; retry shortly.',
        { extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: 'redis' } },
      );
    }
    let userErrors: UserError[];
    try {
      userErrors = userErrorsFromThrown(err);
    } catch (unmapped) {
      throw toGraphQLError(unmapped);
    }
    return { ...empty, userErrors } as T;
  }
}

/** A client as returned to callers: the secret travels only in the payload's own field, never in the model. */
function withoutSecret(dto: unknown): ClientDto | null {
  if (typeof dto !== 'object' || dto === null) return null;
  const { client_secret: _secret, ...client } = dto as ClientDto;
  return client;
}

function secretOf(dto: unknown): string | null {
  const secret = (dto as ClientDto | undefined)?.client_secret;
  return typeof secret === 'string' && secret ? secret : null;
}

/** A client record in an answer: an object with its `client_id` (an answer holding only `client_secret` is none). */
function clientIn(body: unknown): ClientDto | null {
  const client = withoutSecret(body);
  return client && typeof client.client_id === 'string' && client.client_id ? client : null;
}

/**
 * A 2xx answer to a write that cannot be read where the change's result must come from it: the change was probably
 * made, which the caller must know before retrying (a second client, a lost secret), never an empty success.
 */
function unreadableWriteAnswer(): UpstreamOutcomeUnknownError {
  return new UpstreamOutcomeUnknownError('admin', 'unreadable answer', true);
}

/** The client read again after a change that was made; null (not a failure of the change) when it cannot be read. */
async function reloaded(ctx: GraphQLContext, clientId: string): Promise<ClientDto | null> {
  ctx.clients.client.clear(clientId);
  try {
    return await ctx.clients.client.load(clientId);
  } catch (err) {
    ctx.log().warn({ err: describeError(err) }, 'client changed, but it could not be read again');
    return null;
  } finally {
    ctx.clients.client.clear(clientId);
  }
}

function describeError(err: unknown): { type: string; message: string } {
  const e = err as { name?: unknown; message?: unknown } | undefined;
  return { type: String(e?.name ?? 'Error'), message: String(e?.message ?? '') };
}

/** The key set a write answered with; a 2xx answer without one is {@link unreadableWriteAnswer}. */
function jwksIn(body: unknown): JwksDto {
  if (Array.isArray(body)) return { keys: body as JwkDto[] };
  const dto = body as JwksDto | undefined;
  if (typeof dto !== 'object' || dto === null || !Array.isArray(dto.keys)) throw unreadableWriteAnswer();
  return dto;
}

/** The onbehalfof registration a write answered with; a 2xx answer without one is {@link unreadableWriteAnswer}. */
function onBehalfOfIn(body: unknown): OnBehalfOfDto {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw unreadableWriteAnswer();
  return body as OnBehalfOfDto;
}

/**
 * The scopes of `requested` callers may not grant (ADMIN_ALLOWED_SCOPES) as a FORBIDDEN user error at `field`, or
 * null when all are allowed. Scopes are not personal data: the message names them.
 */
function refusedScopes(ctx: GraphQLContext, requested: readonly string[], field: string[]): UserError | null {
  const refused = ctx.clients.api.refusedScopes(requested);
  if (refused.length === 0) return null;
  return userError(
    'FORBIDDEN',
    `Clients made through this service may not have the scope${refused.length > 1 ? 's' : ''} ${refused.join(', ')}.`,
    field,
  );
}

/**
 * FORBIDDEN at `integrationType` for a KRR client when callers may not grant the krr scopes: the admin API gives every
 * krr client those scopes, whatever the request lists (reference §3).
 */
function refusedKrrClient(ctx: GraphQLContext): UserError | null {
  const refused = ctx.clients.api.refusedScopes(KRR_CLIENT_SCOPES);
  if (refused.length === 0) return null;
  return userError(
    'FORBIDDEN',
    `Clients made through this service may not be KRR clients: the admin API gives a KRR client the scopes ${refused.join(', ')}, which this service may not grant.`,
    ['input', 'integrationType'],
  );
}

/**
 * FORBIDDEN at `field` when `client` holds scopes callers may not grant (ADMIN_ALLOWED_SCOPES; by default `krr:*`,
 * `idporten:dcr*`): such a client's keys, secret, settings and life cycle are not changed through the facade, or a
 * caller with `clients.write` could take it over (its own key on it) and use those scopes outside the facade's audit.
 * Its onbehalfof registrations stay manageable (`onbehalfof.write`): supplier mode needs them on the facade's own client.
 */
function protectedClient(ctx: GraphQLContext, client: ClientDto, field: string[]): UserError | null {
  if (ctx.clients.api.privilegedScopesOf(client).length === 0) return null;
  return userError('FORBIDDEN', PROTECTED_CLIENT_MESSAGE, field);
}

/**
 * The one read before a change to a client's credentials or life cycle (`GET /clients/{id}`): NOT_FOUND or FORBIDDEN
 * (protected, see {@link protectedClient}) as a user error at `field`, or null when the change may be sent. A refused
 * read (403) is thrown and answered by {@link attempt}; either way nothing else is sent upstream.
 */
async function refusedChange(ctx: GraphQLContext, clientId: string, field: string[]): Promise<UserError | null> {
  const read = await readForChange(ctx, clientId, field);
  return 'refused' in read ? read.refused : null;
}

/** As {@link refusedChange}, with the client as read when the change may be sent. */
async function readForChange(
  ctx: GraphQLContext,
  clientId: string,
  field: string[],
): Promise<{ refused: UserError } | { client: ClientDto }> {
  const client = await ctx.clients.api.getClient(clientId);
  if (!client) return { refused: userError('NOT_FOUND', 'No such client.', field) };
  const forbidden = protectedClient(ctx, client, field);
  return forbidden ? { refused: forbidden } : { client };
}

async function currentJwks(ctx: GraphQLContext, clientId: string): Promise<JwksDto> {
  ctx.clients.jwks.clear(clientId);
  return ctx.clients.api.getJwks(clientId);
}

/** Replaces the whole key set (the only write the admin API offers); an empty set is a DELETE. */
async function writeJwks(
  ctx: GraphQLContext,
  hold: LockHold,
  clientId: string,
  keys: JwkDto[],
  inputField: string[],
  dropped: JwkDto[] = [],
  kidField: string[] | null = null,
) {
  const api = ctx.clients.api;
  const resource: AdminResource = { clientId, sub: 'jwks' };
  await hold.check();
  const res =
    keys.length === 0
      ? await api.send('modify', { method: 'DELETE', resource })
      : await api.send('modify', { method: 'POST', resource, json: { keys } });
  ctx.clients.jwks.clear(clientId);
  if (!ok(res.status)) {
    // A 409 is a kid taken (on this client or another): at the kid given, where there is one.
    const userErrors = userErrorsFromResponse(res, 'jwks').map((e) =>
      e.field?.[1] === 'keys'
        ? { ...e, field: inputField }
        : e.code === 'CONFLICT' && !e.field
          ? { ...e, field: kidField }
          : e,
    );
    return { jwks: null, droppedExpiredKeys: [], userErrors };
  }
  const jwks = keys.length === 0 ? { keys: [] } : jwksIn(res.body);
  ctx.clients.jwks.prime(clientId, jwks);
  const droppedExpiredKeys = dropped.map((k) => k.kid).filter((kid): kid is string => typeof kid === 'string');
  return { jwks, droppedExpiredKeys, userErrors: [] };
}

function onBehalfOfBody(fields: {
  id: string;
  name?: string | null;
  organizationNumber?: string | null;
  url?: string | null;
  description?: string | null;
}): OnBehalfOfDto {
  // Both documented shapes at once (docs: display_name/url; newer: name/client_uri), so either kind of server reads it.
  const body: OnBehalfOfDto = { onbehalfof: fields.id };
  if (fields.name != null) Object.assign(body, { name: fields.name, display_name: fields.name });
  if (fields.organizationNumber != null) body.orgno = fields.organizationNumber;
  if (fields.url != null) Object.assign(body, { url: fields.url, client_uri: fields.url });
  if (fields.description != null) body.description = fields.description;
  return body;
}

const jwksEmpty = { jwks: null, droppedExpiredKeys: [] };

export const clientMutations: MutationResolvers<GraphQLContext> = {
  createClient: (_p, { input }, ctx) =>
    attempt({ client: null, clientSecret: null }, async () => {
      assertInputBounds(input);
      assertNonEmpty(input.name, ['input', 'name']);
      assertLifetimes(input);
      // A krr client gets the fixed krr scopes from the admin API whatever scopes are asked for (none, or harmless
      // ones such as openid): refused as those scopes are, unless ADMIN_ALLOWED_SCOPES allows them.
      const refused =
        (input.integrationType === 'KRR' ? refusedKrrClient(ctx) : null) ??
        refusedScopes(ctx, input.scopes ?? [], ['input', 'scopes']);
      if (refused) return { client: null, clientSecret: null, userErrors: [refused] };
      const res = await ctx.clients.api.send('write', {
        method: 'POST',
        json: createInputToDto(input),
        orgno: input.organizationNumber ?? undefined,
      });
      if (!ok(res.status))
        return { client: null, clientSecret: null, userErrors: userErrorsFromResponse(res, 'client', 'create') };
      // Without the new client's id the caller cannot find what was made (nor its secret): not a success.
      const client = clientIn(res.body);
      if (!client) throw unreadableWriteAnswer();
      ctx.clients.api.learn(client);
      return { client, clientSecret: secretOf(res.body), userErrors: [] };
    }),

  updateClient: (_p, { input }, ctx) =>
    attempt({ client: null }, async () => {
      assertAdminId(input.id, ['input', 'id']);
      assertInputBounds(input);
      assertNonEmpty(input.name, ['input', 'name']);
      assertLifetimes(input);
      return ctx.clients.locks.run(lockKey('client', input.id), async (hold) => {
        const current = await ctx.clients.api.getClient(input.id);
        if (!current) return { client: null, userErrors: [userError('NOT_FOUND', 'No such client.', ['input', 'id'])] };
        // Any field: redirect URIs or the auth method are a takeover path as much as keys.
        const forbidden = protectedClient(ctx, current, ['input', 'id']);
        if (forbidden) return { client: null, userErrors: [forbidden] };
        const changedAt = parseUpstreamTimestamp(current.last_updated);
        if (input.lastUpdatedAt && !changedAt) {
          // The check asked for cannot be made: fail closed, or a stale write would go through unchecked.
          return {
            client: null,
            userErrors: [
              userError(
                'CONFLICT',
                'The admin API did not give a readable time of the client’s last change, so the lastUpdatedAt check cannot be made; nothing was changed. Send the update without lastUpdatedAt to change it unchecked.',
                ['input', 'lastUpdatedAt'],
              ),
            ],
          };
        }
        if (input.lastUpdatedAt && changedAt && changedAt.getTime() > input.lastUpdatedAt.getTime()) {
          // Only that it changed: when, is for callers who may read the client (clients.read).
          return {
            client: null,
            userErrors: [
              userError('CONFLICT', 'The client has changed since the version you saw; read it again and retry.', [
                'input',
                'lastUpdatedAt',
              ]),
            ],
          };
        }
        // The client holds no refused scope (it is not protected): any refused one asked for would be new.
        const refused = refusedScopes(ctx, input.scopes ?? [], ['input', 'scopes']);
        if (refused) return { client: null, userErrors: [refused] };
        await hold.check();
        const res = await ctx.clients.api.send('modify', {
          method: 'PUT',
          resource: { clientId: input.id },
          json: mergeUpdate(current, input),
        });
        ctx.clients.client.clear(input.id);
        if (!ok(res.status)) return { client: null, userErrors: userErrorsFromResponse(res, 'client') };
        const client = clientIn(res.body) ?? (await reloaded(ctx, input.id));
        // Accepted, but neither the answer nor a read shows the client: the change was probably made.
        if (!client) throw unreadableWriteAnswer();
        return { client, userErrors: [] };
      });
    }),

  deleteClient: (_p, { input }, ctx) =>
    attempt({ client: null }, async () => {
      assertAdminId(input.id, ['input', 'id']);
      const read = await readForChange(ctx, input.id, ['input', 'id']);
      if ('refused' in read) return { client: null, userErrors: [read.refused] };
      const res = await ctx.clients.api.send('modify', { method: 'DELETE', resource: { clientId: input.id } });
      if (!ok(res.status)) return { client: null, userErrors: userErrorsFromResponse(res, 'client', 'delete') };
      // The deletion was made (200, empty body as documented). When the client cannot be read again, the answer is
      // what is known: the client as read before, deactivated, without a last-change time it no longer has.
      const { last_updated: _stale, ...before } = read.client;
      return { client: (await reloaded(ctx, input.id)) ?? { ...before, active: false }, userErrors: [] };
    }),

  rotateClientSecret: (_p, { input }, ctx) =>
    attempt({ client: null, clientSecret: null }, async () => {
      assertAdminId(input.id, ['input', 'id']);
      const refused = await refusedChange(ctx, input.id, ['input', 'id']);
      if (refused) return { client: null, clientSecret: null, userErrors: [refused] };
      const res = await ctx.clients.api.send('modify', {
        method: 'POST',
        resource: { clientId: input.id, sub: 'secret' },
      });
      if (!ok(res.status))
        return { client: null, clientSecret: null, userErrors: userErrorsFromResponse(res, 'client') };
      // The new secret is the answer's point: without it the rotation was probably made and its secret lost.
      const clientSecret = secretOf(res.body);
      if (!clientSecret) throw unreadableWriteAnswer();
      // Documented to answer with the new client_secret, perhaps nothing else: the client is read again, and left
      // null when it cannot be, never at the cost of the secret.
      const client = clientIn(res.body) ?? (await reloaded(ctx, input.id));
      return { client, clientSecret, userErrors: [] };
    }),

  replaceClientJwks: (_p, { input }, ctx) =>
    attempt(jwksEmpty, async () => {
      assertAdminId(input.clientId, ['input', 'clientId']);
      assertInputBounds(input);
      input.keys.forEach((key, i) => assertPublicRs256Key(key, ['input', 'keys', String(i)]));
      const kids = input.keys.map((k) => k.kid);
      if (new Set(kids).size !== kids.length) {
        return { ...jwksEmpty, userErrors: [userError('INVALID', 'Each key needs its own kid.', ['input', 'keys'])] };
      }
      return ctx.clients.locks.run(lockKey('jwks', input.clientId), async (hold) => {
        const refused = await refusedChange(ctx, input.clientId, ['input', 'clientId']);
        if (refused) return { ...jwksEmpty, userErrors: [refused] };
        return writeJwks(
          ctx,
          hold,
          input.clientId,
          input.keys.map(jwkInputToDto),
          ['input', 'keys'],
          [],
          ['input', 'keys'],
        );
      });
    }),

  addClientJwk: (_p, { input }, ctx) =>
    attempt(jwksEmpty, async () => {
      assertAdminId(input.clientId, ['input', 'clientId']);
      assertPublicRs256Key(input.key, ['input', 'key']);
      return ctx.clients.locks.run(lockKey('jwks', input.clientId), async (hold) => {
        const refused = await refusedChange(ctx, input.clientId, ['input', 'clientId']);
        if (refused) return { ...jwksEmpty, userErrors: [refused] };
        // Expired keys cannot be stored again and do not count toward the limit: they are dropped from the set.
        const { live, expired } = partitionExpired((await currentJwks(ctx, input.clientId)).keys ?? [], nowSeconds());
        if (live.some((k) => k.kid === input.key.kid)) {
          return {
            ...jwksEmpty,
            userErrors: [userError('CONFLICT', 'The client already has a key with this kid.', ['input', 'key', 'kid'])],
          };
        }
        if (live.length >= MAX_JWKS_KEYS) {
          return {
            ...jwksEmpty,
            userErrors: [
              userError('LIMIT_EXCEEDED', `A client can have at most ${MAX_JWKS_KEYS} keys; remove one first.`, [
                'input',
                'key',
              ]),
            ],
          };
        }
        return writeJwks(
          ctx,
          hold,
          input.clientId,
          [...live.map(jwkForRewrite), jwkInputToDto(input.key)],
          ['input', 'key'],
          expired,
          ['input', 'key', 'kid'],
        );
      });
    }),

  removeClientJwk: (_p, { input }, ctx) =>
    attempt(jwksEmpty, async () => {
      assertAdminId(input.clientId, ['input', 'clientId']);
      assertKid(input.kid, ['input', 'kid']);
      return ctx.clients.locks.run(lockKey('jwks', input.clientId), async (hold) => {
        const refused = await refusedChange(ctx, input.clientId, ['input', 'clientId']);
        if (refused) return { ...jwksEmpty, userErrors: [refused] };
        const current = (await currentJwks(ctx, input.clientId)).keys ?? [];
        if (!current.some((k) => k.kid === input.kid)) {
          return {
            ...jwksEmpty,
            userErrors: [userError('NOT_FOUND', 'The client has no key with this kid.', ['input', 'kid'])],
          };
        }
        const { live, expired } = partitionExpired(
          current.filter((k) => k.kid !== input.kid),
          nowSeconds(),
        );
        return writeJwks(ctx, hold, input.clientId, live.map(jwkForRewrite), ['input', 'kid'], expired);
      });
    }),

  createOnBehalfOf: (_p, { input }, ctx) =>
    attempt({ onBehalfOf: null }, async () => {
      assertAdminId(input.clientId, ['input', 'clientId']);
      assertAdminId(input.id, ['input', 'id']);
      assertInputBounds(input);
      assertNonEmpty(input.name, ['input', 'name']);
      const res = await ctx.clients.api.send('onbehalfof', {
        method: 'POST',
        resource: { clientId: input.clientId, sub: 'onbehalfof' },
        json: onBehalfOfBody(input),
      });
      ctx.clients.client.clear(input.clientId);
      if (!ok(res.status)) return { onBehalfOf: null, userErrors: userErrorsFromResponse(res, 'onbehalfof', 'create') };
      ctx.clients.onBehalfOfChanged?.(input.clientId, input.id);
      return { onBehalfOf: { clientId: input.clientId, dto: onBehalfOfIn(res.body) }, userErrors: [] };
    }),

  updateOnBehalfOf: (_p, { input }, ctx) =>
    attempt({ onBehalfOf: null }, async () => {
      assertAdminId(input.clientId, ['input', 'clientId']);
      assertAdminId(input.id, ['input', 'id']);
      assertInputBounds(input);
      assertNonEmpty(input.name, ['input', 'name']);
      // Read, merge, write the whole registration: under the lock, or two partial updates lose one of them.
      return ctx.clients.locks.run(lockKey('onbehalfof', input.clientId, input.id), async (hold) => {
        const current = await ctx.clients.api.getOnBehalfOf(input.clientId, input.id);
        if (!current) {
          return {
            onBehalfOf: null,
            userErrors: [userError('NOT_FOUND', 'No such onbehalfof registration on this client.', ['input', 'id'])],
          };
        }
        const body = onBehalfOfBody({
          id: input.id,
          name: input.name ?? current.name ?? current.display_name,
          organizationNumber: input.organizationNumber ?? current.orgno,
          url: input.url ?? current.url ?? current.client_uri,
          description: input.description ?? current.description,
        });
        await hold.check();
        const res = await ctx.clients.api.send('onbehalfof', {
          method: 'PUT',
          resource: { clientId: input.clientId, sub: 'onbehalfof', onBehalfOfId: input.id },
          json: body,
        });
        ctx.clients.client.clear(input.clientId);
        if (!ok(res.status)) return { onBehalfOf: null, userErrors: userErrorsFromResponse(res, 'onbehalfof') };
        ctx.clients.onBehalfOfChanged?.(input.clientId, input.id);
        return { onBehalfOf: { clientId: input.clientId, dto: onBehalfOfIn(res.body) }, userErrors: [] };
      });
    }),

  deleteOnBehalfOf: (_p, { input }, ctx) =>
    attempt({ deletedId: null }, async () => {
      assertAdminId(input.clientId, ['input', 'clientId']);
      assertAdminId(input.id, ['input', 'id']);
      const res = await ctx.clients.api.send('onbehalfof', {
        method: 'DELETE',
        resource: { clientId: input.clientId, sub: 'onbehalfof', onBehalfOfId: input.id },
      });
      ctx.clients.client.clear(input.clientId);
      if (!ok(res.status)) return { deletedId: null, userErrors: userErrorsFromResponse(res, 'onbehalfof', 'delete') };
      ctx.clients.onBehalfOfChanged?.(input.clientId, input.id);
      return { deletedId: input.id, userErrors: [] };
    }),
};
