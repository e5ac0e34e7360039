/**
 * `npm run audit -- --person-file id.txt audit.jsonl*`: who looked a person up. Reads the audit log (AUDIT_LOG_FILE and
 * its rotated files, plain or gzip-compressed, or AUDIT_LOG=stdout output on stdin) line by line and prints one entry per
 * `person_revealed` record of that person: when, which caller and client, which data groups, on whose behalf, the
 * request id and the operation name. The answer to a data subject's request for access (innsyn, GDPR art. 15).
 *
 * Never loads a log into memory: one line at a time (a line is cut off at {@link MAX_LINE_BYTES}), output as it is
 * found. The person id is compared, never written anywhere but in the records it matches (which are not printed
 * whole): every message on stderr is scrubbed of digit runs as long as an id and of the value given.
 */
import { constants, createReadStream } from 'node:fs';
import { access, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { redactPersonalIds } from '../src/observability/personal-ids.js';

const USAGE = `Usage: npm run audit -- (--person ID | --person-file FILE) [--since TIME] [--until TIME]
                         [--format text|json|csv] [LOG ...]

Who looked a person up: prints every look-up of that person found in the audit log (one "person_revealed" record per
person a response revealed): when, which caller (sub) and client, which data groups, on whose behalf (a customer
organisation in supplier mode, else the own organisation), the request id and the operation name. This answers a data
subject's request for access (innsyn, GDPR art. 15).

Options:
  --person ID          the person's fødselsnummer or D-number (11 digits). npm prints and logs its own command line:
                       for a real person prefer --person-file, which keeps the id off every command line
  --person-file FILE   read the id from the first line of FILE; "-" reads it from stdin (then give the LOG files)
  --since TIME         only look-ups at or after TIME: a date (2025-01-31, from 00:00 UTC) or a date-time with a time
                       zone (2025-01-31T13:00:00+01:00, 2025-01-31T12:00Z)
  --until TIME         only look-ups before TIME; a date alone includes that whole day (UTC)
  --format FORMAT      text (default, for people), json (an array, one object per look-up) or csv (a header line,
                       then one row per look-up; cells starting with = + - @ get a leading ' against spreadsheet
                       formulas)
  -h, --help           this text

LOG: an audit log file (AUDIT_LOG_FILE), plain or gzip-compressed (told by its content, e.g. audit.jsonl.2.gz), a
directory (every file in it) or a quoted pattern ('/var/log/facade/audit.jsonl*'). Rotated files are read oldest
first (audit.jsonl.2.gz, audit.jsonl.1, audit.jsonl). No LOG, or "-": standard input, e.g. the output of
"kubectl logs" with AUDIT_LOG=stdout (other log lines and container runtime prefixes before the record are skipped).

Lines that are not look-ups (client changes, the normal log) and broken or partial lines are skipped and counted in a
summary on stderr; a skipped line that names the person is reported by file and line number, to be checked by hand.
Times are printed as recorded, in UTC.

Exit status: 0 look-ups found, 1 none found, 2 usage error or a LOG that cannot be read.`;

/** Longest line kept (audit records are bounded far below this); the rest of a longer line is skipped. */
const MAX_LINE_BYTES = 1 << 20;
/** Lines naming the person that could not be read: this many are reported by location, the rest counted. */
const MAX_LOCATION_WARNINGS = 20;
const DATA_GROUP_NAMES: Record<string, string> = {
  contact_information: 'contact information (status, reservation, language, e-mail, mobile number)',
  digital_post: 'digital post (mailbox address and provider)',
};

type Format = 'text' | 'json' | 'csv';

class UsageError extends Error {}
class InputError extends Error {}

/** A look-up as printed: the record's fields, without the person id. */
export interface LookUp {
  time: string;
  caller: { sub: string; clientId?: string };
  dataGroups: string[];
  /** "own organisation", or the customer's organisation number in supplier mode. */
  onBehalfOf: string;
  consumer?: string;
  supplier?: string;
  requestId: string;
  callerRequestId?: string;
  operationName: string | null;
}

interface Source {
  /** For messages (scrubbed when printed). */
  name: string;
  open(): Promise<Readable>;
}

interface Counts {
  sources: number;
  lines: number;
  found: number;
  outsideWindow: number;
  otherPersons: number;
  other: number;
  blank: number;
  broken: number;
  namingPerson: number;
}

/** Everything written to stderr goes through here: no digit run as long as a personal id, nor the value given. */
let secret: string | undefined;
function scrub(text: string): string {
  let out = text;
  if (secret && secret.length >= 4) out = out.split(secret).join('[the person id]');
  return redactPersonalIds(out);
}
function say(message: string): void {
  process.stderr.write(`${scrub(message)}\n`);
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        person: { type: 'string' },
        'person-file': { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        format: { type: 'string', default: 'text' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    say(err instanceof Error ? err.message : String(err));
    say(USAGE);
    return 2;
  }
  const { values, positionals } = parsed;
  secret = values.person;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  let person: string;
  let since: number | undefined;
  let until: number | undefined;
  let format: Format;
  let sources: Source[];
  try {
    format = parseFormat(values.format);
    since = values.since === undefined ? undefined : parseTime(values.since, 'since');
    until = values.until === undefined ? undefined : parseTime(values.until, 'until');
    if (since !== undefined && until !== undefined && since >= until) {
      throw new UsageError('--since must be before --until.');
    }
    const logs = positionals.length > 0 ? positionals : ['-'];
    if (logs.includes('-') && process.stdin.isTTY) {
      throw new UsageError('Give the audit log as LOG file(s), or pipe it to standard input.');
    }
    if (values['person-file'] === '-' && logs.includes('-')) {
      throw new UsageError('With --person-file -, the id comes from stdin: give the audit log as LOG file(s).');
    }
    person = await readPersonId(values.person, values['person-file']);
    sources = await resolveSources(logs);
  } catch (err) {
    if (err instanceof UsageError) {
      say(err.message);
      say('Run with --help for the usage.');
      return 2;
    }
    if (err instanceof InputError) {
      say(err.message);
      return 2;
    }
    throw err;
  }

  const out = new Output(format);
  const counts: Counts = {
    sources: sources.length,
    lines: 0,
    found: 0,
    outsideWindow: 0,
    otherPersons: 0,
    other: 0,
    blank: 0,
    broken: 0,
    namingPerson: 0,
  };
  const locations: string[] = [];
  const namingPerson = (where: string) => {
    counts.namingPerson++;
    if (locations.length < MAX_LOCATION_WARNINGS) locations.push(where);
  };

  for (const source of sources) {
    let lineNo = 0;
    let input: Readable;
    try {
      input = await source.open();
    } catch (err) {
      say(`Cannot read ${source.name}: ${describe(err)}.`);
      return 2;
    }
    try {
      for await (const line of splitLines(decompressed(input))) {
        lineNo++;
        counts.lines++;
        const where = `${source.name}:${lineNo}`;
        if (line === undefined) {
          // Longer than MAX_LINE_BYTES: no audit record is.
          counts.broken++;
          continue;
        }
        const result = classify(line, person);
        switch (result.kind) {
          case 'blank':
            counts.blank++;
            break;
          case 'other':
            counts.other++;
            break;
          case 'other-person':
            counts.otherPersons++;
            break;
          case 'broken':
            counts.broken++;
            if (line.includes(person)) namingPerson(where);
            break;
          case 'unreadable':
            counts.broken++;
            namingPerson(where);
            break;
          case 'look-up': {
            const t = Date.parse(result.lookUp.time);
            if ((since !== undefined && t < since) || (until !== undefined && t >= until)) {
              counts.outsideWindow++;
              break;
            }
            counts.found++;
            await out.write(result.lookUp);
            break;
          }
        }
      }
    } catch (err) {
      if (err instanceof BrokenPipe) return counts.found > 0 ? 0 : 1;
      // A gzip file cut short (still being written, or damaged): what came before counts, the rest is reported.
      counts.broken++;
      say(
        `Warning: ${source.name} ends early or is damaged after line ${lineNo} (${describe(err)}); read up to there.`,
      );
    }
  }
  try {
    await out.end();
  } catch (err) {
    if (!(err instanceof BrokenPipe)) throw err;
  }

  for (const where of locations)
    say(`Warning: ${where}: a line naming the person could not be read; check it by hand.`);
  if (counts.namingPerson > locations.length) {
    say(`Warning: ${counts.namingPerson - locations.length} more lines naming the person could not be read.`);
  }
  say(summary(counts, since !== undefined || until !== undefined));
  return counts.found > 0 ? 0 : 1;
}

function summary(c: Counts, windowed: boolean): string {
  const parts = [
    `${c.found} look-up${c.found === 1 ? '' : 's'} of the person${windowed ? ' in the time window' : ''}`,
    ...(windowed ? [`${c.outsideWindow} outside it`] : []),
    `${c.otherPersons} of other persons`,
    `${c.other} other lines skipped (client changes, other log lines)`,
    `${c.broken} broken or partial lines skipped`,
  ];
  if (c.namingPerson > 0) parts.push(`${c.namingPerson} of them naming the person`);
  return `Read ${c.lines} lines from ${c.sources} ${c.sources === 1 ? 'source' : 'sources'}: ${parts.join('; ')}.`;
}

function parseFormat(value: string | undefined): Format {
  if (value === 'text' || value === 'json' || value === 'csv') return value;
  throw new UsageError('--format must be text, json or csv.');
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-](\d{2}):(\d{2}))$/i;

/** A date (midnight UTC; for --until the next midnight) or a date-time with its zone, as epoch milliseconds. */
function parseTime(value: string, option: 'since' | 'until'): number {
  const text = value.trim();
  const date = DATE.exec(text);
  const dateTime = DATE_TIME.exec(text);
  const fail = () =>
    new UsageError(
      `--${option} must be a date (2025-01-31) or a date-time with a time zone (2025-01-31T12:00:00Z, 2025-01-31T13:00:00+01:00).`,
    );
  if (!date && !dateTime) throw fail();
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = (date ?? dateTime) as RegExpExecArray;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const zoneOk =
    !dateTime || dateTime[7]?.toUpperCase() === 'Z' || (Number(dateTime[8]) <= 23 && Number(dateTime[9]) <= 59);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw fail();
  }
  if (!zoneOk) throw fail();
  if (date) return Date.UTC(year, month - 1, day + (option === 'until' ? 1 : 0));
  const ms = Date.parse(text.toUpperCase());
  if (!Number.isFinite(ms)) throw fail();
  return ms;
}

