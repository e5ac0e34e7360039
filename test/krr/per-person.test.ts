import { describe, expect, it } from 'vitest';
import { PerPerson } from '../../src/krr/per-person.js';

describe('PerPerson', () => {
  it('answers as a Map would, whether the ids came as lists or one at a time', () => {
    const values = new PerPerson<string>();
    expect(values.isEmpty).toBe(true);
    expect(values.get('1')).toBeUndefined();
    values.setAll(['1', '2'], 'a');
    values.setAll(['3'], 'b');
    expect(values.isEmpty).toBe(false);
    expect([values.get('1'), values.get('2'), values.get('3'), values.get('4')]).toEqual(['a', 'a', 'b', undefined]);
    values.set('4', 'c');
    values.setAll(['5', '1'], 'd'); // after the index is built: a later value wins, as Map.set
    expect(['1', '2', '3', '4', '5'].map((id) => values.get(id))).toEqual(['d', 'a', 'b', 'c', 'd']);
    expect(values.has('5')).toBe(true);
    expect(values.has('6')).toBe(false);
  });

  it('is empty after lists of no ids', () => {
    const values = new PerPerson<string>();
    values.setAll([], 'a');
    expect(values.get('1')).toBeUndefined();
    expect(values.isEmpty).toBe(true);
  });
});
