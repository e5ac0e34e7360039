import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * A real `redis-server` (Debian package `redis-server`, installed by `.ci/run`) for one test file: its own loopback
 * port and temporary directory, no persistence, optionally a password. It can be stopped (an outage: the process is
 * killed, connections drop, new ones are refused) and started again on the same port.
 *
 *   describe.skipIf(!requireRedisServer())('…', () => {
 *     let redis: RedisServer;
 *     beforeAll(async () => { redis = await startRedis({ password: 's3cret' }); });
 *     afterAll(() => redis?.close());
 *     …  REDIS_URL: redis.url …  await redis.stop(); …  await redis.start(); …
 *   });
 *
 * Every server started here is killed when the test process ends, even when a test fails or `close()` is never
 * called: on `process.on('exit')`, and on Linux also by the kernel when the test process dies without running its exit
 * handlers (the server is started through util-linux `setpriv --pdeathsig SIGKILL` when that is available).
 *
 * Only `redis-server` is needed: readiness and the self-test speak RESP over `node:net`, no `redis-cli`.
 */

export const REDIS_PACKAGE = 'redis-server';

/** CI=true (and not "false"/"0"), as in `.ci/run`: a missing redis-server fails instead of skipping. */
const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

const START_TIMEOUT_MS = 10_000;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** `REDIS_SERVER_PATH`, else `redis-server` on PATH, else `/usr/bin/redis-server`; undefined when none exists. */
export function redisServerPath(): string | undefined {
  const override = process.env.REDIS_SERVER_PATH;
  if (override) return isExecutable(override) ? override : undefined;
  return findOnPath('redis-server') ?? (isExecutable('/usr/bin/redis-server') ? '/usr/bin/redis-server' : undefined);
}

let warned = false;

/**
 * True when redis-server is available. When it is missing: in CI (`CI` set) throws, naming the Debian package, so the
 * test file fails rather than silently skipping; elsewhere warns once and returns false, for
 * `describe.skipIf(!requireRedisServer())(…)`.
 */
export function requireRedisServer(): boolean {
  if (redisServerPath() !== undefined) return true;
  if (IN_CI) {
    throw new Error(
      `redis-server is not installed (Debian package ${REDIS_PACKAGE}: apt-get install -y ${REDIS_PACKAGE}); ` +
        'CI=true: the Redis tests may not be skipped',
    );
  }
  if (!warned) {
    warned = true;
    // eslint-disable-next-line no-console
    console.warn(`skipping: redis-server is not installed (Debian package ${REDIS_PACKAGE})`);
  }
  return false;
}

// --- Process tracking: nothing outlives the test process -------------------------------------------------------------

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killAllRedisServers);
  }
}

/** SIGKILLs every redis-server this process started and has not seen exit yet (synchronous; safe in an exit handler). */
export function killAllRedisServers(): void {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

const setprivPath = process.platform === 'linux' ? findOnPath('setpriv') : undefined;

// --- RESP over node:net ----------------------------------------------------------------------------------------------

export type RespValue = string | number | null | RespValue[];

/** An error reply (`-ERR …`, `-NOAUTH …`, `-WRONGPASS …`): the message is the reply's text. */
export class RedisReplyError extends Error {
  override name = 'RedisReplyError';
}

function encodeCommand(args: readonly string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(''));
}

/** Parses one reply at `offset`; undefined when the buffer does not yet hold all of it. */
function parseReply(buf: Buffer, offset: number): { value: RespValue | RedisReplyError; end: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[offset] ?? 0);
  const line = buf.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new RedisReplyError(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buf.length < next + length + 2) return undefined;
      return { value: buf.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, at);
        if (!item) return undefined;
        if (item.value instanceof RedisReplyError) return item;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}

export interface RedisCommandOptions {
  host?: string;
  /** Sent with AUTH on the same connection before the command. */
  password?: string;
  timeoutMs?: number;
}

/**
 * Sends one command on a fresh connection (after AUTH when a password is given) and resolves with its reply. Rejects
 * with a RedisReplyError on an error reply (e.g. `NOAUTH Authentication required.`), with the socket error (e.g.
 * ECONNREFUSED) when the server is down, or on timeout.
 */
export function redisCommand(
  port: number,
  args: readonly string[],
  opts: RedisCommandOptions = {},
): Promise<RespValue> {
  const commands = opts.password === undefined ? [args] : [['AUTH', opts.password], args];
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: opts.host ?? '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const replies: RespValue[] = [];
    let settled = false;
    const finish = (err: Error | undefined, value?: RespValue) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? null);
    };
    const timer = setTimeout(
      () => finish(new Error(`redis ${String(args[0])} on port ${port}: no reply in ${opts.timeoutMs ?? 2_000} ms`)),
      opts.timeoutMs ?? 2_000,
    );
    socket.on('connect', () => socket.write(Buffer.concat(commands.map(encodeCommand))));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        for (;;) {
          const reply = parseReply(buf, 0);
          if (!reply) return;
          buf = buf.subarray(reply.end);
          if (reply.value instanceof RedisReplyError) return finish(reply.value);
          replies.push(reply.value);
          if (replies.length === commands.length) return finish(undefined, replies[replies.length - 1]);
        }
      } catch (err) {
        finish(err as Error);
      }
    });
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(new Error(`redis ${String(args[0])} on port ${port}: connection closed`)));
  });
}

// --- The server ------------------------------------------------------------------------------------------------------