async function readPersonId(given: string | undefined, file: string | undefined): Promise<string> {
  if (given !== undefined && file !== undefined)
    throw new UsageError('Give the person id once: --person or --person-file.');
  let raw: string;
  if (given !== undefined) {
    raw = given;
  } else if (file !== undefined) {
    try {
      raw = file === '-' ? await readStdinText(4096) : await readFile(file, 'utf8');
    } catch (err) {
      throw new InputError(`Cannot read the person id from ${file === '-' ? 'stdin' : file}: ${describe(err)}.`);
    }
    raw = raw.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
    secret = raw.trim();
  } else {
    throw new UsageError('The person id is required: --person ID or --person-file FILE.');
  }
  const id = raw.trim();
  if (!/^\d{11}$/.test(id)) throw new UsageError('The person id must be 11 digits (a fødselsnummer or D-number).');
  return id;
}

async function readStdinText(limit: number): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    text += chunk.toString('utf8');
    if (text.length > limit) break;
  }
  return text;
}

// --- Sources -------------------------------------------------------------------------------------------------------

async function resolveSources(args: string[]): Promise<Source[]> {
  const files: string[] = [];
  let stdin = false;
  const ordered: Source[] = [];
  const flush = () => {
    for (const f of orderByRotation(files)) ordered.push(fileSource(f));
    files.length = 0;
  };
  for (const arg of args) {
    if (arg === '-') {
      if (stdin) throw new UsageError('Standard input ("-") can be read once only.');
      stdin = true;
      flush();
      ordered.push({ name: 'stdin', open: async () => process.stdin });
      continue;
    }
    files.push(...(await expand(arg)));
  }
  flush();
  // The same file twice (a pattern and a name) would count its look-ups twice.
  const seen = new Set<string>();
  const unique: Source[] = [];
  for (const s of ordered) {
    const key = s.name === 'stdin' ? '-' : await realpath(s.name).catch(() => s.name);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(s);
  }
  return unique;
}

