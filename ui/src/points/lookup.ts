// From datapoint id to point index. Maps are usually stored in id order (computed chunk
// first, placed points after with larger ids), so a binary search over the ids is the
// common case; otherwise a hash map built once, lazily.
import type { PointTable } from './types';

export interface IdLookup {
  indexOf(id: number): number;
}

export function idLookup(table: PointTable): IdLookup {
  const ids = table.ids;
  let sorted = true;
  for (let i = 1; i < ids.length; i++) {
    if (ids[i]! <= ids[i - 1]!) {
      sorted = false;
      break;
    }
  }
  if (sorted) {
    return {
      indexOf(id) {
        let lo = 0;
        let hi = ids.length - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >>> 1;
          const v = ids[mid]!;
          if (v === id) return mid;
          if (v < id) lo = mid + 1;
          else hi = mid - 1;
        }
        return -1;
      },
    };
  }
  let map: Map<number, number> | null = null;
  return {
    indexOf(id) {
      if (!map) {
        map = new Map();
        for (let i = 0; i < ids.length; i++) map.set(ids[i]!, i);
      }
      return map.get(id) ?? -1;
    },
  };
}

/** Copy columns of `extra` (another load of the same map) into `table`, aligned by id. */
export function mergeColumns(table: PointTable, extra: PointTable, names: readonly string[]): void {
  const same = extra.count === table.count && extra.ids.every((id, i) => id === table.ids[i]);
  const lookup = same ? null : idLookup(extra);
  for (const name of names) {
    const column = extra.columns.get(name);
    if (!column) continue;
    if (same) {
      table.columns.set(name, column);
      continue;
    }
    // The map changed between the two loads (points placed since): align, missing -> none.
    const at = Int32Array.from(table.ids, (id) => lookup!.indexOf(id));
    if (column.kind === 'category') {
      const codes = Int32Array.from(at, (j) => (j < 0 ? -1 : column.codes[j]!));
      table.columns.set(name, { kind: 'category', codes, values: column.values });
    } else if (column.kind === 'number') {
      const values = Float64Array.from(at, (j) => (j < 0 ? Number.NaN : column.values[j]!));
      table.columns.set(name, { ...column, values });
    }
  }
}
