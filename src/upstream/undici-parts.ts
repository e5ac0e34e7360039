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

/** What a request's caller learns of it on the way: whether undici began to write it to a connection. */
export interface RequestProgress {
  /** False while it waits in the pool's queue for a connection: until then nothing of it was sent. */
  dispatched: boolean;
}

interface RequestHandler extends Dispatcher.DispatchHandler {
  onConnect(abort: unknown, context?: unknown): void;
}
type RequestCallback = (err: Error | null, data: Dispatcher.ResponseData) => void;
const RequestHandler = (
  undiciRequest as unknown as {
    RequestHandler: new (options: Dispatcher.RequestOptions, callback: RequestCallback) => RequestHandler;
  }
).RequestHandler;

/** undici's own handler of `request`, which also marks its progress when the request is handed to a connection. */
class ProgressHandler extends RequestHandler {
  constructor(
    options: Dispatcher.RequestOptions,
    callback: RequestCallback,
    private readonly progress: RequestProgress,
  ) {
    super(options, callback);
  }

  override onConnect(abort: unknown, context?: unknown): void {
    this.progress.dispatched = true;
    super.onConnect(abort, context);
  }
}

/**
 * `pool.request(options)`, without undici's index; with `progress`, told when undici hands the request to a
 * connection (its handler's `onConnect`, called as the request is written, never for one still queued).
 */
export function request(
  pool: Pool,
  options: Dispatcher.RequestOptions,
  progress?: RequestProgress,
): Promise<Dispatcher.ResponseData> {
  if (!progress) return undiciRequest.call(pool, options);
  return new Promise((resolve, reject) => {
    try {
      pool.dispatch(
        options,
        new ProgressHandler(options, (err, data) => (err ? reject(err) : resolve(data)), progress),
      );
    } catch (err) {
      reject(err as Error);
    }
  });
}
