// Columns the Explorer derives from loaded ones, computed once per load with typed loops.
import { withColumns } from './table';
import type { CategoryColumn, PointTable } from './types';

export const CORRECT = 'correct';

/**
 * "correct" / "incorrect": does the prediction equal the label? Missing where either is
 * missing. Compares the two dictionaries once, then only integer codes per point.
 */
export function correctness(table: PointTable): CategoryColumn | null {
  const label = table.columns.get('label');
  const prediction = table.columns.get('prediction');
  if (label?.kind !== 'category' || prediction?.kind !== 'category') return null;
  const labelCode = new Map(label.values.map((value, code) => [value, code]));
  // For each prediction code, the label code with the same text (or -2: none).
  const same = Int32Array.from(prediction.values, (value) => labelCode.get(value) ?? -2);
  const codes = new Int32Array(table.count);
  let any = false;
  for (let i = 0; i < table.count; i++) {
    const l = label.codes[i]!;
    const p = prediction.codes[i]!;
    if (l < 0 || p < 0) {
      codes[i] = -1;
    } else {
      codes[i] = same[p] === l ? 0 : 1;
      any = true;
    }
  }
  return any ? { kind: 'category', codes, values: ['correct', 'incorrect'] } : null;
}

export function addDerivedColumns(table: PointTable): PointTable {
  const correct = correctness(table);
  return correct ? withColumns(table, [[CORRECT, correct]]) : table;
}
