import { describe, expect, it } from 'vitest';
import { EMPTY_TABLE, type PointTable } from '../../points/types';
import { frameAt, targetsOf } from './interpolate';

function table(ids: number[], xs: number[], ys: number[], scale: number): PointTable {
  return {
    ...EMPTY_TABLE,
    count: ids.length,
    ids: Float64Array.from(ids),
    x: Float32Array.from(xs),
    y: Float32Array.from(ys),
    nx: Float32Array.from(xs.map((x) => x * scale)),
    ny: Float32Array.from(ys.map((y) => y * scale)),
    placed: new Uint8Array(ids.length),
  };
}

describe('step interpolation', () => {
  const current = table([1, 2, 3], [0, 2, 4], [0, 0, 2], 0.25);
  // the next step: point 3 is gone, point 4 is new, points 1 and 2 moved
  const target = table([2, 1, 4], [4, 2, 9], [4, 0, 9], 0.1);

  it("puts each point's target in the current table's frame", () => {
    const found = targetsOf(current, target);
    expect(found.matched).toBe(2);
    expect(Array.from(found.nx.slice(0, 2))).toEqual([0.5, 1]);
    expect(Array.from(found.ny.slice(0, 2))).toEqual([0, 1]);
    expect(Number.isNaN(found.nx[2])).toBe(true);
  });

  it('moves matched points from start to target and leaves the others', () => {
    const found = targetsOf(current, target);
    const start = frameAt(current, found, 0);
    const middle = frameAt(current, found, 0.5);
    const end = frameAt(current, found, 1);
    expect(Array.from(start.nx)).toEqual(Array.from(current.nx));
    expect(middle.nx[1]).toBeCloseTo(0.75);
    expect(Array.from(end.nx)).toEqual([0.5, 1, 1]);
    expect(end.ny[2]).toBe(current.ny[2]);
    expect(end.spatialIndex).toBeUndefined();
    expect(end.ids).toBe(current.ids); // the same load: selections keep meaning
  });
});
