import { describe, expect, it } from 'vitest';
import { BUSY_LOOP_UTILIZATION, collectWhenBusy, LoopUtilization } from '../../src/krr/batch-window.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KRR_BATCH_WINDOW_MODE=busy: when a batch waits for more ids', () => {
  it('waits while operations wait for admission, the event loop is busy, or every KRR connection is taken', () => {
    const state = { admissionBusy: false, loop: 0 };
    const collect = collectWhenBusy({
      admissionBusy: () => state.admissionBusy,
      loopUtilization: () => state.loop,
      connections: 4,
    });
    expect(collect(0)).toBe(false); // nothing is short: the call goes out this turn
    expect(collect(3)).toBe(false);
    expect(collect(4)).toBe(true); // a call sent now would queue for a connection
    state.loop = BUSY_LOOP_UTILIZATION;
    expect(collect(0)).toBe(true);
    state.loop = BUSY_LOOP_UTILIZATION - 0.01;
    expect(collect(0)).toBe(false);
    // Half busy is not busy: target 4's steady half-load rate sat right on a line there, the window on and off.
    state.loop = 0.5;
    expect(collect(0)).toBe(false);
    state.admissionBusy = true;
    expect(collect(0)).toBe(true);
  });

  it("reads the event loop's utilization of the last interval: near 1 after blocking it, near 0 after idling", async () => {
    const loop = new LoopUtilization(3_600_000); // sampled by hand below
    try {
      loop.sample();
      const until = performance.now() + 100;
      while (performance.now() < until); // JavaScript runs the whole interval
      loop.sample();
      expect(loop.current).toBeGreaterThan(0.9);
      await pause(100); // the loop waits the whole interval
      loop.sample();
      expect(loop.current).toBeLessThan(0.5);
    } finally {
      loop.stop();
    }
  });
});
