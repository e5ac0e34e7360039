/**
 * `npm run build`, also `npm start`'s first step (`prestart`) and the test suite's: compiles `src/` to `dist/` with
 * tsconfig.build.json (incremental: 2–3 s when nothing changed), so that `npm start` runs what the image runs. Without
 * the dev dependencies (`npm ci --omit=dev`) there is no compiler, and it says what to do instead of the shell's
 * "tsc: not found".
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs tsc on tsconfig.build.json (its output shown, or returned on failure); undefined when it compiled. */
export function buildDist(output: 'show' | 'keep'): string | undefined {
  let tsc: string;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    return (
      'The build (and so npm start) needs TypeScript, a dev dependency, which is not installed: run `npm ci`, not ' +
      '`npm ci --omit=dev`; or run a build made elsewhere with `npm run start:dist`, as the image does.'
    );
  }
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: output === 'show' ? 'inherit' : 'pipe',
    encoding: 'utf8',
  });
  if (run.status === 0) return undefined;
  return output === 'show' ? 'The build failed (above).' : `The build failed:\n${run.stdout}${run.stderr}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const problem = buildDist('show');
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
}
