// The WebGL map: a thin React shell around one regl-scatterplot instance. It knows points,
// palettes and indices, nothing of GraphQL, routing or what the columns mean. Every point
// is uploaded in one `draw`; recolouring redraws with the saved spatial index, so only
// the per-point values change. `movePoints` animates every point to new places on the GPU
// (regl-scatterplot's transition): the places are uploaded once, not on every frame.

import { forwardRef, useCallback, useEffect, useImperativeHandle, useRef, useState } from 'react';
import createScatterplot from 'regl-scatterplot';
import { markPhase } from '../lib/instrumentation';
import { publishMapProbe } from './probe';
import './map.css';

type Scatterplot = ReturnType<typeof createScatterplot>;

/** Per point: normalised position, palette index (valueA) and emphasis (valueB). */
export interface MapData {
  x: Float32Array;
  y: Float32Array;
  /** Palette index per point. */
  color: Float32Array;
  /** Emphasis level (points/encoding.ts): indexes `opacity` and `size`. */
  emphasis: Float32Array;
  /** The order to draw the points in, last on top (points/drawOrder.ts); null: index order. */
  order: Uint32Array | null;
  /** A prebuilt KDBush index of (x, y), if any (saves building one here). */
  spatialIndex?: ArrayBuffer;
}

export interface MapStyle {
  palette: string[];
  /** Opacity per emphasis level. */
  opacity: [number, number, number, number];
  /** Point size per emphasis level (CSS pixels at the initial zoom). */
  size: [number, number, number, number];
  background: string;
  selected: string;
  hover: string;
  lasso: string;
}

export interface MapCamera {
  x: number;
  y: number;
  distance: number;
}

export type MouseMode = 'panZoom' | 'lasso';

/** How a `movePoints` animation went (the step benchmark reads it). */
export interface MapMotion {
  /** Frames the map drew while the points moved. */
  frames: number;
  /** From the first frame of the motion to its end. */
  ms: number;
  /** Before the motion: uploading the places, building their spatial index. */
  setupMs: number;
}

export interface ScatterMapProps {
  data: MapData | null;
  style: MapStyle;
  /** Indices to draw; null: all. */
  visible: Uint32Array | null;
  selection: Uint32Array;
  /** A point marked with the reticle (the opened datapoint, a hovered list row). */
  highlight: number | null;
  mode: MouseMode;
  initialCamera: MapCamera | null;
  /** `how`: a lasso drag, or a click (or a programmatic change). */
  onSelect: (points: number[], how: 'lasso' | 'click') => void;
  onHover: (index: number | null) => void;
  onCamera: (camera: MapCamera) => void;
  /** After the first frame with all points (once per `data` identity). */
  onDrawn: (data: MapData) => void;
  onError: (message: string) => void;
  /** Publishes the map's probe under this name too (map/probe.ts), for pages of several maps. */
  probeName?: string;
}

export interface ScatterMapHandle {
  /** Show the whole map. */
  reset(): void;
  /** Centre a point, zooming in if far out. */
  focus(index: number): void;
  zoomTo(indices: ArrayLike<number>): void;
  /**
   * Where a position of the map's coordinates (the drawn, [-1, 1] ones) is on the canvas,
   * in CSS pixels from its top left; null before the map exists. For overlays (labels).
   */
  toScreen(x: number, y: number): [number, number] | null;
  /** Calls `listener` after every camera change (pan, zoom) and resize; returns the unsubscribe. */
  onView(listener: () => void): () => void;
  /**
   * Moves every drawn point to its new place (`x`, `y`: normalised, one per drawn point, in
   * its order) over `durationMs`, interpolated on the GPU; colours and emphasis stay. The
   * map keeps the new places until its `data` changes. Resolves once the points arrived;
   * null when there was nothing to move (no points drawn, or another number of them).
   */
  movePoints(x: Float32Array, y: Float32Array, durationMs: number): Promise<MapMotion | null>;
}

/** How far a press may wander and still count as a click (CSS pixels). */
const CLICK_SLOP_PX = 5;
/** Every draw's encoding: valueA is a palette index (colour), valueB an emphasis level. */
const ENCODING = { zDataType: 'categorical', wDataType: 'categorical' } as const;

/** A draw that a newer one (or unmounting) made pointless. */
class Cancelled extends Error {}

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

