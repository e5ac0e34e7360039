import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from './http-client.js';
import type { TokenProvider, TokenRequest } from './token-provider.js';

/**
 * Sends `req` with a Maskinporten token for `token`. On a 401 the call is retried once with a fresh token: a resource
 * server may stop honouring a token before its `exp` (key rotation, revocation).
 */
export async function authorizedRequest(
  client: UpstreamClient,
  tokens: TokenProvider,
  token: TokenRequest,
  req: UpstreamRequest,
): Promise<UpstreamResponse> {
  const first = await tokens.getToken(token, req.context);
  const res = await client.request({ ...req, bearer: first });
  if (res.status !== 401) return res;
  const second = await tokens.renew(token, first, req.context);
  // The same token back: one as fresh was refused, and the 401 stands.
  if (second === first) return res;
  return client.request({ ...req, bearer: second });
}
