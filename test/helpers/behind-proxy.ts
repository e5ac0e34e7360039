import { startTestApp, type TestApp } from './app.js';

/** A sandbox app, a proxy in front of one of its upstreams, and a second facade (a replica of it) reading it through the proxy. */
export interface BehindProxy<P> {
  origin: TestApp;
  proxy: P;
  facade: TestApp;
  close(): Promise<void>;
}

/**
 * Starts the origin app, `startProxy` in front of its upstream, and a replica whose environment (`env`, given the
 * proxy) points it at the proxy. Closed in the reverse order; the origin may have had a simulator closed by a test (an
 * outage), which its close then reports and this ignores.
 */
export async function startBehindProxy<P extends { url: string; close(): Promise<void> }>(
  startProxy: (origin: TestApp) => Promise<P>,
  env: (proxy: P) => Record<string, string>,
): Promise<BehindProxy<P>> {
  const origin = await startTestApp();
  const proxy = await startProxy(origin);
  const facade = await startTestApp(env(proxy), { peerOf: origin });
  return {
    origin,
    proxy,
    facade,
    async close() {
      await facade.close();
      await proxy.close();
      await origin.close().catch(() => undefined);
    },
  };
}