function fileSource(path: string): Source {
  return {
    name: path,
    open: () =>
      new Promise<Readable>((resolve, reject) => {
        const stream = createReadStream(path);
        stream.once('open', () => resolve(stream));
        stream.once('error', reject);
      }),
  };
}

/** A LOG argument as files: a file, every regular file of a directory, or the files a pattern matches. */
async function expand(arg: string): Promise<string[]> {
  const info = await stat(arg).catch((err: unknown) => err as NodeJS.ErrnoException);
  if (!(info instanceof Error)) {
    if (info.isDirectory()) {
      const names = (await readdir(arg, { withFileTypes: true }))
        .filter((e) => e.isFile() && !e.name.startsWith('.'))
        .map((e) => join(arg, e.name));
      if (names.length === 0) throw new InputError(`${arg}: the directory holds no files.`);
      await Promise.all(names.map(readable));
      return names;
    }
    await readable(arg);
    return [arg];
  }
  if (/[*?[]/.test(basename(arg)) && !/[*?[]/.test(dirname(arg))) {
    const dir = dirname(arg);
    const pattern = globToRegExp(basename(arg));
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const names = entries.filter((e) => e.isFile() && pattern.test(e.name)).map((e) => join(dir, e.name));
    if (names.length === 0) throw new InputError(`No file matches ${arg}.`);
    await Promise.all(names.map(readable));
    return names;
  }
  throw new InputError(`Cannot read ${arg}: ${describe(info)}.`);
}

async function readable(path: string): Promise<void> {
  try {
    await access(path, constants.R_OK);
  } catch (err) {
    throw new InputError(`Cannot read ${path}: ${describe(err)}.`);
  }
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * Rotated files oldest first, grouped by the live file they were rotated from (first seen first): logrotate's numbered
 * files by falling number (audit.jsonl.2.gz, audit.jsonl.1), its dated files (dateext) by date, the live file last.
 */
function orderByRotation(paths: string[]): string[] {
  const keyed = paths.map((path, index) => {
    const name = basename(path).replace(/\.gz$/, '');
    const numbered = /^(.+)\.(\d{1,6})$/.exec(name);
    const dated = /^(.+)-(\d{8}(?:\d{2,6})?)$/.exec(name);
    if (numbered)
      return { path, index, base: join(dirname(path), numbered[1] as string), rank: 0, n: -Number(numbered[2]), d: '' };
    if (dated)
      return { path, index, base: join(dirname(path), dated[1] as string), rank: 1, n: 0, d: dated[2] as string };
    return { path, index, base: join(dirname(path), name), rank: 2, n: 0, d: '' };
  });
  const firstSeen = new Map<string, number>();
  for (const k of keyed) if (!firstSeen.has(k.base)) firstSeen.set(k.base, k.index);
  return keyed
    .sort(
      (a, b) =>
        (firstSeen.get(a.base) as number) - (firstSeen.get(b.base) as number) ||
        a.rank - b.rank ||
        a.n - b.n ||
        (a.d < b.d ? -1 : a.d > b.d ? 1 : 0) ||
        a.index - b.index,
    )
    .map((k) => k.path);
}

// --- Reading -------------------------------------------------------------------------------------------------------

/** The bytes of a stream, gunzipped when they start with gzip's magic number (a .gz file, or gzip on stdin). */
async function* decompressed(input: Readable): AsyncGenerator<Buffer> {
  const it = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await it.next();
    if (next.done) {
      if (head.length > 0) yield head;
      return;
    }
    head = Buffer.concat([head, Buffer.from(next.value)]);
  }
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield Buffer.from(next.value);
    }
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* all();
    return;
  }
  const gunzip = createGunzip();
  const compressed = Readable.from(all());
  compressed.once('error', (err) => gunzip.destroy(err));
  compressed.pipe(gunzip);
  try {
    yield* gunzip as AsyncIterable<Buffer>;
  } finally {
    compressed.destroy();
  }
}

