/**
 * Child processes of the benchmark: the sandbox simulators (`src/sandbox/main.ts`), facades (`src/main.ts`) and
 * `redis-server`, each in its own process so they never share the load generator's CPU. Every child is registered and
 * killed by its pid on exit, Ctrl-C or failure; on Linux it is also started through util-linux `setpriv --pdeathsig
 * SIGKILL` (where installed), so the kernel kills it should the bench itself die without running its exit handlers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const OUTPUT_LINES_KEPT = 200;

export class Child {
  readonly output: string[] = [];
  private exited = false;
  private readonly exitPromise: Promise<void>;

  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    this.exitPromise = new Promise((resolve) => {
      proc.once('exit', () => {
        this.exited = true;
        resolve();
      });
    });
    for (const stream of [proc.stdout, proc.stderr]) {
      stream?.setEncoding('utf8');
      let partial = '';
      stream?.on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          this.output.push(line);
          if (this.output.length > OUTPUT_LINES_KEPT) this.output.shift();
          for (const listener of this.lineListeners) listener(line);
        }
      });
    }
  }

  private readonly lineListeners = new Set<(line: string) => void>();

  get pid(): number {
    if (this.proc.pid === undefined) throw new Error(`${this.name} has no pid`);
    return this.proc.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Resolves with the first output line `match` accepts; rejects when the process exits first or on timeout. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const existing = this.output.find(match);
      if (existing !== undefined) return resolve(existing);
      const timer = setTimeout(
        () => finish(new Error(`${this.name}: no ready line within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const listener = (line: string) => {
        if (match(line)) finish(undefined, line);
      };
      const onExit = () => finish(new Error(`${this.name} exited before it was ready`));
      const finish = (err?: Error, line?: string) => {
        clearTimeout(timer);
        this.lineListeners.delete(listener);
        this.proc.off('exit', onExit);
        if (err) reject(new Error(`${err.message}\n${this.tail()}`));
        else resolve(line ?? '');
      };
      this.lineListeners.add(listener);
      this.proc.once('exit', onExit);
    });
  }

  tail(lines = 20): string {
    return this.output
      .slice(-lines)
      .map((l) => `  [${this.name}] ${l}`)
      .join('\n');
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 3_000): Promise<void> {
    if (this.exited) return;
    this.proc.kill('SIGTERM');
    const timedOut = await Promise.race([this.exitPromise.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut && !this.exited) {
      this.proc.kill('SIGKILL');
      await this.exitPromise;
    }
  }
}

const children = new Set<Child>();

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `name` on PATH, else undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The first of `paths` that is an executable file. */
export function firstExecutable(...paths: (string | undefined)[]): string | undefined {
  return paths.find((p): p is string => p !== undefined && isExecutable(p));
}

const setprivPath = process.platform === 'linux' ? findOnPath('setpriv') : undefined;

/**
 * Starts `command <args>`, output piped, registered for {@link stopAll} / {@link killAllSync}. Through `setpriv
 * --pdeathsig SIGKILL` where available: setpriv execs the command, so the pid (and /proc/<pid>) is the command's own.
 */
export function spawnChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Child {
  const [file, argv] = setprivPath
    ? [setprivPath, ['--pdeathsig', 'SIGKILL', '--', command, ...args]]
    : [command, args];
  const proc = spawn(file, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const child = new Child(name, proc);
  children.add(child);
  proc.once('exit', () => children.delete(child));
  // A failed spawn (ENOENT, EACCES) emits 'error' and never 'exit': report it as an exit, so waits end at once.
  proc.on('error', (err) => {
    child.output.push(`error: ${err.message}`);
    if (proc.pid === undefined) proc.emit('exit', null, null);
  });
  return child;
}

/** Starts `node <args>` in the repository root (tsx as an ESM loader where asked), output piped. */
export function spawnNode(name: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Child {
  return spawnChild(name, process.execPath, args, env, cwd);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => c.stop()));
}

/** Last resort on `process.exit`: synchronous SIGKILL of whatever is left, by pid. */
export function killAllSync(): void {
  for (const child of children) {
    if (child.running && child.proc.pid !== undefined) {
      try {
        process.kill(child.proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** A free loopback port: listen on port 0, read it, close (the facade then binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `VmRSS` or `VmHWM` of a process in MB (1e6 bytes), undefined where /proc is unavailable. */
export function procMemoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match ? (Number(match[1]) * 1024) / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

/** Polls VmRSS every `intervalMs` until stopped; returns the peak seen (MB). */
export function sampleRss(pid: number, intervalMs = 100): { stop(): number | undefined } {
  let peak: number | undefined;
  const poll = () => {
    const rss = procMemoryMb(pid, 'VmRSS');
    if (rss !== undefined && (peak === undefined || rss > peak)) peak = rss;
  };
  poll();
  const timer = setInterval(poll, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      poll();
      return peak;
    },
  };
}

/** Polls `url` until it answers 200 (or the child exits / time runs out). */
export async function waitForHttp200(url: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!child.running) throw new Error(`${child.name} exited during start\n${child.tail()}`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${child.name}: ${url} not ready within ${timeoutMs} ms\n${child.tail()}`);
    await sleep(100);
  }
}

/** /proc/<pid>/stat counts CPU time in USER_HZ ticks: 100 per second on Linux. */
export const USER_HZ = 100;

/** CPU time (user + system, clock ticks) a process has used, undefined where /proc is unavailable. */
export function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * Waits until the processes are idle: within one `quietMs` window each used at most `maxTicks` clock ticks of CPU and
 * `progress` (e.g. a completed-requests counter) did not change. A load generator that stops abandons requests the
 * server still works on; without this they would run into the next scenario. Returns the milliseconds waited.
 */
export async function waitForIdle(
  pids: number[],
  opts: { progress?: () => Promise<number>; quietMs?: number; maxTicks?: number; maxMs?: number } = {},
): Promise<number> {
  const quietMs = opts.quietMs ?? 250;
  const maxTicks = opts.maxTicks ?? 2;
  const started = Date.now();
  const sample = async () => ({ ticks: pids.map(cpuTicks), progress: await opts.progress?.() });
  let previous = await sample();
  while (Date.now() - started < (opts.maxMs ?? 60_000)) {
    await sleep(quietMs);
    const current = await sample();
    const cpuQuiet = current.ticks.every((t, i) => {
      const before = previous.ticks[i];
      return t === undefined || before === undefined || t - before <= maxTicks;
    });
    if (cpuQuiet && current.progress === previous.progress) break;
    previous = current;
  }
  return Date.now() - started;
}

/**
 * Runs a benchmark's `main`: exit 0 when it resolves, 1 (children stopped) when it rejects; SIGINT or SIGTERM stop the
 * child processes and exit 130; whatever is left is killed on exit.
 */
export function runMain(main: () => Promise<void>, log: (message: string) => void): void {
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      log(`${signal}: stopping the child processes`);
      void stopAll().finally(() => process.exit(130));
    });
  }
  process.on('exit', killAllSync);
  main().then(
    () => process.exit(0),
    async (err: unknown) => {
      console.error(err);
      await stopAll();
      process.exit(1);
    },
  );
}
