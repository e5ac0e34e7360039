import { describe, expect, it } from 'vitest';
import {
  AdaptiveCostBudget,
  costBudgetFor,
  HEADROOM,
  MIN_BUDGET_SHARE,
  type CostBudgetSample,
} from '../../src/graphql/cost-budget.js';

const MAX = 12_000;

/** `operations` operations of `cost` each, the loop busy `busyMs`, and the shortest look-up waiting `waitMs`. */
function sample(operations: number, cost: number, busyMs: number, waitMs: number | undefined): CostBudgetSample {
  return { operations, cost: operations * cost, costSquares: operations * cost * cost, busyMs, shortestWaitMs: waitMs };
}

describe('costBudgetFor', () => {
  it("is HEADROOM times the cost in flight that keeps the CPU busy while look-ups wait (Little's law)", () => {
    // 100 operations of cost 300 took 250 ms of the loop: 1/120 ms a unit of cost. A look-up waiting 40 ms is
    // 4800 units of cost the CPU could run meanwhile: 300 + 4800 in flight keep it busy.
    expect(costBudgetFor(sample(100, 300, 250, 40), MAX)).toBe(HEADROOM * (300 + 4800));
    // Twice the wait, twice the cost of waiting: over the ceiling.
    expect(costBudgetFor(sample(100, 300, 250, 80), MAX)).toBe(MAX);
    // KRR answering at once: the floor, never less.
    expect(costBudgetFor(sample(100, 300, 250, 1), MAX)).toBe(MAX * MIN_BUDGET_SHARE);
  });

  it("weighs operations by their cost: a 1000-person query's wait counts more than a one-person query's", () => {
    const mixed: CostBudgetSample = {
      operations: 20,
      cost: 10 * 3 + 10 * 3000,
      costSquares: 10 * 9 + 10 * 3000 * 3000,
      busyMs: 300,
      shortestWaitMs: undefined,
    };
    // No waits measured: the ceiling.
    expect(costBudgetFor(mixed, MAX)).toBe(MAX);
    // The cost-weighted mean cost is about 2997 (unweighted it is about 1500), and a 10 ms wait is about 1000 units.
    const meanCost = mixed.costSquares / mixed.cost;
    const waitCost = 10 / (mixed.busyMs / mixed.cost);
    expect(meanCost).toBeCloseTo(2997, 0);
    expect(costBudgetFor({ ...mixed, shortestWaitMs: 10 }, MAX)).toBe(Math.ceil(HEADROOM * (meanCost + waitCost)));
  });

  it('answers nothing from fewer than eight operations, and the ceiling while the loop was idle', () => {
    expect(costBudgetFor(sample(7, 300, 250, 1), MAX)).toBeUndefined();
    expect(costBudgetFor(sample(0, 300, 0, 0), MAX)).toBeUndefined();
    expect(costBudgetFor(sample(100, 300, 0, 1), MAX)).toBe(MAX);
    expect(costBudgetFor(sample(100, 300, 250, undefined), MAX)).toBe(MAX); // no look-up waited
  });
});

describe('AdaptiveCostBudget', () => {
  it('applies the budget its measurements give, only when it changes, and forgets old measurements', () => {
    const applied: number[] = [];
    const budget = new AdaptiveCostBudget({ max: MAX, apply: (b) => applied.push(b) });
    expect(budget.current).toBe(MAX);
    const operations = (count: number, cost: number, waitMs: number) => {
      for (let i = 0; i < count; i++) {
        budget.operationDone(cost);
        budget.batchAnswered(waitMs);
      }
    };
    operations(7, 300, 40);
    budget.sample(250);
    expect(applied).toEqual([]); // too few to tell
    operations(100, 300, 40);
    budget.sample(250);
    const first = applied.at(-1)!;
    expect(first).toBeGreaterThan(MAX * MIN_BUDGET_SHARE);
    expect(first).toBeLessThan(MAX);
    expect(budget.current).toBe(first);
    // KRR starts answering at once: the budget falls to the floor.
    for (let i = 0; i < 12; i++) {
      operations(100, 300, 0.5);
      budget.sample(250);
    }
    expect(budget.current).toBe(MAX * MIN_BUDGET_SHARE);
    const count = applied.length;
    operations(100, 300, 0.5);
    budget.sample(250);
    expect(applied).toHaveLength(count); // unchanged: not applied again
    // Then KRR slows to 200 ms a call: back to the ceiling once the short waits are a second old (four samples).
    for (let i = 0; i < 3; i++) {
      operations(100, 300, 200);
      budget.sample(250);
    }
    expect(budget.current).toBe(MAX * MIN_BUDGET_SHARE);
    operations(100, 300, 200);
    budget.sample(250);
    expect(budget.current).toBe(MAX);
  });

  it('samples the event loop on its own once started, until stopped', async () => {
    const applied: number[] = [];
    const budget = new AdaptiveCostBudget({ max: MAX, apply: (b) => applied.push(b) }).start();
    try {
      for (let i = 0; i < 100; i++) {
        budget.operationDone(300);
        budget.batchAnswered(0);
      }
      const until = performance.now() + 300; // the loop busy for longer than one interval
      while (performance.now() < until);
      await new Promise((r) => setTimeout(r, 300));
      expect(applied).toEqual([MAX * MIN_BUDGET_SHARE]);
    } finally {
      budget.stop();
    }
  });
});
