import { useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery, type CombinedError } from 'urql';
import type { WebPersonQuery } from './gql/graphql';
import { AddClientJwkMutation, ClientsQuery, PersonQuery } from './operations';

/** The sandbox's seeded persons (see the README's sandbox guide); any 11-digit fødselsnummer can be typed. */
const SANDBOX_PERSONS = [
  { id: '11822648950', note: 'e-mail and mobile' },
  { id: '11887197158', note: 'stale contact info' },
  { id: '04846697271', note: 'reserved' },
  { id: '22859197810', note: 'Digipost mailbox' },
  { id: '17894199350', note: 'deleted' },
];

export function App(): ReactNode {
  return (
    <main>
      <header>
        <h1>KRR and client registrations</h1>
        <p className="muted">
          A React + urql example of the Digdir GraphQL facade: typed documents from GraphQL Code Generator, sent by
          their hash (trusted documents).
        </p>
      </header>
      <PersonLookup />
      <ClientList />
      <AddKeyForm />
    </main>
  );
}

function PersonLookup(): ReactNode {
  const [draft, setDraft] = useState(SANDBOX_PERSONS[0]!.id);
  const [id, setId] = useState<string | null>(null);
  const [{ data, fetching, error }] = useQuery({ query: PersonQuery, variables: { id: id ?? '' }, pause: id === null });

  const lookUp = (event: FormEvent) => {
    event.preventDefault();
    setId(draft.trim());
  };

  return (
    <section aria-labelledby="person-heading">
      <h2 id="person-heading">Look up a person</h2>
      <form onSubmit={lookUp} className="row">
        <label>
          Fødselsnummer
          <input
            name="personId"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            inputMode="numeric"
            pattern="\d{11}"
            required
          />
        </label>
        <button type="submit">Look up</button>
      </form>
      <p className="muted">
        Sandbox persons:{' '}
        {SANDBOX_PERSONS.map((p) => (
          <button
            key={p.id}
            type="button"
            className="link"
            onClick={() => {
              setDraft(p.id);
              setId(p.id);
            }}
          >
            {p.id} ({p.note})
          </button>
        ))}
      </p>
      {fetching && <p>Looking up…</p>}
      <Errors error={error} />
      {data?.person && <PersonCard person={data.person} />}
    </section>
  );
}

type Person = NonNullable<WebPersonQuery['person']>;

function PersonCard({ person }: { person: Person }): ReactNode {
  return (
    <article className="card" data-testid="person">
      <h3>
        {person.id} <span className={`badge ${person.status.toLowerCase()}`}>{person.status}</span>
      </h3>
      <dl>
        <dt>Reserved against digital communication</dt>
        <dd data-testid="reserved">
          {person.reserved === null || person.reserved === undefined ? '—' : person.reserved ? 'Yes' : 'No'}
          {person.reservedAt && <span className="muted"> (since {formatDate(person.reservedAt)})</span>}
        </dd>
        <dt>Notification status</dt>
        <dd data-testid="notification">{person.notificationStatus ?? '—'}</dd>
        <dt>Language</dt>
        <dd>{person.language ?? '—'}</dd>
        <dt>E-mail</dt>
        <dd>
          <ContactPoint point={person.email} kind="e-mail" />
        </dd>
        <dt>Mobile</dt>
        <dd>
          <ContactPoint point={person.mobilePhone} kind="mobile" />
        </dd>
        <dt>Digital mailbox</dt>
        <dd data-testid="mailbox">
          {person.digitalMailbox
            ? `${person.digitalMailbox.address} (provider ${person.digitalMailbox.providerOrganizationNumber})`
            : '—'}
        </dd>
      </dl>
    </article>
  );
}

