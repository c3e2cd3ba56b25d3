// When the map has drawn every point for the first time: the page shows `map-ready` and
// the load's timings are published for the benchmark (lib/instrumentation.ts).
import { useCallback, useRef, useState } from 'react';
import { reportFirstFrame } from '../lib/instrumentation';
import type { MapData } from '../map/ScatterMap';
import type { Points } from './usePoints';

export function useFirstFrame({ fetchStartedAt, stats }: Pick<Points, 'fetchStartedAt' | 'stats'>) {
  const [ready, setReady] = useState(false);
  // Every redraw (a recolour, a filter) calls onDrawn: report once per point count.
  const reportedFor = useRef<number | null>(null);
  const onDrawn = useCallback(
    (data: MapData) => {
      const pointCount = data.x.length;
      if (reportedFor.current === pointCount) return;
      reportedFor.current = pointCount;
      reportFirstFrame({
        pointCount,
        fetchStartedAt,
        bytes: stats?.bytes ?? null,
        downloadMs: stats?.downloadMs ?? null,
        decodeMs: stats?.decodeMs ?? null,
      });
      setReady(true);
    },
    [fetchStartedAt, stats],
  );
  return { ready, onDrawn };
}
