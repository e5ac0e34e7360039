/**
 * `npm run audit`: who looked a person up, from an audit log written by the facade itself. The live file comes from a
 * sandbox app answering look-ups of two callers (one of them a customer's, in supplier mode); two older rotated files
 * (one gzip-compressed) come from the real AuditLog with fixed clocks, with client changes, other persons and broken
 * lines between the records. The CLI runs as a child process, as `npm run audit` runs it.
 */
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, onTestFinished as after } from 'vitest';
import { createAuditLog, type PersonsRevealed } from '../../src/observability/audit.js';
import { SANDBOX_CUSTOMERS, SANDBOX_ORGNO } from '../../src/sandbox/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import type { LookUp } from '../../scripts/audit.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The person asked about (seeded in the sandbox's KRR), and two others looked up alongside. */
const PERSON = '11822648950';
const OTHER = '22859197810';
const NOBODY = '01017012345';
const CUSTOMER = SANDBOX_CUSTOMERS.delegating.orgno;
/** Times of the rotated files' records. */
const MARCH = '2025-03-01T10:00:00.000Z';
const JUNE = '2025-06-15T08:30:00.000Z';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run audit -- …` as a child process; `input` is written to its stdin (closed either way). */
function runCli(args: string[], input?: string | Buffer | Readable, nodeFlags: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'scripts/audit.ts', ...args], {
      cwd: ROOT,
      env: process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input instanceof Readable) input.pipe(child.stdin);
    else child.stdin.end(input);
  });
}

const CONTACT = `query ContactCheck($id: PersonIdentifier!) { person(id: $id) { status email { value } } }`;
const WITH_POST = `query MailboxCheck($id: PersonIdentifier!) { person(id: $id) { status digitalMailbox { address } } }`;
const MANY = `query Many($ids: [PersonIdentifier!]!) { persons(ids: $ids) { id status } }`;

let t: TestApp;
let dir: string;
/** Every run of the CLI, for the check that no stderr ever holds the id. */
const runs: Run[] = [];
const run = async (args: string[], input?: string | Buffer | Readable, nodeFlags?: string[]) => {
  const result = await runCli(args, input, nodeFlags);
  runs.push(result);
  return result;
};

async function ask(token: string, query: string, variables: Record<string, unknown>, requestId?: string) {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(requestId ? { 'x-request-id': requestId } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: unknown; errors?: unknown };
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
}

/** An older, rotated audit file, written by the real AuditLog with its clock at `time`. */
async function rotatedFile(
  path: string,
  time: string,
  write: (log: Awaited<ReturnType<typeof createAuditLog>>) => Promise<void>,
) {
  const log = await createAuditLog({ file: path, now: () => Date.parse(time) });
  await write(log);
  await log.close();
}

const entry = (personId: string, overrides: Partial<Omit<PersonsRevealed, 'personIds'>> = {}): PersonsRevealed => ({
  requestId: 'req-archived',
  caller: { sub: 'archived-user', clientId: 'archived-client' },
  personIds: [personId],
  dataGroups: ['contact_information'],
  operationName: 'Archived',
  consumer: SANDBOX_ORGNO,
  ...overrides,
});

let live: Record<string, unknown>[];
let files: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-cli-'));
  const liveFile = join(dir, 'audit.jsonl');
  t = await startTestApp({ AUDIT_LOG_FILE: liveFile });
  const issuer = t.sandbox.callerIssuer;
  const alice = (await issuer.issueToken({ sub: 'alice', clientId: 'case-app' })).access_token;
  const bob = (await issuer.issueToken({ sub: 'bob', clientId: 'municipal-app', tenant: CUSTOMER })).access_token;
  // Three look-ups of the person by two callers (one for a customer), one of other persons only.
  await ask(alice, CONTACT, { id: PERSON }, 'ticket-4711');
  await ask(bob, WITH_POST, { id: PERSON });
  await ask(alice, MANY, { ids: [OTHER, PERSON] });
  await ask(bob, MANY, { ids: [OTHER] });
  live = (await t.auditRecords()).filter((r) => r.type === 'person_revealed');

  // The live file as the app wrote it, and two older generations: .1 plain, .2 gzip-compressed.
  await rotatedFile(join(dir, 'audit.jsonl.1'), JUNE, async (log) => {
    await log.writeChange({ stage: 'requested', requestId: 'req-c', caller: { sub: 'admin' }, action: 'addClientJwk' });
    await log.write([entry(OTHER, { requestId: 'req-june' }), entry(PERSON, { requestId: 'req-june' })]);
    await log.writeChange({
      stage: 'completed',
      requestId: 'req-c',
      caller: { sub: 'admin' },
      action: 'addClientJwk',
      outcome: 'succeeded',
    });
  });
  // A normal log line, a record cut short naming the person, and one cut short before the id: skipped, counted.
  await appendFile(
    join(dir, 'audit.jsonl.1'),
    `{"level":30,"time":1750000000000,"msg":"not an audit record"}\n` +
      `{"time":"${JUNE}","type":"person_revealed","requestId":"req-cut","caller":{"sub":"x"},"personId":"${PERSON}","dataGr\n` +
      `{"time":"${JUNE}","type":"person_revealed","requestId":"req-cut2","caller":{"sub":"x"},"perso\n`,
  );
  const march = join(dir, 'audit.jsonl.2');
  await rotatedFile(march, MARCH, async (log) => {
    await log.write([
      entry(PERSON, {
        requestId: 'req-march',
        callerRequestId: 'case-2025-17',
        caller: { sub: '=HYPERLINK("x")', clientId: 'archived-client' },
        dataGroups: ['contact_information', 'digital_post'],
        consumer: CUSTOMER,
        supplier: SANDBOX_ORGNO,
        operationName: null,
      }),
    ]);
  });
  await writeFile(`${march}.gz`, gzipSync(await readFile(march)));
  await rm(march);
  // As a shell expands audit.jsonl*: newest first. The CLI reads them oldest first.
  files = [liveFile, join(dir, 'audit.jsonl.1'), `${march}.gz`];
}, 60_000);

afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

type JsonLookUp = LookUp;

describe('npm run audit', () => {
  it('answers who looked the person up, oldest first across rotated and compressed files (json)', async () => {
    const mine = live.filter((r) => r.personId === PERSON);
    expect(mine).toHaveLength(3);
    const r = await run(['--person', PERSON, '--format', 'json', ...files]);
    expect(r.code, r.stderr).toBe(0);
    const found = JSON.parse(r.stdout) as JsonLookUp[];
    expect(found.map((l) => l.time.slice(0, 10))).toEqual([
      MARCH.slice(0, 10),
      JUNE.slice(0, 10),
      ...mine.map((m) => (m.time as string).slice(0, 10)),
    ]);
    expect(found[0]).toEqual({
      time: MARCH,
      caller: { sub: '=HYPERLINK("x")', clientId: 'archived-client' },
      dataGroups: ['contact_information', 'digital_post'],
      onBehalfOf: CUSTOMER,
      consumer: CUSTOMER,
      supplier: SANDBOX_ORGNO,
      requestId: 'req-march',
      callerRequestId: 'case-2025-17',
      operationName: null,
    });
    expect(found[1]).toMatchObject({ time: JUNE, requestId: 'req-june', onBehalfOf: 'own organisation' });
    // The live look-ups: each caller, client, data group, party and request id as the facade recorded them.
    expect(found.slice(2)).toEqual(
      mine.map((m) => ({
        time: m.time,
        caller: m.caller,
        dataGroups: m.dataGroups,
        onBehalfOf: m.supplier ? m.consumer : 'own organisation',
        consumer: m.consumer,
        ...(m.supplier ? { supplier: m.supplier } : {}),
        requestId: m.requestId,
        ...(m.callerRequestId ? { callerRequestId: m.callerRequestId } : {}),
        operationName: m.operationName,
      })),
    );
    expect(found.slice(2).map((l) => [l.caller, l.operationName, l.onBehalfOf, l.dataGroups])).toEqual([
      [{ sub: 'alice', clientId: 'case-app' }, 'ContactCheck', 'own organisation', ['contact_information']],
      [{ sub: 'bob', clientId: 'municipal-app' }, 'MailboxCheck', CUSTOMER, ['contact_information', 'digital_post']],
      [{ sub: 'alice', clientId: 'case-app' }, 'Many', 'own organisation', ['contact_information']],
    ]);
    expect(found[2]).toMatchObject({ consumer: SANDBOX_ORGNO, callerRequestId: 'ticket-4711' });
    expect(found[3]).toMatchObject({ consumer: CUSTOMER, supplier: SANDBOX_ORGNO });
    expect(r.stdout).not.toContain(PERSON);
    // The summary: what was skipped, and where a line naming the person could not be read.
    expect(r.stderr).toMatch(/Read \d+ lines from 3 sources: 5 look-ups of the person; \d+ of other persons;/);
    expect(r.stderr).toMatch(/3 other lines skipped/); // two client changes, one log line
    expect(r.stderr).toMatch(/2 broken or partial lines skipped; 1 of them naming the person/);
    expect(r.stderr).toContain(`${join(dir, 'audit.jsonl.1')}:6: a line naming the person could not be read`);
  });

  it('prints text for people and CSV for spreadsheets, with the same look-ups', async () => {
    const [text, csv] = await Promise.all([
      run(['--person', PERSON, ...files]),
      run(['--person', PERSON, '--format', 'csv', ...files]),
    ]);
    expect(text.code, text.stderr).toBe(0);
    const entries = text.stdout.split(/\n(?=\d{4}-)/);
    expect(entries).toHaveLength(5);
    expect(entries[0]).toBe(
      [
        MARCH,
        '  Caller:        =HYPERLINK("x") (client archived-client)',
        '  Data:          contact information (status, reservation, language, e-mail, mobile number); digital post (mailbox address and provider)',
        `  On behalf of:  ${CUSTOMER} (a customer; looked up by the supplier ${SANDBOX_ORGNO})`,
        "  Request id:    req-march (the caller's: case-2025-17)",
        '  Operation:     (unnamed)',
        '',
      ].join('\n'),
    );
    expect(entries[1]).toContain(`  On behalf of:  own organisation (${SANDBOX_ORGNO})`);
    expect(entries[2]).toContain('  Caller:        alice (client case-app)');
    expect(entries[2]).toContain('  Operation:     ContactCheck');
    expect(entries[3]).toContain('  Caller:        bob (client municipal-app)');
    expect(entries[4]).toMatch(/\n\n5 look-ups of the person\.\n$/);

    expect(csv.code, csv.stderr).toBe(0);
    const rows = csv.stdout.split('\r\n');
    expect(rows.at(-1)).toBe('');
    expect(rows[0]).toBe(
      'time,caller_sub,caller_client_id,data_groups,on_behalf_of,consumer,supplier,request_id,caller_request_id,operation_name',
    );
    expect(rows).toHaveLength(1 + 5 + 1);
    // A caller-chosen value a spreadsheet would run as a formula is defused, and quoted where CSV needs it.
    expect(rows[1]).toBe(
      `${MARCH},"'=HYPERLINK(""x"")",archived-client,contact_information digital_post,${CUSTOMER},${CUSTOMER},${SANDBOX_ORGNO},req-march,case-2025-17,`,
    );
    expect(rows[3]).toMatch(
      new RegExp(
        `^\\d{4}-[^,]+,alice,case-app,contact_information,own organisation,${SANDBOX_ORGNO},,[\\w-]+,ticket-4711,ContactCheck$`,
      ),
    );
  });

  it('filters by --since (inclusive) and --until (exclusive; a date alone takes in that whole day)', async () => {
    const times = async (...args: string[]) => {
      const r = await run(['--person', PERSON, '--format', 'json', ...args, ...files]);
      return { code: r.code, times: (JSON.parse(r.stdout) as JsonLookUp[]).map((l) => l.time), stderr: r.stderr };
    };
    const [wholeDay, beforeTen, fromTenOslo, between, fromToday] = await Promise.all([
      times('--until', '2025-03-01'),
      times('--until', '2025-03-01T10:00:00Z'),
      times('--since', '2025-03-01T11:00+01:00', '--until', '2025-06-15T08:30:00.001Z'),
      times('--since', '2025-04-01', '--until', '2025-12-31'),
      times('--since', new Date(Date.now() - 3600_000).toISOString()),
    ]);
    expect(wholeDay).toMatchObject({ code: 0, times: [MARCH] });
    expect(wholeDay.stderr).toMatch(/1 look-up of the person in the time window; 4 outside it;/);
    expect(beforeTen).toMatchObject({ code: 1, times: [] });
    expect(fromTenOslo).toMatchObject({ code: 0, times: [MARCH, JUNE] });
    expect(between).toMatchObject({ code: 0, times: [JUNE] });
    expect(fromToday.code).toBe(0);
    expect(fromToday.times).toHaveLength(3);
  });

  it('reads a directory or a quoted pattern as the same files, oldest first', async () => {
    const [whole, pattern] = await Promise.all([
      run(['--person', PERSON, '--format', 'json', dir]),
      run(['--person', PERSON, '--format', 'json', join(dir, 'audit.jsonl*')]),
    ]);
    for (const r of [whole, pattern]) {
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as JsonLookUp[]).map((l) => l.requestId).slice(0, 2)).toEqual([
        'req-march',
        'req-june',
      ]);
      expect(r.stderr).toMatch(/from 3 sources: 5 look-ups/);
    }
  });

  it('reads stdin: plain, gzip, or log collector output with other log lines and runtime prefixes', async () => {
    const liveText = await readFile(files[0] as string, 'utf8');
    // AUDIT_LOG=stdout as a container runtime (CRI) stores it: each audit line tagged "log":"audit", between normal
    // log lines, each prefixed with a timestamp and stream; the last one written only in part ("P").
    const cri = liveText
      .split('\n')
      .filter(Boolean)
      .flatMap((line) => [
        `2026-01-01T00:00:00.000000000Z stdout F {"level":30,"msg":"request completed"}`,
        `2026-01-01T00:00:00.000000000Z stdout F ${line.replace('{', '{"log":"audit",')}`,
      ])
      .concat(`2026-01-01T00:00:01.000000000Z stdout P {"time":"x","log":"audit","type":"person_revealed","pers`)
      .join('\n');
    const [plain, gzipped, collected, personFromStdin] = await Promise.all([
      run(['--person', PERSON, '--format', 'json'], liveText),
      run(['--person', PERSON, '--format', 'json', '-'], gzipSync(liveText)),
      run(['--person', PERSON, '--format', 'json'], cri),
      run(['--person-file', '-', '--format', 'json', files[0] as string], `${PERSON}\n`),
    ]);
    for (const r of [plain, gzipped, collected, personFromStdin]) {
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as JsonLookUp[]).map((l) => l.requestId)).toEqual(
        live.filter((l) => l.personId === PERSON).map((l) => l.requestId),
      );
    }
    expect(plain.stderr).toMatch(/from 1 source: 3 look-ups/);
    expect(collected.stderr).toMatch(/1 broken or partial lines skipped/);
  });

  it('streams: a log far larger than its heap is read line by line', async () => {
    // 64 MB of records through stdin, the CLI's heap capped at 16 MB: it cannot hold the log, only a line at a time.
    const template = JSON.stringify(live[0]);
    const lines = 250_000;
    async function* log() {
      for (let i = 0; i < lines; i += 1000) {
        let chunk = '';
        for (let j = i; j < i + 1000; j++) {
          const id = j % 10_000 === 0 ? PERSON : String(30_000_000_000 + j);
          chunk += `${template.replace(live[0]?.personId as string, id)}\n`;
        }
        yield chunk;
      }
    }
    expect(template.length * lines).toBeGreaterThan(60_000_000);
    const r = await run(['--person', PERSON, '--format', 'csv'], Readable.from(log()), ['--max-old-space-size=16']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\r\n')).toHaveLength(1 + lines / 10_000);
    expect(r.stderr).toContain(`Read ${lines} lines from 1 source: ${lines / 10_000} look-ups of the person;`);
  });

  it('takes the id from a file, and exits 1 when nobody looked the person up', async () => {
    const ids = await mkdtemp(join(tmpdir(), 'audit-cli-ids-'));
    after(() => rm(ids, { recursive: true, force: true }));
    const idFile = join(ids, 'person.txt');
    await writeFile(idFile, `\n${PERSON}\n`);
    const otherIdFile = join(ids, 'nobody.txt');
    await writeFile(otherIdFile, NOBODY);
    const [fromFile, none, noneJson, noneCsv] = await Promise.all([
      run(['--person-file', idFile, '--format', 'json', ...files]),
      run(['--person-file', otherIdFile, ...files]),
      run(['--person', NOBODY, '--format', 'json', ...files]),
      run(['--person', NOBODY, '--format', 'csv', ...files]),
    ]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toHaveLength(5);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('No look-ups of the person found.\n');
    expect(none.stderr).toMatch(/0 look-ups of the person;/);
    expect(noneJson).toMatchObject({ code: 1, stdout: '[]\n' });
    expect(noneCsv.code).toBe(1);
    expect(noneCsv.stdout.split('\r\n')).toHaveLength(2);
  });

  it('refuses usage errors with exit 2, naming "the person id" and never the id itself', async () => {
    const results = await Promise.all([
      run(['--person', PERSON.slice(0, 10), ...files]), // 10 digits
      run(['--person', `${PERSON}9`, ...files]), // 12 digits
      run(['--person', `${PERSON.slice(0, 6)}-${PERSON.slice(6)}`, ...files]),
      run([PERSON, ...files]), // the id as a LOG, --person forgotten
      run(['--person', NOBODY, PERSON]), // an id as a LOG
      run(['--person', PERSON, join(dir, `missing-${PERSON}.jsonl`)]),
      run(['--person', PERSON, '--since', PERSON, ...files]),
      run(['--person', PERSON, '--until', '2025-02-30', ...files]),
      run(['--person', PERSON, '--since', '2025-06-01T10:00:00', ...files]), // no time zone
      run(['--person', PERSON, '--since', '2025-07-01', '--until', '2025-06-01', ...files]),
      run(['--person', PERSON, '--format', 'xml', ...files]),
      run(['--person', PERSON, `--${PERSON}`, ...files]),
      run(['--person', PERSON, '--person-file', files[0] as string, ...files]),
      run(['--person-file', '-']),
      run(files),
    ]);
    for (const r of results) {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
    }
    const [
      ten,
      twelve,
      dashed,
      forgotten,
      idAsLog,
      missing,
      since,
      feb30,
      noZone,
      reversed,
      xml,
      flag,
      both,
      twice,
      none,
    ] = results.map((r) => r.stderr);
    expect(ten).toContain('The person id must be 11 digits');
    expect(twelve).toContain('The person id must be 11 digits');
    expect(dashed).toContain('The person id must be 11 digits');
    expect(forgotten).toContain('The person id is required');
    expect(idAsLog).toContain('Cannot read [redacted]: no such file or directory');
    expect(missing).toMatch(/Cannot read .*missing-\[the person id\]\.jsonl: no such file or directory/);
    expect(since).toContain('--since must be a date');
    expect(feb30).toContain('--until must be a date');
    expect(noZone).toContain('--since must be a date');
    expect(reversed).toContain('--since must be before --until');
    expect(xml).toContain('--format must be text, json or csv');
    expect(flag).toContain("Unknown option '--[redacted]'");
    expect(both).toContain('Give the person id once');
    expect(twice).toContain('give the audit log as LOG');
    expect(none).toContain('The person id is required');
  });

  it('prints its usage with --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run audit -- \(--person ID \| --person-file FILE\)/);
  });

  it('never writes the id, or any part of what was given as one, to stderr', () => {
    expect(runs.length).toBeGreaterThan(20);
    for (const r of runs) {
      expect(r.stderr).not.toContain(PERSON);
      expect(r.stderr).not.toContain(PERSON.slice(0, 10));
      expect(r.stderr).not.toContain(NOBODY);
      expect(r.stderr).not.toMatch(/\d{11}/);
    }
  });
});
