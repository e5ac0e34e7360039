import { describe, expect, it } from 'vitest';
import {
  AdminApiClient,
  InvalidAdminIdError,
  MAX_LEARNED_CLIENTS,
  SUPPLIER_SCOPE,
  adminPath,
  type AdminClientOptions,
} from '../../src/clients/admin-client.js';
import { bitLength, globMatch, isAdminId, scopePolicy } from '../../src/clients/input-validation.js';
import { EXPIRY_MARGIN_SECONDS, partitionExpired } from '../../src/clients/mapping.js';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../src/upstream/http-client.js';
import type { TokenProvider, TokenRequest } from '../../src/upstream/token-provider.js';

/** The values an attacker tried as ids: each must be refused before any path is built. */
export const ATTACKER_IDS = ['..', '.', 'a/b', '%2e%2e', 'a b', '', 'x'.repeat(10_000), 'x\u0000'];

const OWN = '991825827';
const CUSTOMER = '922020175';

/** A fake admin API: answers from `answer`, records every request and every token asked for. */
function fakeAdmin(opts: AdminClientOptions, answer: (req: UpstreamRequest, n: number) => number) {
  const requests: UpstreamRequest[] = [];
  const tokenRequests: TokenRequest[] = [];
  const http = {
    async request(req: UpstreamRequest): Promise<UpstreamResponse> {
      requests.push(req);
      return { status: answer(req, requests.length), headers: {}, body: {} };
    },
  } as unknown as UpstreamClient;
  const tokens: TokenProvider = {
    async getToken(req) {
      tokenRequests.push(req);
      return `token-${req.scopes.join('+')}`;
    },
    renew(req) {
      return this.getToken(req);
    },
  };
  return { api: new AdminApiClient(http, tokens, opts), requests, tokenRequests };
}

describe('the admin id rule and the one path builder', () => {
  it('accepts the admin API’s ids', () => {
    for (const id of [
      'oidc_eksempel_klient',
      'a7e1d9c4-2b3f-4e8a-8d6c-5f0b1e2a3c74',
      'a.b',
      '...',
      'urn:x:y',
      'x'.repeat(128),
    ]) {
      expect(isAdminId(id), id).toBe(true);
    }
    expect(adminPath()).toBe('/clients');
    expect(adminPath({ clientId: 'c-1' })).toBe('/clients/c-1');
    expect(adminPath({ clientId: 'c-1', sub: 'jwks' })).toBe('/clients/c-1/jwks');
    expect(adminPath({ clientId: 'c-1', sub: 'secret' })).toBe('/clients/c-1/secret');
    expect(adminPath({ clientId: 'c-1', sub: 'onbehalfof' })).toBe('/clients/c-1/onbehalfof');
    expect(adminPath({ clientId: 'c-1', sub: 'onbehalfof', onBehalfOfId: 'o.1' })).toBe('/clients/c-1/onbehalfof/o.1');
  });

  it('refuses (throws) every id outside the rule, as client id and as onbehalfof id', () => {
    for (const id of [...ATTACKER_IDS, 'x'.repeat(129), 'a\\b', 'a?b', 'a#b', 'æ', 'a\nb']) {
      expect(isAdminId(id), JSON.stringify(id.slice(0, 20))).toBe(false);
      expect(() => adminPath({ clientId: id })).toThrow(InvalidAdminIdError);
      expect(() => adminPath({ clientId: 'c', sub: 'onbehalfof', onBehalfOfId: id })).toThrow(InvalidAdminIdError);
    }
  });

  it('sends nothing and asks for no token when a call names an id outside the rule', async () => {
    const { api, requests, tokenRequests } = fakeAdmin({ supplier: true, ownOrgno: OWN }, () => 200);
    for (const id of ATTACKER_IDS) {
      await expect(api.getClient(id)).rejects.toThrow(InvalidAdminIdError);
      await expect(api.getOnBehalfOf('c', id)).rejects.toThrow(InvalidAdminIdError);
      await expect(api.send('onbehalfof', { method: 'DELETE', resource: { clientId: id } })).rejects.toThrow(
        InvalidAdminIdError,
      );
    }
    expect(requests).toEqual([]);
    expect(tokenRequests).toEqual([]);
  });
});

