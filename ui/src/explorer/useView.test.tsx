// @vitest-environment happy-dom
import { act, renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { navigate } from '../state/router';
import { useView } from './useView';

describe('useView', () => {
  it('keeps the identity of the parts of the view that a navigation left alone', () => {
    navigate('/p/demo/explore?projection=1&f.label=cat&hide=dog&crange=0,1');
    const { result } = renderHook(() => useView());
    const before = result.current.view;
    act(() => result.current.update({ selection: { ids: [3], total: 1 } }));
    const after = result.current.view;
    expect(after).not.toBe(before);
    expect(after.selection.ids).toEqual([3]);
    expect(after.filters).toBe(before.filters);
    expect(after.hidden).toBe(before.hidden);
    expect(after.colorRange).toBe(before.colorRange);

    act(() =>
      result.current.update({ filters: { values: { label: ['cat', 'dog'] }, ranges: {} } }),
    );
    expect(result.current.view.filters).not.toBe(before.filters);
    expect(result.current.view.filters.ranges).toBe(before.filters.ranges);
    expect(window.location.search).toContain('f.label=cat,dog');
  });
});
