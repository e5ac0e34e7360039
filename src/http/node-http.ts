import { createRequire } from 'node:module';
import type * as NodeHttp from 'node:http';

/**
 * `node:http`, taken with `require` rather than `import`. On Node 24 the module has lazy getters (`WebSocket`,
 * `CloseEvent`, `MessageEvent`) that load Node's own bundled copy of undici, and an ESM import of a builtin reads every
 * export to build its namespace: in a replica that was 2.4 MB of live heap (which V8 lets grow to three times that
 * before it collects) and about 13 MB of RSS, for a WebSocket client it never uses. `require` leaves the getters
 * alone. test/startup-imports.test.ts fails when a start loads that copy again.
 */
const require = createRequire(import.meta.url);
const http = require('node:http') as typeof NodeHttp;

export const createServer: typeof NodeHttp.createServer = http.createServer;
