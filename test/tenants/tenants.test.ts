import { describe, expect, it } from 'vitest';
import type { Caller } from '../../src/auth/caller.js';
import { tenantParty } from '../../src/tenants/parties.js';
import { parseTenants, TenantDirectory, TenantsError } from '../../src/tenants/tenants.js';

const EXAMPLE = {
  tenants: [
    { organizationNumber: '910825526', name: 'Eksempel kommune', via: 'consumer_org' },
    {
      organizationNumber: '910825534',
      name: 'Annen kommune',
      via: 'onbehalfof',
      onBehalfOf: 'annen-kommune',
      callers: ['their-frontend-client-id'],
      scopes: ['krr:global/kontaktinformasjon.read'],
      personsPerMinute: 5000,
      comment: 'other members are allowed',
    },
  ],
};

function problems(document: unknown): string[] {
  try {
    parseTenants(document);
  } catch (err) {
    if (err instanceof TenantsError)
      return err.message
        .split('\n')
        .slice(1)
        .map((l) => l.trim().slice(2));
    throw err;
  }
  return [];
}

const caller = (claims: Record<string, unknown>, clientId?: string): Caller => ({
  subject: 'sub',
  clientId,
  scopes: new Set(['contactinfo.read']),
  claims,
});

describe('TENANTS_FILE', () => {
  it('reads the documented format, defaulting scopes to the facade own KRR scopes', () => {
    const [eksempel, annen] = parseTenants(EXAMPLE);
    expect(eksempel).toEqual({
      organizationNumber: '910825526',
      name: 'Eksempel kommune',
      via: 'consumer_org',
      callers: [],
      scopes: ['krr:global/kontaktinformasjon.read', 'krr:global/digitalpost.read'],
    });
    expect(annen).toMatchObject({
      onBehalfOf: 'annen-kommune',
      personsPerMinute: 5000,
      callers: ['their-frontend-client-id'],
    });
  });

  it('names the entry and field of every problem', () => {
    const found = problems({
      tenants: [
        { organizationNumber: '991825828', name: '', via: 'altinn' },
        { organizationNumber: '910825534', name: 'A', via: 'onbehalfof', onBehalfOf: '..' },
        {
          organizationNumber: '910825534',
          name: 'B',
          via: 'consumer_org',
          onBehalfOf: 'x',
          scopes: ['krr:global/digitalpost.read'],
        },
        { organizationNumber: '910825526', name: 'C', via: 'consumer_org', callers: ['c1'], personsPerMinute: 0 },
        {
          organizationNumber: '984661185',
          name: 'D',
          via: 'consumer_org',
          callers: ['c1'],
          scopes: ['idporten:dcr.write'],
        },
        'not an object',
      ],
    });
    expect(found).toEqual([
      'TENANTS_FILE tenants[0].organizationNumber: a valid 9-digit organisation number is required',
      'TENANTS_FILE tenants[0].name: a name of 1–200 characters is required',
      'TENANTS_FILE tenants[0].via: must be "consumer_org" or "onbehalfof"',
      expect.stringMatching(/^TENANTS_FILE tenants\[1\]\.onBehalfOf: the onbehalfof registration id is required/),
      'TENANTS_FILE tenants[2].organizationNumber: 910825534 is listed twice',
      expect.stringMatching(/^TENANTS_FILE tenants\[2\]\.onBehalfOf: only with via "onbehalfof"/),
      expect.stringMatching(/^TENANTS_FILE tenants\[2\]\.scopes: must include a contact-information scope/),
      'TENANTS_FILE tenants[3].personsPerMinute: must be a positive integer',
      expect.stringMatching(/^TENANTS_FILE tenants\[4\]\.callers: "c1" already belongs to 910825526/),
      expect.stringMatching(/^TENANTS_FILE tenants\[4\]\.scopes: must list KRR scopes/),
      'TENANTS_FILE tenants[5]: expected an object',
    ]);
    expect(problems({ tenant: [] })).toEqual([]); // the shape error is the message itself
    expect(() => parseTenants({ tenant: [] })).toThrow(/expected \{"tenants"/);
  });
});

describe('TenantDirectory', () => {
  const tenants = parseTenants(EXAMPLE);

  it('reads the tenant claim: plain, 0192-prefixed, nested', () => {
    const plain = new TenantDirectory(tenants, { claim: 'tenant', required: false });
    expect(plain.resolve(caller({ tenant: '910825526' }))).toEqual({ ok: true, tenant: tenants[0] });
    const nested = new TenantDirectory(tenants, { claim: 'consumer.ID', required: false });
    expect(nested.resolve(caller({ consumer: { authority: 'iso6523-actorid-upis', ID: '0192:910825534' } }))).toEqual({
      ok: true,
      tenant: tenants[1],
    });
  });

  it('refuses a claim naming an organisation that is not a tenant, or in a form not understood', () => {
    const directory = new TenantDirectory(tenants, { claim: 'tenant', required: false, ownOrgno: '991825827' });
    expect(directory.resolve(caller({ tenant: '984661185' })).ok).toBe(false);
    expect(directory.resolve(caller({ tenant: ['910825526'] })).ok).toBe(false);
    expect(directory.resolve(caller({ tenant: '9108255260' })).ok).toBe(false);
    // Our own organisation, or no claim: acting as ourselves.
    expect(directory.resolve(caller({ tenant: '991825827' }))).toEqual({ ok: true, tenant: undefined });
    expect(directory.resolve(caller({}))).toEqual({ ok: true, tenant: undefined });
  });

  it('without a claim setting, maps callers by client id; a claim is then ignored', () => {
    const directory = new TenantDirectory(tenants, { required: false });
    expect(directory.resolve(caller({ tenant: '910825526' }, 'their-frontend-client-id'))).toEqual({
      ok: true,
      tenant: tenants[1],
    });
    expect(directory.resolve(caller({ tenant: '910825526' }, 'someone-else'))).toEqual({ ok: true, tenant: undefined });
  });

  it('with TENANT_REQUIRED refuses callers without a tenant', () => {
    const directory = new TenantDirectory(tenants, { claim: 'tenant', required: true });
    expect(directory.resolve(caller({})).ok).toBe(false);
    expect(directory.resolve(caller({ tenant: '910825526' })).ok).toBe(true);
  });
});

describe('tenantParty', () => {
  it('asks for consumer_org or iss_onbehalfof, never both, and keys batches per customer', () => {
    const [eksempel, annen] = parseTenants(EXAMPLE);
    const us = { orgno: '991825827', clientId: 'our-client' };
    const a = tenantParty(eksempel!, us);
    const b = tenantParty(annen!, us);
    expect(a.contact).toEqual({ scopes: ['krr:global/kontaktinformasjon.read'], consumerOrg: '910825526' });
    expect(a.digitalPost).toEqual({
      scopes: ['krr:global/kontaktinformasjon.read', 'krr:global/digitalpost.read'],
      consumerOrg: '910825526',
    });
    expect(b.contact).toEqual({ scopes: ['krr:global/kontaktinformasjon.read'], onBehalfOf: 'annen-kommune' });
    expect(b.digitalPost).toBeUndefined(); // its scopes include no digital post
    expect(a.key).not.toBe(b.key);
    expect([a.consumer, a.supplier, b.consumer]).toEqual(['910825526', '991825827', '910825534']);
    expect(a.refusalHint).toMatch(/910825526 must delegate .* to 991825827 in Altinn/);
    expect(b.refusalHint).toMatch(/onbehalfof registration "annen-kommune".*our-client/);
  });
});

describe('the grant', () => {
  it('never carries consumer_org and iss_onbehalfof together', async () => {
    const { buildGrant } = await import('../../src/maskinporten/grant.js');
    await expect(
      buildGrant({} as never, {
        clientId: 'c',
        audience: 'https://test.maskinporten.no/',
        scopes: ['krr:global/kontaktinformasjon.read'],
        consumerOrg: '910825526',
        onBehalfOf: 'annen-kommune',
        nowSeconds: 0,
      }),
    ).rejects.toThrow(RangeError);
  });
});
