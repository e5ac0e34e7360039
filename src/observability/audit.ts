import { open, type FileHandle } from 'node:fs/promises';
import { traceAuditWrite, tracingEnabled } from './tracing.js';

/**
 * The audit log: one JSON line per person a response reveals, and per stage of every change to a client, kept apart
 * from the normal log. It is the one place a fødselsnummer is written. The facade fails closed: a resolver that cannot
 * get its audit lines written withholds the person (or does not make the change), so {@link AuditLog.write} and
 * {@link AuditLog.writeChange} reject whenever the lines were not handed to the operating system (a successful
 * `write(2)` on the file, or the stream's write callback). It does not `fsync` each batch: a crash of the machine
 * (not of the process) may lose the last lines the kernel had not yet flushed.
 *
 * Size: every string a caller chooses (caller sub and client id, request ids, operation name, client, onbehalfof and
 * key ids, codes) is cut to {@link AUDIT_MAX_STRING_LENGTH} characters and then marked with a trailing `…`; every list
 * of a change record to {@link AUDIT_MAX_LIST_ITEMS} entries. So no record grows with the caller's input.
 */

/** Longest caller-chosen string written as is; a longer one keeps its first 256 characters, followed by `…`. */
export const AUDIT_MAX_STRING_LENGTH = 256;
/** Most entries written of a list in a change record (`kids`, `fields`, `userErrorCodes`); the rest are left out. */
export const AUDIT_MAX_LIST_ITEMS = 32;

export type AuditDataGroup = 'contact_information' | 'digital_post';

/**
 * The persons one look-up revealed, and what their records share: one line is written per person
 * (`{"time", "type":"person_revealed", "requestId", "callerRequestId"?, "caller", "personId", "dataGroups",
 * "operationName", "consumer"?, "supplier"?}`).
 */
export interface PersonsRevealed {
  requestId: string;
  /** The caller's own (validated) `x-request-id`, when it sent one; written as `"callerRequestId"`. */
  callerRequestId?: string;
  caller: { sub: string; clientId?: string };
  /** The fødselsnumre, one line each: the audit log is the ONE place they are written. */
  personIds: readonly string[];
  dataGroups: AuditDataGroup[];
  operationName: string | null;
  /** The legal consumer's organisation number: ours, or the customer's in supplier mode. */
  consumer?: string;
  /** Our organisation number when the look-up was made for a customer (supplier mode). */
  supplier?: string;
}

/**
 * One stage of one change to a client (`"type":"client_change"`). Following the Kubernetes audit log, a change has two
 * records with the same `requestId`: `requested`, written before anything is sent upstream (a change whose record
 * cannot be written is not made), and `completed` with the outcome. Never a secret, key material or the value of a
 * changed field: `fields` names the input fields given.
 */
export interface ClientChangeRecord {
  stage: 'requested' | 'completed';
  requestId: string;
  callerRequestId?: string;
  caller: { sub: string; clientId?: string };
  /** The mutation, e.g. `addClientJwk`. */
  action: string;
  /** The client changed; for `createClient`, the new client's id, in the completed record of a success. */
  clientId?: string;
  onBehalfOfId?: string;
  /** The key added or removed. */
  kid?: string;
  /** The key ids of a whole key set given (`replaceClientJwks`). */
  kids?: string[];
  /** Names of the input fields given (never their values). */
  fields?: string[];
  /**
   * Completed records only. `unknown`: the change was sent but its outcome is not known (no readable answer, or a 2xx
   * one that could not be read): it may have been made.
   */
  outcome?: 'succeeded' | 'refused' | 'failed' | 'unknown';
  /** `refused`: the codes of the payload's user errors. */
  userErrorCodes?: string[];
  /** `failed` and `unknown`: the GraphQL error's code. */
  errorCode?: string;
}

export interface AuditLog {
  /**
   * Appends one line per person of each record (see {@link PersonsRevealed}), in one write; resolves when written,
   * rejects (with {@link AuditLogError}) when not. Nothing to write resolves without writing.
   */
  write(records: readonly PersonsRevealed[]): Promise<void>;
  /**
   * Appends one line (`{"time": ISO, "type":"client_change", "stage", "requestId", "callerRequestId"?, "caller",
   * "action", "clientId"?, "onBehalfOfId"?, "kid"?, "kids"?, "fields"?, "outcome"?, "userErrorCodes"?, "errorCode"?}`),
   * sharing the group commit of {@link write}; resolves when written, rejects (with {@link AuditLogError}) when not.
   */
  writeChange(record: ClientChangeRecord): Promise<void>;
  /** Waits for the writes already accepted, then releases the file (a stream destination is left open). Idempotent. */
  close(): Promise<void>;
}

