import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BreakerOpenError,
  UpstreamBreaker,
  type BreakerOptions,
  type BreakerState,
} from '../../src/upstream/breaker.js';

// Opossum reads setTimeout/setInterval/Date.now from the globals on every use, so vitest's fake timers drive it
// completely (window buckets, reset timeout) and `vi.getTimerCount()` sees its timers, unref'd ones included.

class Unavailable extends Error {}
class NotFound extends Error {}

const fail = () => Promise.reject(new Unavailable('503'));
const ok = () => Promise.resolve('ok');

const breakers: UpstreamBreaker[] = [];
function breaker(opts: Partial<BreakerOptions> = {}): { b: UpstreamBreaker; states: BreakerState[] } {
  const states: BreakerState[] = [];
  const b = new UpstreamBreaker({
    name: 'krr',
    volumeThreshold: 4,
    resetTimeoutMs: 200,
    rollingWindowMs: 1_000,
    onStateChange: (s) => states.push(s),
    ...opts,
  });
  breakers.push(b);
  return { b, states };
}

async function failTimes(b: UpstreamBreaker, n: number): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (let i = 0; i < n; i++) errors.push(await b.run(fail).catch((e: unknown) => e));
  return errors;
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  for (const b of breakers.splice(0)) b.shutdown();
  vi.useRealTimers();
});

