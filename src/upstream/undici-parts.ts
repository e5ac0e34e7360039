import { createRequire } from 'node:module';
import type { Dispatcher, Pool as UndiciPool, errors as UndiciErrors } from 'undici';

/*
 * The parts of undici the facade uses (a pool, its `request`, the error classes), required from their own files: the
 * package's index also loads fetch, WebSocket, EventSource, caches, proxies and mocks, ~2.4 MB of heap kept by every
 * replica for nothing, and V8 lets the old generation grow to three times what it keeps (`--heap-growing-percent=200`)
 * before it collects. undici has no `exports` map, so these paths are reachable; test/upstream/undici-parts.test.ts
 * fails if they stop being what the index exports.
 */
const require = createRequire(import.meta.url);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof UndiciPool;
export type Pool = UndiciPool;
export const undiciErrors = require('undici/lib/core/errors.js') as typeof UndiciErrors;

/** `Dispatcher.prototype.request`, which only undici's index puts on the prototype. */
export const undiciRequest = require('undici/lib/api/api-request.js') as (
  this: Dispatcher,
  options: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;

/** `pool.request(options)`, without undici's index. */
export function request(pool: Pool, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
  return undiciRequest.call(pool, options);
}
