import { readFile } from 'node:fs/promises';
import type { Caller } from '../auth/caller.js';
import { isAdminId } from '../clients/input-validation.js';
import { isValidOrganizationNumber } from '../graphql/identifiers.js';

/**
 * Supplier mode: the customer organisations a facade serves (`TENANTS_FILE`), and which one a caller acts for. A
 * tenant's look-ups use a Maskinporten token obtained for that customer: by Altinn delegation (`consumer_org`) or
 * through an onbehalfof registration on our client (`iss_onbehalfof`), never both (reference §1).
 */

export type TenantVia = 'consumer_org' | 'onbehalfof';

export interface Tenant {
  organizationNumber: string;
  name: string;
  via: TenantVia;
  /** The onbehalfof registration's id on our Maskinporten client (with `via: "onbehalfof"`). */
  onBehalfOf?: string;
  /** Caller client ids (`client_id`/`azp`) acting for this tenant, when no tenant claim is configured. */
  callers: string[];
  /** The KRR scopes its tokens ask for (default: the ones the facade asks for itself). */
  scopes: string[];
  /** Persons per minute for all of the tenant's callers together. */
  personsPerMinute?: number;
}

/** The KRR scopes a look-up can need: contact information (consumer or supplier variant), and digital post. */
export const KRR_CONTACT_SCOPES = ['krr:global/kontaktinformasjon.read', 'krr:global/kontaktinfo.read'];
export const KRR_DIGITAL_POST_SCOPES = ['krr:global/digitalpost.read', 'krr:global/postkasse.read'];
const DEFAULT_SCOPES = ['krr:global/kontaktinformasjon.read', 'krr:global/digitalpost.read'];

export class TenantsError extends Error {
  override name = 'TenantsError';
}

