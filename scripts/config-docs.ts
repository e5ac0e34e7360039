/**
 * `npm run config:docs` writes the README's configuration reference (between `<!-- config:start -->` and
 * `<!-- config:end -->`) and `.env.example` from the declarations in src/config-spec.ts; `-- --check` only reports
 * whether they are stale (exit 1). test/config-docs.test.ts fails when they are.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import {
  GROUPS,
  OTEL_VARIABLES,
  VARIABLES,
  type ExternalVariable,
  type Group,
  type Variable,
  type VariableName,
} from '../src/config-spec.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const README = `${ROOT}README.md`;
export const ENV_EXAMPLE = `${ROOT}.env.example`;
const START = '<!-- config:start -->';
const END = '<!-- config:end -->';
const SOURCE = 'src/config-spec.ts';

const OTEL_GROUP = {
  title: 'Tracing (OpenTelemetry)',
  intro:
    'Read by the OpenTelemetry SDK and src/observability/tracing.ts (see "Tracing"), not by the facade\'s ' +
    'configuration loader. Tracing is off unless `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_TRACES_EXPORTER` is set. ' +
    'The SDK also reads the other standard variables (`OTEL_BSP_*`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SPAN_*_LIMIT`, ' +
    '`OTEL_LOG_LEVEL`).',
};

/** One row of the reference, in Markdown (the `.env.example` strips the Markdown). */
interface Row {
  name: string;
  type: string;
  /** `—`: none (the meaning says what unset means). */
  default: string;
  /** The description, with the production rule. */
  meaning: string;
  /** Shown in the README when there is no default; `.env.example` shows it as the value. */
  example?: string;
  /** The value `.env.example` shows: the default, else the example; empty for a secret. */
  value: string;
}

const MiB = 1024 * 1024;
const code = (value: string | number | boolean) => `\`${String(value)}\``;
const human = (bytes: number) =>
  bytes % (1024 * MiB) === 0
    ? `${bytes / 1024 / MiB} GiB`
    : bytes % MiB === 0
      ? `${bytes / MiB} MiB`
      : bytes % 1024 === 0
        ? `${bytes / 1024} KiB`
        : `${bytes} bytes`;
/** `a or b`, `a, b or c` */
const either = (items: readonly string[]) =>
  items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;

function typeOf(spec: Variable): string {
  let type: string;
  switch (spec.type) {
    case 'integer': {
      const range = `${spec.min}–${spec.max}`;
      if (spec.unit === 'bytes') type = `bytes, ${range} (${human(spec.min)}–${human(spec.max)})`;
      else if (spec.unit) type = `${spec.unit === 'ms' ? 'milliseconds' : 'seconds'}, ${range}`;
      else type = `integer, ${range}`;
      break;
    }
    case 'boolean':
      type = either(['true', 'false'].map(code));
      break;
    case 'enum':
      type = either(spec.values.map(code));
      break;
    case 'list':
      type = `list of ${spec.item?.text ?? spec.shape ?? 'values'}`;
      break;
    case 'string':
      type = spec.format?.text ?? spec.shape ?? 'string';
      break;
  }
  return spec.secret ? `${type}; **secret**` : type;
}

function show(spec: Variable, value: Variable['default']): string {
  if (Array.isArray(value)) return value.length === 0 ? 'none' : code(value.join(','));
  if (spec.type === 'integer' && spec.unit === 'bytes' && typeof value === 'number') {
    return `${code(value)} (${human(value)})`;
  }
  return code(value as string | number | boolean);
}

function defaultOfRow(spec: Variable): string {
  if (spec.required) return '**required**';
  if (spec.default === undefined) return '—';
  const byMode = 'defaults' in spec ? spec.defaults : undefined;
  const modes = (['sandbox', 'production'] as const)
    .filter((mode) => byMode?.[mode] !== undefined)
    .map((mode) => `; ${mode}: ${show(spec, byMode?.[mode])}`);
  return show(spec, spec.default) + modes.join('');
}

function row(name: VariableName): Row {
  const spec: Variable = VARIABLES[name];
  const example = spec.default === undefined ? spec.example : undefined;
  const value = spec.default === undefined ? spec.example : [spec.default].flat().join(',');
  return {
    name,
    type: typeOf(spec),
    default: defaultOfRow(spec),
    meaning: spec.production ? `${spec.description}. **Production:** ${spec.production}` : spec.description,
    example: spec.secret ? undefined : example,
    value: spec.secret ? '' : String(value ?? ''),
  };
}

