import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisCommand, requireRedisServer, startRedis, type RedisServer } from './redis.js';

/** True while a process with this pid exists (signal 0 probes without signalling). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return condition();
}

describe.skipIf(!requireRedisServer())('test helper: a real redis-server', () => {
  describe('without a password', () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(() => redis?.close());

    it('listens on a loopback port with its own directory and no persistence', async () => {
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      expect(redis.port).toBeGreaterThan(0);
      expect(existsSync(redis.dir)).toBe(true);
      expect(await redisCommand(redis.port, ['PING'])).toBe('PONG');
      expect(await redis.command('CONFIG', 'GET', 'dir')).toEqual(['dir', redis.dir]);
      expect(await redis.command('CONFIG', 'GET', 'save')).toEqual(['save', '']);
      expect(await redis.command('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'no']);
      expect(await redis.command('CONFIG', 'GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    });

    it('stops (connections refused, data gone) and starts again on the same port', async () => {
      expect(await redis.command('SET', 'k', 'v')).toBe('OK');
      const pid = redis.pid;
      expect(pid).toBeTypeOf('number');

      await redis.stop();
      expect(redis.running).toBe(false);
      expect(alive(pid!)).toBe(false);
      await expect(redisCommand(redis.port, ['PING'])).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await redis.stop(); // idempotent

      await redis.start();
      expect(redis.running).toBe(true);
      expect(redis.pid).not.toBe(pid);
      expect(await redisCommand(redis.port, ['PING'])).toBe('PONG');
      expect(await redis.command('GET', 'k')).toBeNull(); // no persistence: a restart starts empty
    });

    it('pauses (connections accepted, nothing answered) and resumes', async () => {
      redis.pause();
      await expect(redisCommand(redis.port, ['PING'], { timeoutMs: 300 })).rejects.toThrow(/no reply in 300 ms/);
      redis.resume();
      expect(await redisCommand(redis.port, ['PING'])).toBe('PONG');
    });
  });

  describe('with a password', () => {
    const password = 'p@ss:word/1';
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await startRedis({ password });
    });
    afterAll(() => redis?.close());

    it('refuses commands without it (NOAUTH) and with a wrong one (WRONGPASS)', async () => {
      expect(redis.url).toBe(`redis://:${encodeURIComponent(password)}@127.0.0.1:${redis.port}`);
      expect(new URL(redis.url).password).toBe(encodeURIComponent(password));
      await expect(redisCommand(redis.port, ['PING'])).rejects.toThrow(/^NOAUTH/);
      await expect(redisCommand(redis.port, ['PING'], { password: 'wrong' })).rejects.toThrow(/^WRONGPASS/);
      expect(await redisCommand(redis.port, ['PING'], { password })).toBe('PONG');
      expect(await redis.command('PING')).toBe('PONG');
    });

    it('keeps the password across a restart', async () => {
      await redis.stop({ signal: 'SIGTERM' });
      await redis.start();
      await expect(redisCommand(redis.port, ['PING'])).rejects.toThrow(/^NOAUTH/);
      expect(await redis.command('PING')).toBe('PONG');
    });
  });

  it('close() kills the server and removes its directory', async () => {
    const redis = await startRedis();
    const { pid, dir } = redis;
    await redis.close();
    expect(alive(pid!)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await redis.close(); // idempotent
    await expect(redis.start()).rejects.toThrow(/after close/);
  });

  // A test process that ends without close(): by process.exit (the exit hook) or by SIGKILL (no hook runs; the
  // kernel's parent-death signal, Linux with util-linux setpriv).
  const cases = [
    { how: 'exits', kills: 'process.exit(0)', skip: false },
    { how: 'is SIGKILLed', kills: "process.kill(process.pid, 'SIGKILL')", skip: process.platform !== 'linux' },
  ];
  for (const { how, kills, skip } of cases) {
    it.skipIf(skip)(`no server outlives a test process that ${how} without close()`, async () => {
      const helper = fileURLToPath(new URL('./redis.ts', import.meta.url));
      const script = [
        `const { startRedis } = await import(${JSON.stringify(helper)});`,
        'const redis = await startRedis();',
        'console.log(JSON.stringify({ pid: redis.pid, port: redis.port }));',
        kills,
      ].join('\n');
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      await new Promise((resolve) => child.once('exit', resolve));
      const { pid, port } = JSON.parse(out.trim()) as { pid: number; port: number };
      expect(pid).toBeTypeOf('number');
      expect(await waitUntil(() => !alive(pid))).toBe(true);
      await expect(redisCommand(port, ['PING'])).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    });
  }
});
