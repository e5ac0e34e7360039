/**
 * PendingAnswers on a clock of its own, with stand-ins for node:http's response and socket: which connections the
 * byte bound closes, in what order, and how often it says so (test/http/unread-answers.test.ts drives real sockets).
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PendingAnswers } from '../../src/http/pending-answers.js';

class FakeSocket extends EventEmitter {
  destroyed = false;
  destroys = 0;
  readonly _handle = { writeQueueSize: 0 };
  destroy(): void {
    this.destroys++;
    this.destroyed = true;
    queueMicrotask(() => this.emit('close'));
  }
}

class FakeResponse extends EventEmitter {
  writableFinished = false;
  constructor(public writableLength: number) {
    super();
  }
}

let now = 0;
const warnings: Record<string, unknown>[] = [];
const answers: FakeResponse[] = [];
afterEach(() => {
  for (const res of answers.splice(0)) res.emit('finish'); // every entry forgotten: the interval stops
  warnings.length = 0;
  now = 0;
});

function pending(maxBytes: number): PendingAnswers {
  return new PendingAnswers({
    maxBytes,
    timeoutMs: 3_600_000,
    graceMs: 1000,
    now: () => now,
    log: { warn: (fields: unknown) => warnings.push(fields as Record<string, unknown>) } as never,
  });
}

function track(answersWaiting: PendingAnswers, socket: FakeSocket, bytes: number): FakeResponse {
  const res = new FakeResponse(bytes);
  answers.push(res);
  answersWaiting.track(res as unknown as ServerResponse, socket as unknown as Socket);
  return res;
}

describe('PendingAnswers over its byte bound', () => {
  it('closes a pipelined connection once, for all its idle answers, and leaves the others', () => {
    const unread = pending(100);
    const pipelined = new FakeSocket();
    const other = new FakeSocket();
    track(unread, pipelined, 1000);
    track(unread, pipelined, 1000);
    now = 2000; // both idle for two seconds when the next answer is written
    track(unread, other, 10);
    expect(pipelined.destroys).toBe(1);
    expect(other.destroyed).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ bytes: 1000, idleMs: 2000, why: 'unread answers over the limit' });
  });

  it('leaves a connection that took bytes since the last look, whatever Node counts for its answer', () => {
    const unread = pending(100);
    const reading = new FakeSocket();
    const idle = new FakeSocket();
    reading._handle.writeQueueSize = 5000;
    track(unread, reading, 5000);
    track(unread, idle, 1000);
    now = 2000;
    reading._handle.writeQueueSize = 3000; // the kernel took 2000 bytes: the caller reads
    track(unread, new FakeSocket(), 10);
    expect(reading.destroyed).toBe(false);
    expect(idle.destroys).toBe(1);
  });
});
