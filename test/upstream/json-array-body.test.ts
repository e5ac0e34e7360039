/**
 * Reading `{"personer":[…]}` in pieces (upstream/json-array-body.ts) gives what `JSON.parse` of the whole answer gives,
 * however the bytes were split and formatted, valid or not: compared over generated answers, chunkings and pieces.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonArrayBody, parseJsonText, readJsonArray, utf8Text } from '../../src/upstream/json-array-body.js';

/** What the HTTP client read before: the whole answer decoded, then `JSON.parse`d (undefined when not JSON). */
const whole = (bytes: Buffer): unknown => parseJsonText(utf8Text(bytes));

function inPieces(bytes: Buffer, cuts: number[], pieceBytes?: number): { value: unknown; pieces: number } {
  const reader = new JsonArrayBody('personer', pieceBytes);
  let at = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    reader.push(bytes.subarray(at, cut));
    at = cut;
  }
  reader.push(bytes.subarray(at));
  return { value: reader.end(), pieces: reader.piecesParsed };
}

/**
 * Mostly plain strings with multi-byte characters (split by the chunking at any byte); sometimes ones that look like
 * item boundaries, escapes or the envelope's end, which must not be taken for them.
 */
const tricky = fc.oneof(
  { weight: 12, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', '@', '.', '+', '9', 'ø', '€', '😀', ' ') }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('}', ',', '{', ' ', '\n', '"', '\\', ']', '[', ':') }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme' }) },
  { weight: 1, arbitrary: fc.constantFrom('},{', '}, {', '"},{"personidentifikator":"1"}', '\\u0041', ']}') },
);
/** Rarely there: what it holds changes the envelope or nests items, and the answer is then read whole. */
const rarely = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const person = fc.record(
  {
    personidentifikator: fc.stringMatching(/^\d{11}$/),
    reservasjon: fc.constantFrom('JA', 'NEI'),
    status: fc.constantFrom('AKTIV', 'SLETTET', 'IKKE_REGISTRERT'),
    kontaktinformasjon: fc.record(
      { epostadresse: tricky, mobiltelefonnummer: tricky, nested: rarely(fc.array(fc.record({ a: tricky }))) },
      { requiredKeys: [] },
    ),
    extra: rarely(fc.jsonValue({ maxDepth: 3 })),
  },
  { requiredKeys: ['personidentifikator'] },
);
const item = fc.oneof({ weight: 12, arbitrary: person }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) });

const answerText = fc
  .record({
    personer: fc.array(item, { maxLength: 30 }),
    // Mostly the key looked for; sometimes another, which must not be read as it.
    key: fc.oneof(
      { weight: 8, arbitrary: fc.constant('personer') },
      { weight: 1, arbitrary: fc.constantFrom('Personer', 'persone', 'personerx', 'p"ersoner') },
    ),
    indent: fc.constantFrom(undefined, undefined, undefined, 0, 1, 2, '\t'),
    bom: fc.boolean(),
    lead: fc.constantFrom('', ' ', '\n', '\r\n\t '),
    trail: fc.constantFrom('', '\n', '  \n'),
    // Other members change the envelope: the answer is then read whole, still to the same result.
    before: rarely(fc.jsonValue({ maxDepth: 2 })),
    after: rarely(fc.jsonValue({ maxDepth: 2 })),
  })
  .map(({ personer, key, indent, bom, lead, trail, before, after }) => {
    const body = {
      ...(before === undefined ? {} : { foran: before }),
      [key]: personer,
      ...(after === undefined ? {} : { etter: after }),
    };
    return `${bom ? '\ufeff' : ''}${lead}${JSON.stringify(body, null, indent)}${trail}`;
  });

const chunking = fc.record({
  cuts: fc.array(fc.nat(), { maxLength: 40 }),
  pieceBytes: fc.integer({ min: 1, max: 400 }),
});

