// A KRR written from ../shared/reference/upstream-apis.md alone, apart from src/sandbox: for `BENCH_KRR=independent
// npm run bench:mesh`, the outside check of issue 16 (an independent KRR next to an off-the-shelf gateway). Plain Node
// and jose, nothing of ours, so it can disagree with the facade and with the repo's simulator.
//
// POST /rest/v2/personer (and v1) with `{"personidentifikatorer":[…]}` (1 to 1000 ids); every Maskinporten token is
// verified with jose against the issuer's published keys (MASKINPORTEN_ISSUER), its scope must hold
// krr:global/kontaktinformasjon.read. Each id is a registered, active person with every contact field; timestamps are
// older than 18 months, in KRR's offset form. The persons come back in reverse order, as KRR promises no order.
// Prints `KRR_URL=<url>` once listening (port KRR_PORT, else one of the system's choosing).
import { createServer } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const issuer = process.env.MASKINPORTEN_ISSUER;
if (!issuer) {
  console.error('MASKINPORTEN_ISSUER is required');
  process.exit(2);
}
const metadata = await (await fetch(new URL('.well-known/oauth-authorization-server', issuer))).json();
const keys = createRemoteJWKSet(new URL(metadata.jwks_uri));
const SCOPE = 'krr:global/kontaktinformasjon.read';
const UPDATED = '2021-03-04T10:14:52.123+01:00';

const person = (id) => ({
  personidentifikator: id,
  reservasjon: 'NEI',
  status: 'AKTIV',
  varslingsstatus: 'KAN_VARSLES',
  spraak: 'nb',
  spraak_oppdatert: UPDATED,
  kontaktinformasjon: {
    epostadresse: `person.${id.slice(6)}@example.no`,
    epostadresse_oppdatert: UPDATED,
    epostadresse_sist_verifisert: UPDATED,
    mobiltelefonnummer: `+479${id.slice(4, 11)}`,
    mobiltelefonnummer_oppdatert: UPDATED,
    mobiltelefonnummer_sist_verifisert: UPDATED,
  },
});

const answer = (res, status, body) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
};

async function authorized(header) {
  if (!header?.startsWith('Bearer ')) return false;
  try {
    const { payload } = await jwtVerify(header.slice(7), keys, { issuer });
    return String(payload.scope ?? '')
      .split(' ')
      .includes(SCOPE);
  } catch {
    return false;
  }
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    if (req.method !== 'POST' || !/^\/rest\/v[12]\/personer$/.test(req.url ?? '')) {
      answer(res, 404, { error: 'not_found' });
      return;
    }
    if (!(await authorized(req.headers.authorization))) {
      answer(res, 401, { error: 'unauthorized' });
      return;
    }
    let ids;
    try {
      ids = JSON.parse(Buffer.concat(chunks).toString('utf8')).personidentifikatorer;
    } catch {
      ids = undefined;
    }
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 1000 || !ids.every((id) => /^\d{11}$/.test(id))) {
      answer(res, 400, { error: 'bad_request' });
      return;
    }
    answer(res, 200, { personer: ids.map(person).reverse() });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.KRR_PORT ?? 0), '127.0.0.1', () => {
  console.log(`KRR_URL=http://127.0.0.1:${server.address().port}`);
});
const stop = () => server.close(() => process.exit(0)).closeAllConnections();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
