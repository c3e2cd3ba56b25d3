// When the map has drawn every point of a load for the first time: the page shows
// `map-ready` and the load's timings are published for the benchmark
// (lib/instrumentation.ts). Once per load: a map loaded again (it was computed again) is
// not ready until its new points are drawn, so `map-ready` never stands over an empty or
// stale map.
import { useCallback, useRef, useState } from 'react';
import { reportFirstFrame } from '../lib/instrumentation';
import type { MapData } from '../map/ScatterMap';
import type { Points } from './usePoints';

export function useFirstFrame({
  fetchStartedAt,
  stats,
  table,
}: Pick<Points, 'fetchStartedAt' | 'stats' | 'table'>) {
  // A load is told by its coordinates' array: shared by every table derived from it
  // (tags, merged columns), new with each download. Every redraw (a recolour, a filter)
  // calls onDrawn: report once per load.
  const [drawn, setDrawn] = useState<Float32Array | null>(null);
  const reportedFor = useRef<Float32Array | null>(null);
  const onDrawn = useCallback(
    (data: MapData) => {
      if (reportedFor.current === data.x) return;
      reportedFor.current = data.x;
      reportFirstFrame({
        pointCount: data.x.length,
        fetchStartedAt,
        bytes: stats?.bytes ?? null,
        downloadMs: stats?.downloadMs ?? null,
        decodeMs: stats?.decodeMs ?? null,
      });
      setDrawn(data.x);
    },
    [fetchStartedAt, stats],
  );
  return { ready: drawn !== null && drawn === table?.nx, onDrawn };
}
