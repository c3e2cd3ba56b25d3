// The points a summary entry stands for (a cluster, a dataset's out-of-distribution rows, a
// duplicate group, the rows leaking between two datasets) as a selection, and where each
// cluster's centre is on the map. Typed loops over the point table's columns; no GraphQL.
import type { IdLookup } from '../../points/lookup';
import type { Column, PointTable } from '../../points/types';
import { EMPTY, fromIndices, type Selection } from '../../state/selection';

/** A numeric column's values (the analysis' int64 ids arrive as numbers, NaN for null). */
function numbers(column: Column | undefined): Float32Array | Float64Array | null {
  return column?.kind === 'number' ? column.values : null;
}

/** The category code of `value` in a category column, -1 when absent. */
function codeOf(column: Column | undefined, value: string): number {
  return column?.kind === 'category' ? column.values.indexOf(value) : -1;
}

/** Rows whose `column` (numbers) equals `value`. */
export function rowsWithValue(table: PointTable, column: string, value: number): Selection {
  const values = numbers(table.columns.get(column));
  if (!values) return EMPTY;
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] === value) out.push(i);
  return Uint32Array.from(out);
}

/** Rows of `dataset` (the base `dataset` column) flagged true in a boolean column. */
export function flaggedRowsOf(table: PointTable, column: string, dataset: string): Selection {
  const flags = table.columns.get(column);
  const datasets = table.columns.get('dataset');
  if (flags?.kind !== 'category' || datasets?.kind !== 'category') return EMPTY;
  const yes = flags.values.indexOf('true');
  const code = codeOf(datasets, dataset);
  if (yes < 0 || code < 0) return EMPTY;
  const out: number[] = [];
  for (let i = 0; i < flags.codes.length; i++) {
    if (flags.codes[i] === yes && datasets.codes[i] === code) out.push(i);
  }
  return Uint32Array.from(out);
}

/** Rows of datapoint `ids` that are on this map. */
export function rowsOfIds(ids: readonly number[], lookup: IdLookup): Selection {
  return fromIndices(ids.map((id) => lookup.indexOf(id)).filter((i) => i >= 0));
}

/**
 * Leakage between datasets `a` and `b`: the rows of either in a duplicate group (`column`)
 * that holds rows of both.
 */
export function leakingRows(table: PointTable, column: string, a: string, b: string): Selection {
  const groups = numbers(table.columns.get(column));
  const datasets = table.columns.get('dataset');
  if (!groups || datasets?.kind !== 'category') return EMPTY;
  const codeA = codeOf(datasets, a);
  const codeB = codeOf(datasets, b);
  if (codeA < 0 || codeB < 0) return EMPTY;
  const inA = new Set<number>();
  const inB = new Set<number>();
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i]!;
    if (Number.isNaN(group) || group < 0) continue;
    if (datasets.codes[i] === codeA) inA.add(group);
    else if (datasets.codes[i] === codeB) inB.add(group);
  }
  const out: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const code = datasets.codes[i];
    if (code !== codeA && code !== codeB) continue;
    const group = groups[i]!;
    if (inA.has(group) && inB.has(group)) out.push(i);
  }
  return Uint32Array.from(out);
}

export interface Centre {
  /** In the drawn map's coordinates ([-1, 1]: the table's nx, ny). */
  x: number;
  y: number;
  count: number;
}

/**
 * Per cluster id (>= 0; noise and null are left out), the mean of its points' drawn
 * positions: where its label goes on the map.
 */
export function clusterCentres(
  clusters: Float32Array | Float64Array,
  nx: Float32Array,
  ny: Float32Array,
): Map<number, Centre> {
  const sums = new Map<number, { x: number; y: number; count: number }>();
  const n = Math.min(clusters.length, nx.length, ny.length);
  for (let i = 0; i < n; i++) {
    const c = clusters[i]!;
    if (Number.isNaN(c) || c < 0) continue;
    const sum = sums.get(c);
    if (sum) {
      sum.x += nx[i]!;
      sum.y += ny[i]!;
      sum.count++;
    } else sums.set(c, { x: nx[i]!, y: ny[i]!, count: 1 });
  }
  const out = new Map<number, Centre>();
  for (const [c, sum] of sums)
    out.set(c, { x: sum.x / sum.count, y: sum.y / sum.count, count: sum.count });
  return out;
}

/** The centres of a table's cluster column, or an empty map while it is not loaded. */
export function centresOf(table: PointTable, column: string): Map<number, Centre> {
  const values = numbers(table.columns.get(column));
  return values ? clusterCentres(values, table.nx, table.ny) : new Map();
}
