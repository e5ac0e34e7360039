import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

const DEFAULT_GRACE_MS = 1000;

/** One answer written and not yet taken whole by its socket. */
interface Waiting {
  res: ServerResponse;
  /** Its connection: a pipelined answer queued behind another has no socket of its own yet. */
  socket: Socket;
  since: number;
  /** Its bytes not yet taken at the last look, and when the caller last took some. */
  unread: number;
  progressAt: number;
}

/**
 * The bytes a socket has waiting in libuv for the kernel to accept: they go down as the caller reads. Node's own
 * counts do not: a written answer is one chunk, counted whole until the last of its bytes is accepted.
 */
function queuedInLibuv(socket: Socket): number | undefined {
  const queued = (socket as unknown as { _handle?: { writeQueueSize?: unknown } })._handle?.writeQueueSize;
  return typeof queued === 'number' ? queued : undefined;
}

/**
 * Answers written but not yet taken by their callers, bounded. node:http keeps what the socket has not accepted in
 * memory for as long as the connection lasts, and nothing else releases it: admission and the body budget are released
 * once the answer is written (so a caller that does not read cannot lock others out), and a red-team run held 12–14 MB
 * per connection that sent a large query and never read the answer (24 of them: 510 MB). Here an answer's connection
 * is closed once the answer has waited `timeoutMs` in all, or, while the answers waiting hold more than `maxBytes`
 * unread, once its caller has taken nothing for `graceMs` (the longest idle first). A caller that reads takes its
 * answer as fast as it reads and is never cut for the bytes others hold; one that reads nothing is.
 */
export class PendingAnswers {
  private readonly waiting = new Set<Waiting>();
  /** Per connection with answers waiting, its bytes queued in libuv at the last look. */
  private readonly queued = new WeakMap<Socket, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: {
      maxBytes: number;
      timeoutMs: number;
      /** How long a caller may take nothing before the byte bound may close its connection (default 1 s). */
      graceMs?: number;
      log?: Pick<Logger, 'warn'>;
      now?: () => number;
    },
  ) {}

  /** Right after `res.end(answer)`: watched until `socket` has taken the whole answer, when it has not yet. */
  track(res: ServerResponse, socket: Socket): void {
    const unread = res.writableLength;
    if (unread === 0 || res.writableFinished || socket.destroyed) return;
    const now = this.now();
    const entry: Waiting = { res, socket, since: now, unread, progressAt: now };
    this.waiting.add(entry);
    const taken = () => this.forget(entry);
    res.once('finish', taken);
    res.once('close', taken);
    // A queued pipelined answer gets neither event when its connection goes first.
    socket.once('close', taken);
    this.trim();
    this.timer ??= setInterval(() => this.trim(), this.interval()).unref();
  }

  private interval(): number {
    return Math.max(50, Math.min(1000, this.opts.timeoutMs / 2, this.graceMs / 2));
  }

  private get graceMs(): number {
    return this.opts.graceMs ?? DEFAULT_GRACE_MS;
  }

  private forget(entry: Waiting): void {
    if (!this.waiting.delete(entry)) return;
    if (this.waiting.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private trim(): void {
    const now = this.now();
    // A connection that took bytes since the last look: every answer on it is being read (those queued behind wait).
    const reading = new Set<Socket>();
    for (const entry of this.waiting) {
      const queued = queuedInLibuv(entry.socket);
      if (queued === undefined) continue;
      const before = this.queued.get(entry.socket);
      if (before !== undefined && queued < before) reading.add(entry.socket);
      this.queued.set(entry.socket, queued);
    }
    let unread = 0;
    for (const entry of this.waiting) {
      const left = entry.res.writableLength;
      if (left < entry.unread || reading.has(entry.socket)) entry.progressAt = now;
      entry.unread = left;
      unread += left;
    }
    for (const entry of this.waiting) {
      if (now - entry.since >= this.opts.timeoutMs) unread -= this.close(entry, now, 'timeout');
    }
    if (unread <= this.opts.maxBytes) return;
    const idle = [...this.waiting]
      .filter((entry) => now - entry.progressAt >= this.graceMs)
      .sort((a, b) => a.progressAt - b.progressAt);
    for (const entry of idle) {
      if (unread <= this.opts.maxBytes) break;
      unread -= this.close(entry, now, 'unread answers over the limit');
    }
  }

  /** Closes the entry's connection; answers its unread bytes. */
  private close(entry: Waiting, now: number, why: string): number {
    this.forget(entry);
    // Another answer of the same (pipelined) connection closed it in this look: its 'close' event is still to come.
    if (entry.socket.destroyed) return entry.unread;
    this.opts.log?.warn(
      { bytes: entry.unread, waitedMs: Math.round(now - entry.since), idleMs: Math.round(now - entry.progressAt), why },
      'closed a connection whose caller did not take its answer',
    );
    entry.socket.destroy();
    return entry.unread;
  }

  private now(): number {
    return this.opts.now?.() ?? performance.now();
  }
}
