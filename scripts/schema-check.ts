/**
 * Schema evolution guard. `npm run schema:check` compares schema/ with the last released schema
 * (schema/released/schema.graphql). A breaking change (graphql-js `findBreakingChanges`: a removed field, a newly
 * required argument, …) passes only when CHANGELOG.md's `## [Unreleased]` section announces it in a `### Breaking`
 * subsection naming its schema coordinate (`Person.languageUpdatedAt`, `Query.persons(why:)`, `@requiresScopes`); a
 * dangerous change (`findDangerousChanges`: an enum value or optional argument added, a default changed) passes when
 * the Unreleased section names its coordinate anywhere (`### Added`, `### Changed`, …). Otherwise the check fails and
 * prints the entries it expects. With no breaking or dangerous change the changelog is not read.
 * `npm run schema:release` records the current schema as released. Part of `npm test`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  buildSchema,
  findBreakingChanges,
  findDangerousChanges,
  lexicographicSortSchema,
  printSchema,
  type BreakingChange,
  type DangerousChange,
} from 'graphql';
import { loadTypeDefs } from '../src/graphql/schema.js';

export const RELEASED_SCHEMA = fileURLToPath(new URL('../schema/released/schema.graphql', import.meta.url));
export const CHANGELOG = fileURLToPath(new URL('../CHANGELOG.md', import.meta.url));

export function currentSchemaSdl(): string {
  return printSchema(lexicographicSortSchema(buildSchema(loadTypeDefs().join('\n'))));
}

export function compareSchemas(releasedSdl: string, currentSdl: string) {
  const released = buildSchema(releasedSdl);
  const current = buildSchema(currentSdl);
  return { breaking: findBreakingChanges(released, current), dangerous: findDangerousChanges(released, current) };
}

const NAME = '[_A-Za-z][_0-9A-Za-z]*';
const FIELD = `${NAME}\\.${NAME}`;

/** How each kind of change names what it changed, from graphql-js's descriptions: pattern → schema coordinate. */
const COORDINATES: Array<[RegExp, (m: RegExpMatchArray) => string]> = [
  // Directives first: their descriptions look like a type's ("X was removed.").
  [new RegExp(`^A required arg (${NAME}) on directive (${NAME}) was added`), (m) => `@${m[2]}(${m[1]}:)`],
  [new RegExp(`^Repeatable flag was removed from (${NAME})`), (m) => `@${m[1]}`],
  // Arguments of fields: Type.field(arg:).
  [new RegExp(`^(${FIELD}) arg (${NAME}) `), (m) => `${m[1]}(${m[2]}:)`],
  [new RegExp(`^An? (?:required|optional) arg (${NAME}) on (${FIELD}) was added`), (m) => `${m[2]}(${m[1]}:)`],
  // Fields, input fields, enum values: Type.member.
  [
    new RegExp(`^An? (?:required|optional) field (${NAME}) on input type (${NAME}) was added`),
    (m) => `${m[2]}.${m[1]}`,
  ],
  [new RegExp(`^(${NAME}) was (?:added to|removed from) enum type (${NAME})`), (m) => `${m[2]}.${m[1]}`],
  [new RegExp(`^(${FIELD}) (?:was removed|changed type)`), (m) => m[1] as string],
  // Types.
  [new RegExp(`^(${NAME}) was (?:added to|removed from) union type (${NAME})`), (m) => m[2] as string],
  [new RegExp(`^(${NAME}) added to interfaces implemented by (${NAME})`), (m) => m[2] as string],
  [new RegExp(`^(${NAME}) no longer implements interface`), (m) => m[1] as string],
  [new RegExp(`^(?:Standard scalar )?(${NAME}) (?:was removed|changed from)`), (m) => m[1] as string],
];

/**
 * The schema coordinate a change is about (https://spec.graphql.org/ schema coordinates: `Type`, `Type.field`,
 * `Type.field(arg:)`, `@directive`, `@directive(arg:)`), which the changelog must name. A directive's own changes are
 * told apart by their type; an unknown description is its own coordinate.
 */
export function coordinateOf(change: BreakingChange | DangerousChange): string {
  const { type, description } = change;
  if (type === 'DIRECTIVE_REMOVED') return `@${description.replace(/ was removed\.$/, '')}`;
  if (type === 'DIRECTIVE_ARG_REMOVED' || type === 'DIRECTIVE_LOCATION_REMOVED') {
    const m = new RegExp(`^(${NAME}) was removed from (${NAME})`).exec(description);
    if (m) return type === 'DIRECTIVE_ARG_REMOVED' ? `@${m[2]}(${m[1]}:)` : `@${m[2]}`;
  }
  for (const [pattern, coordinate] of COORDINATES) {
    const m = description.match(pattern);
    if (m) return coordinate(m);
  }
  return description;
}

