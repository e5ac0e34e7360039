import { describe, expect, it } from 'vitest';
import { hasRequiredScopes, parseScopePrefixes, scopesFromClaims } from '../../src/auth/caller.js';

const sorted = (scopes: Set<string>) => [...scopes].sort();

describe('scopesFromClaims', () => {
  it('reads the space-separated scope claim', () => {
    expect(sorted(scopesFromClaims({ scope: 'contactinfo.read clients.read' }))).toEqual([
      'clients.read',
      'contactinfo.read',
    ]);
    // Extra whitespace of any kind makes no empty scopes.
    expect(sorted(scopesFromClaims({ scope: '  contactinfo.read \t\n digitalpost.read  ' }))).toEqual([
      'contactinfo.read',
      'digitalpost.read',
    ]);
  });

  it('reads the scp claim as an array, and as a string', () => {
    expect(sorted(scopesFromClaims({ scp: ['clients.write', 'clients.read'] }))).toEqual([
      'clients.read',
      'clients.write',
    ]);
    expect(sorted(scopesFromClaims({ scp: 'onbehalfof.write' }))).toEqual(['onbehalfof.write']);
  });

  it('unites scope and scp, without duplicates', () => {
    expect(
      sorted(scopesFromClaims({ scope: 'contactinfo.read clients.read', scp: ['clients.read', 'clients.write'] })),
    ).toEqual(['clients.read', 'clients.write', 'contactinfo.read']);
  });

  it('ignores missing claims and values that are not strings', () => {
    expect(scopesFromClaims({}).size).toBe(0);
    expect(scopesFromClaims({ scope: '', scp: [] }).size).toBe(0);
    expect(scopesFromClaims({ scope: 42, scp: { 'contactinfo.read': true } }).size).toBe(0);
    expect(sorted(scopesFromClaims({ scp: ['clients.read', 7, null, '', ['nested']] }))).toEqual(['clients.read']);
    expect(scopesFromClaims({ scopes: 'contactinfo.read', roles: ['clients.read'] }).size).toBe(0);
  });

  it('keeps scopes exactly as written (case-sensitive)', () => {
    const granted = scopesFromClaims({ scope: 'Contactinfo.read' });
    expect(granted.has('contactinfo.read')).toBe(false);
    expect(granted.has('Contactinfo.read')).toBe(true);
  });
});

describe('scopesFromClaims with prefixes (AUTH_SCOPE_PREFIX)', () => {
  const prefixes = ['api://facade/', 'myorg:facade/'];

  it('reads Entra and Maskinporten/ID-porten style prefixed scopes also under our names, from scope and scp', () => {
    expect(
      sorted(scopesFromClaims({ scope: 'api://facade/contactinfo.read myorg:facade/clients.read' }, prefixes)),
    ).toEqual(['api://facade/contactinfo.read', 'clients.read', 'contactinfo.read', 'myorg:facade/clients.read']);
    expect(sorted(scopesFromClaims({ scp: ['api://facade/digitalpost.read'] }, prefixes))).toEqual([
      'api://facade/digitalpost.read',
      'digitalpost.read',
    ]);
  });

  it('keeps unprefixed scopes, ignores other prefixes and a scope that is the prefix alone', () => {
    const granted = scopesFromClaims({ scope: 'clients.write other:facade/clients.read api://facade/' }, prefixes);
    expect(sorted(granted)).toEqual(['api://facade/', 'clients.write', 'other:facade/clients.read']);
    expect(hasRequiredScopes(granted, [['clients.read']])).toBe(false);
  });

  it('is case-sensitive, like the scopes themselves', () => {
    expect(scopesFromClaims({ scope: 'API://facade/contactinfo.read' }, prefixes).has('contactinfo.read')).toBe(false);
  });
});

describe('parseScopePrefixes', () => {
  it('splits on commas, trims, drops empty and repeated entries', () => {
    expect(parseScopePrefixes(undefined)).toEqual([]);
    expect(parseScopePrefixes('')).toEqual([]);
    expect(parseScopePrefixes(' api://facade/ , myorg:facade/,,api://facade/ ')).toEqual([
      'api://facade/',
      'myorg:facade/',
    ]);
  });

  it('refuses a prefix with whitespace inside', () => {
    expect(() => parseScopePrefixes('api://facade/ x')).toThrow(/AUTH_SCOPE_PREFIX/);
  });
});

describe('hasRequiredScopes (outer list OR, inner list AND)', () => {
  const required = [['contactinfo.read', 'digitalpost.read'], ['clients.read']];

  it('passes when every scope of some alternative is granted', () => {
    expect(hasRequiredScopes(new Set(['contactinfo.read', 'digitalpost.read']), required)).toBe(true);
    expect(hasRequiredScopes(new Set(['clients.read']), required)).toBe(true);
    expect(hasRequiredScopes(new Set(['clients.read', 'contactinfo.read', 'digitalpost.read', 'x']), required)).toBe(
      true,
    );
  });

  it('fails when each alternative misses a scope', () => {
    expect(hasRequiredScopes(new Set(['contactinfo.read']), required)).toBe(false);
    expect(hasRequiredScopes(new Set(['digitalpost.read', 'clients.write']), required)).toBe(false);
    expect(hasRequiredScopes(new Set(), required)).toBe(false);
  });

  it('reads a single-scope requirement', () => {
    expect(hasRequiredScopes(new Set(['contactinfo.read']), [['contactinfo.read']])).toBe(true);
    expect(hasRequiredScopes(new Set(['digitalpost.read']), [['contactinfo.read']])).toBe(false);
  });

  it('grants nothing when no alternative is listed', () => {
    expect(hasRequiredScopes(new Set(['contactinfo.read']), [])).toBe(false);
  });

  it('works on scopes read from a token', () => {
    const caller = scopesFromClaims({ scp: ['contactinfo.read'], scope: 'digitalpost.read' });
    expect(hasRequiredScopes(caller, [['contactinfo.read', 'digitalpost.read']])).toBe(true);
    expect(hasRequiredScopes(caller, [['clients.write'], ['onbehalfof.write']])).toBe(false);
  });
});
