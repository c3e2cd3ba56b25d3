// The Explorer follows a map that is still being computed: while it is queued or
// computing (or the project has no ready map yet) its state is asked again every
// POLL_MS, and once it turns ready its points are loaded again, so the map appears
// without a reload.
import { useEffect, useRef } from 'react';
import { isActive } from '../projects/states';

export const POLL_MS = 1500;

/**
 * Re-run `refetch` POLL_MS after each answer while `active`. `answer` changes with each
 * answer (a result's data), re-arming the timer.
 */
export function usePollWhile(active: boolean, refetch: () => void, answer: unknown): void {
  const latest = useRef(refetch);
  latest.current = refetch;
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-arm the poll after each answer
  useEffect(() => {
    if (!active) return;
    const timer = setTimeout(() => latest.current(), POLL_MS);
    return () => clearTimeout(timer);
  }, [active, answer]);
}

/** Is a map in this state still on its way (queued, computing)? */
export const isComputing = (state: string | null | undefined): boolean =>
  state != null && isActive(state);

/**
 * Calls `reload` when the projection's state turns READY after it was seen otherwise, or
 * when a ready map was computed again (`computedAt` changed).
 */
export function useReloadWhenReady(
  projection: string | null,
  state: string | null | undefined,
  computedAt: string | null | undefined,
  reload: () => void,
): void {
  const seen = useRef<{ projection: string | null; ready: boolean; computedAt: string | null }>({
    projection: null,
    ready: false,
    computedAt: null,
  });
  const latest = useRef(reload);
  latest.current = reload;
  useEffect(() => {
    if (!projection || !state) return;
    const ready = state === 'READY';
    const before = seen.current;
    const sameMap = before.projection === projection;
    if (
      sameMap &&
      ready &&
      (!before.ready || (before.computedAt !== null && before.computedAt !== (computedAt ?? null)))
    ) {
      latest.current();
    }
    seen.current = { projection, ready, computedAt: computedAt ?? null };
  }, [projection, state, computedAt]);
}
