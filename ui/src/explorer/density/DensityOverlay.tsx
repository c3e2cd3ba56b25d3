// The density difference drawn over the map: the grid as an image, stretched over the
// grid's extent in map coordinates and placed again after every pan, zoom and resize
// (ScatterMapHandle.onView), like the cluster labels. The browser scales the small image
// smoothly, so 96 x 96 cells read as a continuous field. Clicks go through to the map.
import { type RefObject, useEffect, useMemo, useRef } from 'react';
import type { ScatterMapHandle } from '../../map/ScatterMap';
import { type DensityDifference, densityPixels, GRID } from './densityDiff';

export interface DensityOverlayProps {
  mapRef: RefObject<ScatterMapHandle | null>;
  result: DensityDifference;
  /** Bumped when the map has drawn (before that it has no view to place the image with). */
  drawn: boolean;
}

/** Where the second dataset is denser (warm) and sparser (cool): a diverging pair. */
export const WARM: [number, number, number] = [226, 73, 46];
export const COOL: [number, number, number] = [38, 110, 220];

export function DensityOverlay({ mapRef, result, drawn }: DensityOverlayProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const image = useMemo(() => {
    const grid = document.createElement('canvas');
    grid.width = GRID;
    grid.height = GRID;
    const context = grid.getContext('2d');
    context?.putImageData(new ImageData(densityPixels(result, WARM, COOL), GRID, GRID), 0, 0);
    return grid;
  }, [result]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a redraw places the image again
  useEffect(() => {
    const map = mapRef.current;
    const target = canvas.current;
    if (!map || !target) return undefined;
    let frame = 0;
    const paint = () => {
      frame = 0;
      const box = target.parentElement;
      const context = target.getContext('2d');
      if (!box || !context) return;
      const ratio = window.devicePixelRatio || 1;
      const width = box.clientWidth;
      const height = box.clientHeight;
      if (target.width !== Math.round(width * ratio)) target.width = Math.round(width * ratio);
      if (target.height !== Math.round(height * ratio)) target.height = Math.round(height * ratio);
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.clearRect(0, 0, width, height);
      const { x0, x1, y0, y1 } = result.bounds;
      const topLeft = map.toScreen(x0, y1);
      const bottomRight = map.toScreen(x1, y0);
      if (!topLeft || !bottomRight) return;
      context.imageSmoothingEnabled = true;
      context.drawImage(
        image,
        topLeft[0],
        topLeft[1],
        bottomRight[0] - topLeft[0],
        bottomRight[1] - topLeft[1],
      );
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(paint);
    };
    const unsubscribe = map.onView(schedule);
    schedule();
    return () => {
      unsubscribe();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [mapRef, image, result, drawn]);

  return (
    <canvas
      ref={canvas}
      className="x-density-overlay"
      data-testid="density-overlay"
      data-a={result.a}
      data-b={result.b}
    />
  );
}
