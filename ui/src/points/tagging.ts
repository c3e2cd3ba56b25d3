// Keep the loaded tags column in step with addTags / removeTags, without reloading the map.
import { bitsetFor, type PointTable, setBit, type TagsColumn } from './types';

function tagsColumn(table: PointTable): TagsColumn {
  const column = table.columns.get('tags');
  if (column?.kind === 'tags') return column;
  const fresh: TagsColumn = { kind: 'tags', values: [], members: [] };
  table.columns.set('tags', fresh);
  return fresh;
}

/** Set (or clear) `tag` on the given points; returns how many points changed. */
export function applyTag(
  table: PointTable,
  indices: ArrayLike<number>,
  tag: string,
  on: boolean,
): number {
  const column = tagsColumn(table);
  let t = column.values.indexOf(tag);
  if (t < 0) {
    if (!on) return 0;
    // Insert in name order, as the server lists tags.
    t = column.values.findIndex((name) => name > tag);
    if (t < 0) t = column.values.length;
    column.values.splice(t, 0, tag);
    column.members.splice(t, 0, bitsetFor(table.count));
  }
  const bits = column.members[t]!;
  let changed = 0;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    const was = ((bits[i >>> 5]! >>> (i & 31)) & 1) === 1;
    if (was !== on) {
      setBit(bits, i, on);
      changed++;
    }
  }
  return changed;
}
