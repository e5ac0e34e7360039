import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { startBehindProxy, type BehindProxy } from './behind-proxy.js';

/** How the proxy sends an answer on: its body, status, the Content-Encoding it claims, and whether it goes chunked. */
export interface Rewrite {
  body: Buffer;
  status?: number;
  encoding?: string;
  chunked?: boolean;
}

/** Changes KRR's answer (its bytes and status) to the request with `headers` into what the proxy sends. */
export type Mode = (answer: Buffer, status: number, headers: IncomingHttpHeaders) => Rewrite;

export const AS_IS: Mode = (body, status) => ({ body, status });

export interface KrrProxy {
  url: string;
  /** What the proxy does to the next answers; AS_IS until set. */
  mode: Mode;
  /** The headers of every request the proxy got, in order. */
  requests: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/**
 * A proxy in front of a real KRR (the sandbox's) that rewrites its answers: a facade configured with the proxy's URL
 * as `KRR_URL` reads KRR as another KRR, or a proxy in front of it, might answer.
 */
export async function startKrrProxy(krrUrl: string): Promise<KrrProxy> {
  const target = krrUrl.replace(/\/+$/, '');
  const proxy = {} as KrrProxy;
  proxy.mode = AS_IS;
  proxy.requests = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      proxy.requests.push(req.headers);
      const headers: Record<string, string> = {};
      for (const name of ['authorization', 'content-type', 'accept']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      request(`${target}${req.url ?? '/'}`, { method: req.method as 'POST', headers, body: Buffer.concat(chunks) })
        .then(async (answer) => {
          const out = proxy.mode(Buffer.from(await answer.body.arrayBuffer()), answer.statusCode, req.headers);
          res.writeHead(out.status ?? answer.statusCode, {
            'content-type': 'application/json',
            ...(out.encoding ? { 'content-encoding': out.encoding } : {}),
            ...(out.chunked ? {} : { 'content-length': String(out.body.length) }),
          });
          if (!out.chunked) return res.end(out.body);
          // Several chunks, none announcing the size.
          for (let at = 0; at < out.body.length; at += 16_384) res.write(out.body.subarray(at, at + 16_384));
          res.end();
        })
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return proxy;
}

/** A sandbox app, a proxy in front of its KRR, and a second facade (a replica of it) reading KRR through the proxy. */
export type BehindKrrProxy = BehindProxy<KrrProxy>;

export function startBehindKrrProxy(mode: Mode = AS_IS): Promise<BehindKrrProxy> {
  return startBehindProxy(
    async (origin) => {
      const proxy = await startKrrProxy(origin.sandbox.upstream.krrUrl);
      proxy.mode = mode;
      return proxy;
    },
    (proxy) => ({ KRR_URL: proxy.url }),
  );
}
