import { describe, expect, it } from 'vitest';
import { difference, equals, fromIndices, fromMask, has, intersection, union } from './selection';

const s = (...values: number[]) => fromIndices(values);
const list = (a: Uint32Array) => Array.from(a);

describe('selection sets', () => {
  it('sorts and de-duplicates indices', () => {
    expect(list(s(5, 1, 3, 1, 5))).toEqual([1, 3, 5]);
  });

  it('unites, subtracts and intersects', () => {
    const a = s(1, 2, 5, 9);
    const b = s(2, 3, 9, 10);
    expect(list(union(a, b))).toEqual([1, 2, 3, 5, 9, 10]);
    expect(list(difference(a, b))).toEqual([1, 5]);
    expect(list(difference(b, a))).toEqual([3, 10]);
    expect(list(intersection(a, b))).toEqual([2, 9]);
    expect(list(union(a, s()))).toEqual(list(a));
    expect(list(difference(a, s()))).toEqual(list(a));
    expect(list(intersection(a, s()))).toEqual([]);
  });

  it('answers membership and equality', () => {
    const a = s(4, 8, 15, 16, 23, 42);
    expect(has(a, 15)).toBe(true);
    expect(has(a, 14)).toBe(false);
    expect(has(s(), 0)).toBe(false);
    expect(equals(a, s(42, 23, 16, 15, 8, 4))).toBe(true);
    expect(equals(a, s(4))).toBe(false);
  });

  it('selects the points of a mask', () => {
    expect(list(fromMask(Uint8Array.from([0, 1, 1, 0, 1])))).toEqual([1, 2, 4]);
  });
});
