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

/** Scopes from the `scope` claim (space separated) or the `scp` claim (array or string). */
export function scopesFromClaims(claims: Record<string, unknown>): Set<string> {
  const scopes = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string') value.split(/\s+/).forEach((s) => s && scopes.add(s));
    else if (Array.isArray(value)) value.forEach((s) => typeof s === 'string' && s && scopes.add(s));
  };
  add(claims.scope);
  add(claims.scp);
  return scopes;
}

/** Outer list OR, inner list AND (Apollo Federation's `@requiresScopes`). */
export function hasRequiredScopes(granted: ReadonlySet<string>, required: readonly (readonly string[])[]): boolean {
  return required.some((all) => all.every((scope) => granted.has(scope)));
}
