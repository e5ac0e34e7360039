/**
 * What `REDIS_URL` may say, and what the connection to a real redis-server makes of it (found by a red-team run):
 * ioredis read a query string as options overriding the facade's own (`?commandTimeout=20000&enableOfflineQueue=1`:
 * a look-up waited 3.9 s on a slow Redis; `?connectTimeout=100`: a TypeError stack, exit 1; `?password=…`: printed in
 * clear in every warning), and the database number was never checked (`/abc`: a ReplyError stack, exit 1; `/99`
 * beyond the server's databases: "Redis unavailable; retrying" forever).
 */
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { RedisConfigError } from '../../src/state/redis-config-error.js';
import { describeRedisUrl, parseRedisUrl } from '../../src/state/redis-url.js';
import { connectSharedStore, REDIS_COMMAND_TIMEOUT_MS } from '../../src/state/redis.js';
import { runMainToExit } from '../helpers/main-process.js';
import { requireRedisServer, startRedis, type RedisServer } from '../helpers/redis.js';

const silent = createLogger({ level: 'silent' });

describe('parseRedisUrl: what REDIS_URL may say', () => {
  it('reads host, port, credentials (URL-decoded), database and TLS', () => {
    expect(parseRedisUrl('redis://valkey:6380')).toEqual({ host: 'valkey', port: 6380, db: 0, tls: false });
    expect(parseRedisUrl('rediss://u:p%40ss%3Fw%23rd@valkey/3')).toEqual({
      host: 'valkey',
      port: 6379,
      username: 'u',
      password: 'p@ss?w#rd',
      db: 3,
      tls: true,
    });
    expect(parseRedisUrl('redis://valkey/7/')).toMatchObject({ host: 'valkey', db: 7 });
    expect(parseRedisUrl('redis://:secret@[::1]:6379/')).toEqual({
      host: '::1',
      port: 6379,
      password: 'secret',
      db: 0,
      tls: false,
    });
  });

  it('refuses a query string, a fragment and a path that is not a database number, without quoting the URL', () => {
    const refused = [
      'redis://:s3cret-pw@valkey:6379?commandTimeout=20000&enableOfflineQueue=1',
      'redis://valkey:6379/?connectTimeout=100',
      'redis://valkey:6379?password=s3cret-pw',
      'redis://:s3cret-pw@valkey:6379/0?',
      'redis://:s3cret-pw@valkey:6379#frag',
      'redis://:s3cret-pw@valkey:6379/abc',
      'redis://:s3cret-pw@valkey:6379/-1',
      'redis://:s3cret-pw@valkey:6379/1.5',
      'redis://:s3cret-pw@valkey:6379/0//',
      'redis://:s3cret-pw@valkey:6379/0x1',
      'redis://:s3cret-pw@valkey:6379/99999999999999999999',
      'redis://:s3cret%zz@valkey:6379',
      'http://valkey:6379',
      'redis://',
      'not a url',
    ];
    for (const url of refused) {
      const read = parseRedisUrl(url);
      expect(read, url).toHaveProperty('problem');
      expect(JSON.stringify(read), url).not.toMatch(/s3cret|valkey/);
    }
  });

  it('rediss:// names the host in TLS (SNI), as managed Redis and Valkey services route by it', async () => {
    const seen: string[] = [];
    const tlsServer = createTlsServer({
      SNICallback: (servername, done) => {
        seen.push(servername);
        done(new Error('enough: the name was seen'));
      },
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, 'localhost', resolve));
    const { port } = tlsServer.address() as AddressInfo;
    const store = await connectSharedStore(`rediss://localhost:${port}`, 'redis-test:', silent);
    try {
      for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen[0]).toBe('localhost');
    } finally {
      await store.close();
      tlsServer.close();
    }
  });

  it('describeRedisUrl: never the password, nor a query string or fragment', () => {
    expect(describeRedisUrl('redis://u:s3cret-pw@valkey:6379/2?password=s3cret-pw#s3cret-pw')).toBe(
      'redis://u:***@valkey:6379/2',
    );
  });
});

