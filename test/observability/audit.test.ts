import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AUDIT_MAX_LIST_ITEMS,
  AUDIT_MAX_STRING_LENGTH,
  AuditLogError,
  auditLogFileHandleForTests,
  createAuditLog,
  type PersonsRevealed,
  type AuditLog,
  type ClientChangeRecord,
} from '../../src/observability/audit.js';

const NOW = Date.parse('2025-06-15T12:00:00.000Z');
const now = () => NOW;

/** A written line, parsed. */
type AuditLine = Omit<PersonsRevealed, 'personIds'> & { personId: string };

/** A record of one person. */
function entry(personId: string, overrides: Partial<Omit<PersonsRevealed, 'personIds'>> = {}): PersonsRevealed {
  return {
    requestId: 'req-1',
    caller: { sub: 'caller-sub', clientId: 'client-1' },
    personIds: [personId],
    dataGroups: ['contact_information'],
    operationName: 'LookUp',
    ...overrides,
  };
}

function change(overrides: Partial<ClientChangeRecord> = {}): ClientChangeRecord {
  return {
    stage: 'requested',
    requestId: 'req-1',
    caller: { sub: 'caller-sub', clientId: 'client-1' },
    action: 'addClientJwk',
    clientId: 'the-client',
    kid: 'key-1',
    ...overrides,
  };
}

function lines(text: string): unknown[] {
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}

