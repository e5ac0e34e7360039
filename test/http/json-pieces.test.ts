/**
 * A long answer written in pieces (http/json-pieces.ts) is byte for byte `JSON.stringify(value) + '\n'`, whatever the
 * value holds, and a 1000-person answer is made of pieces well under V8's large-object size (128 KB).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SLICE_ITEMS, hasLongList, jsonLineBytes, jsonPieces } from '../../src/http/json-pieces.js';

const text = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'ø', '€', '😀', '"', '\\', '\n', '\u0000', '\u2028') }),
  fc.string({ unit: 'grapheme' }),
  // A lone surrogate: JSON.stringify escapes it; written raw it would become U+FFFD.
  fc.constantFrom('\ud800', 'a\udfff', '\ud83d'),
);
/** What JSON.stringify turns into something else, or leaves out of objects. */
const odd = fc.oneof(
  fc.constantFrom(undefined, Number.NaN, -0, Number.POSITIVE_INFINITY, () => 1, Symbol('s')),
  fc.date({ noInvalidDate: true }),
  fc.constant({ toJSON: () => undefined }),
  fc.constant({ toJSON: (key: string) => ({ at: typeof key }) }),
  fc.constant(new Map([['a', 1]])),
  fc.constant(Object.assign(Object.create({ inherited: 1 }) as object, { own: 2 })),
);
const leaf = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
  { weight: 1, arbitrary: odd },
);
/** graphql-js and graphql-jit make result objects without a prototype. */
const nullPrototype = (entries: Record<string, unknown>) =>
  Object.assign(Object.create(null) as Record<string, unknown>, entries);

const HOLE = Symbol('hole');
/** A list with holes where HOLE is (JSON.stringify writes null for a hole). */
const holey = (items: unknown[]) => {
  const list: unknown[] = new Array(items.length);
  items.forEach((item, i) => {
    if (item !== HOLE) list[i] = item;
  });
  return list;
};

const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    // Around a slice's length, so that lists just over and under it are made.
    fc.array(fc.oneof(leaf, fc.dictionary(text, leaf, { maxKeys: 3 })), { minLength: SLICE_ITEMS - 2, maxLength: 200 }),
    fc.array(fc.oneof(leaf, fc.constant(HOLE)), { minLength: SLICE_ITEMS + 1, maxLength: 150 }).map(holey),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }).map(nullPrototype),
  ),
}));
const answer = fc.record(
  { errors: fc.array(fc.record({ message: text })), data: value, extensions: fc.dictionary(text, value) },
  { requiredKeys: ['data'] },
);

describe('jsonLineBytes', () => {
  it("is JSON.stringify(value) + '\\n' as UTF-8, for generated answers", () => {
    let sliced = 0;
    fc.assert(
      fc.property(answer, (generated) => {
        if (hasLongList(generated)) sliced++;
        expect(jsonLineBytes(generated)).toEqual(Buffer.from(JSON.stringify(generated) + '\n'));
      }),
      { numRuns: 400 },
    );
    // Lists long enough to be cut in slices are common among them, not a rare case.
    expect(sliced).toBeGreaterThan(40);
  });

  it('keeps every piece of a 1000-person answer small', () => {
    const person = (i: number) => ({
      personidentifikator: String(10_000_000_000 + i),
      kontaktinformasjon: { epostadresse: `person${i}@eksempel.no`, mobiltelefonnummer: '+4799999999' },
      digitalPost: { postkasseadresse: 'ø'.repeat(600), postkasseleverandoeradresse: 'digipost' },
    });
    const value = nullPrototype({
      data: nullPrototype({ personer: Array.from({ length: 1000 }, (_, i) => person(i)) }),
    });
    const pieces = jsonPieces(value);
    expect(pieces.join('')).toBe(JSON.stringify(value));
    expect(JSON.stringify(value).length).toBeGreaterThan(700_000);
    expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThan(64 * 1024);
    expect(pieces.length).toBeGreaterThanOrEqual(Math.ceil(1000 / SLICE_ITEMS));
  });
});

describe('hasLongList', () => {
  const long = Array.from({ length: SLICE_ITEMS + 1 }, (_, i) => i);
  it('finds a list longer than a slice where jsonPieces cuts one', () => {
    expect(hasLongList({ data: { personer: long } })).toBe(true);
    expect(hasLongList({ data: nullPrototype({ a: { b: long } }) })).toBe(true);
    expect(hasLongList({ data: { personer: long.slice(1) } })).toBe(false);
    // Deeper than objects are opened: written in one piece, so not worth handing over.
    expect(hasLongList({ data: { a: { b: { c: long } } } })).toBe(false);
    expect(hasLongList({ data: { when: { toJSON: () => long } } })).toBe(false);
    expect(hasLongList({ data: null, errors: [{ message: 'x' }] })).toBe(false);
  });
});