/** Validates a tenants document, every problem named by entry and field (`TENANTS_FILE tenants[1].via: …`). */
export function parseTenants(document: unknown, source = 'TENANTS_FILE'): Tenant[] {
  const problems: string[] = [];
  const list = (document as { tenants?: unknown } | null)?.tenants;
  if (typeof document !== 'object' || document === null || !Array.isArray(list)) {
    throw new TenantsError(`${source}: expected {"tenants": [ … ]}`);
  }
  const tenants: Tenant[] = [];
  const orgnos = new Set<string>();
  const callerOwners = new Map<string, string>();
  list.forEach((raw, i) => {
    const at = `${source} tenants[${i}]`;
    const fail = (field: string, message: string) => problems.push(`${at}.${field}: ${message}`);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push(`${at}: expected an object`);
      return;
    }
    const entry = raw as Record<string, unknown>;
    const orgno = entry.organizationNumber;
    if (typeof orgno !== 'string' || !isValidOrganizationNumber(orgno)) {
      fail('organizationNumber', 'a valid 9-digit organisation number is required');
    } else if (orgnos.has(orgno)) {
      fail('organizationNumber', `${orgno} is listed twice`);
    }
    const name = entry.name;
    if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
      fail('name', 'a name of 1–200 characters is required');
    }
    const via = entry.via;
    if (via !== 'consumer_org' && via !== 'onbehalfof') fail('via', 'must be "consumer_org" or "onbehalfof"');
    const onBehalfOf = entry.onBehalfOf;
    if (via === 'onbehalfof' && (typeof onBehalfOf !== 'string' || !isAdminId(onBehalfOf))) {
      fail('onBehalfOf', 'the onbehalfof registration id is required with via "onbehalfof" (letters, digits, . _ - :)');
    }
    if (via === 'consumer_org' && onBehalfOf !== undefined) {
      fail('onBehalfOf', 'only with via "onbehalfof": a token carries consumer_org or iss_onbehalfof, never both');
    }
    const callers = entry.callers ?? [];
    if (!Array.isArray(callers) || callers.some((c) => typeof c !== 'string' || c === '' || c.length > 256)) {
      fail('callers', 'must be a list of client ids');
    } else {
      for (const caller of callers as string[]) {
        const owner = callerOwners.get(caller);
        if (owner !== undefined) fail('callers', `"${caller}" already belongs to ${owner}: a caller has one tenant`);
        callerOwners.set(caller, String(orgno));
      }
    }
    const scopes = entry.scopes ?? DEFAULT_SCOPES;
    const known = [...KRR_CONTACT_SCOPES, ...KRR_DIGITAL_POST_SCOPES];
    if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || !known.includes(s))) {
      fail('scopes', `must list KRR scopes (${known.join(', ')})`);
    } else if (!scopes.some((s) => KRR_CONTACT_SCOPES.includes(s as string))) {
      fail('scopes', `must include a contact-information scope (${KRR_CONTACT_SCOPES.join(' or ')})`);
    }
    const limit = entry.personsPerMinute;
    if (limit !== undefined && (!Number.isSafeInteger(limit) || (limit as number) < 1)) {
      fail('personsPerMinute', 'must be a positive integer');
    }
    if (typeof orgno === 'string') orgnos.add(orgno);
    tenants.push({
      organizationNumber: String(orgno),
      name: String(name),
      via: via as TenantVia,
      ...(via === 'onbehalfof' ? { onBehalfOf: String(onBehalfOf) } : {}),
      callers: Array.isArray(callers) ? (callers as string[]) : [],
      scopes: Array.isArray(scopes) ? [...new Set(scopes as string[])] : DEFAULT_SCOPES,
      ...(typeof limit === 'number' ? { personsPerMinute: limit } : {}),
    });
  });
  if (problems.length > 0) throw new TenantsError(`Invalid tenants:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return tenants;
}

export async function loadTenantsFile(path: string): Promise<Tenant[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new TenantsError(`TENANTS_FILE: cannot read ${path} (${(err as { code?: string }).code ?? 'error'})`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text) as unknown;
  } catch {
    throw new TenantsError(`TENANTS_FILE: ${path} is not valid JSON`);
  }
  return parseTenants(document);
}

/** Who a caller acts for; `tenant` undefined: the facade's own organisation. */
export type TenantResolution = { ok: true; tenant?: Tenant } | { ok: false; message: string };

export interface TenantDirectoryOptions {
  /** `AUTH_TENANT_CLAIM`: the caller-token claim naming the tenant's orgno (a dotted name reads a nested claim). */
  claim?: string;
  /** `TENANT_REQUIRED`: a caller without a tenant is refused instead of acting as the facade's own organisation. */
  required: boolean;
  /** Our own organisation number: a claim naming it means "no tenant". */
  ownOrgno?: string;
}

/**
 * Maps callers to tenants: by the tenant claim when `AUTH_TENANT_CLAIM` is set, otherwise by the caller's client id
 * in a tenant's `callers`. Nothing a caller sends besides its verified token takes part, so no argument, alias or
 * header can make it act for another customer. A claim naming an organisation that is not a tenant is refused.
 */
export class TenantDirectory {
  private readonly byOrgno = new Map<string, Tenant>();
  private readonly byCaller = new Map<string, Tenant>();
  private readonly path: string[] | undefined;
  private readonly resolved = new WeakMap<Caller, TenantResolution>();

  constructor(
    readonly tenants: readonly Tenant[],
    private readonly opts: TenantDirectoryOptions,
  ) {
    for (const tenant of tenants) {
      this.byOrgno.set(tenant.organizationNumber, tenant);
      for (const caller of tenant.callers) this.byCaller.set(caller, tenant);
    }
    this.path = opts.claim?.split('.');
  }

  /** Memoized per verified caller (the authenticator hands out one Caller per token). */
  resolve(caller: Caller): TenantResolution {
    let found = this.resolved.get(caller);
    if (!found) {
      found = this.lookup(caller);
      this.resolved.set(caller, found);
    }
    return found;
  }

  private lookup(caller: Caller): TenantResolution {
    let tenant: Tenant | undefined;
    if (this.path) {
      const value = claimAt(caller.claims, this.path);
      if (value !== undefined) {
        const orgno = typeof value === 'string' ? value.replace(/^0192:/, '') : '';
        if (!/^\d{9}$/.test(orgno))
          return { ok: false, message: 'The token names its organisation in a form not understood.' };
        if (orgno !== this.opts.ownOrgno) {
          tenant = this.byOrgno.get(orgno);
          if (!tenant)
            return { ok: false, message: 'The organisation in the token is not a customer of this service.' };
        }
      }
    } else if (caller.clientId !== undefined) {
      tenant = this.byCaller.get(caller.clientId);
    }
    if (!tenant && this.opts.required) {
      return { ok: false, message: 'This service acts only for its customer organisations, and the token names none.' };
    }
    return { ok: true, tenant };
  }
}

function claimAt(claims: Readonly<Record<string, unknown>> | undefined, path: readonly string[]): unknown {
  let value: unknown = claims;
  for (const step of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, step)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}
