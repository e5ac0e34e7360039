import { createRequire } from 'node:module';
import type * as NodeHttp from 'node:http';

/**
 * `node:http`, taken with `require` rather than `import`. On Node 24 the module has lazy getters (`WebSocket`,
 * `CloseEvent`, `MessageEvent`) that load Node's own bundled copy of undici, and an ESM import of a builtin reads every
 * export to build its namespace: a WebSocket client the facade never uses, 2.4 MB of live heap and 13 MB of RSS in a
 * bare process, 3 MB of a started replica's RSS (docs/benchmarks.md, "Node's own undici"). `require` leaves the
 * getters alone. test/startup-imports.test.ts fails when a start loads that copy again.
 */
const require = createRequire(import.meta.url);
const http = require('node:http') as typeof NodeHttp;

export const createServer: typeof NodeHttp.createServer = http.createServer;
