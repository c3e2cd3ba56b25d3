// A label decided in the review queue, shown on the map at once: the table with one point's
// label changed (a copy of the label codes; a label new to the map is appended), and the
// derived correct / incorrect column recomputed.
import { addDerivedColumns } from '../../points/derived';
import { withColumns } from '../../points/table';
import type { PointTable } from '../../points/types';

export function withLabel(table: PointTable, index: number, label: string | null): PointTable {
  const column = table.columns.get('label');
  if (column?.kind !== 'category' || index < 0 || index >= table.count) return table;
  let code = label === null ? -1 : column.values.indexOf(label);
  const values = code < 0 && label !== null ? [...column.values, label] : column.values;
  if (code < 0 && label !== null) code = values.length - 1;
  if (column.codes[index] === code) return table;
  const codes = column.codes.slice();
  codes[index] = code;
  return addDerivedColumns(withColumns(table, [['label', { kind: 'category', codes, values }]]));
}
