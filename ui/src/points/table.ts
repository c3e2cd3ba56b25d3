// Copy-on-write changes to a PointTable. Each returns a new table object (so React sees the
// change by identity) that shares every typed array it did not change: a new column costs
// the column, a tag costs one bitset, never a copy of the map. A change that changes
// nothing returns the table itself.
import { idLookup } from './lookup';
import { bitsetFor, type Column, type PointTable, setBit, type TagsColumn } from './types';

/** The table with these columns added or replaced. */
export function withColumns(
  table: PointTable,
  columns: Iterable<readonly [string, Column]>,
): PointTable {
  const next = new Map(table.columns);
  let changed = false;
  for (const [name, column] of columns) {
    if (next.get(name) === column) continue;
    next.set(name, column);
    changed = true;
  }
  return changed ? { ...table, columns: next } : table;
}

const NO_TAGS: TagsColumn = { kind: 'tags', values: [], members: [] };

/**
 * Set (or clear) `tag` on the given points. `changed`: how many points changed. A tag
 * new to the table is inserted in name order, as the server lists tags.
 */
export function withTag(
  table: PointTable,
  indices: ArrayLike<number>,
  tag: string,
  on: boolean,
): { table: PointTable; changed: number } {
  const existing = table.columns.get('tags');
  const column = existing?.kind === 'tags' ? existing : NO_TAGS;
  let t = column.values.indexOf(tag);
  if (t < 0 && !on) return { table, changed: 0 };
  // A new list even when no tag is added: the tags facet re-sorts when its column changes.
  const values = [...column.values];
  const members = [...column.members];
  const added = t < 0;
  if (added) {
    t = values.findIndex((name) => name > tag);
    if (t < 0) t = values.length;
    values.splice(t, 0, tag);
    members.splice(t, 0, bitsetFor(table.count));
  }
  // The one bitset that changes is copied; the table it came from keeps the original.
  const bits = added ? members[t]! : members[t]!.slice();
  let changed = 0;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    const was = ((bits[i >>> 5]! >>> (i & 31)) & 1) === 1;
    if (was !== on) {
      setBit(bits, i, on);
      changed++;
    }
  }
  if (changed === 0 && !added) return { table, changed: 0 };
  members[t] = bits;
  return { table: withColumns(table, [['tags', { kind: 'tags', values, members }]]), changed };
}

/**
 * The table with the columns `names` of `extra` (another load of the same map), aligned
 * by id: when the map changed between the two loads (points placed since), points that
 * `extra` lacks get no value.
 */
export function withMergedColumns(
  table: PointTable,
  extra: PointTable,
  names: readonly string[],
): PointTable {
  const same = extra.count === table.count && extra.ids.every((id, i) => id === table.ids[i]);
  let at: Int32Array | null = null;
  const align = () => {
    if (!at) {
      const lookup = idLookup(extra.ids);
      at = Int32Array.from(table.ids, (id) => lookup.indexOf(id));
    }
    return at;
  };
  const merged: [string, Column][] = [];
  for (const name of names) {
    const column = extra.columns.get(name);
    if (!column) continue;
    if (same) {
      merged.push([name, column]);
    } else if (column.kind === 'category') {
      const codes = Int32Array.from(align(), (j) => (j < 0 ? -1 : column.codes[j]!));
      merged.push([name, { kind: 'category', codes, values: column.values }]);
    } else if (column.kind === 'number') {
      const values = Float64Array.from(align(), (j) => (j < 0 ? Number.NaN : column.values[j]!));
      merged.push([name, { ...column, values }]);
    }
  }
  return withColumns(table, merged);
}
