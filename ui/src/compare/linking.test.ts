import { describe, expect, it } from 'vitest';
import { idLookup } from '../points/lookup';
import type { NumberColumn, PointTable } from '../points/types';
import { EMPTY_TABLE } from '../points/types';
import { carryColumn, carryPoint, carrySelection } from './linking';

const table = (ids: number[]): PointTable => ({
  ...EMPTY_TABLE,
  count: ids.length,
  ids: Float64Array.from(ids),
});

describe('linking two maps by datapoint', () => {
  // Left holds 10..14; right holds 14, 12, 99 (another order, one datapoint of its own).
  const left = table([10, 11, 12, 13, 14]);
  const right = table([14, 12, 99]);

  it('carries a selection to the rows of the same datapoints, dropping the missing', () => {
    expect([...carrySelection(left, Uint32Array.from([0, 2, 4]), idLookup(right.ids))]).toEqual([
      0, 1,
    ]);
    expect([...carrySelection(right, Uint32Array.from([0, 1, 2]), idLookup(left.ids))]).toEqual([
      2, 4,
    ]);
  });

  it('carries a hovered point', () => {
    expect(carryPoint(left, 4, idLookup(right.ids))).toBe(0);
    expect(carryPoint(left, 1, idLookup(right.ids))).toBeNull();
    expect(carryPoint(left, null, idLookup(right.ids))).toBeNull();
    expect(carryPoint(left, 9, idLookup(right.ids))).toBeNull();
  });

  it('carries a numeric column by id, NaN where the source lacks the datapoint', () => {
    const moved: NumberColumn = {
      kind: 'number',
      values: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.9]),
      min: 0.1,
      max: 0.9,
    };
    const carried = carryColumn(moved, idLookup(left.ids), right);
    expect(Array.from(carried.values.slice(0, 2))).toEqual([
      expect.closeTo(0.9, 5),
      expect.closeTo(0.3, 5),
    ]);
    expect(Number.isNaN(carried.values[2])).toBe(true);
    expect(carried.min).toBeCloseTo(0.3, 5);
    expect(carried.max).toBeCloseTo(0.9, 5);
  });
});
