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
  },
});