describe('UpstreamBreaker', () => {
  it('stays closed below the volume threshold, then opens when more than half of the calls failed', async () => {
    const { b, states } = breaker();
    await failTimes(b, 3);
    expect(b.state).toBe('closed'); // 3 calls < volumeThreshold 4
    const errors = await failTimes(b, 1);
    expect(errors[0]).toBeInstanceOf(Unavailable); // the failure itself is passed through
    expect(b.state).toBe('open');
    expect(states).toEqual(['open']);
  });

  it('counts the error rate over the window: exactly the threshold does not open it, more does', async () => {
    const { b } = breaker();
    await b.run(ok);
    await b.run(ok);
    await failTimes(b, 2);
    expect(b.state).toBe('closed'); // 2 of 4 = 50 %, not more than 50 %
    await failTimes(b, 1);
    expect(b.state).toBe('open'); // 3 of 5
  });

  it('forgets failures that have left the rolling window', async () => {
    const { b } = breaker();
    await failTimes(b, 3);
    await vi.advanceTimersByTimeAsync(1_100);
    await failTimes(b, 1);
    expect(b.state).toBe('closed'); // only 1 call in the window now
  });

  it('while open, rejects at once with BreakerOpenError without calling fn', async () => {
    const { b } = breaker();
    await failTimes(b, 4);
    const fn = vi.fn(ok);
    const err = await b.run(fn).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BreakerOpenError);
    expect(err).toMatchObject({ upstream: 'krr', message: 'krr circuit breaker is open' });
    expect(fn).not.toHaveBeenCalled();
  });

  it('does not count rejections that isFailure says are not failures, and passes them through unchanged', async () => {
    const { b, states } = breaker();
    const isFailure = (e: unknown) => !(e instanceof NotFound);
    const notFound = new NotFound('404');
    for (let i = 0; i < 10; i++) {
      await expect(b.run(() => Promise.reject(notFound), isFailure)).rejects.toBe(notFound);
    }
    expect(b.state).toBe('closed');
    expect(states).toEqual([]);
    // They count as calls that went well: 3 failures out of 13 do not open it either.
    await failTimes(b, 3);
    expect(b.state).toBe('closed');
  });

  it('treats an isFailure that throws as a failure', async () => {
    const { b } = breaker();
    const isFailure = () => {
      throw new Error('bug');
    };
    for (let i = 0; i < 4; i++) await b.run(fail, isFailure).catch(() => undefined);
    expect(b.state).toBe('open');
  });

  it('goes half-open after resetTimeoutMs and lets exactly one probe through; success closes it', async () => {
    const { b, states } = breaker();
    await failTimes(b, 4);
    await vi.advanceTimersByTimeAsync(199);
    expect(b.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(b.state).toBe('half-open');

    let release: (v: string) => void = () => undefined;
    const probeFn = vi.fn(() => new Promise<string>((resolve) => (release = resolve)));
    const probe = b.run(probeFn);
    const others = [vi.fn(ok), vi.fn(ok)];
    const otherResults = await Promise.all(others.map((fn) => b.run(fn).catch((e: unknown) => e)));
    expect(probeFn).toHaveBeenCalledTimes(1);
    expect(otherResults.every((e) => e instanceof BreakerOpenError)).toBe(true);
    for (const fn of others) expect(fn).not.toHaveBeenCalled();
    expect(b.state).toBe('half-open');

    release('probed');
    await expect(probe).resolves.toBe('probed');
    expect(b.state).toBe('closed');
    expect(await b.run(ok)).toBe('ok');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('re-opens when the half-open probe fails, and probes again after another resetTimeoutMs', async () => {
    const { b, states } = breaker();
    await failTimes(b, 4);
    await vi.advanceTimersByTimeAsync(200);
    const probeError = await b.run(fail).catch((e: unknown) => e);
    expect(probeError).toBeInstanceOf(Unavailable);
    expect(b.state).toBe('open');
    await expect(b.run(ok)).rejects.toBeInstanceOf(BreakerOpenError);
    await vi.advanceTimersByTimeAsync(200);
    expect(b.state).toBe('half-open');
    expect(await b.run(ok)).toBe('ok');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('closes on a half-open probe that is rejected but is not a failure (the upstream did answer)', async () => {
    const { b } = breaker();
    await failTimes(b, 4);
    await vi.advanceTimersByTimeAsync(200);
    const notFound = new NotFound('404');
    await expect(
      b.run(
        () => Promise.reject(notFound),
        (e) => !(e instanceof NotFound),
      ),
    ).rejects.toBe(notFound);
    expect(b.state).toBe('closed');
  });

  it('does not let calls rejected while open dilute the error rate once closed again', async () => {
    const { b } = breaker({ rollingWindowMs: 10_000, resetTimeoutMs: 1_000 });
    await failTimes(b, 4);
    for (let i = 0; i < 100; i++) await b.run(ok).catch(() => undefined); // rejected: open
    await vi.advanceTimersByTimeAsync(1_000);
    await b.run(ok); // probe: closes
    expect(b.state).toBe('closed');
    await failTimes(b, 1);
    expect(b.state).toBe('open'); // 5 failures of 6 calls in the window, not 5 of 106
  });

  it('reports each state change once, and survives an onStateChange that throws', async () => {
    const seen: BreakerState[] = [];
    const { b } = breaker({
      onStateChange: (s) => {
        seen.push(s);
        throw new Error('metrics bug');
      },
    });
    await failTimes(b, 6);
    await vi.advanceTimersByTimeAsync(200);
    expect(await b.run(ok)).toBe('ok');
    expect(seen).toEqual(['open', 'half-open', 'closed']);
  });

  it('uses the documented defaults', async () => {
    const { b } = breaker({ volumeThreshold: undefined, resetTimeoutMs: undefined, rollingWindowMs: undefined });
    await failTimes(b, 9);
    expect(b.state).toBe('closed');
    await failTimes(b, 1);
    expect(b.state).toBe('open');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(b.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(b.state).toBe('half-open');
  });

  it('shutdown leaves no timers behind, closed or open, and later calls run unguarded', async () => {
    expect(vi.getTimerCount()).toBe(0);
    const { b: closed } = breaker();
    expect(vi.getTimerCount()).toBe(1); // opossum's bucket rotation (snapshots are disabled)
    const { b: open } = breaker();
    await failTimes(open, 4);
    expect(vi.getTimerCount()).toBe(3); // + the second rotation and the reset timer
    closed.shutdown();
    open.shutdown();
    open.shutdown(); // idempotent
    expect(vi.getTimerCount()).toBe(0);
    expect(open.state).toBe('closed');
    expect(await open.run(ok)).toBe('ok');
    await expect(open.run(fail)).rejects.toBeInstanceOf(Unavailable);
  });
});
