/**
 * What every replica loads at start: the modules `src/main.ts` reaches through static imports (`import … from`,
 * `export … from`; not `import type`, not `import()`). Modules only some deployments need are loaded with `import()`
 * where they are needed, because V8 lets the old generation grow to three times what it keeps before it collects
 * (`--heap-growing-percent=200`), so every MB kept for nothing is up to three at the peak (docs/benchmarks.md). This
 * fails when a static import brings one of them back.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The static, value-level import specifiers of one source file. */
function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      if (statement.importClause?.isTypeOnly) continue;
      specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && !statement.isTypeOnly) {
      specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return specifiers;
}

/** Every src/ file and every package specifier reachable from `entry` through static imports. */
function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of staticImports(file)) {
      if (!specifier.startsWith('.')) {
        packages.add(specifier);
        continue;
      }
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
      if (!existsSync(target)) throw new Error(`${relative(ROOT, file)}: cannot resolve ${specifier}`);
      visit(target);
    }
  };
  visit(entry);
  return { files: new Set([...files].map((f) => relative(ROOT, f))), packages };
}

describe('what a replica loads at start (static imports from src/main.ts)', () => {
  const { files, packages } = reachable(join(ROOT, 'src/main.ts'));

  it('reaches the app, and walks what it should', () => {
    expect(files).toContain('src/app.ts');
    expect(files).toContain('src/upstream/http-client.ts');
    expect(packages).toContain('@apollo/server');
  });

  it('loads no simulator, nor the sandbox guide that reads their seeds (sandbox mode imports them when it starts)', () => {
    expect([...files].filter((f) => f.startsWith('src/sandbox/') || f === 'src/http/sandbox-guide.ts')).toEqual([]);
  });

  it('loads neither node-forge (keystores only), ioredis nor rate-limiter-flexible (REDIS_URL only)', () => {
    expect([...packages].filter((p) => /^(node-forge|ioredis|rate-limiter-flexible)(\/|$)/.test(p))).toEqual([]);
  });

  it("loads undici's parts, not its index (src/upstream/undici-parts.ts)", () => {
    expect([...packages].filter((p) => p === 'undici')).toEqual([]);
  });

  it('takes node:http through require, not import (src/http/node-http.ts)', () => {
    expect([...packages].filter((p) => /^(node:)?http$/.test(p))).toEqual([]);
  });
});

/**
 * Node 24's `node:http` has lazy getters (`WebSocket`, `CloseEvent`, `MessageEvent`) that load Node's own bundled copy
 * of undici, and an ESM import reads every export of a builtin to build its namespace: code a replica never uses, 3 MB
 * of its RSS (src/http/node-http.ts). Node 20 has no such getters; the check is the same on both (CI runs Node 24 too).
 */
describe("what a replica's start runs (the build, in a fresh node)", () => {
  it("loads the app without Node's bundled undici", () => {
    const app = pathToFileURL(join(ROOT, 'dist/app.js')).href;
    const script =
      `await import(${JSON.stringify(app)});` +
      "console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.includes('undici'))));";
    const loaded = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(JSON.parse(loaded.trim().split('\n').pop() as string)).toEqual([]);
  });
});
