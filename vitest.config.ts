import { defineConfig } from 'vitest/config';

export default defineConfig({
  // One graphql instance, as in production: Node resolves `graphql` (no "exports" field) to its CommonJS build, and so
  // it does here for Apollo Server and graphql-tools; without this alias Vite would hand our own sources (and tests)
  // the ESM build, and graphql-js refuses types from "another module or realm".
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two test files at a time: vitest's default on a 2-core machine is one (cores − 1), and most of the suite waits on
    // loopback HTTP, simulated latency and child processes rather than the CPU. On this project's CI machine the whole
    // suite took 440 s on Node 20 with one and 271 s with two (200 s on Node 24), which keeps `.ci/run` (the suite on
    // Node 20, 24 and part of it on 22) well inside its 15 minutes. A test that counts something machine-wide (files in
    // the temporary directory, say) must count only its own.
    maxWorkers: 2,
  },
});
