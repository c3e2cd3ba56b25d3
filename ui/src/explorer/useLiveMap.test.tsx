// @vitest-environment happy-dom
import { renderHook } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextSeen, POLL_MS, UNSEEN, useLoadGeneration, usePollWhile } from './useLiveMap';

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

  it('starts a new load generation when the map turns ready, not when it opens ready', () => {
    let seen = nextSeen(UNSEEN, '7', 'COMPUTING', null);
    expect(seen.generation).toBe(0);
    expect(nextSeen(seen, '7', 'COMPUTING', null)).toBe(seen);
    seen = nextSeen(seen, '7', 'READY', 't1');
    expect(seen.generation).toBe(1);
    expect(nextSeen(seen, '7', 'READY', 't1')).toBe(seen);
    // Computed again while open: another load.
    seen = nextSeen(seen, '7', 'READY', 't2');
    expect(seen.generation).toBe(2);
    // Another map starts from 0; one that opens ready stays there.
    const other = nextSeen(seen, '8', 'READY', 't');
    expect(other.generation).toBe(0);
    expect(nextSeen(other, '8', 'READY', 't')).toBe(other);
    // No answer yet: nothing changes.
    expect(nextSeen(other, '8', undefined, undefined)).toBe(other);
  });

  it('reports the new generation in the very render that reads READY', () => {
    const rendered: number[] = [];
    const { rerender } = renderHook(
      ({ state, at }: { state: string; at: string | null }) => {
        const generation = useLoadGeneration('7', state, at);
        rendered.push(generation);
        return generation;
      },
      { initialProps: { state: 'COMPUTING', at: null as string | null } },
    );
    rendered.length = 0;
    rerender({ state: 'READY', at: 't1' });
    // Every render with READY already has generation 1: the points hook never sees the
    // computing map's table as current once the map is ready.
    expect(rendered.length).toBeGreaterThan(0);
    expect(rendered.every((g) => g === 1)).toBe(true);
  });
});
