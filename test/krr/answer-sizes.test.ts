import { describe, expect, it } from 'vitest';
import { AnswerSizes, DEFAULT_MAX_ANSWER_BYTES, MIN_IDS_PER_CALL } from '../../src/krr/answer-sizes.js';

const CONTACT = { digitalPost: false };
const DIGITAL_POST = { digitalPost: true };

describe('AnswerSizes (KRR_BATCH_MAX_ANSWER_BYTES)', () => {
  it('bounds nothing before KRR has answered', () => {
    expect(new AnswerSizes().maxIds(CONTACT)).toBe(Infinity);
  });

  it('allows as many records as fit under the answer size, by default 112 KiB', () => {
    const sizes = new AnswerSizes();
    sizes.record(CONTACT, 100 * 523, 100); // the independent stub's records
    expect(DEFAULT_MAX_ANSWER_BYTES).toBe(114_688);
    expect(sizes.maxIds(CONTACT)).toBe(219);
  });

  it('learns each data group apart: digital post records carry a certificate', () => {
    const sizes = new AnswerSizes(100_000);
    sizes.record(DIGITAL_POST, 200 * 1600, 200);
    expect(sizes.maxIds(DIGITAL_POST)).toBe(62);
    expect(sizes.maxIds(CONTACT)).toBe(Infinity);
    sizes.record(CONTACT, 500, 1);
    expect(sizes.maxIds(CONTACT)).toBe(200);
  });

  it('never goes under MIN_IDS_PER_CALL, however large the records', () => {
    const sizes = new AnswerSizes(1000);
    sizes.record(CONTACT, 1_000_000, 10);
    expect(sizes.maxIds(CONTACT)).toBe(MIN_IDS_PER_CALL);
  });

  it('moves a quarter of the way towards each new answer, so one odd answer does not swing it', () => {
    const sizes = new AnswerSizes(100_000);
    sizes.record(CONTACT, 1000, 2); // 500 bytes a record
    sizes.record(CONTACT, 2000, 1); // 2000: the estimate moves to 875
    expect(sizes.maxIds(CONTACT)).toBe(Math.floor(100_000 / 875));
  });

  it('ignores answers without records or bytes', () => {
    const sizes = new AnswerSizes(100_000);
    sizes.record(CONTACT, 16, 0); // {"personer":[]}
    sizes.record(CONTACT, 0, 5);
    expect(sizes.maxIds(CONTACT)).toBe(Infinity);
  });
});
