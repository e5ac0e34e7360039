/**
 * The facade as `npm start` runs it: the build (`dist/main.js`, made by the suite's global setup) with npm start's
 * node flags, in a process of its own, in sandbox mode unless `env` configures upstreams.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nodeCommandOf } from '../../bench/lib/node-command.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function spawnMain(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, nodeCommandOf(ROOT, 'start').args, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Starts it and waits for the banner's GraphQL URL; `output` is stdout and stderr so far. */
export async function startMain(
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawnMain(env);
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /GraphQL:\s+(http:\/\/\S+)\/graphql/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}:\n${output}`)));
  });
  return { child, url, output: () => output };
}

/** Runs it until it exits by itself (a start that fails), killed after 30 s. */
export function runMainToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawnMain(env);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', fail);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/**
 * Stops a started one as an orchestrator does (SIGTERM, then SIGKILL after 10 s) and resolves once it has exited, so
 * that its sandbox (simulators, key directory) is closed rather than left behind.
 */
export function stopMain(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}
