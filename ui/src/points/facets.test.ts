import { describe, expect, it } from 'vitest';
import {
  applyFilters,
  emptyFilters,
  type Filters,
  NULL_VALUE,
  popcount,
  setRange,
  toggleValue,
} from './facets';
import { bitsetFor, type PointTable, setBit } from './types';

/** Six points: label, dataset, score and tags. */
function table(): PointTable {
  const n = 6;
  const review = bitsetFor(n);
  setBit(review, 0, true);
  setBit(review, 3, true);
  const hard = bitsetFor(n);
  setBit(hard, 3, true);
  setBit(hard, 5, true);
  return {
    count: n,
    ids: Float64Array.from([1, 2, 3, 4, 5, 6]),
    x: new Float32Array(n),
    y: new Float32Array(n),
    nx: new Float32Array(n),
    ny: new Float32Array(n),
    placed: new Uint8Array(n),
    columns: new Map([
      [
        'label',
        { kind: 'category', values: ['cat', 'dog'], codes: Int32Array.from([0, 0, 1, 1, -1, 0]) },
      ],
      [
        'dataset',
        { kind: 'category', values: ['train', 'prod'], codes: Int32Array.from([0, 1, 0, 1, 1, 0]) },
      ],
      [
        'score',
        {
          kind: 'number',
          values: Float32Array.from([0.1, 0.5, 0.9, Number.NaN, 0.3, 0.7]),
          min: 0.1,
          max: 0.9,
        },
      ],
      ['tags', { kind: 'tags', values: ['hard', 'review'], members: [hard, review] }],
    ]),
  };
}

const passing = (pass: Uint8Array) => Array.from(pass.keys()).filter((i) => pass[i] === 1);

describe('applyFilters', () => {
  it('passes everything and counts every value without filters', () => {
    const result = applyFilters(table(), emptyFilters());
    expect(result.passCount).toBe(6);
    expect(Array.from(result.facets.get('label')!.counts)).toEqual([3, 2, 1]);
    expect(Array.from(result.facets.get('tags')!.counts)).toEqual([2, 2, 3]);
  });

  it('ORs the values of one facet and ANDs facets', () => {
    let filters: Filters = toggleValue(emptyFilters(), 'label', 'dog');
    filters = toggleValue(filters, 'label', NULL_VALUE);
    expect(passing(applyFilters(table(), filters).pass)).toEqual([2, 3, 4]);
    filters = toggleValue(filters, 'dataset', 'prod');
    expect(passing(applyFilters(table(), filters).pass)).toEqual([3, 4]);
  });

  it("counts a facet under the other facets' filters only", () => {
    const filters = toggleValue(toggleValue(emptyFilters(), 'label', 'cat'), 'dataset', 'train');
    const result = applyFilters(table(), filters);
    expect(passing(result.pass)).toEqual([0, 5]);
    // label counts over dataset=train (points 0, 2, 5): cat 2, dog 1.
    expect(Array.from(result.facets.get('label')!.counts)).toEqual([2, 1, 0]);
    // dataset counts over label=cat (points 0, 1, 5): train 2, prod 1.
    expect(Array.from(result.facets.get('dataset')!.counts)).toEqual([2, 1, 0]);
  });

  it('filters tags by any of the chosen tags, or untagged', () => {
    expect(
      passing(applyFilters(table(), toggleValue(emptyFilters(), 'tags', 'hard')).pass),
    ).toEqual([3, 5]);
    const either = toggleValue(toggleValue(emptyFilters(), 'tags', 'hard'), 'tags', 'review');
    expect(passing(applyFilters(table(), either).pass)).toEqual([0, 3, 5]);
    expect(
      passing(applyFilters(table(), toggleValue(emptyFilters(), 'tags', NULL_VALUE)).pass),
    ).toEqual([1, 2, 4]);
  });

  it('keeps numbers inside a closed range and drops missing ones', () => {
    const filters = setRange(emptyFilters(), 'score', [0.3, 0.7]);
    expect(passing(applyFilters(table(), filters).pass)).toEqual([1, 4, 5]);
    expect(setRange(filters, 'score', null).ranges).toEqual({});
  });

  it('toggles values on and off, dropping empty facets', () => {
    const on = toggleValue(emptyFilters(), 'label', 'cat');
    expect(on.values).toEqual({ label: ['cat'] });
    expect(toggleValue(on, 'label', 'cat').values).toEqual({});
  });

  it('handles a million points in a few typed passes', () => {
    const n = 1_000_000;
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = i % 10;
    const big: PointTable = {
      ...table(),
      count: n,
      columns: new Map([['label', { kind: 'category', values: 'abcdefghij'.split(''), codes }]]),
    };
    const result = applyFilters(big, toggleValue(emptyFilters(), 'label', 'c'));
    expect(result.passCount).toBe(100_000);
    expect(result.facets.get('label')!.counts[2]).toBe(100_000);
  });
});

describe('popcount', () => {
  it('counts set bits of 32-bit words', () => {
    expect(popcount(0)).toBe(0);
    expect(popcount(0xffffffff)).toBe(32);
    expect(popcount(0b1011)).toBe(3);
    expect(popcount(0x80000000 | 1)).toBe(2);
  });
});
