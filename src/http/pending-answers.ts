import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';

/**
 * Answers written but not yet taken by their callers, bounded. node:http keeps what the socket has not accepted in
 * memory for as long as the connection lasts, and nothing else releases it: admission and the body budget are released
 * once the answer is written (so a caller that does not read cannot lock others out), and a red-team run held 12–14 MB
 * per connection that sent a large query and never read the answer (24 of them: 510 MB). Here such an answer's
 * connection is closed once it has waited `timeoutMs`, or, while the answers waiting hold more than `maxBytes`, once
 * it has waited `graceMs` (oldest first). A caller that reads as it should takes its answer within milliseconds and
 * never meets either.
 */
export class PendingAnswers {
  /** Insertion order is age order: the oldest first. */
  private readonly waiting = new Map<ServerResponse, { bytes: number; since: number }>();
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: {
      maxBytes: number;
      timeoutMs: number;
      /** How long an answer may wait before the byte bound may close its connection (default 1 s). */
      graceMs?: number;
      log?: Pick<Logger, 'warn'>;
      now?: () => number;
    },
  ) {}

  /** The bytes of answers written and not yet accepted by their sockets. */
  get heldBytes(): number {
    return this.bytes;
  }

  /** Right after `res.end(answer)`: watched until the socket has taken the whole answer, when it has not yet. */
  track(res: ServerResponse): void {
    const bytes = res.writableLength;
    if (bytes === 0 || res.writableFinished || res.destroyed) return;
    this.waiting.set(res, { bytes, since: this.now() });
    this.bytes += bytes;
    const taken = () => this.forget(res);
    res.once('finish', taken);
    res.once('close', taken);
    this.trim();
    this.timer ??= setInterval(() => this.trim(), Math.max(100, Math.min(1000, this.opts.timeoutMs / 2))).unref();
  }

  private forget(res: ServerResponse): void {
    const entry = this.waiting.get(res);
    if (!entry) return;
    this.waiting.delete(res);
    this.bytes -= entry.bytes;
    if (this.waiting.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private trim(): void {
    const now = this.now();
    const graceMs = this.opts.graceMs ?? 1000;
    for (const [res, { bytes, since }] of this.waiting) {
      const waited = now - since;
      // Oldest first: once one has waited too little for either reason, so have all after it.
      if (waited < this.opts.timeoutMs && !(this.bytes > this.opts.maxBytes && waited >= graceMs)) break;
      this.forget(res);
      this.opts.log?.warn(
        { bytes, waitedMs: Math.round(waited), heldBytes: this.bytes },
        'closed a connection whose caller did not take its answer',
      );
      res.destroy();
    }
  }

  private now(): number {
    return this.opts.now?.() ?? performance.now();
  }
}
