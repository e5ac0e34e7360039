/** The authenticated caller of one GraphQL request. */
export interface Caller {
  /** `sub` of the caller's token. */
  subject: string;
  /** `client_id` or `azp` of the caller's token, when present. */
  clientId?: string;
  scopes: ReadonlySet<string>;
  /** The verified token's claims (the tenant claim, AUTH_TENANT_CLAIM, is read from them). Never logged. */
  claims?: Readonly<Record<string, unknown>>;
}

/**
 * Scopes from the `scope` claim (space separated) or the `scp` claim (array or string). With `prefixes`
 * (`AUTH_SCOPE_PREFIX`), a granted scope that starts with one of them is also read without it, so that
 * `api://facade/contactinfo.read` (Entra ID) or `myorg:facade/contactinfo.read` (Maskinporten, ID-porten) grants
 * `contactinfo.read`; the scope as written is kept too, and unprefixed scopes are read as before.
 */
export function scopesFromClaims(claims: Record<string, unknown>, prefixes: readonly string[] = []): Set<string> {
  const scopes = new Set<string>();
  const grant = (scope: string) => {
    if (!scope) return;
    scopes.add(scope);
    for (const prefix of prefixes) {
      if (scope.length > prefix.length && scope.startsWith(prefix)) scopes.add(scope.slice(prefix.length));
    }
  };
  const add = (value: unknown) => {
    if (typeof value === 'string') value.split(/\s+/).forEach(grant);
    else if (Array.isArray(value)) value.forEach((s) => typeof s === 'string' && grant(s));
  };
  add(claims.scope);
  add(claims.scp);
  return scopes;
}

/**
 * `AUTH_SCOPE_PREFIX`: a comma-separated list of prefixes (blanks around the commas ignored, empty entries dropped).
 * Throws on a prefix with whitespace inside, which could never start a scope.
 */
export function parseScopePrefixes(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const prefixes = raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const prefix of prefixes) {
    if (/\s/.test(prefix)) throw new Error(`AUTH_SCOPE_PREFIX: "${prefix}" contains whitespace`);
  }
  return [...new Set(prefixes)];
}

/** Outer list OR, inner list AND (Apollo Federation's `@requiresScopes`). */
export function hasRequiredScopes(granted: ReadonlySet<string>, required: readonly (readonly string[])[]): boolean {
  return required.some((all) => all.every((scope) => granted.has(scope)));
}
