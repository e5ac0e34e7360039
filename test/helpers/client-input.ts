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