export const ScatterMap = forwardRef<ScatterMapHandle, ScatterMapProps>(
  function ScatterMap(props, ref) {
    const container = useRef<HTMLDivElement>(null);
    const canvas = useRef<HTMLCanvasElement>(null);
    const plot = useRef<Scatterplot | null>(null);
    const drawn = useRef<{
      data: MapData | null;
      xy: Float32Array | null;
      index: ArrayBuffer | null;
    }>({
      data: null,
      xy: null,
      index: null,
    });
    /** The last draw (the warm-up first): the next one starts when it is done. */
    const queue = useRef<Promise<unknown>>(Promise.resolve());
    // Callbacks change identity every render; the subscriptions read the latest ones.
    const latest = useRef(props);
    latest.current = props;
    /** Overlays following the camera (ScatterMapHandle.onView). */
    const viewListeners = useRef(new Set<() => void>());

    const syncFilterAndSelection = useCallback(
      (visible: Uint32Array | null, selection: Uint32Array) => {
        const scatterplot = plot.current;
        if (!scatterplot || !drawn.current.data) return;
        // regl-scatterplot wants plain arrays (it checks Array.isArray).
        if (visible) scatterplot.filter(Array.from(visible), { preventEvent: true });
        else if (scatterplot.get('isPointsFiltered')) scatterplot.unfilter({ preventEvent: true });
        const current = scatterplot.get('selectedPoints') as number[];
        if (!same(current, selection)) {
          if (selection.length === 0) scatterplot.deselect({ preventEvent: true });
          else scatterplot.select(Array.from(selection), { preventEvent: true });
        }
      },
      [],
    );

    // Create once (after the page's own effects: the points download starts first and the
    // WebGL set-up overlaps it); destroy on unmount.
    const [instance, setInstance] = useState<Scatterplot | null>(null);
    // biome-ignore lint/correctness/useExhaustiveDependencies: create() reads refs only; the map is made once
    useEffect(() => {
      let teardown: (() => void) | undefined;
      const timer = setTimeout(() => {
        teardown = create();
      }, 0);
      return () => {
        clearTimeout(timer);
        teardown?.();
      };
    }, []);

    function create(): (() => void) | undefined {
      if (!canvas.current || !container.current) return undefined;
      const { width, height } = container.current.getBoundingClientRect();
      let scatterplot: Scatterplot;
      markPhase('map-create-start');
      try {
        const { style, initialCamera, mode } = latest.current;
        scatterplot = createScatterplot({
          canvas: canvas.current,
          width: Math.max(1, width),
          height: Math.max(1, height),
          backgroundColor: style.background,
          pointColor: style.palette,
          pointColorActive: style.selected,
          pointColorHover: style.hover,
          pointSize: style.size,
          sizeBy: 'valueB',
          opacity: style.opacity,
          opacityBy: 'valueB',
          colorBy: 'valueA',
          pointOutlineWidth: 1.5,
          pointSizeSelected: 1.5,
          opacityInactiveScale: 0.55,
          lassoColor: style.lasso,
          lassoMinDelay: 8,
          lassoMinDist: 2,
          lassoClearEvent: 'lassoEnd',
          deselectOnEscape: false,
          deselectOnDblClick: true,
          mouseMode: mode,
          cameraTarget: initialCamera ? [initialCamera.x, initialCamera.y] : [0, 0],
          cameraDistance: initialCamera?.distance ?? 1,
          // Shift: lasso, adding to the selection; Alt: remove (click, or drag in lasso mode).
          actionKeyMap: { lasso: 'shift', merge: 'shift', remove: 'alt' },
        } as Parameters<typeof createScatterplot>[0]);
      } catch (error) {
        latest.current.onError(
          `This browser cannot draw the map with WebGL (${(error as Error).message}).`,
        );
        return undefined;
      }
      plot.current = scatterplot;
      markPhase('map-created');
      // Compile the shaders while the points are still downloading: one point nobody sees
      // (the page covers the map until the real data is drawn).
      queue.current = latest.current.data
        ? Promise.resolve()
        : scatterplot
            .draw({ x: [0], y: [0], valueA: [0], valueB: [0] }, ENCODING)
            .catch(() => undefined);
      // regl-scatterplot reports a lasso's selection like a click's; remember which it was.
      let lassoing = false;
      const subscriptions = [
        scatterplot.subscribe('select', ({ points }: { points: number[] }) => {
          latest.current.onSelect(points, lassoing ? 'lasso' : 'click');
          lassoing = false;
        }),
        scatterplot.subscribe('deselect', () => {
          latest.current.onSelect([], lassoing ? 'lasso' : 'click');
          lassoing = false;
        }),
        scatterplot.subscribe('pointOver', (index: number) => latest.current.onHover(index)),
        scatterplot.subscribe('pointOut', () => latest.current.onHover(null)),
        scatterplot.subscribe('view', () => {
          const [x, y] = scatterplot.get('cameraTarget') as [number, number];
          const distance = scatterplot.get('cameraDistance') as number;
          latest.current.onCamera({ x, y, distance });
          for (const listener of viewListeners.current) listener();
        }),
        scatterplot.subscribe('lassoStart', () => {
          lassoing = true;
        }),
      ];
      const resize = new ResizeObserver(([entry]) => {
        if (!entry) return;
        const { width: w, height: h } = entry.contentRect;
        if (w > 0 && h > 0) scatterplot.set({ width: w, height: h });
        for (const listener of viewListeners.current) listener();
      });
      resize.observe(container.current);
      // regl-scatterplot takes a mouse-up close to the mouse-down for a click, even after a
      // long drag: a lasso drawn back to its start would replace its own selection with the
      // nearest point. A press that travelled is never a click: stop it before the canvas.
      const box = container.current;
      let down: { x: number; y: number; travel: number } | null = null;
      const onDown = (event: MouseEvent) => {
        down = { x: event.clientX, y: event.clientY, travel: 0 };
      };
      const onMove = (event: MouseEvent) => {
        if (!down || event.buttons === 0) return;
        down.travel = Math.max(
          down.travel,
          Math.hypot(event.clientX - down.x, event.clientY - down.y),
        );
      };
      const onClick = (event: MouseEvent) => {
        if (down && down.travel > CLICK_SLOP_PX) event.stopPropagation();
        down = null;
      };
      box.addEventListener('mousedown', onDown, true);
      window.addEventListener('mousemove', onMove, true);
      box.addEventListener('click', onClick, true);
      setInstance(scatterplot);
      return () => {
        box.removeEventListener('mousedown', onDown, true);
        window.removeEventListener('mousemove', onMove, true);
        box.removeEventListener('click', onClick, true);
        resize.disconnect();
        // A subscription is its own handle: unsubscribe(event, subscription) would compare
        // the handler with the subscription object and remove nothing.
        for (const subscription of subscriptions) {
          // biome-ignore lint/suspicious/noExplicitAny: each subscription has its own event type
          scatterplot.unsubscribe(subscription as any);
        }
        scatterplot.destroy();
        plot.current = null;
        drawn.current = { data: null, xy: null, index: null };
      };
    }

    // Style: palette, sizes, opacities, theme colours.
    const { style } = props;
    useEffect(() => {
      instance?.set({
        backgroundColor: style.background,
        pointColor: style.palette,
        pointColorActive: style.selected,
        pointColorHover: style.hover,
        pointSize: style.size,
        opacity: style.opacity,
        lassoColor: style.lasso,
      } as Parameters<Scatterplot['set']>[0]);
    }, [style, instance]);

    useEffect(() => {
      instance?.set({ mouseMode: props.mode });
    }, [props.mode, instance]);

    // Points: one draw of all of them. Same positions as last time -> reuse the spatial index.
    useEffect(() => {
      const scatterplot = instance;
      const data = props.data;
      if (!scatterplot || !data) return;
      const reuse = drawn.current.xy === data.x && drawn.current.index;
      const index = reuse ? (drawn.current.index as ArrayBuffer) : data.spatialIndex;
      const points = { x: data.x, y: data.y, valueA: data.color, valueB: data.emphasis };
      let cancelled = false;
      // Draws never overlap (regl-scatterplot loses one that starts while another runs):
      // each waits for the previous, and one made stale meanwhile is skipped.
      const run = queue.current
        .then(() => {
          if (cancelled || scatterplot.get('isDestroyed')) throw new Cancelled();
          markPhase('draw-start');
          return scatterplot.draw(points, {
            ...ENCODING,
            preventFilterReset: Boolean(reuse),
            ...(index ? { spatialIndex: index } : {}),
          });
        })
        .then(() => {
          if (scatterplot.get('isDestroyed')) return;
          const first = drawn.current.xy !== data.x;
          drawn.current = {
            data,
            xy: data.x,
            index: first ? (scatterplot.get('spatialIndex') as ArrayBuffer) : drawn.current.index,
          };
          // Rare classes, high values and highlighted points over the common ones.
          scatterplot.set({ pointOrder: data.order ? Array.from(data.order) : null } as Parameters<
            Scatterplot['set']
          >[0]);
          markPhase('draw-done');
          // The newest filter and selection: they may have changed while this draw ran.
          syncFilterAndSelection(latest.current.visible, latest.current.selection);
          // The frame with the points is painted on the next animation frame.
          requestAnimationFrame(() => {
            if (cancelled) return;
            publishMapProbe(
              scatterplot,
              data,
              () => latest.current.style,
              latest.current.probeName,
            );
            latest.current.onDrawn(data);
          });
        });
      queue.current = run.catch((error: Error) => {
        if (!(error instanceof Cancelled)) {
          latest.current.onError(`Drawing the map failed: ${error.message}`);
        }
      });
      return () => {
        cancelled = true;
      };
    }, [props.data, syncFilterAndSelection, instance]);

    const { visible, selection } = props;
    useEffect(() => {
      if (instance) syncFilterAndSelection(visible, selection);
    }, [visible, selection, syncFilterAndSelection, instance]);

    useEffect(() => {
      const scatterplot = instance;
      if (!scatterplot || !drawn.current.data) return;
      if (props.highlight !== null && props.highlight >= 0) {
        scatterplot.hover(props.highlight, { showReticleOnce: true, preventEvent: true });
      } else {
        scatterplot.hover(-1, { preventEvent: true });
      }
    }, [props.highlight, instance]);

    useImperativeHandle(
      ref,
      () => ({
        reset() {
          plot.current?.zoomToLocation([0, 0], 1, { transition: true, transitionDuration: 350 });
        },
        focus(index) {
          const scatterplot = plot.current;
          const data = drawn.current.data;
          if (!scatterplot || !data || index < 0 || index >= data.x.length) return;
          const distance = Math.min(scatterplot.get('cameraDistance') as number, 0.35);
          scatterplot.zoomToLocation([data.x[index]!, data.y[index]!], distance, {
            transition: true,
            transitionDuration: 450,
          });
        },
        zoomTo(indices) {
          if (indices.length === 0) return;
          plot.current?.zoomToPoints(Array.from(indices), {
            padding: 0.25,
            transition: true,
            transitionDuration: 450,
          });
        },
        toScreen(x, y) {
          const scatterplot = plot.current;
          const box = container.current;
          if (!scatterplot || !box) return null;
          // What regl-scatterplot's getScreenPosition does for a point: model (data aspect
          // ratio), camera view, then the view's aspect ratio, into CSS pixels.
          const view = scatterplot.get('cameraView') as ArrayLike<number>;
          const aspect = (scatterplot.get('aspectRatio') as number) || 1;
          const width = box.clientWidth;
          const height = box.clientHeight;
          if (!view || width === 0 || height === 0) return null;
          const mx = x * aspect;
          const cx = view[0]! * mx + view[4]! * y + view[12]!;
          const cy = view[1]! * mx + view[5]! * y + view[13]!;
          const w = view[3]! * mx + view[7]! * y + view[15]!;
          return [(width * (cx / w / (width / height) + 1)) / 2, height * (0.5 - cy / w / 2)];
        },
        onView(listener) {
          viewListeners.current.add(listener);
          return () => {
            viewListeners.current.delete(listener);
          };
        },
        movePoints(x, y, durationMs) {
          const scatterplot = plot.current;
          if (!scatterplot) return Promise.resolve(null);
          // After the draws already queued: it moves the points they leave on the map.
          const run = queue.current.then(async (): Promise<MapMotion | null> => {
            const data = drawn.current.data;
            if (scatterplot.get('isDestroyed') || !data || data.x.length !== x.length) return null;
            const asked = performance.now();
            // Frames drawn from the first of the motion on ('drawing' is published in the
            // frame itself; 'transitionStart' only in a later task, so it would miss some).
            let started = 0;
            let frames = 0;
            const onFrame = scatterplot.subscribe('drawing', () => {
              if (!started) started = performance.now();
              frames += 1;
            });
            try {
              await scatterplot.draw(
                { x, y, valueA: data.color, valueB: data.emphasis },
                {
                  ...ENCODING,
                  preventFilterReset: true, // the same points: filter and draw order hold
                  transition: true,
                  transitionDuration: durationMs,
                },
              );
            } finally {
              scatterplot.unsubscribe(onFrame);
            }
            const ended = performance.now();
            if (scatterplot.get('isDestroyed')) return null;
            const moved: MapData = { ...data, x, y, spatialIndex: undefined };
            // The index regl-scatterplot built over the new places serves a redraw of them.
            drawn.current = {
              data: moved,
              xy: x,
              index: scatterplot.get('spatialIndex') as ArrayBuffer,
            };
            syncFilterAndSelection(latest.current.visible, latest.current.selection);
            publishMapProbe(
              scatterplot,
              moved,
              () => latest.current.style,
              latest.current.probeName,
            );
            const first = started || ended;
            return { frames, ms: ended - first, setupMs: first - asked };
          });
          queue.current = run.catch(() => undefined);
          return run.catch((error: Error) => {
            latest.current.onError(`Moving the points failed: ${error.message}`);
            return null;
          });
        },
      }),
      [syncFilterAndSelection],
    );

    return (
      <div ref={container} className="map">
        <canvas ref={canvas} data-testid="map-canvas" />
      </div>
    );
  },
);
