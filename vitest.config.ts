import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * Test files whose assertions hang on wall-clock time at the scale of a CPU stall: batching windows across requests,
 * the event loop's sampled busy time, deadlines, retry back-offs, simulated latency, timed token refreshes, drains.
 * They run after the rest, one file at a time, with the machine to themselves. With two files at a time they failed on
 * CI (a batch window's requests split into two calls, a deadline's timer count moved by another file's timer).
 */
const timingSensitive = [
  'test/krr/batcher.test.ts',
  'test/krr/batch-window.test.ts',
  'test/krr/batch-isolation.test.ts',
  'test/krr/cross-request.test.ts',
  'test/graphql/admission.test.ts',
  'test/graphql/cost-budget.test.ts',
  'test/http/admission-door.test.ts',
  'test/http/unread-answers.test.ts',
  'test/http/graceful-shutdown.test.ts',
  'test/upstream/deadline.test.ts',
  'test/upstream/retry.test.ts',
  'test/upstream/resilience.test.ts',
  'test/sandbox/faults.test.ts',
  'test/maskinporten/token-service.test.ts',
  'test/state/replicas.test.ts',
  'test/http/readiness.test.ts', // /readyz answers within a probe's timeout while Maskinporten stalls
  'test/tenants/supplier-mode.test.ts', // concurrent look-ups of one consumer share KRR calls
];
// A renamed or removed file would otherwise fall out of the list silently (and run two at a time under its new name).
for (const file of timingSensitive) {
  if (!existsSync(new URL(`./${file}`, import.meta.url))) throw new Error(`vitest.config.ts: ${file} does not exist`);
}

export default defineConfig({
  // One graphql instance, as in production: Node resolves `graphql` (no "exports" field) to its CommonJS build, and so
  // it does here for Apollo Server and graphql-tools; without this alias Vite would hand our own sources (and tests)
  // the ESM build, and graphql-js refuses types from "another module or realm".
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        // Two files at a time (vitest's default on two cores is one): most of the suite waits on loopback HTTP, child
        // processes and simulated latency rather than the CPU. A test that counts something machine-wide (files in
        // the temporary directory, say) must count only its own.
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: timingSensitive,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'timing', include: timingSensitive, maxWorkers: 1, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