/** Lines without their '\n' (and '\r'); `undefined` for a line longer than {@link MAX_LINE_BYTES}, which is dropped. */
async function* splitLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<string | undefined> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let overlong = false;
  const finish = (line: string): string | undefined => {
    if (overlong) {
      overlong = false;
      return undefined;
    }
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  };
  for await (const chunk of chunks) {
    const text = pending + decoder.write(chunk);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      yield finish(text.slice(start, nl));
      start = nl + 1;
    }
    pending = text.slice(start);
    if (pending.length > MAX_LINE_BYTES) {
      overlong = true;
      pending = '';
    }
  }
  const rest = pending + decoder.end();
  if (rest !== '' || overlong) yield finish(rest);
}

type Classified =
  { kind: 'blank' | 'other' | 'other-person' | 'broken' | 'unreadable' } | { kind: 'look-up'; lookUp: LookUp };

/**
 * One line: a `person_revealed` record of the person (`look-up`), of another person, another record or log line
 * (`other`), not JSON or cut short (`broken`), or a record of the person lacking what a look-up has (`unreadable`).
 * The record may follow a prefix (a container runtime's timestamp and stream, docker compose's service name) or be
 * wrapped in Docker's json-file format.
 */
function classify(line: string, person: string): Classified {
  const start = line.indexOf('{');
  if (start === -1) return { kind: line.trim() === '' ? 'blank' : 'other' };
  if (!line.includes(person)) {
    // Most lines: not about the person, so not parsed. A whole record ends with '}'; a line cut short does not.
    if (!line.trimEnd().endsWith('}')) return { kind: 'broken' };
    return { kind: line.includes('"type":"person_revealed"') ? 'other-person' : 'other' };
  }
  let record: unknown;
  try {
    record = JSON.parse(line.slice(start));
  } catch {
    return { kind: 'broken' };
  }
  if (!isObject(record)) return { kind: 'other' };
  if (record.type === undefined && typeof record.log === 'string' && record.log.trimStart().startsWith('{')) {
    // Docker's json-file log: {"log":"{…}\n","stream":"stdout","time":"…"}
    try {
      record = JSON.parse(record.log);
    } catch {
      return { kind: 'broken' };
    }
    if (!isObject(record)) return { kind: 'other' };
  }
  if (record.type !== 'person_revealed') return { kind: 'other' };
  // Past the check above the line holds the id: a record without a readable personId still names the person.
  if (typeof record.personId !== 'string') return { kind: 'unreadable' };
  if (record.personId !== person) return { kind: 'other-person' };
  const lookUp = toLookUp(record);
  return lookUp ? { kind: 'look-up', lookUp } : { kind: 'unreadable' };
}