function ContactPoint({ point, kind }: { point: Person['email']; kind: string }): ReactNode {
  if (!point) return '—';
  return (
    <>
      {point.value}
      {point.lastVerifiedAt && <span className="muted"> (verified {formatDate(point.lastVerifiedAt)})</span>}
      {point.stale && (
        <p role="alert" className="warning" data-testid="stale-warning">
          ⚠ Stale {kind}: neither updated nor verified in the last 18 months. It must not be used for notices.
        </p>
      )}
    </>
  );
}

function ClientList(): ReactNode {
  const [{ data, fetching, error }] = useQuery({ query: ClientsQuery });
  return (
    <section aria-labelledby="clients-heading">
      <h2 id="clients-heading">Client registrations</h2>
      {fetching && <p>Loading clients…</p>}
      <Errors error={error} />
      {data?.clients && (
        <table data-testid="clients">
          <thead>
            <tr>
              <th>Client</th>
              <th>Type</th>
              <th>Keys (expiry)</th>
              <th>Onbehalfof</th>
            </tr>
          </thead>
          <tbody>
            {data.clients.map((c) => (
              <tr key={c.id}>
                <td>
                  <code>{c.id}</code>
                  <br />
                  {c.name ?? <span className="muted">(no name)</span>}
                </td>
                <td>{c.integrationType}</td>
                <td>
                  {c.jwks === null || c.jwks === undefined || c.jwks.keys.length === 0 ? (
                    <span className="muted">none</span>
                  ) : (
                    <ul>
                      {c.jwks.keys.map((k) => (
                        <li key={k.kid}>
                          <code>{k.kid}</code> <Expiry at={k.expiresAt} />
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>{c.onBehalfOf.length === 0 ? '—' : c.onBehalfOf.map((o) => o.id).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Expiry({ at }: { at: string | null | undefined }): ReactNode {
  if (!at) return <span className="muted">(no expiry)</span>;
  const days = Math.floor((Date.parse(at) - Date.now()) / 86_400_000);
  if (days < 0) return <span className="badge deleted">expired {formatDate(at)}</span>;
  return <span className={days < 30 ? 'badge warn' : 'muted'}>expires {formatDate(at)}</span>;
}

/** An error to show at an input: `field` is its path in the variables, e.g. ["input", "key", "kid"]. */
interface FieldError {
  code: string;
  field?: readonly string[] | null;
  message: string;
}

type KeyField = 'clientId' | 'kid' | 'key';

/** The form input a path names: ["input", "clientId"], ["input", "key", "kid"], or another part of ["input", "key"]. */
function inputOf(field: readonly string[] | null | undefined): KeyField | undefined {
  if (field?.[0] !== 'input') return undefined;
  if (field[1] === 'clientId') return 'clientId';
  if (field[1] === 'key') return field[2] === 'kid' ? 'kid' : 'key';
  return undefined;
}

/** A fresh RSA public key (RS256, 2048 bits) as a JWK, made by the browser's Web Crypto; its private key is discarded. */
async function generatePublicJwk(): Promise<string> {
  const pair = await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  const { kty, n, e } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  return JSON.stringify({ kty, alg: 'RS256', use: 'sig', n, e }, null, 2);
}

function AddKeyForm(): ReactNode {
  const [{ data: clients }] = useQuery({ query: ClientsQuery });
  const [clientId, setClientId] = useState('oidc_eksempel_klient');
  const [kid, setKid] = useState('');
  const [jwk, setJwk] = useState('');
  const [parseError, setParseError] = useState<FieldError | null>(null);
  const [result, addKey] = useMutation(AddClientJwkMutation);
  const payload = result.data?.addClientJwk;

  // userErrors (the payload) and input errors the facade refused the request for (`extensions.field`), by input.
  const errors: FieldError[] = [
    ...(parseError ? [parseError] : []),
    ...(payload?.userErrors ?? []),
    ...(result.error?.graphQLErrors ?? []).flatMap((e) =>
      Array.isArray(e.extensions?.field)
        ? [
            {
              code: String(e.extensions.code ?? 'BAD_USER_INPUT'),
              field: e.extensions.field as string[],
              message: e.message,
            },
          ]
        : [],
    ),
  ];
  const errorsAt = (name: KeyField) => errors.filter((e) => inputOf(e.field) === name);
  const unplaced = errors.filter((e) => inputOf(e.field) === undefined);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    let key: { kty?: string; alg?: string; use?: string; n?: string; e?: string };
    try {
      key = JSON.parse(jwk) as typeof key;
      setParseError(null);
    } catch {
      setParseError({
        code: 'INVALID',
        field: ['input', 'key'],
        message: 'Not JSON: paste a public JWK, or generate one.',
      });
      return;
    }
    void addKey({
      input: {
        clientId,
        key: {
          kid,
          kty: key.kty ?? 'RSA',
          alg: key.alg ?? 'RS256',
          use: key.use ?? 'sig',
          n: key.n ?? '',
          e: key.e ?? '',
        },
      },
    });
  };

  const field = (name: KeyField, label: string, control: ReactNode) => (
    <div className={`field${errorsAt(name).length ? ' invalid' : ''}`} data-field={name}>
      <label htmlFor={`key-${name}`}>{label}</label>
      {control}
      {errorsAt(name).map((e) => (
        <p key={e.message} className="field-error" role="alert">
          {e.message} <code>{e.code}</code>
        </p>
      ))}
    </div>
  );

  return (
    <section aria-labelledby="key-heading">
      <h2 id="key-heading">Add a public key (addClientJwk)</h2>
      <form onSubmit={submit} noValidate>
        {field(
          'clientId',
          'Client',
          <select id="key-clientId" value={clientId} onChange={(e) => setClientId(e.target.value)}>
            {(clients?.clients ?? [{ id: clientId, name: null }]).map((c) => (
              <option key={c.id} value={c.id}>
                {c.id}
                {c.name ? ` — ${c.name}` : ''}
              </option>
            ))}
          </select>,
        )}
        {field(
          'kid',
          'Key id (kid)',
          <input
            id="key-kid"
            value={kid}
            onChange={(e) => setKid(e.target.value)}
            aria-invalid={errorsAt('kid').length > 0}
          />,
        )}
        {field(
          'key',
          'Public key (JWK)',
          <>
            <textarea
              id="key-key"
              rows={4}
              value={jwk}
              onChange={(e) => setJwk(e.target.value)}
              aria-invalid={errorsAt('key').length > 0}
            />
            <button type="button" onClick={() => void generatePublicJwk().then(setJwk)}>
              Generate a test key
            </button>
          </>,
        )}
        <button type="submit" disabled={result.fetching}>
          Add key
        </button>
      </form>
      {unplaced.map((e) => (
        <p key={e.message} className="field-error" role="alert">
          {e.message} <code>{e.code}</code>
        </p>
      ))}
      <Errors error={result.error && !errors.length ? result.error : undefined} />
      {payload?.jwks && (
        <p className="success" data-testid="key-added">
          Added. The client now has {payload.jwks.keys.length} key(s): {payload.jwks.keys.map((k) => k.kid).join(', ')}.
          {payload.droppedExpiredKeys.length > 0 && ` Dropped expired: ${payload.droppedExpiredKeys.join(', ')}.`}
        </p>
      )}
    </section>
  );
}

/** Top-level GraphQL errors (refused requests, invalid variables) and network errors. */
function Errors({ error }: { error: CombinedError | undefined }): ReactNode {
  if (!error) return null;
  const messages = error.networkError
    ? [error.networkError.message]
    : error.graphQLErrors.map((e) => `${e.message}${e.extensions?.code ? ` (${String(e.extensions.code)})` : ''}`);
  return (
    <div className="error" role="alert">
      {messages.map((m) => (
        <p key={m}>{m}</p>
      ))}
    </div>
  );
}

function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString('nb-NO', { year: 'numeric', month: 'short', day: 'numeric' });
}
