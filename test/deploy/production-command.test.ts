/**
 * The image and `npm run start:dist` start the facade the same way: the bench and the fuzz test run the npm scripts, so
 * what they measure holds for the image only while its CMD and environment match them.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeCommandOf } from '../../bench/lib/node-command.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The final stage of the Dockerfile: its CMD (exec form) and the variables its ENV instructions set. */
function finalStage(): { cmd: string[]; env: Record<string, string> } {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const stage = text.slice(text.lastIndexOf('\nFROM '));
  const instructions = stage.split('\n').filter((line) => !line.startsWith('#'));
  const cmd = instructions.filter((line) => line.startsWith('CMD ')).pop();
  if (!cmd) throw new Error('the Dockerfile has no CMD');
  const env: Record<string, string> = {};
  for (const line of instructions.filter((l) => l.startsWith('ENV '))) {
    for (const [, name, value] of line.slice(4).matchAll(/([A-Z_][A-Z0-9_]*)=(\S*)/g))
      env[name as string] = value as string;
  }
  return { cmd: JSON.parse(cmd.slice(4)) as string[], env };
}

describe('the production command', () => {
  const image = finalStage();
  const dist = nodeCommandOf(ROOT, 'start:dist');

  it('the image runs node with the flags and entry of npm run start:dist', () => {
    expect(image.cmd).toEqual(['node', ...dist.args]);
  });

  it('the image sets the variables npm run start:dist sets, and no others but its own configuration', () => {
    const { NODE_ENV, PORT, ...runtime } = image.env;
    expect(NODE_ENV).toBe('production');
    expect(PORT).toBeDefined();
    expect(runtime).toEqual(dist.env);
  });

  it('npm start builds first, then runs the build exactly as npm run start:dist does', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prestart).toBe('npm run build');
    expect(pkg.scripts.build).toBe('tsx scripts/build.ts');
    const start = nodeCommandOf(ROOT, 'start');
    expect(start.args).toEqual(dist.args);
    // The quick start's command sets no variable, so that it runs in every shell npm uses (cmd.exe cannot prefix one);
    // the production process's own (MALLOC_ARENA_MAX) only lowers its memory.
    expect(start.env).toEqual({});
  });

  it("keeps V8 from recompiling undici's WebAssembly HTTP parser with TurboFan (its compile held 25-40 MB of malloc)", () => {
    // Upstream answers are parsed by llhttp compiled to WebAssembly; a few hundred calls make it hot. The peak of V8's
    // malloc'd memory is the compiler's: with the production flags it stays small, without --liftoff-only it does not
    // (the control shows that this measure sees the difference on the running Node).
    const flags = dist.args.slice(0, -1);
    const script = `
      const http = require('node:http'); const v8 = require('node:v8'); const { Pool } = require('undici');
      const server = http.createServer((req, res) => res.end('{}')).listen(0, '127.0.0.1', async () => {
        const pool = new Pool('http://127.0.0.1:' + server.address().port);
        for (let i = 0; i < 300; i++) await (await pool.request({ path: '/', method: 'GET' })).body.text();
        // The recompile runs on a background thread: on a busy machine give it time (until the peak passes UNTIL_MB,
        // or WAIT_MS). CI once read the control at 12.5 MB mid-compile when it stopped at the production bound.
        const peak = () => v8.getHeapStatistics().peak_malloced_memory;
        const enough = Number(process.env.UNTIL_MB) * 2 ** 20;
        for (const until = Date.now() + Number(process.env.WAIT_MS); Date.now() < until && peak() < enough; )
          await new Promise((resolve) => setTimeout(resolve, 50));
        process.stdout.write(String(peak()));
        process.exit(0);
      });`;
    const peakMb = (nodeFlags: string[], waitMs: number, untilMb: number) => {
      const env = { ...process.env, WAIT_MS: String(waitMs), UNTIL_MB: String(untilMb) };
      const options = { cwd: ROOT, encoding: 'utf8' as const, env, timeout: 20_000 };
      const run = spawnSync(process.execPath, [...nodeFlags, '-e', script], options);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      return Number(run.stdout) / 1024 / 1024;
    };
    expect(flags).toContain('--liftoff-only');
    const production = peakMb(flags, 1000, 12);
    const withTurboFan = peakMb(
      flags.filter((flag) => flag !== '--liftoff-only'),
      10_000,
      production + 12,
    );
    expect(production).toBeLessThan(12);
    expect(withTurboFan).toBeGreaterThan(production + 10);
  });

  it("copies each local (file:) dependency's folder before every npm ci and into the final image", () => {
    // npm links a `file:` dependency to its folder: without the folder `npm ci` fails, and the image's link dangles.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const folders = Object.values(pkg.dependencies)
      .filter((spec) => spec.startsWith('file:'))
      .map((spec) => spec.slice('file:'.length).replace(/\/$/, ''));
    expect(folders).toEqual(['vendor/apollo-utils-createhash']);
    const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const stages = text.split(/\nFROM /).slice(1);
    expect(stages).toHaveLength(3);
    const copies = (stage: string) =>
      stage
        .split('\n')
        .filter((line) => line.startsWith('COPY '))
        .map((line) => line.replace(/--\S+ /g, '').split(' ')[1] as string);
    const copied = (stage: string, folder: string) =>
      copies(stage).some((source) => folder === source || folder.startsWith(`${source.replace(/^\/app\//, '')}/`));
    for (const stage of stages) {
      const npmCi = stage.indexOf('RUN npm ci');
      if (npmCi < 0) continue;
      for (const folder of folders) expect(copied(stage.slice(0, npmCi), folder), `${folder} before npm ci`).toBe(true);
    }
    for (const folder of folders) expect(copied(stages[2] as string, folder), `${folder} in the image`).toBe(true);
  });

  it('the build (npm start) without the dev dependencies says what to do instead of "tsc: not found"', () => {
    // The build script where no node_modules holds TypeScript (tsx itself still comes from the repository).
    const dir = mkdtempSync(join(tmpdir(), 'prestart-'));
    try {
      copyFileSync(join(ROOT, 'scripts/build.ts'), join(dir, 'build.ts'));
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(dir, 'build.ts')], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('needs TypeScript, a dev dependency, which is not installed: run `npm ci`');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