/** A stream that collects what is written to it. */
function collector(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('audit log, file mode', () => {
  let dir: string;
  const logs: AuditLog[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'audit-test-'));
  });
  afterEach(async () => {
    await Promise.all(logs.splice(0).map((log) => log.close()));
    await rm(dir, { recursive: true, force: true });
  });

  async function open(file: string): Promise<AuditLog> {
    const log = await createAuditLog({ file, now });
    logs.push(log);
    return log;
  }

  it('writes one valid JSON line per person with every field and the injected time', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    await log.write([
      entry('11822648950', { dataGroups: ['contact_information', 'digital_post'] }),
      entry('01010112345', { caller: { sub: 'other' }, operationName: null, requestId: 'req-2' }),
    ]);
    expect(lines(await readFile(file, 'utf8'))).toEqual([
      {
        time: '2025-06-15T12:00:00.000Z',
        type: 'person_revealed',
        requestId: 'req-1',
        caller: { sub: 'caller-sub', clientId: 'client-1' },
        personId: '11822648950',
        dataGroups: ['contact_information', 'digital_post'],
        operationName: 'LookUp',
      },
      {
        time: '2025-06-15T12:00:00.000Z',
        type: 'person_revealed',
        requestId: 'req-2',
        caller: { sub: 'other' },
        personId: '01010112345',
        dataGroups: ['contact_information'],
        operationName: null,
      },
    ]);
  });

  it('writes each line exactly as its own entry serialized, when neighbours share or differ in any field', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    const base = entry('11822648950');
    const batch = [
      base,
      entry('01010112345'),
      entry('01010112345', { dataGroups: ['contact_information', 'digital_post'] }),
      entry('11822648950', { requestId: 'req-9' }),
      entry('11822648950', { caller: { sub: 'caller-sub' } }),
      entry('11822648950', { caller: { sub: 'other', clientId: 'client-1' } }),
      entry('11822648950', { operationName: null }),
      base,
    ];
    await log.write(batch);
    const expected = batch.map((e) =>
      JSON.stringify({
        time: '2025-06-15T12:00:00.000Z',
        type: 'person_revealed',
        requestId: e.requestId,
        caller:
          e.caller.clientId === undefined ? { sub: e.caller.sub } : { sub: e.caller.sub, clientId: e.caller.clientId },
        personId: e.personIds[0],
        dataGroups: e.dataGroups,
        operationName: e.operationName,
      }),
    );
    expect(await readFile(file, 'utf8')).toBe(expected.join('\n') + '\n');
  });

  it('keeps a line whole whatever a field contains', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    await log.write([entry('11822648950', { operationName: 'a\nb\r\u2028c', requestId: '"}\n{' })]);
    const [line] = lines(await readFile(file, 'utf8'));
    expect(line).toMatchObject({ operationName: 'a\nb\r\u2028c', requestId: '"}\n{' });
  });

  it('writes any person id as the JSON string it is, in a write mixing contexts', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    const odd = ['11822648950', 'a"b\\c', '\u0001\n', 'ø€😀', '\ud800', ''];
    await log.write(odd.map((id, i) => entry(id, i % 2 ? { operationName: 'Ø "other"', consumer: '991825827' } : {})));
    const written = lines(await readFile(file, 'utf8')) as { personId: string; operationName: string }[];
    expect(written.map((line) => line.personId)).toEqual(odd.map((id) => JSON.parse(JSON.stringify(id)) as string));
    expect(written.map((line) => line.operationName)).toEqual(odd.map((_, i) => (i % 2 ? 'Ø "other"' : 'LookUp')));
  });

  it('writes records of many persons byte for byte, whatever their ids (same length or not, plain or odd)', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    const elevenDigits = Array.from({ length: 1000 }, (_, i) => String(10_000_000_000 + i * 7919));
    const mixed = ['11822648950', '01010112345', 'a"b', '1182264895', 'ø€😀', '11822648950', '\ud800', '01010112345'];
    const records = [
      { ...entry(''), personIds: elevenDigits },
      { ...entry('', { requestId: 'req-2', operationName: 'Other' }), personIds: mixed },
      { ...entry(''), personIds: [] },
      { ...entry(''), personIds: elevenDigits.slice(0, 3) },
    ];
    await log.write(records);
    const expected = records.flatMap((r) =>
      r.personIds.map(
        (id) =>
          `{"time":"2025-06-15T12:00:00.000Z","type":"person_revealed","requestId":${JSON.stringify(r.requestId)},` +
          `"caller":{"sub":"caller-sub","clientId":"client-1"},"personId":${JSON.stringify(id)},` +
          `"dataGroups":["contact_information"],"operationName":${JSON.stringify(r.operationName)}}`,
      ),
    );
    expect(await readFile(file, 'utf8')).toBe(expected.join('\n') + '\n');
  });

  it('appends to an existing file instead of truncating it', async () => {
    const file = join(dir, 'audit.log');
    await writeFile(file, '{"existing":true}\n');
    const log = await open(file);
    await log.write([entry('11822648950')]);
    expect(lines(await readFile(file, 'utf8'))).toHaveLength(2);
  });

  it('writes nothing for an empty batch', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    await log.write([]);
    expect(await readFile(file, 'utf8')).toBe('');
  });

  it('does not interleave 200 concurrent writes of 10 entries: 2000 whole lines', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    const pad = 'x'.repeat(500); // long lines make a torn write visible
    await Promise.all(
      Array.from({ length: 200 }, (_, r) =>
        log.write(
          Array.from({ length: 10 }, (_, i) => entry(`${r}-${i}`, { requestId: `req-${r}`, operationName: pad })),
        ),
      ),
    );
    const parsed = lines(await readFile(file, 'utf8')) as AuditLine[];
    expect(parsed).toHaveLength(2000);
    // The lines of one batch stay together and in order.
    for (let r = 0; r < 200; r++) {
      const start = parsed.findIndex((l) => l.requestId === `req-${r}`);
      expect(parsed.slice(start, start + 10).map((l) => l.personId)).toEqual(
        Array.from({ length: 10 }, (_, i) => `${r}-${i}`),
      );
    }
  });

  it('creates the file with mode 0600', async () => {
    const file = join(dir, 'audit.log');
    await open(file);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('throws AuditLogError naming AUDIT_LOG_FILE when the file cannot be opened at start', async () => {
    const file = join(dir, 'missing-dir', 'audit.log');
    await expect(createAuditLog({ file, now })).rejects.toThrow(AuditLogError);
    await expect(createAuditLog({ file, now })).rejects.toThrow(/AUDIT_LOG_FILE/);
  });

  it('rejects a write whose file handle failed, then recovers on the next write', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    await log.write([entry('11111111111')]);

    // Close the descriptor out from under the log: the next append fails with EBADF.
    await auditLogFileHandleForTests(log)?.close();
    const failed = log.write([entry('22222222222')]);
    await expect(failed).rejects.toThrow(AuditLogError);
    const error = await failed.catch((err: unknown) => err);
    expect(String((error as Error).message)).not.toContain('22222222222');

    await log.write([entry('33333333333')]);
    const personIds = (lines(await readFile(file, 'utf8')) as AuditLine[]).map((l) => l.personId);
    expect(personIds).toEqual(['11111111111', '33333333333']);
  });

  it('repairs a line cut short before it appends', async () => {
    const file = join(dir, 'audit.log');
    await writeFile(file, '{"time":"2025-06-15T11:59:59.000Z","type":"person_rev');
    const log = await open(file);
    await log.write([entry('11822648950')]);
    const text = await readFile(file, 'utf8');
    const [torn, ...rest] = text.split('\n');
    expect(torn).toBe('{"time":"2025-06-15T11:59:59.000Z","type":"person_rev');
    expect(lines(rest.join('\n'))).toEqual([expect.objectContaining({ personId: '11822648950' })]);
  });

  it.runIf(existsSync('/dev/full'))('rejects every write when the device is full (/dev/full)', async () => {
    const log = await open('/dev/full');
    await expect(log.write([entry('11822648950')])).rejects.toThrow(AuditLogError);
    await expect(log.write([entry('11822648950')])).rejects.toThrow(/ENOSPC/);
    await expect(log.write([entry('11822648950')])).rejects.not.toThrow(/11822648950/);
  });

  it('rejects writes after close, once the writes already accepted are written', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    const pending = log.write([entry('11822648950')]);
    const closed = log.close();
    await expect(log.write([entry('01010112345')])).rejects.toThrow(AuditLogError);
    await pending;
    await closed;
    await log.close();
    expect(lines(await readFile(file, 'utf8'))).toHaveLength(1);
  });

  it('writes a client change as one line with exactly the fields given, in a fixed order', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    await log.writeChange(change({ callerRequestId: 'their-id' }));
    await log.writeChange(
      change({
        stage: 'completed',
        caller: { sub: 'other' },
        action: 'updateClient',
        kid: undefined,
        fields: ['name', 'scopes'],
        outcome: 'refused',
        userErrorCodes: ['CONFLICT'],
      }),
    );
    await log.writeChange(
      change({
        stage: 'completed',
        action: 'createOnBehalfOf',
        onBehalfOfId: 'customer-a',
        kid: undefined,
        outcome: 'failed',
        errorCode: 'UPSTREAM_UNAVAILABLE',
      }),
    );
    const text = await readFile(file, 'utf8');
    expect(text.split('\n')[0]).toBe(
      '{"time":"2025-06-15T12:00:00.000Z","type":"client_change","stage":"requested","requestId":"req-1",' +
        '"callerRequestId":"their-id","caller":{"sub":"caller-sub","clientId":"client-1"},"action":"addClientJwk",' +
        '"clientId":"the-client","kid":"key-1"}',
    );
    expect(lines(text).slice(1)).toEqual([
      {
        time: '2025-06-15T12:00:00.000Z',
        type: 'client_change',
        stage: 'completed',
        requestId: 'req-1',
        caller: { sub: 'other' },
        action: 'updateClient',
        clientId: 'the-client',
        fields: ['name', 'scopes'],
        outcome: 'refused',
        userErrorCodes: ['CONFLICT'],
      },
      {
        time: '2025-06-15T12:00:00.000Z',
        type: 'client_change',
        stage: 'completed',
        requestId: 'req-1',
        caller: { sub: 'caller-sub', clientId: 'client-1' },
        action: 'createOnBehalfOf',
        clientId: 'the-client',
        onBehalfOfId: 'customer-a',
        outcome: 'failed',
        errorCode: 'UPSTREAM_UNAVAILABLE',
      },
    ]);
  });

  it('writes only the documented fields of a change record, whatever else the object carries', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    const record = { ...change(), clientSecret: 'SECRET-VALUE', key: { n: 'MODULUS', e: 'AQAB' } };
    await log.writeChange(record as ClientChangeRecord);
    const text = await readFile(file, 'utf8');
    expect(text).not.toMatch(/SECRET-VALUE|MODULUS|AQAB/);
  });

  it('bounds every caller-chosen string and list of a change record', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    const long = 'x'.repeat(100_000);
    await log.writeChange(
      change({
        requestId: long,
        callerRequestId: long,
        caller: { sub: long, clientId: long },
        action: long,
        clientId: long,
        onBehalfOfId: long,
        kid: long,
        kids: Array.from({ length: 1000 }, () => long),
        fields: Array.from({ length: 1000 }, () => long),
        userErrorCodes: Array.from({ length: 1000 }, () => long),
        errorCode: long,
      }),
    );
    const text = await readFile(file, 'utf8');
    const [line] = lines(text) as Record<string, unknown>[];
    const cut = 'x'.repeat(AUDIT_MAX_STRING_LENGTH) + '…';
    expect(line).toMatchObject({
      requestId: cut,
      callerRequestId: cut,
      caller: { sub: cut, clientId: cut },
      action: cut,
      clientId: cut,
      onBehalfOfId: cut,
      kid: cut,
      errorCode: cut,
    });
    for (const list of ['kids', 'fields', 'userErrorCodes']) {
      expect(line![list]).toHaveLength(AUDIT_MAX_LIST_ITEMS);
      expect((line![list] as string[]).every((v) => v === cut)).toBe(true);
    }
    // 12 strings plus 3 lists of 32, each of at most 257 characters, plus the names: a record has a fixed ceiling.
    expect(text.length).toBeLessThan((12 + 3 * AUDIT_MAX_LIST_ITEMS) * (AUDIT_MAX_STRING_LENGTH + 4) + 1000);
  });

  it('does not cut a surrogate pair in half, and keeps shorter strings whole', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    const emoji = 'a'.repeat(AUDIT_MAX_STRING_LENGTH - 1) + '😀' + 'tail';
    const exact = 'b'.repeat(AUDIT_MAX_STRING_LENGTH);
    await log.writeChange(change({ kid: emoji, clientId: exact }));
    const [line] = lines(await readFile(file, 'utf8')) as Record<string, unknown>[];
    expect(line!.kid).toBe('a'.repeat(AUDIT_MAX_STRING_LENGTH - 1) + '…');
    expect(line!.clientId).toBe(exact);
  });

  it('writes callerRequestId on a person line when given, and bounds the caller-chosen strings', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    const long = 'y'.repeat(5000);
    await log.write([
      entry('11822648950', { callerRequestId: 'their-id' }),
      entry('01010112345'),
      entry('01010112345', { operationName: long, caller: { sub: long, clientId: long } }),
    ]);
    const text = await readFile(file, 'utf8');
    expect(text.split('\n')[0]).toBe(
      '{"time":"2025-06-15T12:00:00.000Z","type":"person_revealed","requestId":"req-1","callerRequestId":"their-id",' +
        '"caller":{"sub":"caller-sub","clientId":"client-1"},"personId":"11822648950",' +
        '"dataGroups":["contact_information"],"operationName":"LookUp"}',
    );
    const [, second, third] = lines(text) as Record<string, unknown>[];
    expect(second).not.toHaveProperty('callerRequestId');
    const cut = 'y'.repeat(AUDIT_MAX_STRING_LENGTH) + '…';
    expect(third).toMatchObject({ operationName: cut, caller: { sub: cut, clientId: cut }, personId: '01010112345' });
  });

  it('shares one group commit between person lines and change records: all whole, in order of arrival', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    const pad = 'x'.repeat(200);
    await Promise.all(
      Array.from({ length: 100 }, (_, r) =>
        r % 2 === 0
          ? log.write(
              Array.from({ length: 5 }, (_, i) => entry(`${r}-${i}`, { requestId: `req-${r}`, operationName: pad })),
            )
          : log.writeChange(change({ requestId: `req-${r}`, kid: pad })),
      ),
    );
    const parsed = lines(await readFile(file, 'utf8')) as Record<string, unknown>[];
    expect(parsed).toHaveLength(50 * 5 + 50);
    const order = [...new Set(parsed.map((l) => l.requestId))];
    expect(order).toEqual(Array.from({ length: 100 }, (_, r) => `req-${r}`));
  });

  it.runIf(existsSync('/dev/full'))('rejects a change record when the device is full (/dev/full)', async () => {
    const log = await open('/dev/full');
    await expect(log.writeChange(change())).rejects.toThrow(AuditLogError);
    await expect(log.writeChange(change())).rejects.toThrow(/ENOSPC/);
  });

  it('rejects a change record after close', async () => {
    const file = join(dir, 'audit.log');
    const log = await open(file);
    await log.close();
    await expect(log.writeChange(change())).rejects.toThrow(AuditLogError);
  });
});

