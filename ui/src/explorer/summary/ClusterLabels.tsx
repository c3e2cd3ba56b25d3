// Cluster names drawn over the map at each cluster's centre. The positions follow the
// camera: the map calls back after every pan, zoom and resize (ScatterMapHandle.onView)
// and the labels are placed again on the next animation frame, from the map's own view
// transform (toScreen), so they stay on their clusters while the map moves.
import { type RefObject, useEffect, useReducer } from 'react';
import type { ScatterMapHandle } from '../../map/ScatterMap';
import type { Centre } from './rows';
import { type ClusterEntry, clusterLabelText, describeCluster } from './summaries';

export interface ClusterLabelsProps {
  mapRef: RefObject<ScatterMapHandle | null>;
  clusters: readonly ClusterEntry[];
  centres: ReadonlyMap<number, Centre>;
  /** Bumped when the map has drawn (before that it has no view to place labels with). */
  drawn: boolean;
  onPick?: (cluster: number) => void;
}

/** Labels at most: past this many, the smallest clusters go unlabelled. */
export const MAX_LABELS = 60;

export function ClusterLabels({ mapRef, clusters, centres, drawn, onPick }: ClusterLabelsProps) {
  const [, moved] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const map = mapRef.current;
    if (!map) return undefined;
    let frame = 0;
    const schedule = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        moved();
      });
    };
    const unsubscribe = map.onView(schedule);
    schedule();
    return () => {
      unsubscribe();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [mapRef]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a redraw places the labels again
  useEffect(() => moved(), [drawn, centres]);

  const map = mapRef.current;
  if (!map) return null;
  const shown = [...clusters].sort((a, b) => b.size - a.size).slice(0, MAX_LABELS);
  return (
    <div className="x-cluster-labels" data-testid="cluster-labels">
      {shown.map((entry) => {
        const centre = centres.get(entry.cluster);
        if (!centre) return null;
        const at = map.toScreen(centre.x, centre.y);
        if (!at) return null;
        return (
          <button
            type="button"
            key={entry.cluster}
            className="x-cluster-label"
            style={{ transform: `translate(${at[0]}px, ${at[1]}px) translate(-50%, -50%)` }}
            title={`#${entry.cluster}: ${describeCluster(entry)} (${entry.size} points)`}
            onClick={() => onPick?.(entry.cluster)}
            data-testid={`cluster-label-${entry.cluster}`}
            data-x={at[0].toFixed(1)}
            data-y={at[1].toFixed(1)}
          >
            {clusterLabelText(entry)}
          </button>
        );
      })}
    </div>
  );
}
