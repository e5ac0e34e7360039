import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type * as AdminModule from '../../src/sandbox/admin.js';
import type * as CallerIssuerModule from '../../src/sandbox/caller-issuer.js';
import type * as KrrModule from '../../src/sandbox/krr.js';
import type * as MaskinportenModule from '../../src/sandbox/maskinporten.js';

/** The URLs of the simulators a start opened, whatever became of the start. */
const opened: string[] = [];
let failKrr = false;

/** `start`, with the URL of whatever it starts added to `opened`. */
function recording<A extends unknown[], T extends { url: string }>(start: (...args: A) => Promise<T>) {
  return async (...args: A): Promise<T> => {
    const started = await start(...args);
    opened.push(started.url);
    return started;
  };
}

vi.mock('../../src/sandbox/caller-issuer.js', async (original) => {
  const real = await original<typeof CallerIssuerModule>();
  return { ...real, startCallerIssuer: recording(real.startCallerIssuer) };
});
vi.mock('../../src/sandbox/maskinporten.js', async (original) => {
  const real = await original<typeof MaskinportenModule>();
  return { ...real, startMaskinportenSimulator: recording(real.startMaskinportenSimulator) };
});
vi.mock('../../src/sandbox/admin.js', async (original) => {
  const real = await original<typeof AdminModule>();
  return { ...real, startAdminSimulator: recording(real.startAdminSimulator) };
});
vi.mock('../../src/sandbox/krr.js', async (original) => {
  const real = await original<typeof KrrModule>();
  const start: typeof real.startKrrSimulator = (...args) =>
    failKrr ? Promise.reject(new Error('KRR simulator could not listen')) : real.startKrrSimulator(...args);
  return { ...real, startKrrSimulator: recording(start) };
});

const { startSandbox } = await import('../../src/sandbox/index.js');

// A temporary directory of this file's own (os.tmpdir() reads TMPDIR when called): other test files, run at the same
// time, start and remove sandboxes of their own.
const ownTmp = mkdtempSync(join(tmpdir(), 'start-failure-'));
process.env.TMPDIR = ownTmp;
afterAll(() => rmSync(ownTmp, { recursive: true, force: true }));
const sandboxDirs = async () => (await readdir(tmpdir())).filter((name) => name.startsWith('facade-sandbox-'));

/** Whether anything still answers at `url` (a closed server refuses the connection). */
async function listening(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

describe('startSandbox', () => {
  afterEach(() => {
    opened.length = 0;
    failKrr = false;
  });

  it('closes every simulator it started and removes its directory when a later simulator fails to start', async () => {
    const before = await sandboxDirs();
    failKrr = true;
    await expect(startSandbox()).rejects.toThrow('KRR simulator could not listen');
    // The caller issuer, the Maskinporten simulator and the admin simulator were up before KRR's failed.
    expect(opened).toHaveLength(3);
    for (const url of opened) expect(await listening(url), url).toBe(false);
    expect(await sandboxDirs()).toEqual(before);
  });

  it('closes the same simulators and removes the directory on close()', async () => {
    const before = await sandboxDirs();
    const sandbox = await startSandbox();
    expect(opened).toHaveLength(4);
    for (const url of opened) expect(await listening(url), url).toBe(true);
    expect((await sandboxDirs()).length).toBe(before.length + 1);
    await sandbox.close();
    for (const url of opened) expect(await listening(url), url).toBe(false);
    expect(await sandboxDirs()).toEqual(before);
  });
});
