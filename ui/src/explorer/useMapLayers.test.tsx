// @vitest-environment happy-dom
import { renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { withColumns, withTag } from '../points/table';
import type { PointTable } from '../points/types';
import { decodeView, type ExplorerView } from '../state/urlState';
import type { MapTheme } from './mapTheme';
import { mapStyle, useMapLayers } from './useMapLayers';

const theme: MapTheme = {
  background: '#fff',
  nullColor: '#999',
  selected: '#000',
  hover: '#111',
  accent: '#22f',
};

function table(): PointTable {
  const n = 4;
  return {
    count: n,
    ids: Float64Array.of(1, 2, 3, 4),
    x: new Float32Array(n),
    y: new Float32Array(n),
    nx: new Float32Array(n),
    ny: new Float32Array(n),
    placed: Uint8Array.of(0, 0, 0, 1),
    columns: new Map([
      ['label', { kind: 'category', values: ['cat', 'dog'], codes: Int32Array.of(0, 1, 1, -1) }],
    ]),
  };
}

describe('mapStyle', () => {
  it('sizes and fades by emphasis level', () => {
    const style = mapStyle(['#a'], 0.8, 2, theme);
    // Placed points keep their size (a little lighter); highlighted they grow.
    expect(style.size).toEqual([2, 2, 1.6, 3.2]);
    expect(style.opacity[0]).toBe(0.8);
    expect(style.opacity[1]).toBeCloseTo(0.56);
    expect(style.opacity[2]).toBeCloseTo(0.08);
    expect(style.opacity[3]).toBe(0.9);
    expect(style.lasso).toBe(theme.accent);
  });
});

describe('useMapLayers', () => {
  const render = (initial: { table: PointTable; view: ExplorerView }) =>
    renderHook(({ table, view }) => useMapLayers(table, view, theme), { initialProps: initial });

  it('recomputes only what a change reads', () => {
    const t0 = table();
    const view = decodeView('');
    const { result, rerender } = render({ table: t0, view });
    const first = result.current;
    expect(first.filtered.passCount).toBe(4);
    // The same view decoded again (another render of the URL) changes nothing.
    rerender({ table: t0, view: { ...view } });
    expect(result.current.data).toBe(first.data);
    expect(result.current.filtered).toBe(first.filtered);

    // A tag: a new table whose label column and coordinates are the old ones.
    const tagged = withTag(t0, [0], 'review', true).table;
    rerender({ table: tagged, view });
    expect(result.current.encoding).toBe(first.encoding);
    expect(result.current.data).toBe(first.data);
    expect(result.current.filtered).not.toBe(first.filtered); // facets count the new tag
    const retagged = result.current.filtered;

    // Another colour: a new encoding, the same filters.
    const byTags = { ...view, color: 'tags' };
    rerender({ table: tagged, view: byTags });
    const third = result.current;
    expect(third.encoding).not.toBe(first.encoding);
    expect(third.data).not.toBe(first.data);
    expect(third.data.x).toBe(t0.nx);
    expect(third.filtered).toBe(retagged);

    // A column merged in that is not the colour: the encoding stays.
    const merged = withColumns(tagged, [
      ['score', { kind: 'number', values: Float32Array.of(1, 2, 3, 4), min: 1, max: 4 }],
    ]);
    rerender({ table: merged, view: byTags });
    expect(result.current.encoding).toBe(third.encoding);
  });

  it('hides legend classes and, in vanish mode, filtered-out points', () => {
    const { result } = render({ table: table(), view: decodeView('?hide=dog') });
    expect(Array.from(result.current.visible ?? [])).toEqual([0, 3]);
    const vanish = render({ table: table(), view: decodeView('?f.label=cat&filtered=hide') });
    expect(Array.from(vanish.result.current.visible ?? [])).toEqual([0]);
    expect(Array.from(vanish.result.current.data.emphasis)).toEqual([0, 0, 0, 1]);
  });
});
