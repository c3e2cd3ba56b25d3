// Two maps of one project linked by datapoint: a selection, a hovered point or a column of
// one map carried to the other by datapoint id. Points only one map holds have no
// counterpart (another space may lack a datapoint; a map may not have placed it yet).
import type { IdLookup } from '../points/lookup';
import type { NumberColumn, PointTable } from '../points/types';
import { fromIndices, type Selection } from '../state/selection';

/** The rows of `to` holding the datapoints of `rows` of `from`. */
export function carrySelection(from: PointTable, rows: Selection, to: IdLookup): Selection {
  const out: number[] = [];
  for (const row of rows) {
    const index = to.indexOf(from.ids[row]!);
    if (index >= 0) out.push(index);
  }
  return fromIndices(out);
}

/** The row of `to` holding the datapoint of row `row` of `from`; null when it has none. */
export function carryPoint(from: PointTable, row: number | null, to: IdLookup): number | null {
  if (row === null || row >= from.count) return null;
  const index = to.indexOf(from.ids[row]!);
  return index >= 0 ? index : null;
}

/**
 * A numeric column of one map (`fromLookup` finds its rows) as a column of `to`, by
 * datapoint id (NaN where the first map lacks the datapoint): the neighbourhood change, computed on one space's map, colours the other.
 */
export function carryColumn(
  column: NumberColumn,
  fromLookup: IdLookup,
  to: PointTable,
): NumberColumn {
  const values = new Float32Array(to.count);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < to.count; i++) {
    const index = fromLookup.indexOf(to.ids[i]!);
    const value = index >= 0 ? column.values[index]! : Number.NaN;
    values[i] = value;
    if (Number.isFinite(value)) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
  }
  return min <= max
    ? { kind: 'number', values, min, max }
    : { kind: 'number', values, min: column.min, max: column.max };
}
