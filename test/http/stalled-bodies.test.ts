/**
 * Request bodies that stall short of their end (found by a red-team run: 900 such connections from one caller took a
 * replica to 1 GB). Their bytes count against `MAX_BODY_BYTES_IN_FLIGHT` as they arrive, not only once complete: past
 * it, a request gets 503 OVERLOADED and its connection is closed, and what stalled bodies held is let go with their
 * connections.
 */
import { createConnection, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const BUDGET = 256 * 1024;
let app: TestApp;
const sockets: Socket[] = [];

beforeAll(async () => {
  app = await startTestApp({ MAX_BODY_BYTES_IN_FLIGHT: String(BUDGET) });
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await app?.close();
});

/** A POST /graphql announcing 200 000 bytes that sends 100 000 and then nothing; resolves to what comes back. */
async function stalling(token: string): Promise<{ answer: Promise<string>; socket: Socket }> {
  const socket = createConnection({ host: '127.0.0.1', port: Number(new URL(app.url).port) });
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let received = '';
  const answer = new Promise<string>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n{')) resolve(received);
    });
    socket.once('close', () => resolve(received));
  });
  socket.write(
    `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Length: 200000\r\n\r\n`,
  );
  socket.write(Buffer.alloc(100_000, 0x20));
  return { answer, socket };
}

const QUERY = `query Person($id: PersonIdentifier!) { person(id: $id) { id } }`;

/** A POST /graphql of `body` as written on the wire. */
const post = (token: string, body: string) =>
  `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\n` +
  `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** Answers 200 to a whole request of about `bytes`, polled for a few seconds while what held the budget lets go. */
async function acceptsBodyOf(target: TestApp, bytes: number): Promise<number> {
  const token = await target.token();
  const send = () =>
    fetch(`${target.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: QUERY, variables: { id: '11822648950' } }) + ' '.repeat(bytes),
    });
  let res = await send();
  for (let waited = 0; res.status === 503 && waited < 5_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    res = await send();
  }
  return res.status;
}

describe('request bodies that stall', () => {
  it('count against MAX_BODY_BYTES_IN_FLIGHT as they arrive: past it, 503 OVERLOADED and the connection closed', async () => {
    const token = await app.token();
    const stalled = [];
    for (let i = 0; i < 6; i++) stalled.push(await stalling(token));
    // Two bodies of 100 000 bytes fit the 256 KiB; the others are refused as their bytes come (which two are held
    // depends on the order the facade reads them in).
    const answered: string[] = [];
    for (const { answer } of stalled) void answer.then((text) => answered.push(text));
    for (let waited = 0; answered.length < 4 && waited < 10_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(answered, 'four of the six answered while their bodies stalled').toHaveLength(4);
    for (const answer of answered) {
      expect(answer).toMatch(/^HTTP\/1\.1 503 /);
      expect(answer).toMatch(/\r\nconnection: close\r\n/i);
      expect(answer).toContain('"code":"OVERLOADED"');
    }
    // A small request still fits beside the two held bodies; one of 150 000 bytes does not, until they go.
    const small = await app.graphql(QUERY, { id: '11822648950' });
    expect(small.status).toBe(200);
    expect(small.body.errors).toBeUndefined();
    const large = () =>
      fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: QUERY, variables: { id: '11822648950' } }) + ' '.repeat(150_000),
      });
    expect((await large()).status).toBe(503);
    for (const { socket } of stalled) socket.destroy();
    // Let go as their connections close.
    expect(await acceptsBodyOf(app, 150_000)).toBe(200);
  });

  it('are let go when refused behind another request on a connection that closes (pipelined)', async () => {
    // KRR slow, so the first request of each connection is still running when the connection goes, and the refusal
    // pipelined behind it (a body that is not JSON) has its answer queued: node:http closes no response queued so.
    const slow = await startTestApp({ MAX_BODY_BYTES_IN_FLIGHT: String(BUDGET) }, { sandbox: { krrLatencyMs: 400 } });
    try {
      const token = await slow.token();
      const first = JSON.stringify({ query: QUERY, variables: { id: '11822648950' } });
      for (let i = 0; i < 4; i++) {
        const socket = createConnection({ host: '127.0.0.1', port: Number(new URL(slow.url).port) });
        socket.on('error', () => undefined);
        await new Promise<void>((resolve) => socket.once('connect', resolve));
        socket.write(post(token, first) + post(token, 'x'.repeat(100_000)));
        await new Promise((resolve) => setTimeout(resolve, 100));
        socket.destroy();
      }
      expect(await acceptsBodyOf(slow, 200_000), 'a body of most of the budget, once KRR has answered').toBe(200);
    } finally {
      await slow.close();
    }
  });
});
