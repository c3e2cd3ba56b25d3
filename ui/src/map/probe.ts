// What the map draws, readable from outside (window.__chromaMapProbe): browser tests check
// colours and draw order with it, where pixels of a WebGL canvas say little reliably.
// Published after each draw; it reads the map's own state, so it is never stale.
import type createScatterplot from 'regl-scatterplot';
import type { MapData, MapStyle } from './ScatterMap';

type Scatterplot = ReturnType<typeof createScatterplot>;

export interface MapProbe {
  count: number;
  /** Point indices in the order they are drawn (the last on top). */
  drawOrder(): number[];
  /** The colour point `index` is drawn in. */
  colorOf(index: number): string;
  /** Its emphasis level (points/encoding.ts), its size and its opacity. */
  emphasisOf(index: number): { level: number; size: number; opacity: number };
  /** The selected points (drawn in a pass of their own, over every other point). */
  selected(): number[];
  /** Where point `index` is on the canvas (CSS pixels from its top left). */
  screenOf(index: number): [number, number] | null;
}

declare global {
  interface Window {
    /** The map drawn last. */
    __chromaMapProbe?: MapProbe;
    /** Maps that were given a probe name (a page with several maps: the compare page). */
    __chromaMapProbes?: Record<string, MapProbe>;
  }
}

export function publishMapProbe(
  scatterplot: Scatterplot,
  data: MapData,
  style: () => MapStyle,
  name?: string,
): void {
  const count = data.x.length;
  const probe: MapProbe = {
    count,
    drawOrder() {
      const order = scatterplot.get('pointOrder') as number[] | null;
      return order ?? Array.from({ length: count }, (_, i) => i);
    },
    colorOf: (index) => style().palette[data.color[index]!] ?? '',
    emphasisOf(index) {
      const level = data.emphasis[index]!;
      const { size, opacity } = style();
      return { level, size: size[level]!, opacity: opacity[level]! };
    },
    selected: () => [...(scatterplot.get('selectedPoints') as number[])],
    screenOf(index) {
      const at = scatterplot.getScreenPosition(index) as [number, number] | undefined;
      return at ? [at[0], at[1]] : null;
    },
  };
  window.__chromaMapProbe = probe;
  if (name) window.__chromaMapProbes = { ...window.__chromaMapProbes, [name]: probe };
}
