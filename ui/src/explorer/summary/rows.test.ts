import { describe, expect, it } from 'vitest';
import { idLookup } from '../../points/lookup';
import type { Column, PointTable } from '../../points/types';
import { EMPTY_TABLE } from '../../points/types';
import { clusterCentres, flaggedRowsOf, leakingRows, rowsOfIds, rowsWithValue } from './rows';

const numbers = (values: number[]): Column => ({
  kind: 'number',
  values: Float64Array.from(values),
  min: 0,
  max: 0,
});

function table(columns: Record<string, Column>, count: number): PointTable {
  return {
    ...EMPTY_TABLE,
    count,
    ids: Float64Array.from({ length: count }, (_, i) => 100 + i),
    columns: new Map(Object.entries(columns)),
  };
}

// Rows:      0        1        2       3       4        5
const dataset: Column = {
  kind: 'category',
  codes: Int32Array.from([0, 0, 1, 1, 0, 1]),
  values: ['train', 'test'],
};

describe('summary rows', () => {
  it('selects a cluster', () => {
    const t = table({ c: numbers([0, 1, 0, Number.NaN, -1, 1]) }, 6);
    expect([...rowsWithValue(t, 'c', 0)]).toEqual([0, 2]);
    expect([...rowsWithValue(t, 'c', 1)]).toEqual([1, 5]);
    expect([...rowsWithValue(t, 'missing', 1)]).toEqual([]);
  });

  it("selects a dataset's flagged rows", () => {
    const ood: Column = {
      kind: 'category',
      codes: Int32Array.from([1, 0, 1, -1, 1, 0]),
      values: ['false', 'true'],
    };
    const t = table({ dataset, ood }, 6);
    expect([...flaggedRowsOf(t, 'ood', 'train')]).toEqual([0, 4]);
    expect([...flaggedRowsOf(t, 'ood', 'test')]).toEqual([2]);
    expect([...flaggedRowsOf(t, 'ood', 'nope')]).toEqual([]);
  });

  it('selects the rows leaking between two datasets', () => {
    // group 7 spans train (0) and test (2); group 8 only train (1, 4); 5 is in no group.
    const t = table({ dataset, g: numbers([7, 8, 7, 9, 8, Number.NaN]) }, 6);
    expect([...leakingRows(t, 'g', 'train', 'test')]).toEqual([0, 2]);
  });

  it('selects ids on the map', () => {
    const t = table({}, 6);
    expect([...rowsOfIds([105, 101, 999], idLookup(t.ids))]).toEqual([1, 5]);
  });
});

it('centres clusters at the mean of their points, noise and nulls left out', () => {
  const centres = clusterCentres(
    Float64Array.from([0, 0, 1, -1, Number.NaN]),
    Float32Array.from([0, 1, -1, 5, 5]),
    Float32Array.from([0, 1, 0.5, 5, 5]),
  );
  expect([...centres.keys()]).toEqual([0, 1]);
  expect(centres.get(0)).toEqual({ x: 0.5, y: 0.5, count: 2 });
  expect(centres.get(1)).toEqual({ x: -1, y: 0.5, count: 1 });
});
