import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeCommandOf } from '../../bench/lib/node-command.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Starts the facade as `npm start` does (the build, sandbox mode, here on port 0) and waits for its GraphQL URL. */
async function startMain(): Promise<{ child: ReturnType<typeof spawn>; url: string; output: () => string }> {
  const child = spawn(process.execPath, nodeCommandOf(ROOT, 'start').args, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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

describe('npm start', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`serves, prints a caller token, and stops cleanly on ${signal}`, async () => {
      const { child, url, output } = await startMain();
      expect(output()).toMatch(/^TOKEN=[\w-]+\.[\w-]+\.[\w-]+$/m);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill(signal);
      expect(await exited).toBe(0);
      await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    }, 40_000);
  }
});
