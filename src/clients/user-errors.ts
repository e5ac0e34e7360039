import {
  getNullableType,
  isInputObjectType,
  isListType,
  type GraphQLArgument,
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLResolveInfo,
} from 'graphql';
import type { UserError, UserErrorCode } from '../generated/graphql.js';
import { redactPersonalIds } from '../observability/personal-ids.js';
import { UpstreamStatusError } from '../upstream/errors.js';
import type { UpstreamResponse } from '../upstream/http-client.js';
import { fieldPath } from './mapping.js';

/**
 * Admin API answers → mutation `userErrors`, in one place (DESIGN.md "Error contract"). Business errors are data;
 * 5xx and token failures stay GraphQL errors (thrown by the upstream layer before they get here).
 */
export function userErrorsFromResponse(
  res: UpstreamResponse,
  kind: 'client' | 'onbehalfof' | 'jwks',
  action: AdminAction = 'change',
): UserError[] {
  switch (res.status) {
    case 400:
    case 422:
      return validationErrors(res.body, kind);
    case 403:
      return [
        userError(
          'FORBIDDEN',
          'Not allowed: the client belongs to another organisation, or our access to the admin API lacks this right.',
        ),
      ];
    case 404:
      return [notFound(kind, action)];
    case 409:
      return [userError('CONFLICT', conflictMessage(kind, action))];
    default:
      // A 401 that survived a fresh token, or an undocumented status: not the caller's input.
      throw new UpstreamStatusError('admin', res.status, res.body);
  }
}

/**
 * Why a change to a protected client (one holding scopes callers may not grant, `AdminApiClient.privilegedScopesOf`)
 * is refused. It names neither the scopes (the caller may not be allowed to read the client) nor any value.
 */
export const PROTECTED_CLIENT_MESSAGE =
  'The client holds privileged scopes that this service may not manage: its keys, secret, settings and life cycle cannot be changed through this service.';

export function userError(code: UserErrorCode, message: string, field?: string[] | null): UserError {
  return { code, message, field: field ?? null };
}

/** What a mutation asks of the resource it addresses: a 404 or 409 means something else for each. */
export type AdminAction = 'create' | 'change' | 'delete';

function notFound(kind: 'client' | 'onbehalfof' | 'jwks', action: AdminAction): UserError {
  if (kind === 'client' && action === 'create') {
    // POST /clients: there is no client to miss; the collection itself was not found.
    return userError('NOT_FOUND', 'The admin API found no place to create the client (HTTP 404); nothing was created.');
  }
  if (kind === 'onbehalfof' && action === 'create')
    return userError('NOT_FOUND', 'No such client.', ['input', 'clientId']);
  if (kind === 'onbehalfof') return userError('NOT_FOUND', 'No such onbehalfof registration on this client.');
  return userError('NOT_FOUND', 'No such client.');
}

function conflictMessage(kind: 'client' | 'onbehalfof' | 'jwks', action: AdminAction): string {
  if (kind === 'onbehalfof') {
    return action === 'create'
      ? 'An onbehalfof registration with this id already exists on the client.'
      : `The admin API refused to ${action === 'delete' ? 'delete' : 'change'} the onbehalfof registration: it conflicts with its current state.`;
  }
  if (kind === 'jwks') {
    return 'The key set conflicts with the admin API’s: a kid must be unique, on this client and on every other.';
  }
  if (action === 'create') return 'The new client conflicts with an existing one.';
  return `The admin API refused to ${action === 'delete' ? 'delete' : 'change'} the client: it conflicts with its current state.`;
}

interface DigdirFieldError {
  errorMessage?: unknown;
  fieldIdentifier?: unknown;
  isFieldError?: unknown;
}

/** Digdir's current body `{errors:[{errorMessage, fieldIdentifier}]}`, or the older `{error, error_description}`. */
function validationErrors(body: unknown, kind: 'client' | 'onbehalfof' | 'jwks'): UserError[] {
  const b = (body ?? {}) as { errors?: unknown; error_description?: unknown; error?: unknown };
  if (Array.isArray(b.errors) && b.errors.length > 0) {
    return (b.errors as DigdirFieldError[]).map((e) =>
      userError(
        'INVALID',
        cleanMessage(e.errorMessage) ?? 'The admin API rejected this value.',
        typeof e.fieldIdentifier === 'string' ? fieldPath(e.fieldIdentifier, kind) : null,
      ),
    );
  }
  const description = cleanMessage(b.error_description) ?? cleanMessage(b.error);
  return [userError('INVALID', description ?? 'The admin API rejected the input.')];
}

/**
 * Upstream validation text is meant for the integrator; trimmed, de-prefixed (", msg") and bounded in length. It may
 * repeat the refused value (a redirect URI, a kid): whatever the id rule takes for a personal id is redacted, as in
 * every other error message (observability/personal-ids.ts).
 */
function cleanMessage(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = redactPersonalIds(value.replace(/^[\s,]+/, '').trim());
  return text ? text.slice(0, 300) : undefined;
}

/** A failure of a mutation's own GET (e.g. the client is not ours) as user errors; anything else is rethrown. */
export function userErrorsFromThrown(err: unknown): UserError[] {
  if (err instanceof UpstreamStatusError && err.upstream === 'admin' && [403, 404, 409].includes(err.status)) {
    return userErrorsFromResponse({ status: err.status, headers: {}, body: err.body }, 'client');
  }
  throw err;
}

/**
 * A user error's `field` as a path the mutation's arguments have: the admin API names its own fields, mapped to the
 * schema's by name (mapping.ts, `fieldPath`), and may name one the mutation's input does not have (a secret rotation
 * refused for the client's `token_endpoint_auth_method`, which `RotateClientSecretInput` does not hold). The path is
 * cut to the part that exists, `null` when not even an input field of it does: a form can only show an error at a
 * field it has.
 */
export function fieldInArguments(field: readonly string[] | null, args: readonly GraphQLArgument[]): string[] | null {
  if (!field) return null;
  let type: GraphQLInputType | undefined = args.find((a) => a.name === field[0])?.type;
  if (!type) return null;
  let valid = 1;
  for (const segment of field.slice(1)) {
    const named: GraphQLInputType = getNullableType(type);
    if (isListType(named)) {
      if (!/^\d+$/.test(segment)) break;
      type = named.ofType as GraphQLInputType;
    } else {
      const next: GraphQLInputField | undefined = isInputObjectType(named) ? named.getFields()[segment] : undefined;
      if (!next) break;
      type = next.type;
    }
    valid++;
  }
  return valid >= 2 ? field.slice(0, valid) : null;
}

/** `resolvers`' mutations, each user error's `field` checked against the mutation's arguments (fieldInArguments). */
export function withFieldsInArguments<R extends Record<string, unknown>>(resolvers: R): R {
  const out: Record<string, unknown> = {};
  for (const [name, resolver] of Object.entries(resolvers)) {
    if (typeof resolver !== 'function') {
      out[name] = resolver;
      continue;
    }
    out[name] = async (parent: unknown, args: unknown, ctx: unknown, info: GraphQLResolveInfo) => {
      const result = (await (resolver as (...a: unknown[]) => unknown)(parent, args, ctx, info)) as {
        userErrors?: UserError[];
      } | null;
      if (!result?.userErrors?.length) return result;
      const definition = info.parentType.getFields()[info.fieldName];
      if (!definition) return result;
      const userErrors = result.userErrors.map((e) => ({
        ...e,
        field: fieldInArguments(e.field ?? null, definition.args),
      }));
      return { ...result, userErrors };
    };
  }
  return out as R;
}
