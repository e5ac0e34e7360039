import { isDeepStrictEqual } from 'node:util';
import type { Metrics } from '../observability/metrics.js';
import { authorizedRequest } from '../upstream/authorized-request.js';
import { UpstreamAuthError, UpstreamStatusError, UpstreamUnavailableError } from '../upstream/errors.js';
import type { UpstreamClient } from '../upstream/http-client.js';
import type { UpstreamRequestContext } from '../upstream/request-context.js';
import { parseRetryAfter } from '../upstream/retry.js';
import type { TokenProvider, TokenRequest } from '../upstream/token-provider.js';
import type { AnswerSizes } from './answer-sizes.js';
import type { KrrPersonDto, KrrPersonsResponseDto } from './dto.js';
import { LookupFailure } from './lookup-failure.js';

/** KRR accepts 1..1000 ids per call (reference §2). */
export const KRR_MAX_IDS_PER_REQUEST = 1000;

export const KRR_CONTACT_SCOPE = 'krr:global/kontaktinformasjon.read';
export const KRR_DIGITAL_POST_SCOPE = 'krr:global/digitalpost.read';

/** Which data groups a look-up needs; the token asks for no more (data minimisation). */
export interface LookupKind {
  digitalPost: boolean;
}

/**
 * On whose legal basis KRR is asked: the facade's own organisation, or a customer's in supplier mode (a token for
 * that customer). Batches and in-flight coalescing are per party, so a KRR call never mixes two legal consumers.
 */
export interface LookupParty {
  /** Distinct per party; '' for the facade's own organisation. */
  key: string;
  contact: TokenRequest;
  /** Undefined when the party's access does not include digital post. */
  digitalPost?: TokenRequest;
  /** The legal consumer's organisation number (audit records, metrics), when known. */
  consumer?: string;
  /** Our organisation number when acting for a customer. */
  supplier?: string;
  /** What to fix when Maskinporten refuses this party's token (names the customer, never a secret). */
  refusalHint?: string;
}

/**
 * One KRR call's answer by id: the person's record, or why it could not be read. Ids KRR did not return are absent
 * (not registered, unless the answer held a record the facade could not read: see {@link KrrClient.lookup}).
 */
export type KrrAnswer = ReadonlyMap<string, KrrPersonDto | LookupFailure>;

/** A person KRR answered more than once, the records differing: which one holds is anyone's guess. */
const CONTRADICTORY = new LookupFailure(new UpstreamUnavailableError('krr', 'two different records for this person'));
/** An id missing from an answer that also held a record without a readable id: that record may have been the id's. */
const UNREADABLE_RECORD = new LookupFailure(new UpstreamUnavailableError('krr', 'a record without a readable id'));

/** What KRR's `personidentifikator` is: a fødselsnummer or D-number, eleven digits. */
const PERSON_ID = /^\d{11}$/;

/**
 * Whether two records of one person say the same. Records nested deeper than the stack reaches (nothing KRR documents)
 * count as different: that person fails, not the call.
 */
function sameRecord(a: KrrPersonDto | LookupFailure, b: unknown): boolean {
  try {
    return isDeepStrictEqual(a, b);
  } catch {
    return false;
  }
}

/** The facade acting as itself, with its own KRR scopes. */
export const OWN_PARTY: LookupParty = Object.freeze({
  key: '',
  contact: { scopes: [KRR_CONTACT_SCOPE] },
  digitalPost: { scopes: [KRR_CONTACT_SCOPE, KRR_DIGITAL_POST_SCOPE] },
});

/** KRR's oppslagstjeneste over the shared upstream layer. Ids travel only in the POST body, never in a URL. */
export class KrrClient {
  constructor(
    private readonly http: UpstreamClient,
    private readonly tokenProvider: TokenProvider,
    private readonly opts: {
      apiVersion: 'v1' | 'v2';
      metrics: Metrics;
      /** Told each answer's size, for the batcher's calls (KRR_BATCH_MAX_ANSWER_BYTES). */
      answerSizes?: AnswerSizes;
    },
  ) {}