/** Never carries personal data in its message. */
export class AuditLogError extends Error {
  override name = 'AuditLogError';
}

export interface AuditLogOptions {
  /** `AUDIT_LOG_FILE`: append to this file. Unset: write to `destination` (default `process.stdout`). */
  file?: string;
  destination?: NodeJS.WritableStream;
  now?: () => number;
}

/**
 * `file` set: append to that file (created with mode 0600 if missing, opened once with flag 'a'; a failure to open it
 * at start throws {@link AuditLogError} naming `AUDIT_LOG_FILE`; after a write error the file is reopened on the next
 * write). `file` unset: a stream of its own on stdout (`destination` overridable), each line additionally tagged
 * `"log":"audit"` so log collectors can separate it from the normal log.
 */
export async function createAuditLog(opts: AuditLogOptions): Promise<AuditLog> {
  const now = opts.now ?? Date.now;
  if (opts.file !== undefined) {
    const path = opts.file;
    let opened: OpenedFile;
    try {
      opened = await openAuditFile(path);
    } catch (err) {
      throw new AuditLogError(`AUDIT_LOG_FILE: cannot open ${path} for appending (${errorCode(err)})`, { cause: err });
    }
    return new FileAuditLog(path, opened, now);
  }
  return new StreamAuditLog(opts.destination ?? process.stdout, now);
}

/** Test hook: the file handle a file-mode audit log currently holds (null when none is open, or in stream mode). */
export function auditLogFileHandleForTests(log: AuditLog): FileHandle | null {
  return log instanceof FileAuditLog ? log.currentHandle() : null;
}

/**
 * The lines of one write, as bytes: the lines of one record differ only in the person, so everything around the id is
 * serialized once per record and copied, and the lines never exist as strings (a 1000-person answer's 230 KB were
 * built, joined and encoded to UTF-8 again before). A record whose ids are all plain and of one length (every valid
 * fødselsnummer: 11 digits) copies its first line over the whole record, doubling, and then writes each id in its
 * place: a few memmoves instead of two copies per line.
 */
function formatLines(records: readonly PersonsRevealed[], time: string, tagged: boolean): Buffer {
  const contexts = records.map((record) => lineContext(record, time, tagged));
  let bound = 0;
  records.forEach((record, r) => {
    const { head, tail } = contexts[r] as { head: Buffer; tail: Buffer };
    for (const id of record.personIds) {
      // JSON escapes a UTF-16 unit to at most 6 bytes (\uXXXX), and UTF-8 needs at most 3; plus the quotes.
      bound += head.length + tail.length + id.length * 6 + 2;
    }
  });
  const out = Buffer.allocUnsafe(bound);
  let offset = 0;
  records.forEach((record, r) => {
    const { head, tail } = contexts[r] as { head: Buffer; tail: Buffer };
    const ids = record.personIds;
    const count = ids.length;
    if (count === 0) return;
    const lineStart = offset;
    offset = writeLine(out, offset, head, ids[0] as string, tail);
    if (count === 1) return;
    const length = (ids[0] as string).length;
    if (!ids.every((id) => id.length === length && isPlain(id))) {
      for (let k = 1; k < count; k++) offset = writeLine(out, offset, head, ids[k] as string, tail);
      return;
    }
    const lineLength = offset - lineStart;
    const total = lineLength * count;
    for (let filled = lineLength; filled < total; filled *= 2) {
      out.copyWithin(lineStart + filled, lineStart, lineStart + Math.min(filled, total - filled));
    }
    // Each id inside its quotes, at the same place in every line.
    for (let k = 1, at = lineStart + lineLength + head.length + 1; k < count; k++, at += lineLength) {
      const id = ids[k] as string;
      for (let j = 0; j < length; j++) out[at + j] = id.charCodeAt(j);
    }
    offset = lineStart + total;
  });
  return out.subarray(0, offset);
}

