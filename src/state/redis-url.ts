/**
 * What `REDIS_URL` may say, read once for both its check at start (config-spec.ts) and the connection (state/redis.ts):
 * `redis://[user:password@]host[:port][/db]`, or `rediss://…` for TLS. Nothing else: ioredis would read a query string
 * as connection options that override the facade's own (`?commandTimeout=20000&enableOfflineQueue=1` made a look-up
 * wait seconds on a slow Redis, `?connectTimeout=100` crashed the start, `?password=…` was logged in clear), so a query
 * or fragment is refused rather than ignored. In a file of its own, free of ioredis, which a replica without Redis never
 * loads.
 */

export interface RedisAddress {
  host: string;
  port: number;
  /** Decoded from the URL; absent when the URL has none. */
  username?: string;
  password?: string;
  /** The database number: the path's `/<n>`, 0 without one. */
  db: number;
  tls: boolean;
}

const DEFAULT_PORT = 6379;

/**
 * `REDIS_URL` read, or why it cannot be: a reason that completes "REDIS_URL: …" and never quotes the URL (it holds
 * the password).
 */
export function parseRedisUrl(url: string): RedisAddress | { problem: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { problem: 'not a URL' };
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    return { problem: 'the scheme must be redis:// or rediss://' };
  }
  if (parsed.hostname === '') return { problem: 'no host' };
  // Checked on the text: `new URL` drops an empty "?" or "#", which ioredis would not see either, but a "?" or "#" in
  // an unencoded password would cut it short all the same.
  if (url.includes('?') || url.includes('#')) {
    return {
      problem:
        'a query string or fragment is not accepted (the facade sets its own connection options; a "?" or "#" in ' +
        'the password must be URL-encoded)',
    };
  }
  // `/7/` as ioredis read it before: the database, a trailing slash aside.
  const db = /^\/?$/.test(parsed.pathname) ? '0' : /^\/(\d+)\/?$/.exec(parsed.pathname)?.[1];
  if (db === undefined || !Number.isSafeInteger(Number(db))) {
    return { problem: 'the path must be empty or a database number, /0, /1, …' };
  }
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(parsed.username);
    password = decodeURIComponent(parsed.password);
  } catch {
    return { problem: 'the credentials are not validly URL-encoded' };
  }
  return {
    // WHATWG URL keeps the brackets of an IPv6 address; a socket wants the address alone.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port ? Number(parsed.port) : DEFAULT_PORT,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    db: Number(db),
    tls: parsed.protocol === 'rediss:',
  };
}

/** `redis://host:port/db` with any password masked and never a query or fragment, for logs and messages. */
export function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    parsed.search = '';
    parsed.hash = '';
    return parsed.toString();
  } catch {
    return 'REDIS_URL';
  }
}
