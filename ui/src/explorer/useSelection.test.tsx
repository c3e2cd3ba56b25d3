// @vitest-environment happy-dom
import { act, renderHook } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { idLookup } from '../points/lookup';
import { decodeView, SELECTION_CAP } from '../state/urlState';
import { selectionForUrl, selectionFromUrl, useSelection } from './useSelection';

const ids = Float64Array.of(10, 20, 30, 40);

describe('the selection in the URL', () => {
  it('keeps ids up to the cap, else only the count', () => {
    expect(selectionForUrl(Uint32Array.of(1, 3), ids)).toEqual({ ids: [20, 40], total: 2 });
    const many = Uint32Array.from({ length: SELECTION_CAP + 1 }, (_, i) => i);
    const big = Float64Array.from({ length: SELECTION_CAP + 1 }, (_, i) => i);
    expect(selectionForUrl(many, big)).toEqual({ ids: [], total: SELECTION_CAP + 1 });
  });

  it('reads ids back as sorted indices, leaving out ids not on the map', () => {
    const linked = { ids: [40, 99, 10], total: 3 };
    expect(Array.from(selectionFromUrl(linked, idLookup(ids)))).toEqual([0, 3]);
  });
});

describe('useSelection', () => {
  it('restores the link once per load, not when the table changes', () => {
    const update = vi.fn();
    const view = decodeView('?seln=900');
    const lookup = idLookup(ids);
    const { result, rerender } = renderHook(
      ({ loading }) => useSelection(ids, loading, lookup, { view, update }),
      { initialProps: { loading: true } },
    );
    expect(result.current.droppedFromLink).toBe(0);
    rerender({ loading: false });
    expect(result.current.droppedFromLink).toBe(900);

    act(() => result.current.changeSelection(Uint32Array.of(2)));
    expect(update).toHaveBeenLastCalledWith({ selection: { ids: [30], total: 1 } });
    // A copy of the table (same ids) after a tag: the selection stays.
    rerender({ loading: false });
    expect(Array.from(result.current.selection)).toEqual([2]);
    expect(result.current.droppedFromLink).toBe(0);
  });
});
