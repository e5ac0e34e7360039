/**
 * Once before the test files: the production build (`npm run build`, incremental: a few seconds when nothing changed),
 * so the tests that start the facade as `npm start` does run what it runs, `dist/main.js`, built from the code under
 * test rather than left over from an earlier checkout.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  } catch (err) {
    const output = (err as { stdout?: Buffer }).stdout?.toString('utf8') ?? String(err);
    throw new Error(`npm run build failed, so dist/ cannot be tested:\n${output}`);
  }
}
