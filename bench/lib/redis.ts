/**
 * A real `redis-server` for the bench's Redis scenario (Debian package `redis-server`): a random free loopback port,
 * its own temporary directory, no persistence. Registered with the other children (stopped at the end, on Ctrl-C or
 * failure, killed on exit); the directory is removed on stop and on exit.
 *
 * Besides the server, a connection of the bench's own (ioredis) reads `INFO` (command counters before and after a
 * scenario) and can attach a `MONITOR` to count, command by command, what the facade sends (a round trip each) apart
 * from what Lua scripts run inside Redis.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { findOnPath, firstExecutable, freePort, spawnChild, type Child } from './processes.js';

export const REDIS_PACKAGE = 'redis-server';

/** `REDIS_SERVER_PATH`, else `redis-server` on PATH, else `/usr/bin/redis-server`; undefined when none exists. */
export function redisServerPath(): string | undefined {
  const override = process.env.REDIS_SERVER_PATH;
  if (override) return firstExecutable(override);
  return findOnPath('redis-server') ?? firstExecutable('/usr/bin/redis-server');
}

const dirs = new Set<string>();
let exitHook = false;

function removeDir(dir: string): void {
  dirs.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

function tempDir(): string {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const dir of [...dirs]) removeDir(dir);
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  dirs.add(dir);
  return dir;
}

/** Counters from `INFO all`. */
export interface RedisCounters {
  /** `total_commands_processed`: every command executed, those run inside Lua scripts included. */
  total: number;
  /** `INFO commandstats`: calls per command (lower case), inside scripts included. */
  calls: Record<string, number>;
}

/** Commands per name, after minus before. */
export function commandDelta(after: RedisCounters, before: RedisCounters): RedisCounters {
  const calls: Record<string, number> = {};
  for (const [name, n] of Object.entries(after.calls)) {
    const d = n - (before.calls[name] ?? 0);
    if (d !== 0) calls[name] = d;
  }
  return { total: after.total - before.total, calls };
}

export interface MonitorCount<T> {
  result: T;
  /** Commands sent by clients (each one a round trip), by name; the bench's own connection excluded. */
  fromClients: Record<string, number>;
  /** Commands run by Lua scripts inside Redis (no round trip), by name. */
  fromScripts: Record<string, number>;
}

export class RedisServer {
  private constructor(
    readonly child: Child,
    readonly port: number,
    readonly dir: string,
    readonly version: string,
    private readonly admin: Redis,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * `redis-server --port P --bind 127.0.0.1 --dir D --save '' --appendonly no`, ready when it says so; a port taken
   * between choosing and binding it is retried on another.
   */
  static async start(name: string): Promise<RedisServer> {
    const path = redisServerPath();
    if (!path) throw new Error(`redis-server is not installed (Debian package ${REDIS_PACKAGE})`);
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const dir = tempDir();
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
      const child = spawnChild(name, path, args, process.env, dir);
      try {
        await child.waitForLine((line) => line.includes('Ready to accept connections'), 10_000);
      } catch (err) {
        await child.stop();
        removeDir(dir);
        if (attempt < 3 && child.output.some((line) => /address already in use/i.test(line))) continue;
        throw err;
      }
      const admin = new Redis({
        host: '127.0.0.1',
        port,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      admin.on('error', () => undefined); // reported by the command that fails
      try {
        await admin.connect();
        const version = /^redis_version:(\S+)/m.exec(await admin.info('server'))?.[1] ?? 'unknown';
        return new RedisServer(child, port, dir, version, admin);
      } catch (err) {
        admin.disconnect();
        await child.stop();
        removeDir(dir);
        throw err;
      }
    }
  }

  /** `INFO all`: the total and per-command counters (the INFO itself is counted by the next one). */
  async counters(): Promise<RedisCounters> {
    const text = await this.admin.info('all');
    const calls: Record<string, number> = {};
    for (const [, name, n] of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[name as string] = Number(n);
    const total = Number(/^total_commands_processed:(\d+)/m.exec(text)?.[1] ?? NaN);
    return { total, calls };
  }

  /**
   * Runs `work` with a MONITOR attached and counts the commands Redis executed meanwhile by source: a client (a round
   * trip) or a Lua script. The bench's own connections are left out. Redis sends MONITOR lines in execution order, so
   * once a marker sent after `work` has come through, every command before it has been counted.
   */
  async monitor<T>(work: () => Promise<T>): Promise<MonitorCount<T>> {
    const fromClients: Record<string, number> = {};
    const fromScripts: Record<string, number> = {};
    const marker = `bench-monitor-end-${randomUUID()}`;
    let seenMarker = false;
    const monitor = await this.admin.monitor();
    monitor.on('error', () => undefined);
    const own = new Set<string>();
    if (this.admin.stream?.localPort !== undefined) own.add(`127.0.0.1:${this.admin.stream.localPort}`);
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const name = (args[0] ?? '').toLowerCase();
      if (name === 'echo' && args[1] === marker) seenMarker = true;
      if (own.has(source)) return;
      const into = source === 'lua' ? fromScripts : fromClients;
      into[name] = (into[name] ?? 0) + 1;
    });
    try {
      const result = await work();
      await this.admin.echo(marker);
      for (const deadline = Date.now() + 5_000; !seenMarker;) {
        if (Date.now() > deadline) throw new Error('MONITOR: the end marker did not come through within 5 s');
        await sleep(10);
      }
      return { result, fromClients, fromScripts };
    } finally {
      monitor.disconnect();
    }
  }

  async stop(): Promise<void> {
    this.admin.disconnect();
    await this.child.stop();
    removeDir(this.dir);
  }
}