/** The text of `## [Unreleased]` (or `## Unreleased`) up to the next `## ` heading; undefined when there is none. */
export function unreleasedSection(changelog: string): string | undefined {
  const start = /^## \[?Unreleased\]?[^\n]*$/im.exec(changelog);
  if (!start) return undefined;
  const rest = changelog.slice(start.index + start[0].length);
  const end = /^## /m.exec(rest);
  return end ? rest.slice(0, end.index) : rest;
}

/** The `### Breaking…` subsections (`### Breaking`, `### Breaking changes`, `### ⚠ BREAKING CHANGES`) of a section. */
export function breakingSubsections(section: string): string {
  const parts = section.split(/^(?=#{2,3} )/m);
  return parts.filter((part) => /^### [^\n]*\bbreaking\b/i.test(part)).join('\n');
}

/** Whether `text` names `coordinate` as a whole (`Person.email` is not named by `Person.emailVerified`). */
export function names(text: string, coordinate: string): boolean {
  const escaped = coordinate.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w.@])${escaped}(?![\\w])`).test(text);
}

export interface SchemaCheckResult {
  ok: boolean;
  breaking: readonly BreakingChange[];
  dangerous: readonly DangerousChange[];
  /** Changes the changelog does not announce as it should, with the coordinate it must name. */
  unannounced: Array<{ kind: 'breaking' | 'dangerous'; change: BreakingChange | DangerousChange; coordinate: string }>;
  /** What to tell the developer, one line per entry (empty when there is nothing to say). */
  messages: string[];
}

/**
 * The whole check: the changes between the released and current schema, and whether the changelog's Unreleased
 * section announces each breaking change under `### Breaking` and names each dangerous change. `changelog` is the
 * text of CHANGELOG.md, or undefined when it does not exist.
 */
export function checkSchema(releasedSdl: string, currentSdl: string, changelog: string | undefined): SchemaCheckResult {
  const { breaking, dangerous } = compareSchemas(releasedSdl, currentSdl);
  const unreleased = changelog === undefined ? undefined : unreleasedSection(changelog);
  const breakingText = unreleased === undefined ? '' : breakingSubsections(unreleased);
  const unannounced: SchemaCheckResult['unannounced'] = [];
  for (const change of breaking) {
    const coordinate = coordinateOf(change);
    if (!names(breakingText, coordinate)) unannounced.push({ kind: 'breaking', change, coordinate });
  }
  for (const change of dangerous) {
    const coordinate = coordinateOf(change);
    if (!names(unreleased ?? '', coordinate)) unannounced.push({ kind: 'dangerous', change, coordinate });
  }

  const messages: string[] = [];
  for (const change of breaking) messages.push(`BREAKING: ${change.type}: ${change.description}`);
  for (const change of dangerous) messages.push(`dangerous: ${change.type}: ${change.description}`);
  if (unannounced.length > 0) {
    const where =
      changelog === undefined
        ? 'CHANGELOG.md does not exist'
        : unreleased === undefined
          ? 'CHANGELOG.md has no "## [Unreleased]" section'
          : 'CHANGELOG.md\'s "## [Unreleased]" section does not announce them';
    const lines = [
      '',
      `${unannounced.length} schema change(s) against schema/released/schema.graphql are not in the changelog (${where}).`,
      'Consumers learn of a breaking change from the changelog, not from a failed build. Either keep the old schema',
      '(deprecate fields instead of removing them), or announce each change under "## [Unreleased]" in CHANGELOG.md:',
    ];
    const mustBreak = unannounced.filter((u) => u.kind === 'breaking');
    const mayAnywhere = unannounced.filter((u) => u.kind === 'dangerous');
    if (mustBreak.length > 0) {
      lines.push('', '### Breaking', '');
      for (const u of mustBreak)
        lines.push(`- \`${u.coordinate}\`: ${u.change.description} <why, and what to use instead>`);
    }
    if (mayAnywhere.length > 0) {
      lines.push('', '(dangerous changes: under ### Breaking, ### Added or ### Changed)', '');
      for (const u of mayAnywhere)
        lines.push(`- \`${u.coordinate}\`: ${u.change.description} <what callers should expect>`);
    }
    messages.push(...lines);
  }
  return { ok: unannounced.length === 0, breaking, dangerous, unannounced, messages };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const current = currentSchemaSdl();
  if (process.argv.includes('--release')) {
    writeFileSync(RELEASED_SCHEMA, current);
    console.log(`Recorded the current schema as released: ${RELEASED_SCHEMA}`);
  } else {
    const changelog = existsSync(CHANGELOG) ? readFileSync(CHANGELOG, 'utf8') : undefined;
    const result = checkSchema(readFileSync(RELEASED_SCHEMA, 'utf8'), current, changelog);
    for (const line of result.messages) (result.ok ? console.warn : console.error)(line);
    if (!result.ok) process.exit(1);
    console.log(
      `schema:check: ${result.breaking.length} breaking, ${result.dangerous.length} dangerous change(s)` +
        (result.breaking.length + result.dangerous.length > 0 ? ', each announced in CHANGELOG.md' : ''),
    );
  }
}
