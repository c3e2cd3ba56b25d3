// Reading single points out of the columnar table: cell values, sorting a selection by a
// column, and CSV / JSON exports of a selection.
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

/** The exported fields: id, x, y, placed, then every loaded column. */
export function exportFields(table: PointTable): string[] {
  return ['id', 'x', 'y', 'placed', ...table.columns.keys()];
}

function record(table: PointTable, i: number): Record<string, Cell | boolean> {
  const row: Record<string, Cell | boolean> = {
    id: table.ids[i]!,
    x: table.x[i]!,
    y: table.y[i]!,
    placed: table.placed[i] === 1,
  };
  for (const [name, column] of table.columns) row[name] = cellValue(column, i);
  return row;
}

export function toJson(table: PointTable, indices: ArrayLike<number>): string {
  const rows = Array.from({ length: indices.length }, (_, k) => record(table, indices[k]!));
  return JSON.stringify(rows, null, 0);
}

function csvCell(value: Cell | boolean): string {
  if (value === null) return '';
  const text = Array.isArray(value) ? value.join(';') : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(table: PointTable, indices: ArrayLike<number>): string {
  const fields = exportFields(table);
  const lines = [fields.map((f) => csvCell(f)).join(',')];
  for (let k = 0; k < indices.length; k++) {
    const row = record(table, indices[k]!);
    lines.push(fields.map((f) => csvCell(row[f] ?? null)).join(','));
  }
  return `${lines.join('\n')}\n`;
}
