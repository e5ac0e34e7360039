/**
 * Fault injection for the sandbox simulators: tests queue faults (error statuses with Retry-After, latency, connection
 * resets, stalled bodies, requests never answered) so the facade's deadlines, retries and circuit breakers can be
 * proven over real HTTP. A simulator calls `apply` where a request would otherwise be answered normally.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { sendJson } from './http-util.js';

export type Fault =
  /** Answer this status with a JSON body (default: the simulator's error body), optionally with Retry-After. */
  | { kind: 'status'; status: number; body?: unknown; retryAfter?: string }
  /** Delay by `ms`, then answer normally. */
  | { kind: 'latency'; ms: number }
  /** Destroy the connection without answering (ECONNRESET at the client). */
  | { kind: 'reset' }
  /** Send `status` (default 200), the headers and part of a body, then never finish: the client must end it. */
  | { kind: 'stall'; status?: number }
  /** Accept the request and never answer at all: the client's headers timeout must end it. */
  | { kind: 'stall-headers' };

export interface FaultInjectorOptions {
  /** The body of a `status` fault without one (default `{ code: 'SIMULATED_FAILURE', message: 'simulated N' }`). */
  defaultBody?: (status: number) => unknown;
}

interface QueuedFault {
  fault: Fault;
  remaining: number;
}

interface Wait {
  timer: NodeJS.Timeout;
  done: (completed: boolean) => void;
}

/** What a stalled body starts with: a plausible JSON prefix that never completes. */
const STALL_PREFIX = '{"personer":[';

const defaultErrorBody = (status: number): unknown => ({ code: 'SIMULATED_FAILURE', message: `simulated ${status}` });

/** The status to record for a request a fault handled: the status answered, 0 when reset, stalled or cut off. */
export function faultStatus(res: ServerResponse): number {
  return res.writableEnded ? res.statusCode : 0;
}

export class FaultInjector {
  private readonly queue: QueuedFault[] = [];
  private persistent: Fault | undefined;
  private latencyMs = 0;
  private count = 0;
  private readonly defaultBody: (status: number) => unknown;
  /** Responses left hanging by `stall` / `stall-headers`, destroyed by `destroyPending`. */
  private readonly hanging = new Set<ServerResponse>();
  private readonly waits = new Set<Wait>();

  constructor(opts: FaultInjectorOptions = {}) {
    this.defaultBody = opts.defaultBody ?? defaultErrorBody;
  }

  /** Faults applied so far. */
  get injected(): number {
    return this.count;
  }

  /** The next `count` requests (default 1) get `fault`, in FIFO order with other queued faults. */
  enqueue(fault: Fault, count = 1): void {
    if (!(count >= 1)) return;
    this.queue.push({ fault, remaining: Math.floor(count) });
  }

  /** A fault applied to every request until cleared (e.g. an outage: `{ kind: 'status', status: 503 }`), after queued ones. */
  setPersistent(fault: Fault | undefined): void {
    this.persistent = fault;
  }

  /** Latency added to every request that is answered normally (ms). */
  setLatency(ms: number): void {
    this.latencyMs = Number.isFinite(ms) ? Math.max(0, ms) : 0;
  }

  /** Forgets queued and persistent faults and the added latency (the `injected` count stays). */
  clear(): void {
    this.queue.length = 0;
    this.persistent = undefined;
    this.latencyMs = 0;
  }

  /**
   * Applies the next fault, if any: true when it fully handled the response (the handler must return), false to
   * continue normally (after any latency).
   */
  async apply(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    // Taken synchronously, so concurrent requests consume faults in arrival order.
    const fault = this.take();
    if (fault) this.count += 1;
    let delay = this.latencyMs;
    try {
      if (fault?.kind === 'latency') delay += Math.max(0, fault.ms);
      else if (fault) return this.handle(fault, req, res);
      if (delay > 0 && !(await this.wait(delay))) {
        // The simulator is closing: end the request instead of answering it.
        res.destroy();
        return true;
      }
      return false;
    } catch {
      // Never let a fault crash the simulator: drop the connection.
      res.destroy();
      return true;
    }
  }

  /** Destroys the connections of every stalled response and ends every latency wait (called on close). */
  destroyPending(): void {
    for (const wait of [...this.waits]) wait.done(false);
    for (const res of [...this.hanging]) destroyConnection(res);
    this.hanging.clear();
  }

  private take(): Fault | undefined {
    const next = this.queue[0];
    if (next) {
      next.remaining -= 1;
      if (next.remaining <= 0) this.queue.shift();
      return next.fault;
    }
    return this.persistent;
  }

  private handle(fault: Exclude<Fault, { kind: 'latency' }>, req: IncomingMessage, res: ServerResponse): boolean {
    res.on('error', () => {});
    switch (fault.kind) {
      case 'status': {
        // An unread request body would poison a kept-alive connection: read it away.
        req.resume();
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
        if (fault.status === 401) headers['www-authenticate'] = 'Bearer error="invalid_token"';
        sendJson(res, fault.status, fault.body === undefined ? this.defaultBody(fault.status) : fault.body, headers);
        return true;
      }
      case 'reset':
        resetConnection(res);
        return true;
      case 'stall':
        req.resume();
        this.hang(res);
        res.writeHead(fault.status ?? 200, { 'content-type': 'application/json;charset=UTF-8' });
        res.write(STALL_PREFIX);
        return true;
      case 'stall-headers':
        req.resume();
        this.hang(res);
        return true;
    }
  }

  private hang(res: ServerResponse): void {
    this.hanging.add(res);
    res.once('close', () => this.hanging.delete(res));
  }

  /** Resolves true after `ms`, or false as soon as `destroyPending` ends the wait. */
  private wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wait: Wait = {
        timer: setTimeout(() => wait.done(true), ms),
        done: (completed) => {
          clearTimeout(wait.timer);
          this.waits.delete(wait);
          resolve(completed);
        },
      };
      this.waits.add(wait);
    });
  }
}

function destroyConnection(res: ServerResponse): void {
  const socket: Socket | null = res.socket;
  if (socket) socket.destroy();
  else res.destroy();
}

/** Resets the TCP connection (RST, so the client sees ECONNRESET); a plain destroy where that is not possible. */
function resetConnection(res: ServerResponse): void {
  const socket = res.socket;
  if (!socket) {
    res.destroy();
    return;
  }
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
