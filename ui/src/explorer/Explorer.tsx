// The Explorer once a map's points are loaded: sidebar (colour, display, filters), the
// WebGL map, and the selection / datapoint panels. The state lives in focused hooks
// (what the map draws, the selection, the side panel, the marked points, the first frame);
// this component wires them to the panels and the keyboard.
import { useCallback, useMemo, useRef, useState } from 'react';
import { ErrorBox, Tabs } from '../kit';
import { useHotkeys } from '../lib/hotkeys';
import { type MouseMode, ScatterMap, type ScatterMapHandle } from '../map/ScatterMap';
import { idLookup } from '../points/lookup';
import { withTag } from '../points/table';
import { EMPTY_TABLE } from '../points/types';
import { EMPTY, fromIndices, fromMask, intersection } from '../state/selection';
import { useTheme } from '../state/theme';
import type { AnalysisInfo } from './columns';
import { DatapointPanel } from './DatapointPanel';
import { DensityOverlay } from './density/DensityOverlay';
import { DensityPanel } from './density/DensityPanel';
import { useDensity } from './density/useDensity';
import { HelpOverlay } from './HelpOverlay';
import { HoverCard } from './HoverCard';
import { LoadingOverlay, MapToolbar, StatusBar } from './MapChrome';
import { readMapTheme } from './mapTheme';
import { ReviewPanel } from './review/ReviewPanel';
import { SelectionPanel } from './SelectionPanel';
import { Sidebar } from './Sidebar';
import { SearchBox } from './search/SearchBox';
import { StepSlider } from './steps/StepSlider';
import { ClusterLabels } from './summary/ClusterLabels';
import { rowsWithValue } from './summary/rows';
import { SummaryPanel } from './summary/SummaryPanel';
import { useAnalysisSummary } from './summary/useAnalysisSummary';
import { useColumnsOnDemand } from './useColumnsOnDemand';
import { useFirstFrame } from './useFirstFrame';
import { useIdentifierFields } from './useIdentifierFields';
import { useMapLayers } from './useMapLayers';
import { usePointMarks } from './usePointMarks';
import type { Points } from './usePoints';
import { useSelection } from './useSelection';
import { type SideTab, useSidePanel } from './useSidePanel';
import type { ViewState } from './useView';

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
  viewState: ViewState;
}

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
  const { theme } = useTheme();
  const mapTheme = useMemo(() => readMapTheme(theme), [theme]);
  const mapRef = useRef<ScatterMapHandle>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const colorSelect = useRef<HTMLSelectElement>(null);
  const tagInput = useRef<HTMLInputElement>(null);
  const searchInput = useRef<HTMLInputElement>(null);
  const mouse = useRef({ x: 0, y: 0 });
  const [mode, setMode] = useState<MouseMode>('panZoom');
  const [help, setHelp] = useState(false);
  const [mapError, setMapError] = useState<string | null>(null);
  /** Bumped after tagging: the open datapoint's tags are fetched again. */
  const [tagsChanged, setTagsChanged] = useState(0);

  const lookup = useMemo(() => idLookup(table.ids), [table.ids]);
  useColumnsOnDemand(view.color, view.filters, table.columns, points.ensureColumns);
  const layers = useMapLayers(table, view, mapTheme);
  const identifiers = useIdentifierFields(project, projection.space?.name ?? null, table);
  const { selection, droppedFromLink, changeSelection } = useSelection(
    table.ids,
    loading,
    lookup,
    viewState,
  );
  const side = useSidePanel(viewState, lookup, mapRef);
  const marks = usePointMarks(lookup, view.datapoint);
  const { ready, onDrawn } = useFirstFrame(points);
  const summary = useAnalysisSummary(projection.id, analyses, table, loading, points.ensureColumns);
  const density = useDensity(table, loading);
  // The review queue (explorer/review/) takes the right column while `review` names a
  // ready analysis; its current row is centred and ringed on the map.
  const reviewing = analyses.find((a) => a.id === view.review && a.state === 'READY') ?? null;
  const [reviewRow, setReviewRow] = useState<number | null>(null);
  const onReviewRow = useCallback((index: number | null) => {
    setReviewRow(index);
    if (index !== null) mapRef.current?.focus(index);
  }, []);

  const { openDatapoint } = side;
  const onSelect = useCallback(
    (indices: number[], how: 'lasso' | 'click') => {
      const next = fromIndices(indices);
      changeSelection(next);
      if (how === 'click' && next.length === 1)
        openDatapoint(String(table.ids[next[0]!]), { focus: false });
    },
    [changeSelection, openDatapoint, table.ids],
  );

  const { updateTable } = points;
  const onTagged = useCallback(
    (indices: readonly number[], tag: string, on: boolean) => {
      updateTable((current) => withTag(current, indices, tag, on).table);
      setTagsChanged((n) => n + 1);
    },
    [updateTable],
  );

  const selectPassing = () => {
    let next = fromMask(layers.filtered.pass);
    if (layers.visible) next = intersection(next, layers.visible);
    changeSelection(next);
  };
  const { pointSize } = layers;
  useHotkeys({
    '?': () => setHelp((h) => !h),
    r: () => mapRef.current?.reset(),
    l: () => setMode((m) => (m === 'lasso' ? 'panZoom' : 'lasso')),
    esc: () => {
      if (help) setHelp(false);
      else if (view.datapoint) side.closeDatapoint();
      else if (mode === 'lasso') setMode('panZoom');
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
    '/': () => searchInput.current?.focus(),
    t: () => {
      side.setTab('selection');
      requestAnimationFrame(() => tagInput.current?.focus());
    },
  });

  const otherProjections = projection.space?.projections.filter((p) => p.state === 'READY') ?? [];

  return (
    <div className="x-explorer">
      <Sidebar
        view={view}
        update={update}
        loading={loading}
        table={table}
        layers={layers}
        points={points}
        analyses={analyses}
        placedCount={projection.placedCount}
        colorSelect={colorSelect}
        identifiers={identifiers}
        onReview={(review) => update({ review }, { push: true })}
        summary={
          <SummaryPanel
            state={summary}
            table={table}
            lookup={lookup}
            onSelect={(rows) => {
              changeSelection(rows);
              side.setTab('selection');
            }}
          />
        }
        density={
          <DensityPanel
            datasets={density.datasets}
            choice={density.choice}
            onChoice={density.setChoice}
            result={density.result}
            onSelect={(rows) => {
              changeSelection(rows);
              side.setTab('selection');
            }}
          />
        }
      />

      <main
        className="x-stage"
        ref={stageRef}
        onMouseMove={(event) => {
          const box = event.currentTarget.getBoundingClientRect();
          mouse.current = { x: event.clientX - box.left, y: event.clientY - box.top };
        }}
        onMouseLeave={() => marks.setHovered(null)}
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
        <SearchBox
          project={project}
          projection={projection.id}
          lookup={lookup}
          onHits={changeSelection}
          inputRef={searchInput}
        />
        <StepSlider
          projection={projection.id}
          table={table}
          loading={loading}
          mapRef={mapRef}
          updateTable={updateTable}
          ensureColumns={points.ensureColumns}
          onColor={(color) => update({ color })}
          onStep={(id) => update({ projection: id, datapoint: null }, { push: true })}
        />
        <ScatterMap
          ref={mapRef}
          data={loading ? null : layers.data}
          style={layers.style}
          visible={layers.visible}
          selection={selection}
          highlight={reviewing ? reviewRow : marks.ringed}
          mode={mode}
          initialCamera={view.camera}
          onSelect={onSelect}
          onHover={marks.setHovered}
          onCamera={setCamera}
          onDrawn={onDrawn}
          onError={setMapError}
        />
        {!loading &&
          summary.labelsShown &&
          summary.summary?.kind === 'clusters' &&
          summary.column && (
            <ClusterLabels
              mapRef={mapRef}
              clusters={summary.summary.clusters}
              centres={summary.centres}
              drawn={ready}
              onPick={(cluster) => {
                if (!summary.column) return;
                changeSelection(rowsWithValue(table, summary.column, cluster));
                side.setTab('selection');
              }}
            />
          )}
        {!loading && density.choice.shown && density.result && (
          <DensityOverlay mapRef={mapRef} result={density.result} drawn={ready} />
        )}
        {marks.hovered !== null && marks.hovered < table.count && (
          <HoverCard
            project={project}
            table={table}
            index={marks.hovered}
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
        <StatusBar
          passing={layers.filtersActive ? layers.filtered.passCount : null}
          count={table.count}
          placedCount={projection.placedCount}
          algorithm={projection.algorithm}
          space={projection.space?.name ?? null}
          stats={points.stats}
        />
        {loading && <LoadingOverlay points={points} expected={projection.pointCount} />}
        {ready && <div data-testid="map-ready" data-points={table.count} hidden />}
        {/* The point a hovered row, tile or neighbour rings on the map (for browser tests). */}
        {marks.ringed !== null && <div data-testid="map-ringed" data-point={marks.ringed} hidden />}
      </main>

      <aside className="x-aside" aria-label="Selection and datapoint">
        {reviewing && !loading ? (
          <ReviewPanel
            key={reviewing.id}
            project={project}
            analysis={reviewing}
            color={view.color}
            table={table}
            pass={layers.filtersActive ? layers.filtered.pass : null}
            unavailable={points.unavailable}
            ensureColumns={points.ensureColumns}
            updateTable={updateTable}
            space={projection.space?.name ?? null}
            lookup={lookup}
            onRow={onReviewRow}
            onClose={() => update({ review: null })}
            onHelp={() => setHelp((h) => !h)}
          />
        ) : (
          <>
            <Tabs<SideTab>
              label="Side panel"
              active={side.tab}
              onChange={side.setTab}
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
            {side.tab === 'selection' ? (
              <SelectionPanel
                project={project}
                space={projection.space?.name ?? null}
                projection={projection.id}
                table={table}
                selection={selection}
                droppedFromLink={droppedFromLink}
                tags={tags}
                analyses={analyses}
                tagInputRef={tagInput}
                onClear={() => changeSelection(EMPTY)}
                onZoom={() => mapRef.current?.zoomTo(selection)}
                onOpen={(index) => openDatapoint(String(table.ids[index]), { focus: true })}
                onRowHover={marks.setRowHover}
                onTagged={onTagged}
              />
            ) : view.datapoint ? (
              <DatapointPanel
                project={project}
                space={projection.space?.name ?? null}
                id={view.datapoint}
                refresh={tagsChanged}
                onMap={(id) => lookup.indexOf(Number(id)) >= 0}
                onOpen={(id) => openDatapoint(id, { focus: true })}
                onHoverNeighbour={marks.setNeighbourHover}
                onClose={side.closeDatapoint}
              />
            ) : (
              <p className="x-note x-pad">
                Click a point, or a row of the selection, to open it here.
              </p>
            )}
          </>
        )}
      </aside>
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
    </div>
  );
}
