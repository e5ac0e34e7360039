import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** How an npm script starts node: the variables it sets first, then node's arguments (flags, then the entry). */
export interface NodeCommand {
  env: Record<string, string>;
  args: string[];
}

/**
 * The command of an npm script of the form `[NAME=value …] node --flags… entry`, so the bench and the tests that run
 * the facade as production does start it exactly as `npm start` / `npm run start:dist` (and the Dockerfile) do, heap
 * flags and any variable the script sets included.
 */
export function nodeCommandOf(root: string, script: string): NodeCommand {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const words = (pkg.scripts?.[script] ?? '').trim().split(/\s+/);
  const env: Record<string, string> = {};
  for (let word = words[0]; word !== undefined && /^[A-Z_][A-Z0-9_]*=\S*$/.test(word); word = words[0]) {
    const at = word.indexOf('=');
    env[word.slice(0, at)] = word.slice(at + 1);
    words.shift();
  }
  const [command, ...args] = words;
  if (command !== 'node' || args.length === 0) {
    throw new Error(`package.json script "${script}" must be "[NAME=value …] node …"`);
  }
  return { env, args };
}
