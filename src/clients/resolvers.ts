import type { Resolvers } from '../generated/graphql.js';
import { toGraphQLError } from '../upstream/errors.js';
import { parseUpstreamTimestamp } from '../upstream/timestamps.js';
import { INPUT_LIMITS, assertAdminId, assertMaxLength } from './input-validation.js';
import {
  APPLICATION_TYPES,
  AUTH_METHODS,
  INTEGRATION_TYPES,
  REFRESH_TOKEN_USAGES,
  enumFromApi,
  expirySeconds,
  grantTypeFromApi,
} from './mapping.js';
import { auditedMutations } from './change-audit.js';
import { clientMutations } from './mutations.js';
import { withFieldsInArguments } from './user-errors.js';

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value);

export const clientResolvers: Resolvers = {
  Query: {
    client: (_p, { id }, ctx) => {
      assertAdminId(id, ['id']);
      return ctx.clients.client.load(id);
    },
    clients: async (_p, { filter }, ctx) => {
      assertMaxLength(filter?.nameContains, INPUT_LIMITS.nameContainsLength, ['filter', 'nameContains']);
      let list;
      try {
        list = await ctx.clients.api.listClients();
      } catch (err) {
        throw toGraphQLError(err);
      }
      for (const c of list) if (c.client_id) ctx.clients.client.prime(c.client_id, c);
      const needle = filter?.nameContains?.toLowerCase();
      return list.filter(
        (c) =>
          (!filter?.integrationType || enumFromApi(c.integration_type, INTEGRATION_TYPES) === filter.integrationType) &&
          (filter?.active == null || (c.active ?? true) === filter.active) &&
          (!needle || (c.client_name ?? c.display_name ?? '').toLowerCase().includes(needle)),
      );
    },
    onBehalfOf: async (_p, { clientId, id }, ctx) => {
      assertAdminId(clientId, ['clientId']);
      assertAdminId(id, ['id']);
      try {
        const dto = await ctx.clients.api.getOnBehalfOf(clientId, id);
        return dto ? { clientId, dto } : null;
      } catch (err) {
        throw toGraphQLError(err);
      }
    },
  },
  Mutation: auditedMutations(withFieldsInArguments(clientMutations)),
  Client: {
    id: (c) => c.client_id ?? '',
    name: (c) => c.client_name ?? c.display_name ?? null,
    description: (c) => orNull(c.description),
    clientUri: (c) => orNull(c.client_uri),
    organizationNumber: (c) => c.client_orgno ?? '',
    supplierOrganizationNumber: (c) => orNull(c.supplier_orgno),
    // Lenient (reference: a record's unclear parts do not fail it): one client of a type added after this schema
    // blanked the whole list when this threw.
    integrationType: (c) => enumFromApi(c.integration_type, INTEGRATION_TYPES),
    applicationType: (c) => enumFromApi(c.application_type, APPLICATION_TYPES),
    tokenEndpointAuthMethod: (c) => enumFromApi(c.token_endpoint_auth_method, AUTH_METHODS),
    grantTypes: (c) => strings(c.grant_types).flatMap((g) => grantTypeFromApi(g) ?? []),
    scopes: (c) => strings(c.scopes),
    redirectUris: (c) => strings(c.redirect_uris),
    postLogoutRedirectUris: (c) => strings(c.post_logout_redirect_uris),
    frontchannelLogoutUri: (c) => orNull(c.frontchannel_logout_uri),
    frontchannelLogoutSessionRequired: (c) => orNull(c.frontchannel_logout_session_required),
    refreshTokenUsage: (c) => enumFromApi(c.refresh_token_usage, REFRESH_TOKEN_USAGES),
    authorizationLifetime: (c) => orNull(c.authorization_lifetime),
    accessTokenLifetime: (c) => orNull(c.access_token_lifetime),
    refreshTokenLifetime: (c) => orNull(c.refresh_token_lifetime),
    codeChallengeMethod: (c) => orNull(c.code_challenge_method),
    ssoDisabled: (c) => orNull(c.sso_disabled),
    active: (c) => c.active ?? true,
    createdAt: (c) => parseUpstreamTimestamp(c.created),
    lastUpdatedAt: (c) => parseUpstreamTimestamp(c.last_updated),
    onBehalfOf: (c) =>
      (Array.isArray(c.onbehalfof) ? c.onbehalfof : []).map((dto) => ({ clientId: c.client_id ?? '', dto, client: c })),
    jwks: (c, _args, ctx) => ctx.clients.jwks.load(c.client_id ?? ''),
  },
  OnBehalfOf: {
    id: (o) => o.dto.onbehalfof ?? '',
    name: (o) => o.dto.name ?? o.dto.display_name ?? null,
    organizationNumber: (o) => orNull(o.dto.orgno),
    url: (o) => o.dto.url ?? o.dto.client_uri ?? null,
    description: (o) => orNull(o.dto.description),
    client: async (o, _args, ctx) => {
      const client = o.client ?? (await ctx.clients.client.load(o.clientId));
      if (!client) throw new Error('the onbehalfof registration’s client was not found');
      return client;
    },
  },
  Jwks: {
    keys: (j) => (Array.isArray(j.keys) ? j.keys : []),
    createdAt: (j) => parseUpstreamTimestamp(j.created),
    lastUpdatedAt: (j) => parseUpstreamTimestamp(j.last_updated),
  },
  Jwk: {
    kid: (k) => k.kid ?? '',
    kty: (k) => k.kty ?? '',
    alg: (k) => k.alg ?? '',
    use: (k) => orNull(k.use),
    n: (k) => orNull(k.n),
    e: (k) => orNull(k.e),
    expiresAt: (k) => {
      const exp = expirySeconds(k.exp);
      return exp === undefined ? null : new Date(exp * 1000);
    },
  },
};