describe.skipIf(!requireRedisServer())('connectSharedStore against a real redis-server', () => {
  let server: RedisServer;
  let secured: RedisServer;

  beforeAll(async () => {
    [server, secured] = await Promise.all([startRedis(), startRedis({ password: 'p@ss?w#rd' })]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), secured?.close()]);
  });

  it("keeps the facade's connection options: a URL cannot set them", async () => {
    const store = await connectSharedStore(server.url, 'redis-test:', silent);
    try {
      expect(store.redis.options).toMatchObject({
        commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
      });
    } finally {
      await store.close();
    }
    for (const query of ['?commandTimeout=20000&enableOfflineQueue=1', '/?connectTimeout=100', '?password=s3cret-pw']) {
      const failure = await connectSharedStore(`${server.url}${query}`, 'redis-test:', silent).catch((e) => e);
      expect(failure, query).toBeInstanceOf(RedisConfigError);
      expect((failure as Error).message).toMatch(/^REDIS_URL \(redis:\/\/127\.0\.0\.1:\d+\/?\): a query string/);
      expect((failure as Error).message).not.toContain('s3cret-pw');
    }
  });

  it('sends URL-encoded credentials decoded, and uses the database of the path', async () => {
    const store = await connectSharedStore(`${secured.url}/1`, 'redis-test:', silent);
    try {
      await store.redis.set('redis-test:db', '1');
      expect(await secured.command('INFO', 'keyspace')).toMatch(/^db1:keys=1,/m);
      expect(await secured.command('INFO', 'keyspace')).not.toMatch(/^db0:/m);
    } finally {
      await store.close();
    }
  });

  it('stops the start on a database number the server refuses, naming REDIS_URL and never the password', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', destination: { write: (line: string) => lines.push(line) } });
    const failure = await connectSharedStore(`${secured.url}/99`, 'redis-test:', log).then(
      async (store) => {
        await store.close();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(RedisConfigError);
    expect((failure as Error).message).toMatch(
      /^REDIS_URL \(redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/99\): the server refused database 99 \(ERR DB index is out of range\)$/,
    );
    expect((failure as Error).message).not.toContain('p%40ss');
    // Not taken for an outage: no "Redis unavailable; retrying" on the way out.
    expect(lines.join('')).not.toContain('Redis unavailable');
  });

  it('a server restarted with fewer databases: its refused SELECT never leaves the facade on database 0', async () => {
    const restarted = await startRedis({ databases: 4 });
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
    const store = await connectSharedStore(`${restarted.url}/3`, 'redis-test:', log);
    const keyspace = async () => String(await restarted.command('INFO', 'keyspace'));
    try {
      await store.redis.set('redis-test:before', '1');
      expect(await keyspace()).toMatch(/^db3:keys=1,/m);

      await restarted.stop();
      // Long enough for a reconnect to be refused first: the outage began as one, and the refusal is still logged.
      await new Promise((r) => setTimeout(r, 700));
      await restarted.start({ databases: 2 });
      // Every command fails meanwhile and the callers fall back per replica: none of them lands in database 0, where
      // ioredis had stayed, ready, before.
      const writeFor = async (ms: number) => {
        const end = Date.now() + ms;
        while (Date.now() < end) {
          await store.redis.set('redis-test:during', '1').catch(() => undefined);
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(await keyspace()).not.toMatch(/^db0:/m);
        expect(store.redis.status).not.toBe('ready');
      };
      await writeFor(3000); // past ioredis' reconnect delays
      await expect
        .poll(() => lines.some((line) => line.includes('Redis refused database 3')), { timeout: 10_000 })
        .toBe(true);
      await writeFor(500); // however late the reconnect came
      expect(lines.filter((line) => line.includes('Redis refused database 3'))).toHaveLength(1);
      expect(lines.join('')).not.toContain('Redis available again');

      await restarted.stop();
      await restarted.start({ databases: 4 });
      await expect.poll(() => store.redis.status, { timeout: 10_000 }).toBe('ready');
      await store.redis.set('redis-test:after', '1');
      expect(await keyspace()).toMatch(/^db3:keys=1,/m);
      expect(await keyspace()).not.toMatch(/^db0:/m);
      expect(lines.join('')).toContain('Redis available again');
    } finally {
      await store.close();
      await restarted.close();
    }
  }, 30_000);

  it('npm start: exit code 2 naming REDIS_URL for a refused database or a query string, without a stack', async () => {
    for (const [suffix, says] of [
      ['/99', 'the server refused database 99'],
      ['/abc', 'the path must be empty or a database number'],
      ['?connectTimeout=100', 'a query string or fragment is not accepted'],
      ['?password=s3cret-pw', 'a query string or fragment is not accepted'],
    ] as const) {
      const run = await runMainToExit({ REDIS_URL: `${secured.url}${suffix}` });
      expect(run.code, suffix).toBe(2);
      expect(run.stderr, suffix).toMatch(/^Invalid configuration:.*REDIS_URL/s);
      expect(run.stderr, suffix).toContain(says);
      expect(run.stderr, suffix).not.toMatch(/\n\s+at /);
      expect(run.stderr + run.stdout, suffix).not.toMatch(/s3cret-pw|p%40ss/);
    }
  }, 60_000);
});
