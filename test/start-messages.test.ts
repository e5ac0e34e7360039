/**
 * What `npm start` says before it serves: the facade runs as `npm start` runs it, `dist/main.js` in a process of its
 * own (built by the suite's global setup), in sandbox mode. A start on a port that is taken ends with a message naming
 * the variable to change (exit code 2, as for any other misconfiguration), not Node's stack trace; the sandbox banner's
 * lines work when pasted.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOn, ListenError } from '../src/http/listen.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((done) => s.close(done))));
});

/** A port held by another listener on 127.0.0.1. */
async function busyPort(): Promise<number> {
  const holder = createServer();
  servers.push(holder);
  await listenOn(holder, 0, '127.0.0.1', 'TEST');
  return (holder.address() as { port: number }).port;
}

function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', SANDBOX: 'true', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', fail);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stderr, stdout });
    });
  });
}

describe('a port that is taken', () => {
  it('PORT: exit code 2 and one line that names PORT, the address and what to do', async () => {
    const port = await busyPort();
    const run = await runMain({ PORT: String(port) });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(
      `Invalid configuration: PORT: cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE). ` +
        'Stop what holds it, or set PORT to a free port.',
    );
    expect(run.stdout).not.toContain('Sandbox mode');
  }, 40_000);

  it('METRICS_PORT: named as such', async () => {
    const port = await busyPort();
    const run = await runMain({ PORT: '0', METRICS_PORT: String(port) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Invalid configuration: METRICS_PORT: cannot listen on 127.0.0.1:${port}`);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 40_000);

  it('listenOn: a ListenError with the code, and no error listener left behind once it listens', async () => {
    const server = createServer();
    servers.push(server);
    await listenOn(server, 0, '127.0.0.1', 'PORT');
    expect(server.listenerCount('error')).toBe(0);
    const port = (server.address() as { port: number }).port;
    const refused = await listenOn(createServer(), port, '127.0.0.1', 'PORT').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ListenError);
    expect(refused).toMatchObject({ variable: 'PORT', code: 'EADDRINUSE', address: `127.0.0.1:${port}` });
  });
});

describe('the sandbox banner', () => {
  it("prints a TOKEN= line and a Try line that answer as printed (the new user's first two pastes)", async () => {
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', SANDBOX: 'true', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      await new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`no banner in 30 s: ${stdout}`)), 30_000);
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (/^Try: [^\n]*\n[^\n]*\n/m.test(stdout)) {
            clearTimeout(timer);
            done();
          }
        });
        child.on('exit', (code) => fail(new Error(`exited with ${code}: ${stdout}`)));
      });
      const token = /^TOKEN=(\S+)$/m.exec(stdout)?.[1];
      const url = /^Try: curl -s (\S+) /m.exec(stdout)?.[1];
      const body = /^\s+-d '(.+)'$/m.exec(stdout)?.[1];
      expect(token && url && body).toBeTruthy();
      expect(stdout).toContain('-H "authorization: Bearer $TOKEN"');
      const res = await fetch(url as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body,
      });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { data?: { person?: { status?: string } }; errors?: unknown };
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.person?.status).toBe('ACTIVE');
    } finally {
      child.kill('SIGKILL');
    }
  }, 40_000);
});