  /** Counts one split of a refused batch (krr/batcher.ts). */
  countSplit(): void {
    this.opts.metrics.krrBatchSplits.inc();
  }

  /**
   * Looks up at most 1000 distinct ids in one call. The answer is keyed by `personidentifikator`, never by position
   * or count: KRR may reorder, omit unknown persons, repeat one or add fields. Ids missing from the answer are absent
   * from the map (not registered), except when the answer held a record without a readable id: then each missing id
   * fails instead, as does an id with two different records. Either is the id's alone: the rest of the answer stands.
   */
  async lookup(
    ids: readonly string[],
    kind: LookupKind,
    context?: UpstreamRequestContext,
    party: LookupParty = OWN_PARTY,
    /** `ids` as a set, when the caller has one (the batcher does): spares building it again. */
    wanted: ReadonlySet<string> = new Set(ids),
  ): Promise<KrrAnswer> {
    if (ids.length === 0) return new Map();
    const token = kind.digitalPost ? party.digitalPost : party.contact;
    if (!token) throw new RangeError('this party has no digital-post scope');
    if (ids.length > KRR_MAX_IDS_PER_REQUEST) throw new RangeError('at most 1000 ids per KRR request');
    this.opts.metrics.personBatchSize.observe(ids.length);
    const body: Record<string, unknown> = { personidentifikatorer: ids };
    if (this.opts.apiVersion === 'v2') body.inkluderIkkeRegistrerte = true;
    let res;
    try {
      res = await authorizedRequest(
        this.http,
        this.tokenProvider,
        token,
        // A look-up is a read, though sent as POST: safe to retry.
        {
          method: 'POST',
          path: `/rest/${this.opts.apiVersion}/personer`,
          json: body,
          retry: true,
          context,
          jsonArray: 'personer',
        },
      );
    } catch (err) {
      // A customer's token refused: say which customer and what to set up (Altinn delegation or onbehalfof).
      if (err instanceof UpstreamAuthError && party.refusalHint && !err.hint) throw err.withHint(party.refusalHint);
      throw err;
    }
    if (res.status === 429) {
      // Still rate limited after the retries the HTTP layer made within the deadline (honouring Retry-After): KRR's
      // load, not any id's fault. The batch fails as a whole with UPSTREAM_UNAVAILABLE ("try again later"), never
      // UPSTREAM_REJECTED, and is not split (more calls would not help).
      throw new UpstreamUnavailableError(
        'krr',
        'rate limited',
        429,
        parseRetryAfter(res.headers['retry-after'], Date.now()),
      );
    }
    // 400, 404, 413, 422 (the batcher isolates the refused ids), 401 after a fresh token, 403: UpstreamStatusError.
    if (res.status !== 200) throw new UpstreamStatusError('krr', res.status, res.body);
    const personer = (res.body as KrrPersonsResponseDto | undefined)?.personer;
    if (!Array.isArray(personer)) throw new UpstreamUnavailableError('krr', 'unreadable answer');
    if (res.bodyBytes !== undefined) this.opts.answerSizes?.record(kind, res.bodyBytes, personer.length);
    const byId = new Map<string, KrrPersonDto | LookupFailure>();
    let unreadable = false;
    for (const person of personer) {
      const id = (person as KrrPersonDto | null | undefined)?.personidentifikator;
      // Eleven digits or it names no one: "0786…70 " or a leading zero dropped may have been an id asked for.
      if (typeof id !== 'string' || !PERSON_ID.test(id)) {
        unreadable = true;
        continue;
      }
      if (!wanted.has(id)) continue;
      const earlier = byId.get(id);
      if (earlier === undefined) byId.set(id, person);
      else if (earlier !== CONTRADICTORY && !sameRecord(earlier, person)) byId.set(id, CONTRADICTORY);
    }
    if (unreadable) for (const id of ids) if (!byId.has(id)) byId.set(id, UNREADABLE_RECORD);
    return byId;
  }
}
