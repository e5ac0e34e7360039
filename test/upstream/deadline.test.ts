/**
 * An upstream call's deadline (UPSTREAM_DEADLINE_MS) is the whole call's: the wait for one of the pool's connections
 * included, which undici's own headers and body timeouts do not cover (they start once the request is on a socket).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Metrics } from '../../src/observability/metrics.js';
import { UpstreamUnavailableError } from '../../src/upstream/errors.js';
import { UpstreamClient } from '../../src/upstream/http-client.js';

const DEADLINE_MS = 600;

let server: Server;
let url: string;
/** Answers held back, by the order the requests came in. */
let held: ServerResponse[];
let client: UpstreamClient;

beforeEach(async () => {
  held = [];
  server = createServer((req, res) => {
    req.resume();
    if (req.url === '/stall') held.push(res);
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  client = new UpstreamClient('krr', url, { metrics: new Metrics(), connections: 1, deadlineMs: DEADLINE_MS });
});

afterEach(async () => {
  await client.close();
  for (const res of held) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
});

/** How long `call` took to settle (ms), and how. */
async function timed(call: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  const error = await call.then(
    () => undefined,
    (err: unknown) => err,
  );
  return { ms: performance.now() - started, error };
}

describe('UpstreamClient deadline', () => {
  it('ends a call still waiting for a pooled connection at its own deadline, not a deadline after it got one', async () => {
    // The one connection is taken by a call KRR never answers; the second call queues behind it in the pool.
    const first = timed(client.request({ method: 'GET', path: '/stall' }));
    await new Promise((r) => setTimeout(r, DEADLINE_MS / 2));
    const second = timed(client.request({ method: 'GET', path: '/stall' }));
    const [a, b] = await Promise.all([first, second]);
    for (const outcome of [a, b]) {
      expect(outcome.error).toBeInstanceOf(UpstreamUnavailableError);
      expect((outcome.error as UpstreamUnavailableError).reason).toBe('timeout');
    }
    // Without the deadline over the queue, the second call would get the connection when the first gave it up
    // (DEADLINE_MS / 2 after it was made) and then wait a whole DEADLINE_MS more for headers: 1.5 × its deadline.
    expect(b.ms).toBeLessThan(DEADLINE_MS * 1.3);
  });

  it('disarms the deadline when the call ends: no timer left behind per answered call', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await client.request({ method: 'GET', path: '/ok' });
    const before = timers();
    for (let i = 0; i < 20; i++) {
      const res = await client.request({ method: 'GET', path: '/ok' });
      expect(res).toMatchObject({ status: 200, body: { ok: true } });
    }
    // Not more than before: a timer of something else (undici's own clock, say) may end meanwhile on a loaded machine,
    // but one left behind per call would add twenty.
    expect(timers()).toBeLessThanOrEqual(before);
  });
});
