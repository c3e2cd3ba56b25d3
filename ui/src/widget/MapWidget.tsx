// The notebook widget's view: the Explorer's map (map/ScatterMap) over points decoded by
// the Explorer's decoder (points/), fed from the widget model instead of the server. A
// small toolbar: colour-by, pan / lasso, the selection's size, a link to the Explorer.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { readMapTheme } from '../explorer/mapTheme';
import { mapStyle } from '../explorer/useMapLayers';
import { formatCount, formatValue } from '../lib/format';
import { type MapData, type MouseMode, ScatterMap } from '../map/ScatterMap';
import { decodePoints } from '../points/decode';
import { addDerivedColumns } from '../points/derived';
import { drawOrder } from '../points/drawOrder';
import { emphasis, encodeColumn, uniformEncoding } from '../points/encoding';
import { withSpatialIndex } from '../points/spatialIndex';
import { EMPTY_TABLE, type PointTable } from '../points/types';
import { autoPointSize, DEFAULT_VIEW } from '../state/urlState';
import { bytesOf, selectionOf, type WidgetModel, type WidgetState } from './model';

/** Legend rows shown at most (the biggest classes; the Explorer lists them all). */
const LEGEND_ROWS = 12;

/** A model value as React state, following the kernel's changes. */
function useTrait<K extends keyof WidgetState>(model: WidgetModel, key: K): WidgetState[K] {
  const [value, setValue] = useState(() => model.get(key));
  useEffect(() => {
    const update = () => setValue(model.get(key));
    model.on(`change:${key}`, update);
    update();
    return () => model.off(`change:${key}`, update);
  }, [model, key]);
  return value;
}

/** Notebooks in a dark theme (JupyterLab, VS Code) get the Explorer's dark map colours. */
function darkNotebook(): boolean {
  const body = document.body;
  return body.dataset.jpThemeLight === 'false' || body.classList.contains('vscode-dark');
}

function decode(bytes: Uint8Array): { table: PointTable; error: string | null } {
  if (bytes.length === 0) return { table: EMPTY_TABLE, error: null };
  try {
    return { table: withSpatialIndex(addDerivedColumns(decodePoints(bytes))), error: null };
  } catch (error) {
    return {
      table: EMPTY_TABLE,
      error: `The points could not be read: ${(error as Error).message}`,
    };
  }
}

export function MapWidget({ model }: { model: WidgetModel }) {
  const points = useTrait(model, 'points');
  const colorBy = useTrait(model, 'color_by');
  const colors = useTrait(model, 'colors');
  const selectedRows = useTrait(model, 'selected_indices');
  const height = useTrait(model, 'height');
  const title = useTrait(model, 'title');
  const explorerUrl = useTrait(model, 'explorer_url');
  const [mode, setMode] = useState<MouseMode>('panZoom');
  const [drawError, setDrawError] = useState<string | null>(null);

  const { table, error: decodeError } = useMemo(() => decode(bytesOf(points)), [points]);
  const dark = useMemo(darkNotebook, []);
  const theme = useMemo(() => readMapTheme(dark ? 'dark' : 'light'), [dark]);
  const column = table.columns.get(colorBy);
  const encoding = useMemo(
    () =>
      colorBy === ''
        ? uniformEncoding(table.count, theme.accent)
        : encodeColumn(colorBy, column, table.count, {
            nullColor: theme.nullColor,
            fallbackColor: theme.nullColor,
          }),
    [colorBy, column, table.count, theme],
  );
  const levels = useMemo(() => emphasis(table.placed, false, null), [table.placed]);
  const data = useMemo<MapData>(
    () => ({
      x: table.nx,
      y: table.ny,
      color: encoding.codes,
      emphasis: levels,
      order: drawOrder(encoding, levels),
      ...(table.spatialIndex ? { spatialIndex: table.spatialIndex } : {}),
    }),
    [table, encoding, levels],
  );
  const style = useMemo(
    () => mapStyle(encoding.palette, DEFAULT_VIEW.opacity, autoPointSize(table.count), theme),
    [encoding.palette, table.count, theme],
  );
  const selection = useMemo(
    () => selectionOf(selectedRows, table.count),
    [selectedRows, table.count],
  );

  const onSelect = useCallback(
    (rows: number[]) => {
      model.set('selected_indices', Array.from(selectionOf(rows, table.count)));
      model.save_changes();
    },
    [model, table.count],
  );
  const onColor = (next: string) => {
    model.set('color_by', next);
    model.save_changes();
  };
  const clear = () => onSelect([]);

  const error = decodeError ?? drawError;
  const options = colors.includes(colorBy) || colorBy === '' ? colors : [colorBy, ...colors];
  return (
    <div
      className={dark ? 'chroma-widget chroma-widget-dark' : 'chroma-widget'}
      style={{ height: `${height}px`, background: theme.background }}
      data-testid="chroma-widget"
    >
      <ScatterMap
        data={table.count > 0 ? data : null}
        style={style}
        visible={null}
        selection={selection}
        highlight={null}
        mode={mode}
        initialCamera={null}
        onSelect={onSelect}
        onHover={() => undefined}
        onCamera={() => undefined}
        onDrawn={() => setDrawError(null)}
        onError={setDrawError}
      />
      <div className="chroma-widget-bar">
        <label>
          colour by{' '}
          <select
            value={colorBy}
            onChange={(event) => onColor(event.target.value)}
            data-testid="widget-color-by"
          >
            <option value="">nothing</option>
            {options.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          aria-pressed={mode === 'panZoom'}
          onClick={() => setMode('panZoom')}
          data-testid="widget-pan"
        >
          pan
        </button>
        <button
          type="button"
          aria-pressed={mode === 'lasso'}
          onClick={() => setMode('lasso')}
          title="Drag to select (or shift + drag in pan mode)"
          data-testid="widget-lasso"
        >
          lasso
        </button>
        <span data-testid="widget-selection-count">{formatCount(selection.length)} selected</span>
        {selection.length > 0 && (
          <button type="button" onClick={clear} data-testid="widget-clear">
            clear
          </button>
        )}
        {explorerUrl && (
          <a href={explorerUrl} target="_blank" rel="noreferrer">
            open in Explorer
          </a>
        )}
      </div>
      <Legend encoding={encoding} />
      <div className="chroma-widget-title">
        {title} · {formatCount(table.count)} points
      </div>
      {error && (
        <div className="chroma-widget-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

function Legend({ encoding }: { encoding: ReturnType<typeof encodeColumn> }) {
  if (encoding.kind === 'continuous') {
    const [lo, hi] = encoding.range;
    const stops = encoding.palette.slice(0, -1);
    const gradient = [0, 0.25, 0.5, 0.75, 1].map((t) => stops[Math.round(t * (stops.length - 1))]);
    return (
      <div className="chroma-widget-legend" data-testid="widget-legend">
        <span>{formatValue(lo)}</span>
        <span
          className="chroma-widget-ramp"
          style={{ background: `linear-gradient(to right, ${gradient.join(',')})` }}
        />
        <span>{formatValue(hi)}</span>
      </div>
    );
  }
  if (encoding.legend.length === 0) return null;
  const shown = encoding.legend.slice(0, LEGEND_ROWS);
  const more = encoding.legend.length - shown.length;
  return (
    <div className="chroma-widget-legend" data-testid="widget-legend">
      {shown.map((entry) => (
        <span key={entry.value} className="chroma-widget-class" title={`${entry.count} points`}>
          <i style={{ background: entry.color }} />
          {entry.label}
        </span>
      ))}
      {more > 0 && <span>+{more} more</span>}
    </div>
  );
}
