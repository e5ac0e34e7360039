/**
 * Once before the test files: the production build (as `npm start` makes it, incremental: a few seconds when nothing
 * changed), so the tests that start the facade as `npm start` does run what it runs, `dist/main.js`, built from the
 * code under test rather than left over from an earlier checkout.
 */
import { buildDist } from '../scripts/build.js';

export function setup(): void {
  const problem = buildDist('keep');
  if (problem) throw new Error(`dist/ cannot be tested. ${problem}`);
}