function toLookUp(r: Record<string, unknown>): LookUp | undefined {
  const { time, caller, dataGroups, requestId, callerRequestId, operationName, consumer, supplier } = r;
  if (typeof time !== 'string' || !Number.isFinite(Date.parse(time))) return undefined;
  if (!isObject(caller) || typeof caller.sub !== 'string') return undefined;
  if (caller.clientId !== undefined && typeof caller.clientId !== 'string') return undefined;
  if (!Array.isArray(dataGroups) || !dataGroups.every((g) => typeof g === 'string')) return undefined;
  if (typeof requestId !== 'string') return undefined;
  if (callerRequestId !== undefined && typeof callerRequestId !== 'string') return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return undefined;
  if (consumer !== undefined && typeof consumer !== 'string') return undefined;
  if (supplier !== undefined && typeof supplier !== 'string') return undefined;
  return {
    time,
    caller: { sub: caller.sub, ...(caller.clientId !== undefined ? { clientId: caller.clientId } : {}) },
    dataGroups: dataGroups as string[],
    onBehalfOf: supplier !== undefined && consumer !== undefined ? consumer : 'own organisation',
    ...(consumer !== undefined ? { consumer } : {}),
    ...(supplier !== undefined ? { supplier } : {}),
    requestId,
    ...(callerRequestId !== undefined ? { callerRequestId } : {}),
    operationName: operationName ?? null,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// --- Output --------------------------------------------------------------------------------------------------------

class BrokenPipe extends Error {}

const CSV_COLUMNS = [
  'time',
  'caller_sub',
  'caller_client_id',
  'data_groups',
  'on_behalf_of',
  'consumer',
  'supplier',
  'request_id',
  'caller_request_id',
  'operation_name',
] as const;

/** Writes to stdout as entries are found, waiting for 'drain' so that a slow reader holds the reading back. */
class Output {
  private count = 0;
  private broken = false;

  constructor(private readonly format: Format) {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') this.broken = true;
      else throw err;
    });
  }

  async write(l: LookUp): Promise<void> {
    let text: string;
    if (this.format === 'json') {
      text = `${this.count === 0 ? '[\n' : ',\n'}${JSON.stringify(l)}`;
    } else if (this.format === 'csv') {
      const row = [
        l.time,
        l.caller.sub,
        l.caller.clientId ?? '',
        l.dataGroups.join(' '),
        l.onBehalfOf,
        l.consumer ?? '',
        l.supplier ?? '',
        l.requestId,
        l.callerRequestId ?? '',
        l.operationName ?? '',
      ];
      text = `${this.count === 0 ? `${CSV_COLUMNS.join(',')}\r\n` : ''}${row.map(csvCell).join(',')}\r\n`;
    } else {
      text = `${this.count === 0 ? '' : '\n'}${textEntry(l)}`;
    }
    this.count++;
    await this.emit(text);
  }

  async end(): Promise<void> {
    if (this.format === 'json') await this.emit(this.count === 0 ? '[]\n' : '\n]\n');
    else if (this.format === 'csv') {
      if (this.count === 0) await this.emit(`${CSV_COLUMNS.join(',')}\r\n`);
    } else {
      await this.emit(
        this.count === 0
          ? 'No look-ups of the person found.\n'
          : `\n${this.count} look-up${this.count === 1 ? '' : 's'} of the person.\n`,
      );
    }
  }

  private emit(text: string): Promise<void> {
    if (this.broken) return Promise.reject(new BrokenPipe());
    if (process.stdout.write(text)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = () => {
        process.stdout.off('close', onClose);
        resolve();
      };
      const onClose = () => {
        process.stdout.off('drain', onDrain);
        reject(new BrokenPipe());
      };
      process.stdout.once('drain', onDrain);
      process.stdout.once('close', onClose);
    });
  }
}

