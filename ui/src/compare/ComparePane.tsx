// One of the compare page's two maps: its points (as the Explorer loads them), coloured by
// a column of its own or one carried over from the other map, with the selection and the
// hovered point of either map drawn on it.
import { type RefObject, useEffect, useMemo } from 'react';
import type { MapTheme } from '../explorer/mapTheme';
import { useMapLayers } from '../explorer/useMapLayers';
import type { Points } from '../explorer/usePoints';
import { type MouseMode, ScatterMap, type ScatterMapHandle } from '../map/ScatterMap';
import { withColumns } from '../points/table';
import type { Column, PointTable } from '../points/types';
import { EMPTY_TABLE } from '../points/types';
import { DEFAULT_VIEW } from '../state/urlState';

export interface ComparePaneProps {
  name: 'left' | 'right';
  title: string;
  points: Points;
  /** The column to colour by: a name of the table's, or a column carried from the other map. */
  color: string;
  carried: Column | null;
  selection: Uint32Array;
  highlight: number | null;
  mode: MouseMode;
  theme: MapTheme;
  mapRef: RefObject<ScatterMapHandle | null>;
  onSelect: (rows: number[]) => void;
  onHover: (row: number | null) => void;
}

declare global {
  interface Window {
    /** Each pane's table, for browser tests (as map/probe.ts is): which row is which datapoint. */
    __chromaCompareTables?: Record<string, PointTable>;
  }
}

/**
 * Half a pane is often taller than wide: the map's [-1, 1] then spans the full width, and a
 * little more distance keeps the outermost points whole.
 */
const START_CAMERA = { x: 0, y: 0, distance: 1.1 };

/** The name a carried column goes by in the pane's table. */
const CARRIED = 'carried';

export function ComparePane(props: ComparePaneProps) {
  const { points, carried, color, theme } = props;
  const base = points.table ?? EMPTY_TABLE;
  const table: PointTable = useMemo(
    () => (carried ? withColumns(base, [[CARRIED, carried]]) : base),
    [base, carried],
  );
  const view = useMemo(
    () => ({ ...DEFAULT_VIEW, color: carried ? CARRIED : color }),
    [carried, color],
  );
  const layers = useMapLayers(table, view, theme);
  const loading = points.table === null;
  const { name } = props;
  useEffect(() => {
    window.__chromaCompareTables = { ...window.__chromaCompareTables, [name]: table };
  }, [name, table]);
  return (
    <section className="c-pane" aria-label={props.title} data-testid={`compare-${props.name}`}>
      <header className="c-pane__head">
        <span className="c-pane__title">{props.title}</span>
        <span className="faint" data-testid={`compare-${props.name}-count`}>
          {loading ? 'loading…' : `${table.count.toLocaleString()} points`}
        </span>
      </header>
      <div className="c-pane__map">
        <ScatterMap
          ref={props.mapRef}
          data={loading ? null : layers.data}
          style={layers.style}
          visible={layers.visible}
          selection={props.selection}
          highlight={props.highlight}
          mode={props.mode}
          initialCamera={START_CAMERA}
          onSelect={(rows) => props.onSelect(rows)}
          onHover={props.onHover}
          onCamera={() => {}}
          onDrawn={() => {}}
          onError={() => {}}
          probeName={props.name}
        />
        {points.error && <p className="c-pane__error">{points.error.message}</p>}
        {props.highlight !== null && (
          <div data-testid={`compare-${name}-ringed`} data-point={props.highlight} hidden />
        )}
      </div>
    </section>
  );
}
