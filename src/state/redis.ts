import { Redis } from 'ioredis';
import { RedisConfigError } from './redis-config-error.js';
import { isIP } from 'node:net';
import { describeRedisUrl, parseRedisUrl } from './redis-url.js';
import type { Logger } from 'pino';

export { describeRedisUrl };

/**
 * The connection to the Redis (or Valkey) that replicas share state through (`REDIS_URL`). Chosen behaviour under
 * faults: a command never waits for a connection that is not there (no offline queue) nor longer than
 * {@link REDIS_COMMAND_TIMEOUT_MS}, so a Redis outage or a slow Redis costs a request milliseconds, never its deadline;
 * the client reconnects by itself, forever, with a capped backoff.
 */

/** The longest any one Redis command may take before the caller treats Redis as unavailable. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
const CONNECT_TIMEOUT_MS = 3_000;
const MAX_RECONNECT_DELAY_MS = 2_000;

export interface SharedStore {
  redis: Redis;
  /** Prepended to every key (`REDIS_KEY_PREFIX`), so several facades (or other apps) can share one Redis. */
  prefix: string;
  close(): Promise<void>;
}

/** A refused SELECT: a database number beyond the server's `databases`, or any SELECT on a cluster node. */
const SELECT_REFUSED = /DB index is out of range|invalid DB index|SELECT is not allowed/i;

/**
 * Connects and checks the connection with a PING. Refused credentials, an unknown host, a database number the server
 * refuses or a malformed URL are misconfiguration and fail the start (a {@link RedisConfigError} naming REDIS_URL). A
 * Redis that is merely not answering yet (connection refused, timeout: a restart in progress) does not stop the
 * facade: it starts, logs a warning, and the client keeps reconnecting; until then look-ups use the per-replica
 * fallback limit.
 *
 * ioredis is given the URL's parts, never the URL: it would read a query string as options overriding the ones set
 * here (and REDIS_URL with one is refused before it gets here, see state/redis-url.ts).
 */
export async function connectSharedStore(url: string, prefix: string, log: Logger): Promise<SharedStore> {
  const safeUrl = describeRedisUrl(url);
  const address = parseRedisUrl(url);
  if ('problem' in address) throw new RedisConfigError(`REDIS_URL (${safeUrl}): ${address.problem}`);
  const { tls, ...connection } = address;
  const redis = new Redis({
    ...connection,
    // node:tls sends no server name unless told (https does it for itself): managed Redis and Valkey services route
    // TLS connections by it. Never an IP address (RFC 6066).
    ...(tls ? { tls: isIP(connection.host) ? {} : { servername: connection.host } } : {}),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS),
    // A failover replica answering READONLY: reconnect, the new primary takes writes.
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
  });
  let state: 'up' | 'down' = 'up';
  let starting = true;
  let lastError: (Error & { code?: string }) | undefined;
  /** A refused SELECT was logged in this outage. */
  let refusalLogged = false;
  redis.on('error', (err: Error & { code?: string }) => {
    lastError = err;
    if (SELECT_REFUSED.test(err.message)) {
      // At start a refused SELECT stops the start below, with its own message.
      if (starting) return;
      // A server restarted with fewer databases, or a failover to a node that refuses SELECT: the connection is up,
      // but on database 0, and ioredis would use it there (rate limits and leases shared in another database than the
      // other replicas'). Dropped instead, and tried again as after an outage; per-replica fallbacks meanwhile.
      redis.disconnect(true);
      // Once an outage, even one that began as a refused connection: this is what the operator has to fix.
      if (!refusalLogged) {
        log.error(
          { redis: safeUrl, reason: err.message.slice(0, 120) },
          `Redis refused database ${address.db} (REDIS_URL); not using it, retrying`,
        );
      }
      refusalLogged = true;
      state = 'down';
      return;
    }
    // ioredis emits every failed reconnect; one warning per outage is enough.
    if (state === 'up') log.warn({ redis: safeUrl, code: err.code ?? err.name }, 'Redis unavailable; retrying');
    state = 'down';
  });
  redis.on('ready', () => {
    if (state === 'down') log.info({ redis: safeUrl }, 'Redis available again');
    state = 'up';
    refusalLogged = false;
  });

  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    // ioredis reports a refused AUTH as an 'error' event and then closes; connect() only says the connection closed.
    const e = (lastError ?? err) as Error & { code?: string };
    const what = `${e.message ?? ''} ${e.code ?? ''} ${(err as Error).message ?? ''}`;
    if (/WRONGPASS|NOAUTH|invalid password|invalid username|ENOTFOUND|EAI_AGAIN/i.test(what)) {
      redis.disconnect();
      const reason = /ENOTFOUND|EAI_AGAIN/.test(what) ? 'unknown host' : 'the credentials were refused';
      throw new RedisConfigError(`REDIS_URL (${safeUrl}): ${reason}`);
    }
    log.warn(
      { redis: safeUrl, code: e.code ?? e.name },
      'Redis does not answer yet; starting with per-replica fallbacks until it does',
    );
  }
  // ioredis sends SELECT first on a connection and reports its refusal as an 'error' event only: the connection stays
  // up, on database 0, so the facade would log an outage and then share its state in database 0 instead of the one
  // configured. The refusal is known once the PING above has its answer.
  if (lastError && SELECT_REFUSED.test(lastError.message)) {
    redis.disconnect();
    throw new RedisConfigError(
      `REDIS_URL (${safeUrl}): the server refused database ${address.db} (${lastError.message.slice(0, 120)})`,
    );
  }
  starting = false;
  return {
    redis,
    prefix,
    async close() {
      redis.disconnect();
    },
  };
}
