/** The facade's own caller scopes (DESIGN.md "Caller authorization"). Upstream scopes are never shown to callers. */
export const CALLER_SCOPES = [
  'contactinfo.read',
  'digitalpost.read',
  'clients.read',
  'clients.write',
  'onbehalfof.write',
] as const;

export type CallerScope = (typeof CALLER_SCOPES)[number];