describe('the supplier scope', () => {
  it('in supplier mode: a refused call is repeated once, the very same call, with the supplier scope', async () => {
    const { api, requests, tokenRequests } = fakeAdmin({ supplier: true, ownOrgno: OWN }, (_req, n) =>
      n === 1 ? 403 : 200,
    );
    const res = await api.send('onbehalfof', {
      method: 'DELETE',
      resource: { clientId: 'c-1', sub: 'onbehalfof', onBehalfOfId: 'o-1' },
    });
    expect(res.status).toBe(200);
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'DELETE /clients/c-1/onbehalfof/o-1',
      'DELETE /clients/c-1/onbehalfof/o-1',
    ]);
    expect(tokenRequests.map((t) => t.scopes)).toEqual([
      ['idporten:dcr/onbehalfof:write'],
      ['idporten:dcr/onbehalfof:write', SUPPLIER_SCOPE],
    ]);
    // learned for that client: its next call goes with the supplier scope straight away
    await api.getClient('c-1');
    expect(tokenRequests.at(-1)!.scopes).toEqual(['idporten:dcr.read', SUPPLIER_SCOPE]);
  });

  it('outside supplier mode: no repeat, and no token request ever carries the supplier scope', async () => {
    const { api, requests, tokenRequests } = fakeAdmin({ supplier: false, ownOrgno: OWN }, () => 403);
    await api.send('modify', { method: 'DELETE', resource: { clientId: 'c-1' } });
    expect(requests).toHaveLength(1);
    // creating for another organisation, a client known as supplied, the list: still no supplier scope
    await api.send('write', { method: 'POST', json: {}, orgno: CUSTOMER });
    api.learn({ client_id: 'supplied', client_orgno: CUSTOMER, supplier_orgno: OWN });
    await api.getClient('supplied').catch(() => undefined);
    await api.listClients().catch(() => undefined);
    expect(tokenRequests.length).toBeGreaterThanOrEqual(4);
    expect(tokenRequests.flatMap((t) => t.scopes)).not.toContain(SUPPLIER_SCOPE);
  });

  it('remembers at most MAX_LEARNED_CLIENTS clients, forgetting the least recently used first', async () => {
    const { api, tokenRequests } = fakeAdmin({ supplier: true, ownOrgno: OWN }, () => 200);
    const supplied = (id: string) => ({ client_id: id, client_orgno: CUSTOMER, supplier_orgno: OWN });
    api.learn(supplied('first'));
    api.learn(supplied('kept'));
    await api.getClient('kept'); // used: the most recent now
    for (let i = 0; i < MAX_LEARNED_CLIENTS - 1; i++) api.learn(supplied(`c-${i}`));
    tokenRequests.length = 0;
    await api.getClient('kept');
    await api.getClient('first');
    expect(tokenRequests.map((t) => t.scopes)).toEqual([
      ['idporten:dcr.read', SUPPLIER_SCOPE],
      ['idporten:dcr.read'], // forgotten: asked as our own first, as for any client not yet seen
    ]);
  });

  it('in supplier mode, creating for a customer asks for the supplier scope', async () => {
    const { api, tokenRequests } = fakeAdmin({ supplier: true, ownOrgno: OWN }, () => 201);
    await api.send('write', { method: 'POST', json: {}, orgno: CUSTOMER });
    expect(tokenRequests[0]!.scopes).toEqual(['idporten:dcr.write', SUPPLIER_SCOPE]);
  });
});

