// Numbers that name things: cluster ids, group ids, a class number. Coloured on a ramp,
// neighbouring ids would look alike and "noise" (-1) would get a colour of its own; they
// are categories. A column counts as one when its values are all integers and either its
// name says it is an id (cluster, group, topic, ..._id) or it has few distinct values and
// its name is not that of a measure (rank, count, score, ...).
import type { CategoryColumn, NumberColumn } from './types';

/** At most this many distinct integers make a column categorical without an id name. */
export const FEW_VALUES = 12;
/** Past this many distinct values even an id column keeps the ramp (no legend shows them). */
export const MAX_ID_VALUES = 5000;

const ID_NAME =
  /(^|[_\s-])(cluster|group|topic|community|segment|class|category|bucket|kind|type|id|label|target|component|partition|fold|split)s?$|^(cluster|group|topic)/i;
/** camelCase ids: clusterId, groupID. */
const CAMEL_ID = /[a-z](Id|ID)$/;
const MEASURE_NAME =
  /(rank|score|count|distance|size|age|year|index|row|value|prob|probability|confidence|loss|weight|density|length|num|number|total|sum|mean|amount|price|step|epoch|time|ms|seconds?)s?$/i;

/** The last part of a column name ("analysis.3.cluster" -> "cluster"). */
export const baseName = (field: string): string => field.slice(field.lastIndexOf('.') + 1);

export const isIdName = (field: string): boolean => {
  const name = baseName(field);
  return (ID_NAME.test(name) || CAMEL_ID.test(name)) && !MEASURE_NAME.test(name);
};

export interface IdCategories extends CategoryColumn {
  /** Codes drawn grey and listed last: negative ids (HDBSCAN's -1 is noise). */
  readonly muted: ReadonlySet<number>;
  /** The legend's words for a muted value ("noise", "none"). */
  readonly mutedLabel: string;
}

/** The column as categories when it is id-like (see above), else null. */
export function idCategories(field: string, column: NumberColumn): IdCategories | null {
  const byName = isIdName(field);
  if (!byName && MEASURE_NAME.test(baseName(field))) return null;
  const limit = byName ? MAX_ID_VALUES : FEW_VALUES;
  const { values } = column;
  const seen = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    if (!Number.isInteger(v)) return null;
    if (!seen.has(v)) {
      if (seen.size >= limit) return null;
      seen.set(v, 0);
    }
  }
  if (seen.size === 0) return null;
  const sorted = [...seen.keys()].sort((a, b) => a - b);
  sorted.forEach((v, code) => {
    seen.set(v, code);
  });
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    codes[i] = Number.isNaN(v) ? -1 : seen.get(v)!;
  }
  const muted = new Set<number>();
  if (byName) {
    sorted.forEach((v, code) => {
      if (v < 0) muted.add(code);
    });
  }
  return {
    kind: 'category',
    codes,
    values: sorted.map(String),
    muted,
    mutedLabel: /cluster/i.test(baseName(field)) ? 'noise' : 'none',
  };
}
