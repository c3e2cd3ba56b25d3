// Selections as sorted, duplicate-free Uint32Arrays of point indices: compact at a million
// points, and union / difference / intersection are linear merges.

export type Selection = Uint32Array;

export const EMPTY: Selection = new Uint32Array(0);

/** From any list of indices (e.g. regl-scatterplot's `select` event). */
export function fromIndices(indices: ArrayLike<number>): Selection {
  const sorted = Uint32Array.from(indices).sort();
  let m = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[m++] = sorted[i]!;
  }
  return m === sorted.length ? sorted : sorted.slice(0, m);
}

export function union(a: Selection, b: Selection): Selection {
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let m = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) {
      out[m++] = x;
      i++;
    } else if (y < x) {
      out[m++] = y;
      j++;
    } else {
      out[m++] = x;
      i++;
      j++;
    }
  }
  while (i < a.length) out[m++] = a[i++]!;
  while (j < b.length) out[m++] = b[j++]!;
  return out.slice(0, m);
}

/** The points of `a` that are not in `b`. */
export function difference(a: Selection, b: Selection): Selection {
  const out = new Uint32Array(a.length);
  let j = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j >= b.length || b[j] !== x) out[m++] = x;
  }
  return out.slice(0, m);
}

export function intersection(a: Selection, b: Selection): Selection {
  const out = new Uint32Array(Math.min(a.length, b.length));
  let i = 0;
  let j = 0;
  let m = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) i++;
    else if (y < x) j++;
    else {
      out[m++] = x;
      i++;
      j++;
    }
  }
  return out.slice(0, m);
}

export function has(selection: Selection, index: number): boolean {
  let lo = 0;
  let hi = selection.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = selection[mid]!;
    if (v === index) return true;
    if (v < index) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

export function equals(a: Selection, b: Selection): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Indices where mask[i] is 1 (e.g. "select everything the filters let through"). */
export function fromMask(mask: Uint8Array): Selection {
  let m = 0;
  for (let i = 0; i < mask.length; i++) m += mask[i]!;
  const out = new Uint32Array(m);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) out[k++] = i;
  return out;
}
