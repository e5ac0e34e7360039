/**
 * A start that cannot use `REDIS_URL` as given: the message names the variable, never the password. In a file of its
 * own so that main.ts can tell it apart without loading ioredis (state/redis.ts), which a replica without Redis never
 * needs.
 */
export class RedisConfigError extends Error {
  override name = 'RedisConfigError';
}
