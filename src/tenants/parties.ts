import { GraphQLError } from 'graphql';
import type { ActingFor } from '../generated/graphql.js';
import type { LookupParty } from '../krr/client.js';
import { KRR_CONTACT_SCOPES, KRR_DIGITAL_POST_SCOPES, type Tenant } from './tenants.js';

/**
 * A tenant as KRR look-ups see it: the Maskinporten tokens its look-ups use (with `consumer_org` or `iss_onbehalfof`,
 * never both), the legal consumer and supplier for the audit, and what to tell its callers when Maskinporten refuses.
 */
export function tenantParty(tenant: Tenant, us: { orgno?: string; clientId: string }): LookupParty {
  const identity =
    tenant.via === 'consumer_org' ? { consumerOrg: tenant.organizationNumber } : { onBehalfOf: tenant.onBehalfOf };
  const contact = tenant.scopes.filter((s) => KRR_CONTACT_SCOPES.includes(s));
  const post = tenant.scopes.filter((s) => KRR_DIGITAL_POST_SCOPES.includes(s));
  const customer = `${tenant.name} (${tenant.organizationNumber})`;
  const refusalHint =
    tenant.via === 'consumer_org'
      ? `Acting for ${customer} by Altinn delegation: ${tenant.organizationNumber} must delegate ${tenant.scopes.join(', ')} to ${us.orgno ?? 'our organisation'} in Altinn (access to APIs/"Tilgang til programmeringsgrensesnitt").`
      : `Acting for ${customer} through the onbehalfof registration "${tenant.onBehalfOf}": it must exist on our Maskinporten client ${us.clientId} (createOnBehalfOf with id "${tenant.onBehalfOf}" and organizationNumber ${tenant.organizationNumber}).`;
  return {
    key: `${tenant.via}:${tenant.organizationNumber}`,
    contact: { scopes: contact, ...identity },
    ...(post.length > 0 ? { digitalPost: { scopes: [...contact, ...post], ...identity } } : {}),
    consumer: tenant.organizationNumber,
    ...(us.orgno ? { supplier: us.orgno } : {}),
    refusalHint,
  };
}

/** `Query.me`'s `actingFor`. */
export function actingFor(tenant: Tenant | undefined, ownOrgno: string | undefined): ActingFor {
  if (!tenant) return { organizationNumber: ownOrgno ?? null, name: null, via: 'OWN', onBehalfOf: null };
  return {
    organizationNumber: tenant.organizationNumber,
    name: tenant.name,
    via: tenant.via === 'consumer_org' ? 'CONSUMER_ORG' : 'ONBEHALFOF',
    onBehalfOf: tenant.onBehalfOf ?? null,
  };
}

/**
 * Why a caller acting for a customer gets no client administration: the admin API is called with the supplier's own
 * token, on the supplier's clients, among them the onbehalfof registrations every customer's look-ups are made through.
 * A customer's caller could otherwise read the other customers' registrations, point one of them at its own
 * organisation (the other customer's look-ups then made on its legal basis, their audit lines naming the other), or
 * delete it (the other customer's look-ups refused).
 */
export function clientAdministrationRefused(tenant: Tenant): GraphQLError {
  return new GraphQLError(
    `Not allowed: client administration works on the supplier's own registrations, and this caller acts for ` +
      `customer ${tenant.organizationNumber}. Use a caller of the supplier's own.`,
    { extensions: { code: 'FORBIDDEN' } },
  );
}
