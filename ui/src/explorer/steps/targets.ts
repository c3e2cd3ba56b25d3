// Where each point of the current step's map goes on the next step's map, for the map to
// move it there on the GPU (ScatterMapHandle.movePoints). The places are the next map's
// own drawn ones (its normalised frame, points/decode.ts), so the animation ends exactly
// where the next map then draws each point: no jump when it opens. The maps are aligned
// step to step on the server, so the motion is the model's, not the layout's.
import { frameOf } from '../../points/decode';
import type { PointTable } from '../../points/types';

export interface StepTargets {
  /** Per row of the current table: its place on the next map (normalised). */
  nx: Float32Array;
  ny: Float32Array;
  /** Rows the next map holds (the others stay at their own coordinates). */
  matched: number;
}

/**
 * Where each row of `current` goes on `next` (matched by datapoint id). A point the next
 * map lacks stays at its coordinates, put into the next map's frame (the maps are aligned,
 * so its coordinates mean the same place there).
 */
export function stepTargets(current: PointTable, next: PointTable): StepTargets {
  const row = new Map<number, number>();
  for (let i = 0; i < next.count; i += 1) row.set(next.ids[i]!, i);
  const { cx, cy, scale } = frameOf(next.x, next.y);
  const nx = new Float32Array(current.count);
  const ny = new Float32Array(current.count);
  let matched = 0;
  for (let i = 0; i < current.count; i += 1) {
    const j = row.get(current.ids[i]!);
    if (j === undefined) {
      nx[i] = (current.x[i]! - cx) * scale;
      ny[i] = (current.y[i]! - cy) * scale;
    } else {
      nx[i] = next.nx[j]!;
      ny[i] = next.ny[j]!;
      matched += 1;
    }
  }
  return { nx, ny, matched };
}

/** `current` with its points at their targets (the spatial index was over the old places). */
export function atTargets(current: PointTable, targets: StepTargets): PointTable {
  return { ...current, nx: targets.nx, ny: targets.ny, spatialIndex: undefined };
}