/** One line at `offset`: its head, the id as a JSON string, its tail; answers where the next line starts. */
function writeLine(out: Buffer, offset: number, head: Buffer, id: string, tail: Buffer): number {
  out.set(head, offset);
  const end = writeJsonString(out, offset + head.length, id);
  out.set(tail, end);
  return end + tail.length;
}

/** Printable ASCII without a quote or backslash: written into JSON as it is, one byte per character. */
function isPlain(value: string): boolean {
  for (let j = 0; j < value.length; j++) {
    const code = value.charCodeAt(j);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
  }
  return true;
}

/** A line's bytes before the person id (up to `"personId":`) and after it (through the newline). */
function lineContext(e: PersonsRevealed, time: string, tagged: boolean): { head: Buffer; tail: Buffer } {
  // A member left undefined is left out of the line by JSON.stringify; conditional spreads would say the same, but on
  // Node 20 `...(c ? {…} : {})` takes V8's slow path, microseconds a request.
  const before = {
    time,
    log: tagged ? 'audit' : undefined,
    type: 'person_revealed',
    requestId: bounded(e.requestId),
    callerRequestId: e.callerRequestId === undefined ? undefined : bounded(e.callerRequestId),
    caller: boundedCaller(e.caller),
  };
  const operationName = e.operationName == null ? null : bounded(e.operationName);
  const after = { dataGroups: [...e.dataGroups], operationName, consumer: e.consumer, supplier: e.supplier };
  // JSON.stringify escapes control characters, so no field can break a line in two.
  return {
    head: Buffer.from(`${JSON.stringify(before).slice(0, -1)},"personId":`),
    tail: Buffer.from(`,${JSON.stringify(after).slice(1)}\n`),
  };
}

/** `value` as a JSON string at `offset`; a plain one (every valid id) byte by byte. */
function writeJsonString(out: Buffer, offset: number, value: string): number {
  if (!isPlain(value)) return offset + out.write(JSON.stringify(value), offset);
  out[offset++] = 0x22;
  for (let j = 0; j < value.length; j++) out[offset++] = value.charCodeAt(j);
  out[offset++] = 0x22;
  return offset;
}

function formatChange(r: ClientChangeRecord, time: string, tagged: boolean): Buffer {
  // Built field by field (not spread from the record): nothing the record carries beyond these fields is written.
  const line: Record<string, unknown> = {
    time,
    log: tagged ? 'audit' : undefined, // undefined: JSON.stringify leaves it out (see lineContext)
    type: 'client_change',
    stage: r.stage,
    requestId: bounded(r.requestId),
  };
  if (r.callerRequestId !== undefined) line.callerRequestId = bounded(r.callerRequestId);
  line.caller = boundedCaller(r.caller);
  line.action = bounded(r.action);
  if (r.clientId !== undefined) line.clientId = bounded(r.clientId);
  if (r.onBehalfOfId !== undefined) line.onBehalfOfId = bounded(r.onBehalfOfId);
  if (r.kid !== undefined) line.kid = bounded(r.kid);
  if (r.kids !== undefined) line.kids = boundedList(r.kids);
  if (r.fields !== undefined) line.fields = boundedList(r.fields);
  if (r.outcome !== undefined) line.outcome = r.outcome;
  if (r.userErrorCodes !== undefined) line.userErrorCodes = boundedList(r.userErrorCodes);
  if (r.errorCode !== undefined) line.errorCode = bounded(r.errorCode);
  // JSON.stringify escapes control characters, so no field can break a line in two.
  return Buffer.from(`${JSON.stringify(line)}\n`);
}

function boundedCaller(caller: { sub: string; clientId?: string }): { sub: string; clientId?: string } {
  const out: { sub: string; clientId?: string } = { sub: bounded(caller.sub) };
  if (caller.clientId !== undefined) out.clientId = bounded(caller.clientId);
  return out;
}

/** A string of at most {@link AUDIT_MAX_STRING_LENGTH} characters, plus `…` when it was cut. */
function bounded(value: string): string {
  const text = String(value);
  if (text.length <= AUDIT_MAX_STRING_LENGTH) return text;
  let cut = text.slice(0, AUDIT_MAX_STRING_LENGTH);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1); // no half of a surrogate pair
  return `${cut}…`;
}

