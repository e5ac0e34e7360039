import { describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';

describe('graceful shutdown', () => {
  it('answers /readyz 503 at once, lets an in-flight request finish, then refuses connections', async () => {
    const t = await startTestApp({ SHUTDOWN_DELAY_MS: '300', SHUTDOWN_GRACE_MS: '5000' });
    const token = await t.token();
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    t.sandbox.krr.setLatency(800);
    const inFlight = t.graphql<{ person: { status: string } }>(`{ person(id: "11822648950") { status } }`, undefined, {
      token,
    });
    await new Promise((r) => setTimeout(r, 150)); // the request is now waiting on KRR
    const closing = t.app.close();
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers.get('connection')).toBe('close');
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ person: { status: 'ACTIVE' } });
    await closing;
    await expect(fetch(`${t.url}/healthz`)).rejects.toThrow();
    await t.close();
  }, 20_000);
});