describe('reading {"personer":[…]} in pieces', () => {
  it('gives what JSON.parse of the whole answer gives, however it is formatted, split and pieced', () => {
    fc.assert(
      fc.property(answerText, chunking, (text, { cuts, pieceBytes }) => {
        const bytes = Buffer.from(text);
        expect(inPieces(bytes, cuts, pieceBytes).value).toStrictEqual(whole(bytes));
      }),
      { numRuns: 600 },
    );
  });

  it('gives what JSON.parse gives (or nothing) for answers cut short or with a byte changed', () => {
    const damage = fc.record({
      at: fc.nat(),
      how: fc.constantFrom('cut', 'replace', 'insert'),
      byte: fc.constantFrom(...'{}[],:"\\ 0aø'.split('')),
    });
    fc.assert(
      fc.property(answerText, chunking, damage, (text, { cuts, pieceBytes }, { at, how, byte }) => {
        const good = Buffer.from(text);
        const i = at % (good.length + 1);
        const bytes =
          how === 'cut'
            ? good.subarray(0, i)
            : Buffer.concat([good.subarray(0, i), Buffer.from(byte), good.subarray(how === 'replace' ? i + 1 : i)]);
        expect(inPieces(bytes, cuts, pieceBytes).value).toStrictEqual(whole(bytes));
      }),
      { numRuns: 600 },
    );
  });

  it('reads a compact KRR answer in pieces of about the size asked, never whole', () => {
    const personer = Array.from({ length: 200 }, (_, i) => ({
      personidentifikator: String(10_000_000_000 + i),
      reservasjon: 'NEI',
      kontaktinformasjon: { epostadresse: `pål${i}@eksempel.no`, mobiltelefonnummer: '+4799999999' },
    }));
    const bytes = Buffer.from(JSON.stringify({ personer }));
    // As sockets deliver: chunks of 1000 bytes, cutting persons and characters anywhere.
    const cuts = Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, i) => i * 1000);
    const read = inPieces(bytes, cuts, 2000);
    expect(read.value).toStrictEqual({ personer });
    expect(read.pieces).toBeGreaterThanOrEqual(Math.floor(bytes.length / 2000));
    expect(read.pieces).toBeLessThanOrEqual(Math.ceil(bytes.length / 1000));
    // One chunk, as a decompressed answer comes: in pieces all the same.
    const single = inPieces(bytes, [], 2000);
    expect(single.value).toStrictEqual({ personer });
    expect(single.pieces).toBeGreaterThanOrEqual(Math.floor(bytes.length / 2000));
  });

  it('reads a body to its end before parsing it, chunk by chunk as a socket delivers it', async () => {
    const personer = [{ personidentifikator: '11822648950', epostadresse: 'ø@eksempel.no' }];
    const bytes = Buffer.from(JSON.stringify({ personer }));
    async function* chunks() {
      for (let at = 0; at < bytes.length; at += 7) yield bytes.subarray(at, at + 7);
    }
    const read = { bytes: 0 };
    expect(await readJsonArray('personer', chunks(), read)).toStrictEqual({ personer });
    expect(read.bytes).toBe(bytes.length); // bytes, not characters: ø is two
    expect(await readJsonArray('personer', (async function* () {})(), read)).toBeUndefined();
    expect(read.bytes).toBe(0);
  });

  it('reads a person larger than the buffer pieces are staged in, and readers interleaved, each its own answer', () => {
    // Pieces are staged in one buffer shared by every reader (twice PIECE_BYTES); a larger one gets its own.
    const large = { personidentifikator: '11822648950', sertifikat: 'æ'.repeat(200_000), reservasjon: 'NEI' };
    const small = (i: number) => ({
      personidentifikator: String(10_000_000_000 + i),
      epostadresse: `p${i}@eksempel.no`,
    });
    const answers = [
      { personer: [small(1), large, small(2), ...Array.from({ length: 3000 }, (_, i) => small(i + 3))] },
      { personer: Array.from({ length: 5000 }, (_, i) => small(i)) },
      { personer: [] },
    ];
    const bodies = answers.map((answer) => Buffer.from(JSON.stringify(answer)));
    const readers = answers.map(() => new JsonArrayBody('personer'));
    // Chunks of 16 KB, the readers taking turns, as answers for concurrent look-ups arrive.
    for (let at = 0; bodies.some((b) => at < b.length); at += 16_384) {
      bodies.forEach((body, i) => readers[i]?.push(body.subarray(at, at + 16_384)));
    }
    readers.forEach((reader, i) => expect(reader.end()).toStrictEqual(answers[i]));
    // In pieces to the end, the large person's among them (read whole, the first answer would count none).
    expect(readers[0]?.piecesParsed).toBeGreaterThanOrEqual(4);
    expect(readers[1]?.piecesParsed).toBeGreaterThanOrEqual(4);
  });

  it('reads an empty list, a body that is not JSON and no body at all as JSON.parse would', () => {
    for (const text of ['{"personer":[]}', '{ "personer" : [ ] }\n', 'not json', '', '{"personer":[]', '[]']) {
      const bytes = Buffer.from(text);
      expect(inPieces(bytes, [3, 7]).value, JSON.stringify(text)).toStrictEqual(whole(bytes));
    }
  });
});