function boundedList(values: readonly string[]): string[] {
  return values.slice(0, AUDIT_MAX_LIST_ITEMS).map(bounded);
}

function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  if (err instanceof Error) return err.name;
  return 'unknown error';
}

/**
 * Group commit: one write at a time, in arrival order, and everything that arrived meanwhile goes out together in the
 * next write. Each caller learns whether its own lines were written (fail closed), and a busy facade makes one write
 * per round trip of the file system instead of one per request (which capped throughput).
 *
 * The first write waits for the end of the event-loop turn (`setImmediate`): the requests one KRR answer completes all
 * submit their lines in that turn, and they go out as one write instead of the first alone and the rest in a second.
 * Each write hands work to libuv's thread pool and back, about 16 µs of the main thread (100-person queries from 16
 * callers with KRR calls of 200 ids: 0.46 writes a request before, 0.36 after; with calls of 1000 ids 0.14).
 */
class GroupCommit {
  private pending: { data: Buffer; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private draining: Promise<void> | undefined;

  constructor(private readonly writeAll: (data: Buffer) => Promise<void>) {}

  submit(data: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ data, resolve, reject });
      this.draining ??= endOfTurn().then(() => this.drain());
    });
  }

  idle(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.writeAll(
          batch.length === 1 ? (batch[0] as (typeof batch)[0]).data : Buffer.concat(batch.map((b) => b.data)),
        );
        for (const b of batch) b.resolve();
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.draining = undefined;
  }
}

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface OpenedFile {
  handle: FileHandle;
  /** The file does not end with a newline (a batch was cut short by an earlier failure or crash). */
  partialLastLine: boolean;
}

