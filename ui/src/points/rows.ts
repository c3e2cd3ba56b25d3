// Reading single points out of the columnar table: cell values, and sorting a selection by
// a column. (Exports come from the server's table: api/exportSelection.ts.)
import { compareText } from '../lib/text';
import { type Column, hasBit, type PointTable } from './types';

export type Cell = string | number | string[] | null;

export function cellValue(column: Column, i: number): Cell {
  if (column.kind === 'category') {
    const code = column.codes[i]!;
    return code < 0 ? null : column.values[code]!;
  }
  if (column.kind === 'number') {
    const v = column.values[i]!;
    return Number.isNaN(v) ? null : v;
  }
  const tags: string[] = [];
  column.members.forEach((bits, t) => {
    if (hasBit(bits, i)) tags.push(column.values[t]!);
  });
  return tags;
}

export const SORT_BY_INDEX = '';

/**
 * The selection's indices ordered by a column (missing values last, then map order).
 * Categories sort by text: their codes are ranked once, so the comparator stays numeric.
 */
export function sortIndices(
  table: PointTable,
  indices: Uint32Array,
  field: string,
  descending: boolean,
): Uint32Array {
  const out = Uint32Array.from(indices);
  const column = field === SORT_BY_INDEX ? null : table.columns.get(field);
  const key = new Float64Array(table.count === 0 ? 0 : indices.length);
  if (!column) return descending ? out.reverse() : out;
  if (column.kind === 'number') {
    indices.forEach((point, k) => {
      key[k] = column.values[point]!;
    });
  } else if (column.kind === 'category') {
    const order = column.values
      .map((_, code) => code)
      .sort((a, b) => compareText(column.values[a]!, column.values[b]!));
    const rank = new Float64Array(column.values.length);
    order.forEach((code, r) => {
      rank[code] = r;
    });
    indices.forEach((point, k) => {
      const code = column.codes[point]!;
      key[k] = code < 0 ? Number.NaN : rank[code]!;
    });
  } else {
    // Tags: by how many tags a point carries.
    indices.forEach((point, k) => {
      let n = 0;
      for (const bits of column.members) if (hasBit(bits, point)) n++;
      key[k] = n;
    });
  }
  const position = Array.from({ length: indices.length }, (_, k) => k);
  const sign = descending ? -1 : 1;
  position.sort((a, b) => {
    const x = key[a]!;
    const y = key[b]!;
    const xn = Number.isNaN(x);
    const yn = Number.isNaN(y);
    if (xn || yn) return xn === yn ? a - b : xn ? 1 : -1;
    return x === y ? a - b : (x < y ? -1 : 1) * sign;
  });
  position.forEach((k, at) => {
    out[at] = indices[k]!;
  });
  return out;
}
