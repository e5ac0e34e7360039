/**
 * The simulators follow reference/upstream-apis.md on their own: they must not import the facade's logic to decide what
 * is valid, or they can never disagree with it. Every file under src/sandbox may import from src/sandbox, node: built-ins
 * and npm packages; from the rest of the repository only types (`import type`, `export type … from`), plus the
 * allow-list below, each entry with its reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SANDBOX_DIR = fileURLToPath(new URL('../../src/sandbox', import.meta.url));

/** Runtime imports from outside src/sandbox that are allowed, by file (relative to src/sandbox) and specifier. */
const ALLOWED: readonly { file: string; specifier: string; why: string }[] = [
  {
    file: 'caller-issuer.ts',
    specifier: '../auth/scopes.js',
    why:
      "The caller issuer is no upstream simulator: it stands in for the facade's own AUTH_ISSUER, whose scopes are " +
      "the facade's vocabulary by definition. CALLER_SCOPES is a list of scope names, no validation logic; a copy " +
      'could only drift.',
  },
];

interface RuntimeImport {
  specifier: string;
  line: number;
}

/**
 * The module specifiers `source` loads at run time: import and export-from declarations that are not type-only,
 * `import x = require(…)`, `import(…)` and `require(…)`. `import { type A } from` counts (with verbatimModuleSyntax it
 * still loads the module); `import type` and `export type … from` do not. A computed specifier is reported as `<computed>`.
 */
function runtimeImports(source: string, fileName = 'source.ts'): RuntimeImport[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: RuntimeImport[] = [];
  const add = (node: ts.Node, specifier: ts.Node | undefined): void => {
    const text = specifier && ts.isStringLiteralLike(specifier) ? specifier.text : '<computed>';
    found.push({ specifier: text, line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      if (!node.importClause?.isTypeOnly) add(node, node.moduleSpecifier);
    } else if (ts.isExportDeclaration(node)) {
      if (node.moduleSpecifier && !node.isTypeOnly) add(node, node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node)) {
      if (!node.isTypeOnly && ts.isExternalModuleReference(node.moduleReference)) {
        add(node, node.moduleReference.expression);
      }
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      if (isImport || isRequire) add(node, node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** True when `specifier`, imported by `fromFile`, resolves outside src/sandbox (node: built-ins and packages do not). */
function leavesSandbox(specifier: string, fromFile: string): boolean {
  if (specifier.startsWith('node:')) return false;
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const target = relative(SANDBOX_DIR, resolve(dirname(fromFile), specifier));
    return target.startsWith('..') || isAbsolute(target);
  }
  // A bare name is an npm package, unless it looks like a subpath import, a URL or could not be read.
  return /^(#|[a-z][a-z0-9+.-]*:|<computed>$)/i.test(specifier);
}

function sandboxFiles(): string[] {
  return readdirSync(SANDBOX_DIR, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .sort();
}

/** `file: specifier (line n)` for every runtime import leaving src/sandbox, allow-listed ones included. */
function importsLeavingSandbox(): { file: string; specifier: string; line: number }[] {
  return sandboxFiles().flatMap((file) => {
    const path = join(SANDBOX_DIR, file);
    return runtimeImports(readFileSync(path, 'utf8'), path)
      .filter((i) => leavesSandbox(i.specifier, path))
      .map((i) => ({ file, ...i }));
  });
}

const isAllowed = (i: { file: string; specifier: string }): boolean =>
  ALLOWED.some((a) => a.file === i.file && a.specifier === i.specifier);

describe('sandbox independence', () => {
  it('reads the simulators', () => {
    const files = sandboxFiles();
    for (const file of ['krr.ts', 'admin.ts', 'admin-validation.ts', 'admin-seed.ts', 'maskinporten.ts']) {
      expect(files).toContain(file);
    }
  });

  it('lets no sandbox file import from the rest of the repository at run time, except the allow-list', () => {
    const offending = importsLeavingSandbox()
      .filter((i) => !isAllowed(i))
      .map((i) => `src/sandbox/${i.file}:${i.line} imports '${i.specifier}'`);
    expect(
      offending,
      'the simulators must decide validity from reference/upstream-apis.md themselves: write the rule under ' +
        'src/sandbox (see norwegian-ids.ts, krr-time.ts), use `import type` for types, or allow-list it with a reason',
    ).toEqual([]);
  });

  it('keeps the allow-list current: every entry is still imported, and says why', () => {
    const used = importsLeavingSandbox();
    for (const entry of ALLOWED) {
      expect(entry.why.length, `${entry.file} ${entry.specifier}`).toBeGreaterThan(20);
      expect(
        used.some((i) => i.file === entry.file && i.specifier === entry.specifier),
        `stale allow-list entry: ${entry.file} no longer imports ${entry.specifier}`,
      ).toBe(true);
    }
  });

  it('tells runtime imports from type-only ones', () => {
    const source = [
      "import type { A } from '../a.js';",
      "import type B from '../b.js';",
      "export type { C } from '../c.js';",
      "import { type D } from '../d.js';",
      "import { e } from '../e.js';",
      "import * as f from '../f.js';",
      "import '../g.js';",
      "export { h } from '../h.js';",
      "export * from '../i.js';",
      "import j = require('../j.js');",
      "const k = await import('../k.js');",
      'const l = await import(somewhere);',
      "type M = typeof import('../m.js');",
      "const n = require('../n.js');",
    ].join('\n');
    expect(runtimeImports(source).map((i) => i.specifier)).toEqual([
      '../d.js',
      '../e.js',
      '../f.js',
      '../g.js',
      '../h.js',
      '../i.js',
      '../j.js',
      '../k.js',
      '<computed>',
      '../n.js',
    ]);
  });

  it('tells the sandbox from the rest of the repository', () => {
    const from = join(SANDBOX_DIR, 'krr.ts');
    expect(leavesSandbox('./krr-seed.js', from)).toBe(false);
    expect(leavesSandbox('./sub/dir.js', from)).toBe(false);
    expect(leavesSandbox('node:http', from)).toBe(false);
    expect(leavesSandbox('jose', from)).toBe(false);
    expect(leavesSandbox('@opentelemetry/api', from)).toBe(false);
    expect(leavesSandbox('../graphql/identifiers.js', from)).toBe(true);
    expect(leavesSandbox('../sandbox/krr-seed.js', from)).toBe(false);
    expect(leavesSandbox('../sandboxed/x.js', from)).toBe(true);
    expect(leavesSandbox('/etc/x.js', from)).toBe(true);
    expect(leavesSandbox('#internal/x.js', from)).toBe(true);
    expect(leavesSandbox('file:///work/main/src/krr/mapping.js', from)).toBe(true);
    expect(leavesSandbox('<computed>', from)).toBe(true);
  });
});
