/**
 * The READMEs and docs/ point inside the repository only: every link is an anchor of the same file, a file of the
 * repository, or the facade on localhost; no path leaves the repository. Hosts such as Digdir's may be named as text
 * (in code spans), never linked.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READMES = [
  'README.md',
  ...readdirSync(join(ROOT, 'examples'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(ROOT, 'examples', e.name, 'README.md')))
    .map((e) => `examples/${e.name}/README.md`),
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Placeholder hosts (example.no as in the configuration examples, RFC 2606/6761 names): text, though GitHub links them. */
const PLACEHOLDER_HOST = /(^|\.)(example\.(no|com|org|net)|example|invalid|test)$/;

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function withoutFences(text: string): string {
  return text.replace(/^[ \t]*(```|~~~)[^\n]*\n[\s\S]*?^[ \t]*\1[^\n]*$/gm, '');
}

function inside(file: string, target: string): boolean {
  const path = relative(ROOT, resolve(dirname(join(ROOT, file)), target));
  return !path.startsWith('..') && !path.startsWith('/');
}

describe.each(READMES)('%s', (file) => {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const prose = withoutFences(text);
  const noCode = prose.replace(/`[^`\n]*`/g, '');
  const anchors = new Set([...prose.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1] as string)));

  it('links only to its own headings, files of the repository, or localhost', () => {
    const targets = [
      ...[...noCode.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] as string),
      ...[...noCode.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1] as string),
      ...[...noCode.matchAll(/<((?:https?|ftp):\/\/[^>\s]+)>/g)].map((m) => m[1] as string),
      // Bare URLs in prose: GitHub links them too, so only placeholders may stand there.
      ...[...noCode.replace(/<[^>\s]+>|\]\([^)]*\)/g, '').matchAll(/\bhttps?:\/\/[^\s)>\]|]+/g)]
        .map((m) => m[0])
        .filter((url) => !PLACEHOLDER_HOST.test(new URL(url).hostname)),
    ];
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
        const url = new URL(target);
        expect(LOCAL_HOSTS.has(url.hostname), `${target}: a link outside the repository`).toBe(true);
      } else if (target.startsWith('#')) {
        expect(anchors, `${target}: no such heading`).toContain(target.slice(1));
      } else {
        const path = decodeURIComponent(target.split('#')[0] as string);
        expect(inside(file, path), `${target} leaves the repository`).toBe(true);
        expect(existsSync(resolve(dirname(join(ROOT, file)), path)), `${target}: no such file`).toBe(true);
      }
    }
  });

  it('names no path outside the repository', () => {
    const relativePaths = [...prose.matchAll(/`(\.\.\/[^`\s]*)`/g)].map((m) => m[1] as string);
    for (const path of relativePaths) {
      // A pattern such as ../../schema/*.graphql: its directory must be in the repository.
      expect(inside(file, path.replace(/[*?].*$/, '')), `${path} leaves the repository`).toBe(true);
    }
  });
});
