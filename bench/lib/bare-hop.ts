/**
 * The bare hop: what any service between a caller and KRR pays on this machine, without the facade. A child process
 * (started by `startBareHop`, bench/lib/stack.ts) that answers `POST /graphql` with a body `{"variables":{"ids":[…]}}`
 * by one KRR call for those ids (the facade's KRR client's body, over an undici pool of UPSTREAM_CONNECTIONS' default
 * 16 connections, with a Maskinporten token it obtains once through the repo's token service), its answer parsed as
 * the facade parses it (in pieces once it is all here, src/upstream/json-array-body.ts), the facade's own mapping
 * (`toPersonModel`) for the bench's selection (`id status email { value stale } mobilePhone { value stale }`),
 * `JSON.stringify` and the bytes.
 *
 * No GraphQL (the query text is not read), no caller authentication, scopes, limits, admission, rate limit, batching
 * across callers, audit record, metrics or logging: its answers carry the same data as the facade's, so the rows that
 * run it (c-bare, d-bare, d-seq-bare) show how much of a target's ratio the hop itself costs on this machine,
 * measured side by side with the facade and the direct calls. Not a product and not a baseline to beat: a floor.
 *
 * Variables: PORT (loopback), KRR_URL, MASKINPORTEN_ISSUER, MASKINPORTEN_CLIENT_ID, MASKINPORTEN_KEY_FILE,
 * MASKINPORTEN_CERT_FILE (the sandbox's). Prints `bare hop listening` when ready.
 */
import { createServer } from 'node:http';
import { decodeJwt } from 'jose';
import { Pool } from 'undici';
import { toPersonModel } from '../../src/krr/mapping.js';
import { readJsonArray } from '../../src/upstream/json-array-body.js';
import type { ContactPointModel } from '../../src/krr/model.js';
import { createStandaloneTokenService } from '../../src/maskinporten/standalone.js';
import { Metrics } from '../../src/observability/metrics.js';
import { createLogger } from '../../src/observability/logger.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`bare hop: ${name} is not set`);
  return value;
};

const krr = new URL(`${env('KRR_URL').replace(/\/+$/, '')}/rest/v2/personer`);
const pool = new Pool(krr.origin, { connections: 16 });
const { tokens } = await createStandaloneTokenService(
  {
    issuer: env('MASKINPORTEN_ISSUER'),
    clientId: env('MASKINPORTEN_CLIENT_ID'),
    keyFile: env('MASKINPORTEN_KEY_FILE'),
    certFile: env('MASKINPORTEN_CERT_FILE'),
  },
  { metrics: new Metrics(), connections: 2, log: createLogger({ level: 'warn' }) },
);
const TOKEN_REQUEST = { scopes: ['krr:global/kontaktinformasjon.read'] };
let token = '';
let renewAt = 0;
/** The cached token until a minute before it expires (the token service's own margin is shorter). */
async function bearer(): Promise<string> {
  if (Date.now() >= renewAt) {
    token = await tokens.getToken(TOKEN_REQUEST);
    renewAt = ((decodeJwt(token).exp ?? 0) - 60) * 1000;
  }
  return token;
}

const contact = (point: ContactPointModel | null) => point && { value: point.value, stale: point.stale };

async function answer(body: string): Promise<{ status: number; text: string }> {
  const ids = (JSON.parse(body) as { variables: { ids: string[] } }).variables.ids;
  const res = await pool.request({
    method: 'POST',
    path: krr.pathname,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      authorization: `Bearer ${await bearer()}`,
    },
    body: JSON.stringify({ personidentifikatorer: ids, inkluderIkkeRegistrerte: true }),
  });
  if (res.statusCode !== 200) {
    await res.body.dump();
    return { status: 502, text: JSON.stringify({ errors: [{ message: `KRR ${res.statusCode}` }] }) };
  }
  const parsed = (await readJsonArray('personer', res.body as AsyncIterable<Buffer>)) as {
    personer: { personidentifikator: string }[];
  };
  const byId = new Map<string, unknown>();
  for (const person of parsed.personer) {
    byId.set(person.personidentifikator, person);
  }
  const now = new Date();
  const persons = ids.map((id) => {
    const person = toPersonModel(id, byId.get(id) as never, now);
    return { id, status: person.status, email: contact(person.email), mobilePhone: contact(person.mobilePhone) };
  });
  return { status: 200, text: JSON.stringify({ data: { persons } }) };
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    answer(Buffer.concat(chunks).toString())
      .catch((err: unknown) => ({ status: 500, text: JSON.stringify({ errors: [{ message: String(err) }] }) }))
      .then(({ status, text }) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(Buffer.from(text));
      });
  });
});
server.listen(Number(env('PORT')), '127.0.0.1', () => console.log('bare hop listening'));
