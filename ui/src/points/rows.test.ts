import { describe, expect, it } from 'vitest';
import { idLookup } from './lookup';
import { SORT_BY_INDEX, sortIndices } from './rows';
import type { PointTable } from './types';

function table(ids = [5, 6, 7, 8]): PointTable {
  const n = ids.length;
  return {
    count: n,
    ids: Float64Array.from(ids),
    x: Float32Array.from({ length: n }, (_, i) => i),
    y: new Float32Array(n),
    nx: new Float32Array(n),
    ny: new Float32Array(n),
    placed: Uint8Array.from({ length: n }, (_, i) => (i === 3 ? 1 : 0)),
    columns: new Map([
      [
        'label',
        {
          kind: 'category',
          values: ['zebra', 'ant, "big"'],
          codes: Int32Array.from([0, 1, -1, 0]),
        },
      ],
      [
        'score',
        {
          kind: 'number',
          values: Float32Array.from([0.5, Number.NaN, 0.25, 1]),
          min: 0.25,
          max: 1,
        },
      ],
      ['tags', { kind: 'tags', values: [], members: [] }],
    ]),
  } as PointTable;
}

describe('sorting a selection', () => {
  const all = Uint32Array.from([0, 1, 2, 3]);
  it('by a number, missing values last', () => {
    expect(Array.from(sortIndices(table(), all, 'score', false))).toEqual([2, 0, 3, 1]);
    expect(Array.from(sortIndices(table(), all, 'score', true))).toEqual([3, 0, 2, 1]);
  });
  it('by category text', () => {
    expect(Array.from(sortIndices(table(), all, 'label', false))).toEqual([1, 0, 3, 2]);
  });
  it('in map order', () => {
    expect(Array.from(sortIndices(table(), Uint32Array.from([3, 1]), SORT_BY_INDEX, true))).toEqual(
      [1, 3],
    );
  });
});

describe('id lookup', () => {
  it('finds indices in sorted and unsorted maps', () => {
    expect(idLookup(table().ids).indexOf(7)).toBe(2);
    expect(idLookup(table().ids).indexOf(9)).toBe(-1);
    expect(idLookup(table([9, 3, 7]).ids).indexOf(3)).toBe(1);
  });
});
