/**
 * Callers that send a query with a large answer and never read it (found by a red-team run): their answers stay in
 * the facade's memory for as long as their connections last. They must neither lock other callers out (their request
 * bodies are released once the answer is written) nor hold memory without bound (their connections are closed after
 * `ANSWER_READ_TIMEOUT_MS`, or sooner while unread answers hold more than `MAX_UNREAD_ANSWER_BYTES`).
 */
import { createConnection, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** About 20 MB of answer (the mailbox certificate ten times a person, 2000 times): more than loopback's buffers hold. */
const LARGE = `query Large($ids: [PersonIdentifier!]!) { persons(ids: $ids) { ${Array.from(
  { length: 10 },
  (_, i) => `m${i}: digitalMailbox { certificate }`,
).join(' ')} } }`;
const DIGIPOST = '22859197810';
const LARGE_VARIABLES = { ids: Array<string>(2000).fill(DIGIPOST) };
/** Room for the large answer in the limits this test is not about. */
const ROOMY = { QUERY_MAX_ANSWER_BYTES: String(512 * 1024 * 1024), RATE_LIMIT_PERSONS_PER_MINUTE: '1000000' };

const apps: TestApp[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const app of apps.splice(0)) await app.close();
});

async function start(env: Record<string, string>): Promise<TestApp> {
  const app = await startTestApp({ ...ROOMY, ...env });
  apps.push(app);
  return app;
}

/** A raw connection to the app, and a way to send POST /graphql requests on it as they are written on the wire. */
async function rawConnection(app: TestApp): Promise<{ socket: Socket; post(body: string, headers?: string): void }> {
  const token = await app.token();
  const socket = createConnection({ host: '127.0.0.1', port: Number(new URL(app.url).port) });
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const post = (body: string, headers = '') => {
    const bytes = Buffer.from(body);
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\n` +
        `${headers}Content-Length: ${bytes.length}\r\n\r\n`,
    );
    socket.write(bytes);
  };
  return { socket, post };
}

/**
 * Sends `body` as a POST /graphql on a raw connection that reads nothing (until `readRest`); resolves once the request
 * is sent. `readRest` reads what the connection still brings, and answers its byte count once the connection ends.
 */
async function neverReading(
  app: TestApp,
  body: string,
  pipelined = 1,
): Promise<{ readRest(): Promise<number>; close(): void }> {
  const { socket, post } = await rawConnection(app);
  socket.pause(); // the kernel's buffers fill, and the rest of the answer waits in the facade
  for (let i = 0; i < pipelined; i++) post(body);
  return {
    close: () => socket.destroy(),
    readRest: () =>
      new Promise<number>((resolve) => {
        let received = 0;
        socket.on('data', (chunk: Buffer) => (received += chunk.length));
        socket.once('close', () => resolve(received));
        socket.resume();
      }),
  };
}

/** Waits until `app`'s log has a line with `message`, or fails after `ms`. */
async function logged(app: TestApp, message: string, ms: number): Promise<Record<string, unknown>> {
  const until = performance.now() + ms;
  for (;;) {
    const line = app.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === message);
    if (line) return line;
    if (performance.now() > until) throw new Error(`no log line "${message}" within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a caller that never reads its answer', () => {
  it('does not keep its request body in the budget once its answer is written: others are still served', async () => {
    // The body padded to fill MAX_BODY_BYTES_IN_FLIGHT alone, as a red-team run sent it (8 such callers locked every
    // POST out for as long as they stayed).
    const json = JSON.stringify({ query: LARGE, variables: LARGE_VARIABLES });
    const padded = json + ' '.repeat(200_000 - json.length);
    const app = await start({ MAX_BODY_BYTES_IN_FLIGHT: '200000', ANSWER_READ_TIMEOUT_MS: '3600000' });
    const asked = app.sandbox.krr.requests.length;
    await neverReading(app, padded);
    // Its look-up reached KRR; its answer is written moments later (no log line says so: the access log waits for the
    // answer to be taken).
    while (app.sandbox.krr.requests.length === asked) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const res = await app.graphql('query One($id: PersonIdentifier!) { person(id: $id) { id } }', {
      id: '11822648950',
    });
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
  });

  it('has its connection closed after ANSWER_READ_TIMEOUT_MS, and says so in the log without personal data', async () => {
    const app = await start({ ANSWER_READ_TIMEOUT_MS: '1500' });
    const started = performance.now();
    const caller = await neverReading(app, JSON.stringify({ query: LARGE, variables: LARGE_VARIABLES }));
    const line = await logged(app, 'closed a connection whose caller did not take its answer', 20_000);
    expect(performance.now() - started).toBeGreaterThan(1500);
    expect(line).toMatchObject({ level: 40 });
    expect(line.bytes).toBeGreaterThan(1024 * 1024);
    expect(JSON.stringify(app.logLines)).not.toContain(DIGIPOST);
    // The connection ends before the whole answer (over 20 MB) came.
    expect(await caller.readRest()).toBeLessThan(20 * 1024 * 1024);
  });

  it('has its connection closed sooner while unread answers hold more than MAX_UNREAD_ANSWER_BYTES', async () => {
    const app = await start({ MAX_UNREAD_ANSWER_BYTES: String(1024 * 1024), ANSWER_READ_TIMEOUT_MS: '3600000' });
    const caller = await neverReading(app, JSON.stringify({ query: LARGE, variables: LARGE_VARIABLES }));
    await logged(app, 'closed a connection whose caller did not take its answer', 20_000);
    expect(await caller.readRest()).toBeLessThan(20 * 1024 * 1024);
  });

  it('forgets the answers queued on a connection the caller closed', async () => {
    const app = await start({ ANSWER_READ_TIMEOUT_MS: '2500', MAX_UNREAD_ANSWER_BYTES: String(1024 * 1024 * 1024) });
    const asked = app.sandbox.krr.requests.length;
    // Three answers pipelined on one connection: the first waits in the socket, the others queued behind it.
    const caller = await neverReading(app, JSON.stringify({ query: LARGE, variables: LARGE_VARIABLES }), 3);
    while (app.sandbox.krr.requests.length === asked) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    caller.close();
    // Past the read timeout: nothing was left to close (the answers went with their connection).
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(app.logLines.filter((l) => l.includes('did not take its answer'))).toEqual([]);
  });

  it('leaves a caller that reads steadily alone while unread answers are over the bound', async () => {
    const app = await start({ MAX_UNREAD_ANSWER_BYTES: '1024', ANSWER_READ_TIMEOUT_MS: '60000' });
    const { socket, post } = await rawConnection(app);
    post(
      JSON.stringify({ query: LARGE, variables: { ids: LARGE_VARIABLES.ids.slice(0, 1000) } }),
      'Connection: close\r\n',
    );
    // About 3 MB a second: a 12 MB answer takes four seconds, each of them with more unread than the bound.
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      socket.pause();
      setTimeout(() => socket.resume(), 20);
    });
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(received).toBeGreaterThan(10 * 1024 * 1024);
    expect(app.logLines.filter((l) => l.includes('did not take its answer'))).toEqual([]);
  });

  it('leaves a caller that reads its large answer alone, however small the bound', async () => {
    const app = await start({ MAX_UNREAD_ANSWER_BYTES: '1024', ANSWER_READ_TIMEOUT_MS: '10000' });
    for (let i = 0; i < 3; i++) {
      const res = await app.graphql<{ persons: Record<string, { certificate: string }>[] }>(LARGE, LARGE_VARIABLES);
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.persons).toHaveLength(2000);
    }
    expect(app.logLines.some((l) => l.includes('did not take its answer'))).toBe(false);
  });
});