function externalRow(v: ExternalVariable): Row {
  return {
    name: v.name,
    type: v.secret ? `${v.shape}; **secret**` : v.shape,
    default: v.default ?? '—',
    meaning: v.description,
    example: v.secret || v.default !== undefined ? undefined : v.example,
    value: v.secret ? '' : (v.example ?? ''),
  };
}

/** The reference's sections in order: the facade's groups, then the variables the OpenTelemetry SDK reads. */
export function sections(): { title: string; intro?: string; rows: Row[] }[] {
  const names = Object.keys(VARIABLES) as VariableName[];
  return [
    ...(Object.keys(GROUPS) as Group[]).map((group) => ({
      title: GROUPS[group].title,
      rows: names.filter((name) => VARIABLES[name].group === group).map(row),
    })),
    { ...OTEL_GROUP, rows: OTEL_VARIABLES.map(externalRow) },
  ];
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The Markdown between the README's markers, before prettier. */
export function renderReference(): string {
  const lines = [
    `<!-- Generated from ${SOURCE} by \`npm run config:docs\`: edit the declarations there, not these tables. -->`,
    '',
    ...wrap(
      '**required**: outside the sandbox. Lists are comma- or space-separated. Integers, milliseconds, seconds and ' +
        'bytes are written in decimal digits (not `0x10`, `1e3` or `1000.0`). A **secret** is never repeated in ' +
        'an error message and is left empty in `.env.example`, which lists every variable with its default, grouped ' +
        'as here.',
      '',
    ),
  ];
  for (const section of sections()) {
    lines.push('', `### ${section.title}`, '');
    if (section.intro) lines.push(...wrap(section.intro, ''), '');
    lines.push('| variable | type | default | meaning |', '| --- | --- | --- | --- |');
    for (const r of section.rows) {
      const meaning = r.example === undefined ? r.meaning : `${r.meaning}; e.g. ${code(r.example)}`;
      lines.push(`| ${[code(r.name), r.type, r.default, meaning].map(cell).join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const plain = (markdown: string) => markdown.replace(/\*\*|`/g, '');
const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Words into lines of at most `width` characters, each starting with `prefix`. */
function wrap(text: string, prefix = '# ', width = 120): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = '';
    }
    line = line ? `${line} ${word}` : word;
  }
  lines.push(prefix + line);
  return lines;
}

export function renderEnvExample(): string {
  const lines = [
    '# Every environment variable of the Digdir GraphQL facade, grouped as in the README\'s "Configuration".',
    `# Generated from ${SOURCE} by \`npm run config:docs\`: edit the declarations there, not this file.`,
    '#',
    '# Every line is commented out, so copied as it is this file changes nothing: each variable then has its default,',
    '# and with none of the upstream variables set the facade starts in sandbox mode. Uncomment what you set.',
    '# "required" means required outside the sandbox. Secrets are left empty: never commit their values.',
  ];
  for (const section of sections()) {
    lines.push('', `# ---- ${section.title} ----`);
    if (section.intro) lines.push(...wrap(plain(section.intro)));
    for (const r of section.rows) {
      const unset =
        r.default === '—' ? 'no default' : r.default === '**required**' ? 'required' : `default ${r.default}`;
      lines.push('', ...wrap(plain(`${sentence(r.meaning)}.`)), ...wrap(plain(`${sentence(r.type)}; ${unset}.`)));
      lines.push(`# ${r.name}=${r.value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The README with its reference between the markers replaced, formatted as `prettier --check` wants it. */
export async function renderReadme(readme: string): Promise<string> {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${START} … ${END}`);
  const options = (await prettier.resolveConfig(README)) ?? {};
  const block = await prettier.format(renderReference(), { ...options, parser: 'markdown' });
  return `${readme.slice(0, start)}${START}\n${block}\n${readme.slice(end)}`;
}

/** The generated files that differ from what the declarations give, with their fresh content. */
export async function staleFiles(): Promise<{ file: string; fresh: string }[]> {
  const wanted = [
    { file: README, fresh: await renderReadme(readFileSync(README, 'utf8')) },
    { file: ENV_EXAMPLE, fresh: renderEnvExample() },
  ];
  const current = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  };
  return wanted.filter(({ file, fresh }) => current(file) !== fresh);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const stale = await staleFiles();
  const relative = (file: string) => file.slice(ROOT.length);
  if (process.argv.includes('--check')) {
    for (const { file } of stale) console.error(`${relative(file)} is stale: run \`npm run config:docs\``);
    process.exit(stale.length > 0 ? 1 : 0);
  }
  for (const { file, fresh } of stale) {
    writeFileSync(file, fresh);
    console.log(`config:docs: wrote ${relative(file)}`);
  }
  if (stale.length === 0) console.log('config:docs: README.md and .env.example are up to date');
}
