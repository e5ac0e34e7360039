import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startBehindProxy, type BehindProxy } from './behind-proxy.js';

/** One call the proxy forwarded: method, path (as the facade sent it) and the JSON body, when it had one. */
export interface AdminCall {
  method: string;
  path: string;
  body: unknown;
}

/** What the proxy answers the facade: a status, the body's bytes, their content type, after an optional delay. */
export interface AdminAnswer {
  status: number;
  body: Buffer;
  contentType?: string;
  delayMs?: number;
}

/**
 * Changes the admin API's answer to `call` into what the proxy sends; `'reset'` drops the connection without an
 * answer (the call reached the admin API and was carried out). Undefined: the answer as it is.
 */
export type AdminRewrite = (call: AdminCall, answer: AdminAnswer) => AdminAnswer | 'reset' | undefined;

export interface AdminProxy {
  url: string;
  /** Applied to every answer; undefined until set. */
  rewrite: AdminRewrite | undefined;
  /** The path forwarded for the path the facade sent (an upstream that reads ids ignoring case, say). */
  mapPath: (path: string) => string;
  /** Delay before forwarding `call` (ms), to make concurrent read-modify-writes overlap. */
  delayBefore: (call: AdminCall) => number;
  /** Every call forwarded, in order. */
  calls: AdminCall[];
  close(): Promise<void>;
}

export const json = (status: number, value: unknown): AdminAnswer => ({
  status,
  body: Buffer.from(value === undefined ? '' : JSON.stringify(value)),
});

/**
 * A proxy in front of a real admin API (the sandbox's) that forwards every call and may rewrite its answer: a facade
 * configured with the proxy's URL as `ADMIN_API_URL` reads the admin API as another admin API (or a gateway in front of
 * it) might answer, with the change made upstream all the same.
 */
export async function startAdminProxy(adminUrl: string): Promise<AdminProxy> {
  const target = new URL(adminUrl.replace(/\/+$/, ''));
  const proxy = {} as AdminProxy;
  proxy.rewrite = undefined;
  proxy.mapPath = (path) => path;
  proxy.delayBefore = () => 0;
  proxy.calls = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: unknown;
      try {
        body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        body = undefined;
      }
      const call: AdminCall = { method: req.method ?? 'GET', path: req.url ?? '/', body };
      proxy.calls.push(call);
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'accept']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      const base = target.pathname === '/' ? '' : target.pathname;
      const path = proxy.mapPath(call.path.startsWith(base) ? call.path.slice(base.length) : call.path);
      sleep(proxy.delayBefore(call))
        .then(() =>
          request(`${target.origin}${base}${path}`, {
            method: call.method as 'POST',
            headers,
            ...(raw.length > 0 ? { body: raw } : {}),
          }),
        )
        .then(async (upstream) => {
          const answer: AdminAnswer = {
            status: upstream.statusCode,
            body: Buffer.from(await upstream.body.arrayBuffer()),
            contentType: String(upstream.headers['content-type'] ?? 'application/json'),
          };
          const out = proxy.rewrite?.(call, answer) ?? answer;
          if (out === 'reset') return res.destroy();
          if (out.delayMs) await sleep(out.delayMs);
          res.writeHead(out.status, {
            'content-type': out.contentType ?? 'application/json',
            'content-length': String(out.body.length),
          });
          res.end(out.body);
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${target.pathname.replace(/\/+$/, '')}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

/** A sandbox app, a proxy in front of its admin API, and a second facade (a replica of it) reading it through the proxy. */
export type BehindAdminProxy = BehindProxy<AdminProxy>;

export function startBehindAdminProxy(env: Record<string, string> = {}): Promise<BehindAdminProxy> {
  return startBehindProxy(
    (origin) => startAdminProxy(origin.sandbox.upstream.adminApiUrl),
    (proxy) => ({ ADMIN_API_URL: proxy.url, ...env }),
  );
}
