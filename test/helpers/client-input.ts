/** A CreateClientInput for an ID-porten web client that the admin API simulator accepts; `extra` overrides fields. */
export function webInput(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    integrationType: 'IDPORTEN',
    applicationType: 'WEB',
    tokenEndpointAuthMethod: 'CLIENT_SECRET_BASIC',
    grantTypes: ['AUTHORIZATION_CODE'],
    scopes: ['openid'],
    redirectUris: ['https://app.example.no/callback'],
    ...extra,
  };
}

/** A CreateClientInput for a Maskinporten client, with `scopes` when given; `extra` overrides fields. */
export function maskinportenInput(name: string, scopes?: string[], extra: Record<string, unknown> = {}) {
  return {
    name,
    integrationType: 'MASKINPORTEN',
    applicationType: 'WEB',
    tokenEndpointAuthMethod: 'PRIVATE_KEY_JWT',
    grantTypes: ['JWT_BEARER'],
    ...(scopes ? { scopes } : {}),
    ...extra,
  };
}
