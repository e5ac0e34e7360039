import { describe, expect, it } from 'vitest';
import { startMain } from '../helpers/main-process.js';

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
