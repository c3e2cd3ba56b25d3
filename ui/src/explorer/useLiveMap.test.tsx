// @vitest-environment happy-dom
import { renderHook } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { POLL_MS, usePollWhile, useReloadWhenReady } from './useLiveMap';

afterEach(() => {
  vi.useRealTimers();
});

describe('following a map being computed', () => {
  it('asks again after each answer while the map computes, and stops once it is ready', () => {
    vi.useFakeTimers();
    const refetch = vi.fn();
    const { rerender } = renderHook(({ active, answer }) => usePollWhile(active, refetch, answer), {
      initialProps: { active: true, answer: 1 },
    });
    vi.advanceTimersByTime(POLL_MS);
    expect(refetch).toHaveBeenCalledTimes(1);
    rerender({ active: true, answer: 2 });
    vi.advanceTimersByTime(POLL_MS);
    expect(refetch).toHaveBeenCalledTimes(2);
    rerender({ active: false, answer: 3 });
    vi.advanceTimersByTime(POLL_MS * 3);
    expect(refetch).toHaveBeenCalledTimes(2);
  });

  it('reloads the points when the map turns ready, not when it opens ready', () => {
    const reload = vi.fn();
    const { rerender } = renderHook(
      ({ state, at }: { state: string; at: string | null }) =>
        useReloadWhenReady('7', state, at, reload),
      { initialProps: { state: 'COMPUTING', at: null as string | null } },
    );
    expect(reload).not.toHaveBeenCalled();
    rerender({ state: 'READY', at: 't1' });
    expect(reload).toHaveBeenCalledTimes(1);
    rerender({ state: 'READY', at: 't1' });
    expect(reload).toHaveBeenCalledTimes(1);
    rerender({ state: 'READY', at: 't2' });
    expect(reload).toHaveBeenCalledTimes(2);

    const fresh = vi.fn();
    renderHook(() => useReloadWhenReady('8', 'READY', 't', fresh));
    expect(fresh).not.toHaveBeenCalled();
  });
});
