// Load timings for benchmarks/ui_load.py, kept apart from the code they time. The
// benchmark reads two things from the page: the `chroma:*` performance marks (printed as
// phases) and `window.__chromaMap` (set at the first frame with every point drawn).
// Renaming a phase or a field here means changing benchmarks/ui_load.py too.

/** The phases of a map's load, in their usual order (marked as `chroma:<phase>`). */
export type Phase =
  | 'points-fetch-start'
  | 'points-downloaded'
  | 'points-decoded'
  | 'map-create-start'
  | 'map-created'
  | 'draw-start'
  | 'draw-done';

export const PHASE_PREFIX = 'chroma:';

/** Mark a phase; returns when it happened (performance.now()). */
export function markPhase(phase: Phase): number {
  return performance.mark(`${PHASE_PREFIX}${phase}`).startTime;
}

/** Set once the first frame with every point is drawn. */
export interface ChromaMapStats {
  pointCount: number;
  /** performance.now() of the first complete frame. */
  firstFrameAt: number;
  /** performance.now() when the points download started. */
  fetchStartedAt: number | null;
  /** Size of the points payload as received (after HTTP decompression). */
  bytes: number | null;
  downloadMs: number | null;
  decodeMs: number | null;
}

declare global {
  interface Window {
    __chromaMap?: ChromaMapStats;
  }
}

/** Publish the first complete frame's stats (now) for the benchmark and the browser tests. */
export function reportFirstFrame(stats: Omit<ChromaMapStats, 'firstFrameAt'>): void {
  window.__chromaMap = { ...stats, firstFrameAt: performance.now() };
}