export interface StartRedisOptions {
  /** `--requirepass`: clients must AUTH with it (the URL then carries it). */
  password?: string;
  /** `--databases`: how many databases the server has (redis-server's default 16). */
  databases?: number;
}

export interface RedisServer {
  /** `redis://127.0.0.1:PORT`, or `redis://:PASSWORD@127.0.0.1:PORT` with a password (URL-encoded). */
  readonly url: string;
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly password: string | undefined;
  /** The server's own temporary directory (`--dir`), removed by close(). */
  readonly dir: string;
  /** The server process's pid while running, else undefined. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** The server's recent log output (stdout and stderr, last 64 KiB), for failure messages. */
  output(): string;
  /** One command on a fresh connection, authenticated with the server's password: `await redis.command('DBSIZE')`. */
  command(...args: string[]): Promise<RespValue>;
  /**
   * An outage: SIGKILL (default; SIGTERM for an orderly shutdown) and wait for the process to exit. Open connections
   * drop and new ones are refused until start().
   */
  stop(opts?: { signal?: 'SIGKILL' | 'SIGTERM' }): Promise<void>;
  /**
   * Starts the server again on the same port and directory; resolves once it answers PING. `databases`: with that many
   * from now on (a server reconfigured while the facade is connected).
   */
  start(opts?: { databases?: number }): Promise<void>;
  /**
   * Slowness: SIGSTOP. The kernel still accepts connections but nothing is answered until resume() (SIGCONT). A
   * paused server is still killed by stop(), close() and the exit hook.
   */
  pause(): void;
  resume(): void;
  /** stop() and remove the directory; idempotent. */
  close(): Promise<void>;
}

/** A free loopback port: bound to 0 by the OS, then released for the server to take. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a redis-server on a random free loopback port with its own temporary directory; resolves once it answers. */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisServer> {
  const serverPath = redisServerPath();
  if (serverPath === undefined) {
    throw new Error(
      `redis-server is not installed (Debian package ${REDIS_PACKAGE}: apt-get install -y ${REDIS_PACKAGE})`,
    );
  }
  const { password } = opts;
  let databases = opts.databases;
  const dir = mkdtempSync(join(tmpdir(), 'facade-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  let paused = false;
  let closed = false;

  const spawnServer = (): void => {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--supervised',
      'no',
      '--logfile',
      '',
      '--loglevel',
      'notice',
      ...(password === undefined ? [] : ['--requirepass', password]),
      ...(databases === undefined ? [] : ['--databases', String(databases)]),
    ];
    const [command, commandArgs] = setprivPath
      ? [setprivPath, ['--pdeathsig', 'SIGKILL', '--', serverPath, ...args]]
      : [serverPath, args];
    const proc = spawn(command, commandArgs, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const append = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-64 * 1024);
    };
    proc.stdout?.on('data', append);
    proc.stderr?.on('data', append);
    track(proc);
    exited = new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.once('error', (err) => {
        append(Buffer.from(`spawn failed: ${err.message}\n`));
        resolve();
      });
    });
    child = proc;
    paused = false;
  };

  const isRunning = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  /** Resolves once PING answers PONG; rejects when the process exits first or after START_TIMEOUT_MS. */
  const waitReady = async (): Promise<void> => {
    const proc = child;
    let gone = false;
    void exited.then(() => (gone = true));
    const deadline = Date.now() + START_TIMEOUT_MS;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (gone || proc === undefined) {
        throw new Error(`redis-server on port ${port} exited before answering PING:\n${output}`);
      }
      try {
        if ((await redisCommand(port, ['PING'], { password, timeoutMs: 1_000 })) === 'PONG') return;
      } catch (err) {
        lastError = err;
      }
      await sleep(25);
    }
    throw new Error(
      `redis-server on port ${port} did not answer PING in ${START_TIMEOUT_MS} ms (${String(lastError)}):\n${output}`,
    );
  };

  const stop = async ({ signal = 'SIGKILL' }: { signal?: 'SIGKILL' | 'SIGTERM' } = {}): Promise<void> => {
    if (!isRunning()) return;
    child?.kill(signal);
    // A stopped process acts on SIGTERM only once continued.
    if (paused && signal !== 'SIGKILL') child?.kill('SIGCONT');
    await exited;
    paused = false;
  };

  // The port is free when chosen but may be taken before the server binds it (another test file): then pick again.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    spawnServer();
    try {
      await waitReady();
      break;
    } catch (err) {
      await stop();
      const addressInUse = /address already in use/i.test(output);
      if (!addressInUse || attempt >= 5) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
      output = '';
    }
  }

  const server: RedisServer = {
    url:
      password === undefined
        ? `redis://127.0.0.1:${port}`
        : `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    password,
    dir,
    get pid() {
      return isRunning() ? child?.pid : undefined;
    },
    get running() {
      return isRunning();
    },
    output: () => output,
    command: (...args) => redisCommand(port, args, { password }),
    stop,
    async start(startOpts = {}) {
      if (closed) throw new Error('redis-server: start() after close()');
      if (isRunning()) return;
      if (startOpts.databases !== undefined) databases = startOpts.databases;
      spawnServer();
      try {
        await waitReady();
      } catch (err) {
        await stop();
        throw err;
      }
    },
    pause() {
      if (isRunning() && !paused) {
        child?.kill('SIGSTOP');
        paused = true;
      }
    },
    resume() {
      if (isRunning() && paused) {
        child?.kill('SIGCONT');
        paused = false;
      }
    },
    async close() {
      closed = true;
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}
