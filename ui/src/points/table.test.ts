import { describe, expect, it } from 'vitest';
import { addDerivedColumns } from './derived';
import { cellValue } from './rows';
import { withSpatialIndex } from './spatialIndex';
import { withColumns, withMergedColumns, withTag } from './table';
import type { Column, PointTable } from './types';

function table(ids = [5, 6, 7, 8]): PointTable {
  const n = ids.length;
  return {
    count: n,
    ids: Float64Array.from(ids),
    x: Float32Array.from({ length: n }, (_, i) => i),
    y: new Float32Array(n),
    nx: Float32Array.from({ length: n }, (_, i) => i / n),
    ny: new Float32Array(n),
    placed: new Uint8Array(n),
    columns: new Map<string, Column>([
      ['label', { kind: 'category', values: ['cat', 'dog'], codes: Int32Array.from([0, 1, 1, 0]) }],
      ['prediction', { kind: 'category', values: ['dog'], codes: Int32Array.from([0, 0, 0, -1]) }],
    ]),
  };
}

/** Every typed array of `after` that is not a column named in `changed` is `before`'s own. */
function expectShared(before: PointTable, after: PointTable, changed: string[] = []) {
  for (const key of ['ids', 'x', 'y', 'nx', 'ny', 'placed'] as const) {
    expect(after[key]).toBe(before[key]);
  }
  for (const [name, column] of before.columns) {
    if (!changed.includes(name)) expect(after.columns.get(name)).toBe(column);
  }
}

const tagsOf = (t: PointTable, i: number) => cellValue(t.columns.get('tags')!, i);

describe('copy-on-write tables', () => {
  it('adds a column into a new table that shares every other array', () => {
    const before = table();
    const score: Column = { kind: 'number', values: Float32Array.of(1, 2, 3, 4), min: 1, max: 4 };
    const after = withColumns(before, [['score', score]]);
    expect(after).not.toBe(before);
    expect(after.columns.get('score')).toBe(score);
    expect(before.columns.has('score')).toBe(false);
    expectShared(before, after);
  });

  it('returns the table itself when nothing changes', () => {
    const before = table();
    expect(withColumns(before, [['label', before.columns.get('label')!]])).toBe(before);
    expect(withTag(before, [1], 'unknown', false)).toEqual({ table: before, changed: 0 });
    const tagged = withTag(before, [1], 'review', true).table;
    expect(withTag(tagged, [1], 'review', true)).toEqual({ table: tagged, changed: 0 });
  });

  it('tags into a new table; the old one keeps its tags', () => {
    const t0 = table();
    const first = withTag(t0, [1, 2], 'review', true);
    expect(first.changed).toBe(2);
    const t1 = first.table;
    expect(t0.columns.has('tags')).toBe(false);
    expectShared(t0, t1, ['tags']);

    const t2 = withTag(t1, [2, 3], 'review', true).table;
    const t3 = withTag(t2, [0], 'a', true).table;
    // Tags in name order, as the server lists them.
    const tags = t3.columns.get('tags')!;
    expect(tags.kind === 'tags' && tags.values).toEqual(['a', 'review']);
    expect(tagsOf(t3, 2)).toEqual(['review']);
    expect(tagsOf(t3, 0)).toEqual(['a']);
    // Earlier tables are unchanged, down to their bitsets.
    expect(tagsOf(t1, 3)).toEqual([]);
    expect(tagsOf(t2, 0)).toEqual([]);

    const untagged = withTag(t3, [2], 'review', false);
    expect(untagged.changed).toBe(1);
    expect(tagsOf(untagged.table, 2)).toEqual([]);
    expect(tagsOf(t3, 2)).toEqual(['review']);
  });

  it('copies only the bitset of the tag that changes', () => {
    const t1 = withTag(withTag(table(), [0], 'a', true).table, [1], 'b', true).table;
    const t2 = withTag(t1, [2], 'b', true).table;
    const [a1, b1] = (t1.columns.get('tags') as Column & { kind: 'tags' }).members;
    const [a2, b2] = (t2.columns.get('tags') as Column & { kind: 'tags' }).members;
    expect(a2).toBe(a1);
    expect(b2).not.toBe(b1);
  });

  it('merges a later load aligned by id, leaving the table it merged into as it was', () => {
    const before = table();
    const extra: PointTable = {
      ...table([8, 5]),
      columns: new Map([
        [
          'analysis.1.score',
          { kind: 'number', values: Float32Array.of(0.8, 0.5), min: 0.5, max: 0.8 },
        ],
      ]),
    };
    const after = withMergedColumns(before, extra, ['analysis.1.score']);
    const merged = after.columns.get('analysis.1.score');
    expect(merged?.kind === 'number' && Array.from(merged.values)).toEqual([
      0.5,
      Number.NaN,
      Number.NaN,
      0.800000011920929,
    ]);
    expect(before.columns.has('analysis.1.score')).toBe(false);
    expectShared(before, after);
  });

  it('takes a column of a load of the same points as it is', () => {
    const before = table();
    const column: Column = { kind: 'category', values: ['x'], codes: Int32Array.of(0, 0, 0, 0) };
    const extra: PointTable = { ...table(), columns: new Map([['analysis.2.dup', column]]) };
    const after = withMergedColumns(before, extra, ['analysis.2.dup', 'missing']);
    expect(after.columns.get('analysis.2.dup')).toBe(column);
    expect(withMergedColumns(before, extra, ['missing'])).toBe(before);
  });

  it('derives columns and the spatial index into new tables too', () => {
    const before = table();
    const derived = addDerivedColumns(before);
    expect(before.columns.has('correct')).toBe(false);
    expect(derived.columns.has('correct')).toBe(true);
    expectShared(before, derived);
    const indexed = withSpatialIndex(derived);
    expect(derived.spatialIndex).toBeUndefined();
    expect(indexed.spatialIndex).toBeInstanceOf(ArrayBuffer);
    expectShared(derived, indexed);
  });
});
