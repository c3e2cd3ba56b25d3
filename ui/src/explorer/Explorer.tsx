// The Explorer once a map's points are loaded: sidebar (colour, display, filters), the
// WebGL map, and the selection / datapoint panels. Derived per-point arrays are memoised
// on what they depend on, so React never touches individual points.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ErrorBox, Spinner, Tabs } from '../kit';
import { formatCount, formatDuration } from '../lib/format';
import { useHotkeys } from '../lib/hotkeys';
import {
  type MapCamera,
  type MapData,
  type MouseMode,
  ScatterMap,
  type ScatterMapHandle,
} from '../map/ScatterMap';
import { emphasis, encodeColors, uniformEncoding, visibleIndices } from '../points/encoding';
import { applyFilters, isFilterEmpty } from '../points/facets';
import { idLookup } from '../points/lookup';
import { EMPTY_TABLE } from '../points/types';
import { EMPTY, fromIndices, fromMask, intersection, type Selection } from '../state/selection';
import { useTheme } from '../state/theme';
import { autoPointSize, SELECTION_CAP } from '../state/urlState';
import { ColorPanel } from './ColorPanel';
import { ANALYSIS, type AnalysisInfo, colorOptions } from './columns';
import { DatapointPanel } from './DatapointPanel';
import { DisplayPanel } from './DisplayPanel';
import { FacetPanel } from './FacetPanel';
import { HelpOverlay } from './HelpOverlay';
import { HoverCard } from './HoverCard';
import { LoadingOverlay, MapToolbar } from './MapChrome';
import { readMapTheme } from './mapTheme';
import { SelectionPanel } from './SelectionPanel';
import type { Points } from './usePoints';
import type { useView } from './useView';

export interface ProjectionInfo {
  id: string;
  algorithm: string;
  state: string;
  pointCount: number;
  placedCount: number;
  space: {
    name: string;
    projections: { id: string; algorithm: string; state: string; pointCount: number }[];
  } | null;
}

export interface ExplorerProps {
  project: string;
  projection: ProjectionInfo;
  analyses: readonly AnalysisInfo[];
  tags: readonly string[];
  /** While `points.table` is null the map starts up and the stage shows the download. */
  points: Points;
  viewState: ReturnType<typeof useView>;
}

type Tab = 'selection' | 'datapoint';

