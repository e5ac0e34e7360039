/**
 * The caller's access token for the facade.
 *
 * Here it comes from the sandbox's caller-token issuer (`POST /sandbox/caller-token`, sandbox mode only), fetched
 * through the same origin as the app (the Vite dev server, or the test's server, proxies `/sandbox` to the facade).
 * Against a real facade, replace this function by your login: an OIDC authorization code flow with PKCE against your
 * organisation's ID-porten or Entra ID client, whose access tokens carry the facade's `AUTH_ISSUER` as `iss` and
 * `AUTH_AUDIENCE` as `aud` (see the README's "Web example" section).
 */

/** What this app needs: person look-ups with mailbox, reading clients, adding keys to them. */
export const SCOPES = 'contactinfo.read digitalpost.read clients.read clients.write';

interface TokenResponse {
  access_token: string;
  expires_in: number;
}

let cached: { token: string; expiresAt: number } | undefined;
let pending: Promise<string> | undefined;

/** A valid access token, fetched again 30 s before the previous one expires. */
export async function getToken(): Promise<string> {
  if (cached && Date.now() < cached.expiresAt - 30_000) return cached.token;
  pending ??= fetchSandboxToken().finally(() => {
    pending = undefined;
  });
  return pending;
}

async function fetchSandboxToken(): Promise<string> {
  const res = await fetch('/sandbox/caller-token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scope: SCOPES }),
  });
  if (!res.ok) {
    throw new Error(
      `POST /sandbox/caller-token answered HTTP ${res.status}: is the facade running in sandbox mode (npm start)?`,
    );
  }
  const body = (await res.json()) as TokenResponse;
  cached = { token: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
  return body.access_token;
}