describe('audit log, stream mode (stdout)', () => {
  it('writes tagged lines of its own with "log":"audit"', async () => {
    const out = collector();
    const log = await createAuditLog({ destination: out.stream, now });
    await log.write([entry('11822648950'), entry('01010112345')]);
    expect(lines(out.text())).toEqual([
      {
        time: '2025-06-15T12:00:00.000Z',
        log: 'audit',
        type: 'person_revealed',
        requestId: 'req-1',
        caller: { sub: 'caller-sub', clientId: 'client-1' },
        personId: '11822648950',
        dataGroups: ['contact_information'],
        operationName: 'LookUp',
      },
      expect.objectContaining({ log: 'audit', personId: '01010112345' }),
    ]);
    await log.close();
    expect(out.stream.destroyed).toBe(false); // stdout is not ours to end
  });

  it('writes every optional member of a tagged person line in its place, byte for byte', async () => {
    const out = collector();
    const log = await createAuditLog({ destination: out.stream, now });
    const optional = { callerRequestId: 'their-id', consumer: '991825827', supplier: '987654325' };
    await log.write([entry('11822648950', optional), entry('01010112345')]);
    expect(out.text()).toBe(
      '{"time":"2025-06-15T12:00:00.000Z","log":"audit","type":"person_revealed","requestId":"req-1",' +
        '"callerRequestId":"their-id","caller":{"sub":"caller-sub","clientId":"client-1"},"personId":"11822648950",' +
        '"dataGroups":["contact_information"],"operationName":"LookUp","consumer":"991825827","supplier":"987654325"}\n' +
        '{"time":"2025-06-15T12:00:00.000Z","log":"audit","type":"person_revealed","requestId":"req-1",' +
        '"caller":{"sub":"caller-sub","clientId":"client-1"},"personId":"01010112345",' +
        '"dataGroups":["contact_information"],"operationName":"LookUp"}\n',
    );
    await log.close();
  });

  it('defaults to process.stdout', async () => {
    const log = await createAuditLog({ now });
    await log.write([]);
    await log.close();
  });

  it('does not interleave concurrent writes', async () => {
    const out = collector();
    const log = await createAuditLog({ destination: out.stream, now });
    await Promise.all(
      Array.from({ length: 200 }, (_, r) =>
        log.write(Array.from({ length: 10 }, (_, i) => entry(`${r}-${i}`, { requestId: `req-${r}` }))),
      ),
    );
    expect(lines(out.text())).toHaveLength(2000);
  });

  it('writes the lines of every request finishing in one event-loop turn in one write', async () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString('utf8'));
        callback();
      },
    });
    const log = await createAuditLog({ destination: sink, now });
    // As the requests one KRR answer completes: each submits its lines in the same turn.
    await Promise.all(
      Array.from({ length: 5 }, (_, r) => log.write([entry('11822648950', { requestId: `req-${r}` })])),
    );
    expect(chunks).toHaveLength(1);
    expect(lines(chunks[0] as string).map((l) => (l as { requestId: string }).requestId)).toEqual([
      'req-0',
      'req-1',
      'req-2',
      'req-3',
      'req-4',
    ]);
  });

  it('waits for drain when the stream asks for backpressure', async () => {
    const chunks: string[] = [];
    let release: (() => void) | undefined;
    const slow = new Writable({
      highWaterMark: 16,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString('utf8'));
        release = () => callback();
      },
    });
    const log = await createAuditLog({ destination: slow, now });
    let done = false;
    const first = log.write([entry('11822648950')]).then(() => {
      done = true;
    });
    await new Promise((resolve) => setImmediate(resolve)); // the first write is under way
    const second = log.write([entry('01010112345')]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    expect(chunks).toHaveLength(1); // the second batch waits for the first to be written
    release?.();
    await first;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(chunks).toHaveLength(2);
    release?.();
    await second;
  });

  it('rejects when the stream errors, and on every write after it is destroyed', async () => {
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('broken pipe'), { code: 'EPIPE' }));
      },
    });
    const log = await createAuditLog({ destination: failing, now });
    const first = log.write([entry('11822648950')]);
    await expect(first).rejects.toThrow(AuditLogError);
    await expect(first).rejects.toThrow(/EPIPE/);
    await expect(log.write([entry('11822648950')])).rejects.toThrow(AuditLogError);
  });

  it('rejects when the stream is destroyed while a write is pending', async () => {
    const stuck = new Writable({
      write() {
        // never calls back
      },
    });
    const log = await createAuditLog({ destination: stuck, now });
    const pending = log.write([entry('11822648950')]);
    await new Promise((resolve) => setImmediate(resolve)); // the write is in flight
    stuck.destroy();
    await expect(pending).rejects.toThrow(AuditLogError);
    await expect(pending).rejects.toThrow(/failed/);
    await expect(log.write([entry('01010112345')])).rejects.toThrow(AuditLogError);
  });

  it('writes a change record tagged "log":"audit"', async () => {
    const out = collector();
    const log = await createAuditLog({ destination: out.stream, now });
    await log.writeChange(change({ stage: 'completed', outcome: 'succeeded', callerRequestId: 'their-id' }));
    await log.write([entry('11822648950', { callerRequestId: 'their-id' })]);
    const text = out.text();
    expect(text.split('\n')[0]).toBe(
      '{"time":"2025-06-15T12:00:00.000Z","log":"audit","type":"client_change","stage":"completed",' +
        '"requestId":"req-1","callerRequestId":"their-id","caller":{"sub":"caller-sub","clientId":"client-1"},' +
        '"action":"addClientJwk","clientId":"the-client","kid":"key-1","outcome":"succeeded"}',
    );
    expect(lines(text)[1]).toEqual({
      time: '2025-06-15T12:00:00.000Z',
      log: 'audit',
      type: 'person_revealed',
      requestId: 'req-1',
      callerRequestId: 'their-id',
      caller: { sub: 'caller-sub', clientId: 'client-1' },
      personId: '11822648950',
      dataGroups: ['contact_information'],
      operationName: 'LookUp',
    });
    await log.close();
  });

  it('rejects a change record when the stream fails', async () => {
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('broken pipe'), { code: 'EPIPE' }));
      },
    });
    const log = await createAuditLog({ destination: failing, now });
    await expect(log.writeChange(change())).rejects.toThrow(/EPIPE/);
    await expect(log.writeChange(change())).rejects.toThrow(AuditLogError);
  });

  it('rejects when the stream was already ended', async () => {
    const out = collector();
    out.stream.end();
    const log = await createAuditLog({ destination: out.stream, now });
    await expect(log.write([entry('11822648950')])).rejects.toThrow(AuditLogError);
  });
});