async function openAuditFile(path: string): Promise<OpenedFile> {
  const handle = await open(path, 'a', 0o600);
  try {
    return { handle, partialLastLine: await endsWithoutNewline(path, handle) };
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/** Whether the file's last byte is something other than '\n' (an empty file needs no repair). */
async function endsWithoutNewline(path: string, handle: FileHandle): Promise<boolean> {
  const stats = await handle.stat();
  const size = stats.size;
  if (!stats.isFile() || size === 0) return false;
  // The append handle is write-only; read the last byte through a handle of its own.
  let reader: FileHandle | undefined;
  try {
    reader = await open(path, 'r');
    const buf = Buffer.alloc(1);
    const { bytesRead } = await reader.read(buf, 0, 1, size - 1);
    return bytesRead === 1 && buf[0] !== 0x0a;
  } catch {
    return true; // cannot tell: an empty line is a smaller harm than a record glued to a broken one
  } finally {
    await reader?.close().catch(() => undefined);
  }
}

const NEWLINE = Buffer.from('\n');

class FileAuditLog implements AuditLog {
  private readonly queue = new GroupCommit((data) => this.append(data));
  private closing = false;
  private closed: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private opened: OpenedFile | null,
    private readonly now: () => number,
  ) {}

  currentHandle(): FileHandle | null {
    return this.opened?.handle ?? null;
  }

  async write(records: readonly PersonsRevealed[]): Promise<void> {
    if (this.closing) throw new AuditLogError('audit log is closed');
    const lines = lineCount(records);
    if (lines === 0) return;
    const data = formatLines(records, isoTime(this.now), false);
    return traced(this.queue.submit(data), records[0]?.requestId, 'person_revealed', lines);
  }

  async writeChange(record: ClientChangeRecord): Promise<void> {
    if (this.closing) throw new AuditLogError('audit log is closed');
    return traced(
      this.queue.submit(formatChange(record, isoTime(this.now), false)),
      record.requestId,
      'client_change',
      1,
    );
  }

  private async append(data: Buffer): Promise<void> {
    let opened = this.opened;
    if (!opened) {
      try {
        opened = await openAuditFile(this.path);
      } catch (err) {
        throw new AuditLogError(`audit log: cannot reopen AUDIT_LOG_FILE (${errorCode(err)})`, { cause: err });
      }
      this.opened = opened;
    }
    const payload = opened.partialLastLine ? Buffer.concat([NEWLINE, data]) : data;
    try {
      // One appendFile per batch (it loops over short writes); the queue keeps batches from interleaving.
      await opened.handle.appendFile(payload);
      opened.partialLastLine = false;
    } catch (err) {
      // Part of the batch may have reached the file; drop the handle so the next write reopens and repairs the line.
      this.opened = null;
      await opened.handle.close().catch(() => undefined);
      throw new AuditLogError(`audit log: write to AUDIT_LOG_FILE failed (${errorCode(err)})`, { cause: err });
    }
  }

  close(): Promise<void> {
    this.closing = true;
    this.closed ??= this.queue.idle().then(async () => {
      const opened = this.opened;
      this.opened = null;
      await opened?.handle.close().catch(() => undefined);
    });
    return this.closed;
  }
}

type StreamState = Partial<{ destroyed: boolean; writableEnded: boolean; errored: Error | null }>;

class StreamAuditLog implements AuditLog {
  private readonly queue = new GroupCommit((data) => this.writeChunk(data));
  private closing = false;

  constructor(
    private readonly destination: NodeJS.WritableStream,
    private readonly now: () => number,
  ) {}

  async write(records: readonly PersonsRevealed[]): Promise<void> {
    if (this.closing) throw new AuditLogError('audit log is closed');
    const lines = lineCount(records);
    if (lines === 0) return;
    const data = formatLines(records, isoTime(this.now), true);
    return traced(this.queue.submit(data), records[0]?.requestId, 'person_revealed', lines);
  }

  async writeChange(record: ClientChangeRecord): Promise<void> {
    if (this.closing) throw new AuditLogError('audit log is closed');
    return traced(
      this.queue.submit(formatChange(record, isoTime(this.now), true)),
      record.requestId,
      'client_change',
      1,
    );
  }

  /**
   * Resolves once the stream's write callback reported success and, when `write` asked for backpressure, 'drain'
   * came. Rejects on a callback error, an 'error' or 'close' event first, or a stream that can no longer be written.
   */
  private writeChunk(data: Buffer): Promise<void> {
    const dest = this.destination;
    const state = dest as NodeJS.WritableStream & StreamState;
    return new Promise<void>((resolve, reject) => {
      if (state.destroyed || state.writableEnded || state.errored || dest.writable === false) {
        reject(new AuditLogError('audit log: the output stream is no longer writable'));
        return;
      }
      let settled = false;
      let written = false;
      let drained = true;
      const cleanup = () => {
        dest.off('error', onError);
        dest.off('close', onClose);
        dest.off('drain', onDrain);
      };
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(new AuditLogError(`audit log: write to the output stream failed (${errorCode(err)})`, { cause: err }));
      };
      const settleIfDone = () => {
        if (settled || !written || !drained) return;
        settled = true;
        cleanup();
        resolve();
      };
      const onError = (err: unknown) => fail(err);
      const onClose = () => fail(new Error('stream closed'));
      const onDrain = () => {
        drained = true;
        settleIfDone();
      };
      dest.on('error', onError);
      dest.on('close', onClose);
      let accepted: boolean;
      try {
        accepted = dest.write(data, (err?: Error | null) => {
          if (err) {
            fail(err);
            // A Writable emits the same error as an 'error' event right after this callback; it has been reported
            // here, so it must not reach the process as an unhandled 'error' event.
            dest.once('error', () => undefined);
            return;
          }
          written = true;
          settleIfDone();
        });
      } catch (err) {
        fail(err);
        return;
      }
      if (!accepted && !settled) {
        drained = false;
        dest.on('drain', onDrain);
      }
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    // The destination (stdout by default) belongs to the process: wait for our writes, leave it open.
    await this.queue.idle();
  }
}

/** With tracing on, a write is a span (record type and count, outcome) under the request's operation. */
function traced(
  written: Promise<void>,
  requestId: string | undefined,
  recordType: 'person_revealed' | 'client_change',
  records: number,
): Promise<void> {
  return tracingEnabled ? traceAuditWrite(written, requestId, recordType, records) : written;
}

/** The lines `records` make: one per person. */
function lineCount(records: readonly PersonsRevealed[]): number {
  let lines = 0;
  for (const record of records) lines += record.personIds.length;
  return lines;
}

function isoTime(now: () => number): string {
  const time = new Date(now());
  if (Number.isNaN(time.getTime())) throw new AuditLogError('audit log: the clock returned an invalid time');
  return time.toISOString();
}
