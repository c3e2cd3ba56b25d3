// The Explorer follows a map that is still being computed: while it is queued or
// computing (or the project has no ready map yet) its state is asked again every
// POLL_MS, and once it turns ready its points are loaded again (a new load generation),
// so the map appears without a reload.
import { useEffect, useRef, useState } from 'react';
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

/** What the page last saw of its map: the points load again when `generation` changes. */
export interface SeenMap {
  projection: string | null;
  ready: boolean;
  computedAt: string | null;
  /** Bumped each time the map turns ready after it was seen otherwise, or is computed again. */
  generation: number;
}

export const UNSEEN: SeenMap = { projection: null, ready: false, computedAt: null, generation: 0 };

/**
 * The next SeenMap after an answer about the map (the same object when nothing that matters
 * changed). A map that opens ready keeps generation 0 (its points are already loading); one
 * seen queued or computing that turns READY, or a ready one whose `computedAt` moved, gets
 * the next generation. Another projection starts again from 0.
 */
export function nextSeen(
  seen: SeenMap,
  projection: string | null,
  state: string | null | undefined,
  computedAt: string | null | undefined,
): SeenMap {
  if (!projection || !state) return seen;
  const ready = state === 'READY';
  const at = computedAt ?? null;
  if (seen.projection !== projection) return { projection, ready, computedAt: at, generation: 0 };
  const reload = ready && (!seen.ready || (seen.computedAt !== null && seen.computedAt !== at));
  if (!reload && seen.ready === ready && seen.computedAt === at) return seen;
  return { projection, ready, computedAt: at, generation: seen.generation + (reload ? 1 : 0) };
}

/**
 * The map's load generation (nextSeen), updated in the very render that reads the answer
 * (React's "adjust state while rendering"), not in an effect after it: the points hook
 * drops the stale table (a computing map's empty one) in that same render and starts the
 * new download as soon as it commits, so a map that just turned ready is never drawn
 * empty and nothing waits for a second render.
 */
export function useLoadGeneration(
  projection: string | null,
  state: string | null | undefined,
  computedAt: string | null | undefined,
): number {
  const [seen, setSeen] = useState<SeenMap>(UNSEEN);
  const next = nextSeen(seen, projection, state, computedAt);
  if (next !== seen) setSeen(next);
  return next.generation;
}
