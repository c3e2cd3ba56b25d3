import { describe, expect, it } from 'vitest';
import { frameOf, normalise } from '../../points/decode';
import { EMPTY_TABLE, type PointTable } from '../../points/types';
import { atTargets, stepTargets } from './targets';

/** A decoded table: its drawn places in its own frame, as points/decode.ts makes them. */
function table(ids: number[], xs: number[], ys: number[]): PointTable {
  const x = Float32Array.from(xs);
  const y = Float32Array.from(ys);
  return {
    ...EMPTY_TABLE,
    count: ids.length,
    ids: Float64Array.from(ids),
    x,
    y,
    ...normalise(x, y),
    placed: new Uint8Array(ids.length),
  };
}

describe('step targets', () => {
  const current = table([1, 2, 3], [0, 2, 4], [0, 0, 2]);
  // the next step: point 3 is gone, point 4 is new, points 1 and 2 moved
  const next = table([2, 1, 4], [4, 2, 9], [4, 0, 9]);

  it("puts each shared point where the next map draws it, in the next map's frame", () => {
    const found = stepTargets(current, next);
    expect(found.matched).toBe(2);
    expect(Array.from(found.nx.slice(0, 2))).toEqual([next.nx[1], next.nx[0]]);
    expect(Array.from(found.ny.slice(0, 2))).toEqual([next.ny[1], next.ny[0]]);
  });

  it('leaves a point the next map lacks at its own coordinates, in that frame', () => {
    const found = stepTargets(current, next);
    const { cx, cy, scale } = frameOf(next.x, next.y);
    expect(scale).not.toBe(frameOf(current.x, current.y).scale); // another frame than its own
    expect(found.nx[2]).toBeCloseTo((4 - cx) * scale);
    expect(found.ny[2]).toBeCloseTo((2 - cy) * scale);
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
