/**
 * Standard output is written in batches (src/observability/logger.ts): nothing logged is lost or reordered when the
 * process exits, however it exits, and a line of a quiet moment still goes out soon, not when the batch fills.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number | null;
  lines: string[];
  stderr: string;
}

/** Runs `body` in a child process with `log` (createLogger to stdout) in scope. */
function child(body: string, opts: { killOnLine?: boolean } = {}): Promise<Run> {
  const script = `
    import { createLogger } from './src/observability/logger.ts';
    const log = createLogger({ level: 'info' });
    ${body}
  `;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    if (opts.killOnLine && chunk.includes('\n')) proc.kill('SIGKILL');
  });
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.on('close', (code) =>
      resolve({ code, lines: Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean), stderr }),
    );
  });
}

const indexes = (lines: string[]) => lines.map((line) => (JSON.parse(line) as { i: number }).i);

describe('the stdout logger', () => {
  it('writes every line logged before process.exit, in order', async () => {
    const run = await child(`for (let i = 0; i < 3000; i++) log.info({ i }, 'line'); process.exit(0);`);
    expect(run.code).toBe(0);
    expect(indexes(run.lines)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  }, 30_000);

  it('writes every line logged before an uncaught error ends the process', async () => {
    const run = await child(`for (let i = 0; i < 3000; i++) log.info({ i }, 'line'); throw new Error('boom');`);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('boom');
    expect(indexes(run.lines)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  }, 30_000);

  it('writes a line of a quiet moment without waiting for the batch to fill or the process to end', async () => {
    // The child logs one line and stays up; the parent kills it outright (no exit flush) once the line arrived.
    const run = await child(`log.info({ i: 0 }, 'line'); setInterval(() => {}, 1000);`, { killOnLine: true });
    expect(run.code).toBe(null);
    expect(indexes(run.lines)).toEqual([0]);
  }, 30_000);
});