function textEntry(l: LookUp): string {
  const caller = `${l.caller.sub} (client ${l.caller.clientId ?? 'not named in the token'})`;
  const groups = l.dataGroups.map((g) => DATA_GROUP_NAMES[g] ?? g).join('; ');
  const behalf =
    l.supplier !== undefined
      ? `${l.onBehalfOf} (a customer; looked up by the supplier ${l.supplier})`
      : `own organisation${l.consumer !== undefined ? ` (${l.consumer})` : ''}`;
  const request = `${l.requestId}${l.callerRequestId !== undefined ? ` (the caller's: ${l.callerRequestId})` : ''}`;
  return [
    l.time,
    `  Caller:        ${caller}`,
    `  Data:          ${groups}`,
    `  On behalf of:  ${behalf}`,
    `  Request id:    ${request}`,
    `  Operation:     ${l.operationName ?? '(unnamed)'}`,
    '',
  ].join('\n');
}

function csvCell(value: string): string {
  // A cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP "CSV injection").
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function describe(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    const known: Record<string, string> = {
      ENOENT: 'no such file or directory',
      EACCES: 'permission denied',
      EISDIR: 'is a directory',
      Z_DATA_ERROR: 'damaged compressed data',
      Z_BUF_ERROR: 'the compressed data ends early',
    };
    return known[err.code] ?? err.code;
  }
  return err instanceof Error ? err.message : String(err);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  say(`Failed: ${describe(err)}`);
  process.exitCode = 2;
}