export function Explorer({
  project,
  projection,
  analyses,
  tags,
  points,
  viewState,
}: ExplorerProps) {
  const { view, update, setCamera } = viewState;
  const loading = points.table === null;
  const table = points.table ?? EMPTY_TABLE;
  const { version } = points;
  const { theme } = useTheme();
  const mapTheme = useMemo(() => readMapTheme(theme), [theme]);
  const mapRef = useRef<ScatterMapHandle>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const colorSelect = useRef<HTMLSelectElement>(null);
  const tagInput = useRef<HTMLInputElement>(null);
  const mouse = useRef({ x: 0, y: 0 });

  const [selection, setSelection] = useState<Selection>(EMPTY);
  const [droppedFromLink, setDroppedFromLink] = useState(0);
  const [hovered, setHovered] = useState<number | null>(null);
  const [rowHover, setRowHover] = useState<number | null>(null);
  const [mode, setMode] = useState<MouseMode>('panZoom');
  const [tab, setTab] = useState<Tab>(view.datapoint ? 'datapoint' : 'selection');
  const [help, setHelp] = useState(false);
  const [ready, setReady] = useState(false);
  const [mapError, setMapError] = useState<string | null>(null);
  const [tagsVersion, setTagsVersion] = useState(0);

  const lookup = useMemo(() => idLookup(table), [table]);

  // Columns that load on demand (analysis scores) as soon as the view needs them.
  const wanted = [
    view.color,
    ...Object.keys(view.filters.ranges),
    ...Object.keys(view.filters.values),
  ];
  const missingKey = wanted
    .filter((c) => c.startsWith(ANALYSIS) && !table.columns.has(c))
    .join(',');
  const { ensureColumns } = points;
  useEffect(() => {
    if (missingKey) ensureColumns(missingKey.split(','));
  }, [missingKey, ensureColumns]);

  // --- filters, colours, visibility: typed loops, recomputed only when their inputs change.
  const filtersKey = JSON.stringify(view.filters);
  // biome-ignore lint/correctness/useExhaustiveDependencies: filtersKey stands for view.filters; version for in-place changes
  const filtered = useMemo(() => applyFilters(table, view.filters), [table, version, filtersKey]);
  const filtersActive = !isFilterEmpty(view.filters);
  const rangeKey = view.colorRange?.join(',') ?? '';
  // biome-ignore lint/correctness/useExhaustiveDependencies: rangeKey stands for view.colorRange
  const encoding = useMemo(
    () =>
      view.color === ''
        ? uniformEncoding(table.count, mapTheme.accent)
        : encodeColors(table, view.color, {
            nullColor: mapTheme.nullColor,
            fallbackColor: mapTheme.nullColor,
            range: view.colorRange,
          }),
    [table, version, view.color, rangeKey, mapTheme],
  );
  const hiddenKey = view.hidden.join('\u0000');
  const fadeMask = view.fade && filtersActive ? filtered.pass : null;
  const vanishMask = !view.fade && filtersActive ? filtered.pass : null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: hiddenKey stands for view.hidden
  const visible = useMemo(
    () => visibleIndices(encoding, view.hidden, vanishMask),
    [encoding, hiddenKey, vanishMask],
  );
  const emphasisValues = useMemo(
    () => emphasis(table.placed, view.showPlaced, fadeMask),
    [table, view.showPlaced, fadeMask],
  );
  const mapData = useMemo<MapData>(
    () => ({
      x: table.nx,
      y: table.ny,
      color: encoding.codes,
      emphasis: emphasisValues,
      spatialIndex: table.spatialIndex,
    }),
    [table, encoding, emphasisValues],
  );
  const pointSize = view.pointSize ?? autoPointSize(table.count);
  const style = useMemo(() => {
    const o = view.opacity;
    const s = pointSize;
    return {
      palette: encoding.palette,
      opacity: [o, Math.max(0.05, o * 0.6), Math.max(0.03, o * 0.1)] as [number, number, number],
      size: [s, s * 1.7, Math.max(0.5, s * 0.8)] as [number, number, number],
      background: mapTheme.background,
      selected: mapTheme.selected,
      hover: mapTheme.hover,
      lasso: mapTheme.accent,
    };
  }, [encoding.palette, view.opacity, pointSize, mapTheme]);

  // --- selection: state here, mirrored into the URL (ids up to the cap, else a count).
  const restoredFor = useRef<unknown>(null);
  useEffect(() => {
    if (loading || restoredFor.current === table) return;
    restoredFor.current = table;
    const indices = view.selection.ids.map((id) => lookup.indexOf(id)).filter((i) => i >= 0);
    setSelection(fromIndices(indices));
    if (view.selection.total > view.selection.ids.length) setDroppedFromLink(view.selection.total);
  }, [loading, table, lookup, view.selection]);

  const changeSelection = useCallback(
    (next: Selection) => {
      setSelection(next);
      setDroppedFromLink(0);
      update({
        selection: {
          ids: next.length <= SELECTION_CAP ? Array.from(next, (i) => table.ids[i]!) : [],
          total: next.length,
        },
      });
    },
    [table, update],
  );

  const openDatapoint = useCallback(
    (id: string, { focus }: { focus: boolean }) => {
      update({ datapoint: id }, { push: true });
      setTab('datapoint');
      if (focus) {
        const index = lookup.indexOf(Number(id));
        if (index >= 0) mapRef.current?.focus(index);
      }
    },
    [update, lookup],
  );

  const onSelect = useCallback(
    (indices: number[], how: 'lasso' | 'click') => {
      const next = fromIndices(indices);
      changeSelection(next);
      if (how === 'click' && next.length === 1)
        openDatapoint(String(table.ids[next[0]!]), { focus: false });
    },
    [changeSelection, openDatapoint, table],
  );

  const onCamera = useCallback((camera: MapCamera) => setCamera(camera), [setCamera]);
  const onHover = useCallback((index: number | null) => setHovered(index), []);
  const onDrawn = useCallback(
    (_: MapData) => {
      if (window.__chromaMap?.pointCount === table.count && ready) return;
      window.__chromaMap = {
        pointCount: table.count,
        firstFrameAt: performance.now(),
        fetchStartedAt: points.fetchStartedAt,
        bytes: points.stats?.bytes ?? null,
        downloadMs: points.stats?.downloadMs ?? null,
        decodeMs: points.stats?.decodeMs ?? null,
      };
      setReady(true);
    },
    [table, ready, points.fetchStartedAt, points.stats],
  );

  const openIndex = view.datapoint ? lookup.indexOf(Number(view.datapoint)) : -1;
  const [neighbourHover, setNeighbourHover] = useState<string | null>(null);
  const neighbourIndex = neighbourHover ? lookup.indexOf(Number(neighbourHover)) : -1;
  const highlight =
    rowHover ?? (neighbourIndex >= 0 ? neighbourIndex : openIndex >= 0 ? openIndex : null);

  const selectPassing = () => {
    let next = fromMask(filtered.pass);
    if (visible) next = intersection(next, visible);
    changeSelection(next);
  };

  useHotkeys({
    '?': () => setHelp((h) => !h),
    r: () => mapRef.current?.reset(),
    l: () => setMode((m) => (m === 'lasso' ? 'panZoom' : 'lasso')),
    esc: () => {
      if (help) setHelp(false);
      else if (view.datapoint) {
        update({ datapoint: null });
        setTab('selection');
      } else if (mode === 'lasso') setMode('panZoom');
      else if (selection.length > 0) changeSelection(EMPTY);
    },
    f: () => update({ fade: !view.fade }),
    p: () => update({ showPlaced: !view.showPlaced }),
    '+': () => update({ pointSize: Math.min(20, pointSize + 0.5) }),
    '=': () => update({ pointSize: Math.min(20, pointSize + 0.5) }),
    '-': () => update({ pointSize: Math.max(0.5, pointSize - 0.5) }),
    a: selectPassing,
    z: () => mapRef.current?.zoomTo(selection),
    c: () => colorSelect.current?.focus(),
    t: () => {
      setTab('selection');
      requestAnimationFrame(() => tagInput.current?.focus());
    },
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: version marks in-place table changes
  const options = useMemo(
    () => colorOptions(table, analyses, points.unavailable),
    [table, version, analyses, points.unavailable],
  );
  const otherProjections = projection.space?.projections.filter((p) => p.state === 'READY') ?? [];
  const passLabel = filtersActive ? `${formatCount(filtered.passCount)} pass the filters · ` : '';
  const stats = points.stats;

  return (
    <div className="x-explorer">
      <aside className="x-sidebar" aria-label="Colour and filters">
        {loading ? (
          <div className="x-center">
            <Spinner label="Loading columns" />
          </div>
        ) : (
          <>
            <ColorPanel
              field={view.color}
              options={options}
              encoding={encoding}
              hidden={view.hidden}
              loading={points.pending.includes(view.color)}
              onField={(color) => update({ color, colorRange: null, hidden: [] })}
              onHidden={(hidden) => update({ hidden })}
              onRange={(colorRange) => update({ colorRange })}
              selectRef={colorSelect}
            />
            <DisplayPanel
              pointSize={pointSize}
              opacity={view.opacity}
              fade={view.fade}
              showPlaced={view.showPlaced}
              placedCount={projection.placedCount}
              onChange={(patch) => update(patch)}
            />
            <FacetPanel
              table={table}
              version={version}
              facets={filtered.facets}
              filters={view.filters}
              passCount={filtered.passCount}
              analyses={analyses}
              onChange={(filters) => update({ filters })}
            />
          </>
        )}
      </aside>

      <main
        className="x-stage"
        ref={stageRef}
        onMouseMove={(event) => {
          const box = event.currentTarget.getBoundingClientRect();
          mouse.current = { x: event.clientX - box.left, y: event.clientY - box.top };
        }}
        onMouseLeave={() => setHovered(null)}
      >
        <MapToolbar
          mode={mode}
          onMode={setMode}
          onReset={() => mapRef.current?.reset()}
          onHelp={() => setHelp(true)}
          projection={projection.id}
          projections={otherProjections}
          onProjection={(id) =>
            update(
              { projection: id, selection: { ids: [], total: 0 }, camera: null, datapoint: null },
              { push: true },
            )
          }
        />
        <ScatterMap
          ref={mapRef}
          data={loading ? null : mapData}
          style={style}
          visible={visible}
          selection={selection}
          highlight={highlight}
          mode={mode}
          initialCamera={view.camera}
          onSelect={onSelect}
          onHover={onHover}
          onCamera={onCamera}
          onDrawn={onDrawn}
          onError={setMapError}
        />
        {hovered !== null && hovered < table.count && (
          <HoverCard
            project={project}
            table={table}
            index={hovered}
            at={mouse.current}
            bounds={{
              width: stageRef.current?.clientWidth ?? 800,
              height: stageRef.current?.clientHeight ?? 600,
            }}
          />
        )}
        {mapError && (
          <div className="x-stage__error">
            <ErrorBox title="The map cannot be drawn" message={mapError} />
          </div>
        )}
        {points.error && points.status === 'ready' && (
          <div className="x-stage__error">
            <ErrorBox
              title="A column did not load"
              message={points.error.message}
              onRetry={points.dismissError}
              retryLabel="Dismiss"
            />
          </div>
        )}
        <p className="x-statusbar num">
          {passLabel}
          {formatCount(table.count)} points
          {projection.placedCount > 0 && ` · ${formatCount(projection.placedCount)} placed later`}
          {' · '}
          {projection.algorithm.toUpperCase()} of {projection.space?.name ?? 'a space'}
          {stats && (
            <span className="faint" title="download · decode">
              {' · '}
              {formatDuration(stats.downloadMs)} + {formatDuration(stats.decodeMs)}
            </span>
          )}
        </p>
        {loading && <LoadingOverlay points={points} expected={projection.pointCount} />}
        {ready && <div data-testid="map-ready" data-points={table.count} hidden />}
      </main>

      <aside className="x-aside" aria-label="Selection and datapoint">
        <Tabs<Tab>
          label="Side panel"
          active={tab}
          onChange={setTab}
          tabs={[
            {
              id: 'selection',
              label: 'Selection',
              count: selection.length,
              'data-testid': 'tab-selection',
            },
            { id: 'datapoint', label: 'Datapoint', 'data-testid': 'tab-datapoint' },
          ]}
        />
        {tab === 'selection' ? (
          <SelectionPanel
            project={project}
            space={projection.space?.name ?? null}
            projection={projection.id}
            table={table}
            version={version}
            selection={selection}
            droppedFromLink={droppedFromLink}
            tags={tags}
            analyses={analyses}
            tagInputRef={tagInput}
            onClear={() => changeSelection(EMPTY)}
            onZoom={() => mapRef.current?.zoomTo(selection)}
            onOpen={(index) => openDatapoint(String(table.ids[index]), { focus: true })}
            onRowHover={setRowHover}
            onTagged={() => {
              points.touch();
              setTagsVersion((v) => v + 1);
            }}
          />
        ) : view.datapoint ? (
          <DatapointPanel
            project={project}
            space={projection.space?.name ?? null}
            id={view.datapoint}
            refresh={tagsVersion}
            onMap={(id) => lookup.indexOf(Number(id)) >= 0}
            onOpen={(id) => openDatapoint(id, { focus: true })}
            onHoverNeighbour={setNeighbourHover}
            onClose={() => {
              update({ datapoint: null });
              setTab('selection');
            }}
          />
        ) : (
          <p className="x-note x-pad">Click a point, or a row of the selection, to open it here.</p>
        )}
      </aside>
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
    </div>
  );
}