describe('scopes callers may put on clients', () => {
  it('by default refuses the facade’s privileged scopes (any case) and allows the rest', () => {
    const allowed = scopePolicy(undefined);
    for (const scope of [
      'krr:global/kontaktinformasjon.read',
      'krr:global/digitalpost.read',
      'KRR:global/kontaktinformasjon.read',
      'idporten:dcr.supplier',
      'idporten:dcr.write',
      'idporten:dcr/onbehalfof:write',
      'idporten:dcr',
    ]) {
      expect(allowed(scope), scope).toBe(false);
    }
    for (const scope of ['openid', 'profile', 'myorg:api.read', 'idporten:other', 'krr', 'skatteetaten:x']) {
      expect(allowed(scope), scope).toBe(true);
    }
  });

  it('with ADMIN_ALLOWED_SCOPES allows exactly what a pattern matches', () => {
    const allowed = scopePolicy(['openid', 'myorg:*', '*:public.read']);
    expect(allowed('openid')).toBe(true);
    expect(allowed('openid2')).toBe(false);
    expect(allowed('myorg:a/b.read')).toBe(true);
    expect(allowed('myorg:')).toBe(true);
    expect(allowed('other:public.read')).toBe(true);
    expect(allowed('profile')).toBe(false);
    expect(allowed('krr:global/kontaktinformasjon.read')).toBe(false);
    expect(scopePolicy([])('openid')).toBe(false);
    expect(scopePolicy(['krr:*'])('krr:global/kontaktinformasjon.read')).toBe(true);
  });

  it('names the scopes a client holds that callers may not grant (the protected clients), by the same policy', () => {
    const byDefault = fakeAdmin({ supplier: false }, () => 200).api;
    expect(
      byDefault.privilegedScopesOf({
        scopes: [
          'openid',
          'krr:global/kontaktinformasjon.read',
          'IDPORTEN:dcr.read',
          'krr:global/kontaktinformasjon.read',
        ],
      }),
    ).toEqual(['krr:global/kontaktinformasjon.read', 'IDPORTEN:dcr.read']);
    expect(byDefault.privilegedScopesOf({ scopes: ['openid', 'myorg:api.read'] })).toEqual([]);
    expect(byDefault.privilegedScopesOf({})).toEqual([]);
    // a krr client holds the fixed krr scopes even when its answer does not list them
    expect(byDefault.privilegedScopesOf({ integration_type: 'krr', scopes: [] })).toEqual([
      'krr:global/kontaktinformasjon.read',
      'krr:global/digitalpost.read',
    ]);
    const configured = fakeAdmin({ supplier: false, allowedScopes: ['openid', 'krr:*'] }, () => 200).api;
    expect(configured.privilegedScopesOf({ scopes: ['openid', 'krr:global/digitalpost.read'] })).toEqual([]);
    expect(configured.privilegedScopesOf({ scopes: ['openid', 'profile'] })).toEqual(['profile']);
  });

  it('matches wildcards without backtracking blow-up', () => {
    expect(globMatch('a*b*c', 'aXXbYYc')).toBe(true);
    expect(globMatch('a*b*c', 'aXXbYY')).toBe(false);
    expect(globMatch('*', '')).toBe(true);
    expect(globMatch('', 'x')).toBe(false);
    const started = performance.now();
    expect(globMatch('*a*a*a*a*a*a*a*a*b', 'a'.repeat(255))).toBe(false);
    // Backtracking would take hours; linear matching takes microseconds. A second leaves room for a busy machine.
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('keys', () => {
  it('counts the true bit length of an RSA modulus', () => {
    expect(bitLength(Buffer.from([]))).toBe(0);
    expect(bitLength(Buffer.from([0, 0, 0]))).toBe(0);
    expect(bitLength(Buffer.from([1]))).toBe(1);
    expect(bitLength(Buffer.from([0x80, 0]))).toBe(16);
    expect(bitLength(Buffer.from([0, 0, 0x7f, 0xff]))).toBe(15);
    // 456 significant bits behind 200 zero bytes: 257 bytes long, far from 2048 bits
    const padded = Buffer.concat([Buffer.alloc(200), Buffer.from([0xff]), Buffer.alloc(56, 0xaa)]);
    expect(bitLength(padded)).toBe(456);
  });

  it('splits off expired keys (and those expiring within the margin), keeping keys without exp', () => {
    const now = 1_800_000_000;
    const keys = [
      { kid: 'live', exp: now + EXPIRY_MARGIN_SECONDS + 1 },
      { kid: 'expired', exp: now - 1 },
      { kid: 'expiring', exp: now + EXPIRY_MARGIN_SECONDS },
      { kid: 'no-exp' },
    ];
    const { live, expired } = partitionExpired(keys, now);
    expect(live.map((k) => k.kid)).toEqual(['live', 'no-exp']);
    expect(expired.map((k) => k.kid)).toEqual(['expired', 'expiring']);
  });
});
