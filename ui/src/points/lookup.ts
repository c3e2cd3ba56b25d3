// From datapoint id to point index. Maps are usually stored in id order (computed chunk
// first, placed points after with larger ids), so a binary search over the ids is the
// common case; otherwise a hash map built once, lazily.
export interface IdLookup {
  indexOf(id: number): number;
}

/** Keyed by a table's `ids`, which every table derived from one load shares. */
export function idLookup(ids: Float64Array): IdLookup {
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
