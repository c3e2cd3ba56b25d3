import { describe, expect, it } from 'vitest';
import { idLookup, mergeColumns } from './lookup';
import { cellValue, SORT_BY_INDEX, sortIndices, toCsv, toJson } from './rows';
import { applyTag } from './tagging';
import { bitsetFor, type PointTable } from './types';

function table(ids = [5, 6, 7, 8]): PointTable {
  const n = ids.length;
  return {
    count: n,
    ids: Float64Array.from(ids),
    x: Float32Array.from({ length: n }, (_, i) => i),
    y: new Float32Array(n),
    nx: new Float32Array(n),
    ny: new Float32Array(n),
    placed: Uint8Array.from({ length: n }, (_, i) => (i === 3 ? 1 : 0)),
    columns: new Map([
      [
        'label',
        {
          kind: 'category',
          values: ['zebra', 'ant, "big"'],
          codes: Int32Array.from([0, 1, -1, 0]),
        },
      ],
      [
        'score',
        {
          kind: 'number',
          values: Float32Array.from([0.5, Number.NaN, 0.25, 1]),
          min: 0.25,
          max: 1,
        },
      ],
      ['tags', { kind: 'tags', values: [], members: [] }],
    ]),
  } as PointTable;
}

describe('sorting a selection', () => {
  const all = Uint32Array.from([0, 1, 2, 3]);
  it('by a number, missing values last', () => {
    expect(Array.from(sortIndices(table(), all, 'score', false))).toEqual([2, 0, 3, 1]);
    expect(Array.from(sortIndices(table(), all, 'score', true))).toEqual([3, 0, 2, 1]);
  });
  it('by category text', () => {
    expect(Array.from(sortIndices(table(), all, 'label', false))).toEqual([1, 0, 3, 2]);
  });
  it('in map order', () => {
    expect(Array.from(sortIndices(table(), Uint32Array.from([3, 1]), SORT_BY_INDEX, true))).toEqual(
      [1, 3],
    );
  });
});

describe('exports', () => {
  it('writes CSV with quoting and every loaded column', () => {
    const t = table();
    applyTag(t, [0], 'review', true);
    applyTag(t, [0], 'a', true);
    const csv = toCsv(t, [0, 1]).trim().split('\n');
    expect(csv[0]).toBe('id,x,y,placed,label,score,tags');
    expect(csv[1]).toBe('5,0,0,false,zebra,0.5,a;review');
    expect(csv[2]).toBe('6,1,0,false,"ant, ""big""",,');
  });
  it('writes JSON records', () => {
    expect(JSON.parse(toJson(table(), [3]))).toEqual([
      { id: 8, x: 3, y: 0, placed: true, label: 'zebra', score: 1, tags: [] },
    ]);
  });
});

describe('tagging in place', () => {
  it('adds and removes a tag on points, keeping tags in name order', () => {
    const t = table();
    expect(applyTag(t, [1, 2], 'review', true)).toBe(2);
    expect(applyTag(t, [2, 3], 'review', true)).toBe(1);
    expect(applyTag(t, [0], 'a', true)).toBe(1);
    const tags = t.columns.get('tags')!;
    expect(tags.kind === 'tags' && tags.values).toEqual(['a', 'review']);
    expect(cellValue(tags, 2)).toEqual(['review']);
    expect(applyTag(t, [2], 'review', false)).toBe(1);
    expect(cellValue(tags, 2)).toEqual([]);
    expect(applyTag(t, [0], 'unknown', false)).toBe(0);
  });
});

describe('id lookup and merging', () => {
  it('finds indices in sorted and unsorted maps', () => {
    expect(idLookup(table()).indexOf(7)).toBe(2);
    expect(idLookup(table()).indexOf(9)).toBe(-1);
    expect(idLookup(table([9, 3, 7])).indexOf(3)).toBe(1);
  });
  it('aligns a later load by id', () => {
    const t = table();
    const extra = table([8, 5]);
    extra.columns.set('analysis.1.score', {
      kind: 'number',
      values: Float32Array.from([0.8, 0.5]),
      min: 0.5,
      max: 0.8,
    });
    mergeColumns(t, extra, ['analysis.1.score']);
    const merged = t.columns.get('analysis.1.score');
    expect(merged?.kind === 'number' && Array.from(merged.values)).toEqual([
      0.5,
      Number.NaN,
      Number.NaN,
      0.800000011920929,
    ]);
  });
  it('keeps columns as they are when the maps match', () => {
    const t = table();
    const extra = table();
    const bits = bitsetFor(4);
    extra.columns.set('analysis.2.dup', {
      kind: 'category',
      values: ['x'],
      codes: Int32Array.from([0, 0, 0, 0]),
    });
    mergeColumns(t, extra, ['analysis.2.dup']);
    expect(t.columns.get('analysis.2.dup')).toBe(extra.columns.get('analysis.2.dup'));
    expect(bits.length).toBe(1);
  });
});
