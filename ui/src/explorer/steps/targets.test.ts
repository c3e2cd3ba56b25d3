import { describe, expect, it } from 'vitest';
import { EMPTY_TABLE, type PointTable } from '../../points/types';
import { atTargets, stepTargets } from './targets';

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

describe('step targets', () => {
  const current = table([1, 2, 3], [0, 2, 4], [0, 0, 2], 0.25);
  // the next step: point 3 is gone, point 4 is new, points 1 and 2 moved
  const next = table([2, 1, 4], [4, 2, 9], [4, 0, 9], 0.1);

  it("puts each shared point where the next map draws it, in the next map's frame", () => {
    const found = stepTargets(current, next);
    expect(found.matched).toBe(2);
    expect(Array.from(found.nx.slice(0, 2))).toEqual([next.nx[1], next.nx[0]]);
    expect(Array.from(found.ny.slice(0, 2))).toEqual([next.ny[1], next.ny[0]]);
  });

  it('leaves a point the next map lacks at its own coordinates, in that frame', () => {
    const found = stepTargets(current, next);
    expect(found.nx[2]).toBeCloseTo(4 * 0.1);
    expect(found.ny[2]).toBeCloseTo(2 * 0.1);
  });

  it('gives the current table at its targets, the same load otherwise', () => {
    const moved = atTargets(current, stepTargets(current, next));
    expect(moved.count).toBe(3);
    expect(moved.ids).toBe(current.ids); // the same load: selections keep meaning
    expect(moved.x).toBe(current.x);
    expect(moved.nx[0]).toBe(next.nx[1]);
    expect(moved.spatialIndex).toBeUndefined();
  });
});
