// What the map draws, derived from the table and the view: filters (with facet counts),
// colours, the points to draw, per-point emphasis and the style. Each is a typed loop over
// every point, so each is memoised on exactly what it reads: the table's arrays and
// columns by identity (a tag changes the tags column only), the view's parts by identity
// (useView keeps what did not change).
import { useMemo } from 'react';
import type { MapData, MapStyle } from '../map/ScatterMap';
import { drawOrder } from '../points/drawOrder';
import {
  type ColorEncoding,
  emphasis,
  encodeColumn,
  uniformEncoding,
  visibleIndices,
} from '../points/encoding';
import { applyFilters, type FilterResult, isFilterEmpty } from '../points/facets';
import type { PointTable } from '../points/types';
import { autoPointSize, type ExplorerView } from '../state/urlState';
import type { MapTheme } from './mapTheme';

export interface MapLayers {
  filtered: FilterResult;
  filtersActive: boolean;
  encoding: ColorEncoding;
  /** Indices to draw; null: all. */
  visible: Uint32Array | null;
  data: MapData;
  style: MapStyle;
  /** The view's point size, or the one chosen for this many points. */
  pointSize: number;
}

/**
 * Sizes and opacities per emphasis level (points/encoding.ts: normal, placed later, faded,
 * placed and highlighted). Placed points keep their size and are a little lighter, so a
 * crowd of them (often unlabelled, so grey) does not wash out the map; highlighted they
 * grow and go opaque. Faded ones almost vanish but still show where the data is.
 */
export function mapStyle(
  palette: string[],
  opacity: number,
  pointSize: number,
  theme: MapTheme,
): MapStyle {
  const o = opacity;
  const s = pointSize;
  return {
    palette,
    opacity: [o, Math.max(0.05, o * 0.7), Math.max(0.03, o * 0.1), Math.max(o, 0.9)],
    size: [s, s, Math.max(0.5, s * 0.8), s * 1.6],
    background: theme.background,
    selected: theme.selected,
    hover: theme.hover,
    lasso: theme.accent,
  };
}

export function useMapLayers(table: PointTable, view: ExplorerView, theme: MapTheme): MapLayers {
  const filtered = useMemo(() => applyFilters(table, view.filters), [table, view.filters]);
  const filtersActive = !isFilterEmpty(view.filters);

  const field = view.color;
  const column = table.columns.get(field);
  const { count } = table;
  const encoding = useMemo(
    () =>
      field === ''
        ? uniformEncoding(count, theme.accent)
        : encodeColumn(field, column, count, {
            nullColor: theme.nullColor,
            fallbackColor: theme.nullColor,
            range: view.colorRange,
          }),
    [field, column, count, view.colorRange, theme],
  );

  const fadeMask = view.fade && filtersActive ? filtered.pass : null;
  const vanishMask = !view.fade && filtersActive ? filtered.pass : null;
  const visible = useMemo(
    () => visibleIndices(encoding, view.hidden, vanishMask),
    [encoding, view.hidden, vanishMask],
  );
  const { placed, nx, ny, spatialIndex } = table;
  const emphasisValues = useMemo(
    () => emphasis(placed, view.showPlaced, fadeMask),
    [placed, view.showPlaced, fadeMask],
  );
  const data = useMemo<MapData>(
    () => ({
      x: nx,
      y: ny,
      color: encoding.codes,
      emphasis: emphasisValues,
      order: drawOrder(encoding, emphasisValues),
      spatialIndex,
    }),
    [nx, ny, spatialIndex, encoding, emphasisValues],
  );

  const pointSize = view.pointSize ?? autoPointSize(count);
  const style = useMemo(
    () => mapStyle(encoding.palette, view.opacity, pointSize, theme),
    [encoding.palette, view.opacity, pointSize, theme],
  );
  return { filtered, filtersActive, encoding, visible, data, style, pointSize };
}
