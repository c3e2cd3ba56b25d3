// Route /p/<project>/compare?left=<map>&right=<map>&color=<label|dataset|moved>: two maps of
// a project side by side, linked by datapoint. Hovering a point rings the same datapoint on
// the other map; a lasso or a click on either selects those datapoints on both. Maps of two
// spaces (two models, two checkpoints) show where each datapoint went; with a comparison
// of the two spaces (`compareSpaces`, issue 17) both maps can be coloured by how much each
// datapoint's neighbourhood changed. A map made with `alignTo` the other one is rotated
// onto it, so "the same place" means the same on both sides.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from 'urql';
import { CompareContextQuery } from '../api/compare';
import { PageError } from '../app/PageError';
import { readMapTheme } from '../explorer/mapTheme';
import { type Points, usePoints } from '../explorer/usePoints';
import { EmptyState, IconButton, icons, Select, Spinner } from '../kit';
import { useHotkeys } from '../lib/hotkeys';
import type { MouseMode, ScatterMapHandle } from '../map/ScatterMap';
import { idLookup } from '../points/lookup';
import type { Column } from '../points/types';
import { navigate, useLocation } from '../state/router';
import { EMPTY, fromIndices, type Selection } from '../state/selection';
import { useTheme } from '../state/theme';
import { ComparePane } from './ComparePane';
import { carryColumn, carryPoint, carrySelection } from './linking';
import './compare.css';

type Side = 'left' | 'right';
const OTHER: Record<Side, Side> = { left: 'right', right: 'left' };
const COLUMNS = ['label', 'dataset'] as const;
const MOVED = 'moved';

interface MapChoice {
  id: string;
  spaceId: string;
  label: string;
}

function readQuery(search: string): { left: string | null; right: string | null; color: string } {
  const query = new URLSearchParams(search);
  return {
    left: query.get('left'),
    right: query.get('right'),
    color: query.get('color') ?? 'label',
  };
}

export function ComparePage({ project }: { project: string }) {
  const { search } = useLocation();
  const query = readQuery(search);
  const [context] = useQuery({ query: CompareContextQuery, variables: { project } });
  const spaces = context.data?.project?.spaces ?? [];
  const maps: MapChoice[] = useMemo(
    () =>
      spaces.flatMap((s) =>
        s.projections
          .filter((p) => p.state === 'READY')
          .map((p) => ({
            id: p.id,
            spaceId: s.id,
            label: `${s.name} · ${p.algorithm} #${p.id} (${p.pointCount.toLocaleString()})`,
          })),
      ),
    [spaces],
  );
  // Without a choice in the link: the first map, and beside it a map of another space if
  // there is one (comparing two models is the point), else the next map.
  const left = maps.find((m) => m.id === query.left) ?? maps[0] ?? null;
  const right =
    maps.find((m) => m.id === query.right) ??
    maps.find((m) => left && m.spaceId !== left.spaceId) ??
    maps.find((m) => m.id !== left?.id) ??
    null;
  const setQuery = useCallback((patch: Partial<{ left: string; right: string; color: string }>) => {
    const next = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(patch)) next.set(key, value);
    navigate(`${window.location.pathname}?${next.toString()}`, { replace: true });
  }, []);

  // A ready comparison of the two maps' spaces, either way round: its `moved` column lives
  // on the maps of its space A and is carried by datapoint to the other side.
  const comparison = useMemo(() => {
    if (!left || !right || left.spaceId === right.spaceId) return null;
    for (const space of spaces) {
      for (const c of space.comparisons) {
        const b = String((c.params as { space_b?: unknown }).space_b ?? '');
        const pair = new Set([space.id, b]);
        if (c.state === 'READY' && pair.has(left.spaceId) && pair.has(right.spaceId)) {
          return { id: c.id, side: (space.id === left.spaceId ? 'left' : 'right') as Side };
        }
      }
    }
    return null;
  }, [spaces, left, right]);
  const color = query.color === MOVED && !comparison ? 'label' : query.color;

  const leftPoints = usePoints(left?.id ?? null, COLUMNS);
  const rightPoints = usePoints(right?.id ?? null, COLUMNS);
  const pointsOf: Record<Side, Points> = { left: leftPoints, right: rightPoints };
  const leftTable = leftPoints.table;
  const rightTable = rightPoints.table;
  const lookups = useMemo(
    () => ({
      left: leftTable ? idLookup(leftTable.ids) : null,
      right: rightTable ? idLookup(rightTable.ids) : null,
    }),
    [leftTable, rightTable],
  );

  const movedColumn = comparison ? `analysis.${comparison.id}.${MOVED}` : null;
  const owner = pointsOf[comparison?.side ?? 'left'];
  const { ensureColumns } = owner;
  const ownerReady = owner.table !== null;
  useEffect(() => {
    if (color === MOVED && movedColumn && ownerReady) ensureColumns([movedColumn]);
  }, [color, movedColumn, ownerReady, ensureColumns]);
  const carried = useMemo(() => {
    if (color !== MOVED || !movedColumn || !comparison) return { left: null, right: null };
    const tables = { left: leftTable, right: rightTable };
    const { side } = comparison;
    const from = tables[side];
    const to = tables[OTHER[side]];
    const column = from?.columns.get(movedColumn);
    const fromLookup = lookups[side];
    if (!from || !to || !fromLookup || column?.kind !== 'number')
      return { left: null, right: null };
    return { [side]: column, [OTHER[side]]: carryColumn(column, fromLookup, to) } as Record<
      Side,
      Column
    >;
  }, [color, movedColumn, comparison, leftTable, rightTable, lookups]);

  // The selection and the hovered point belong to the side they were made on, and are
  // carried to the other side by datapoint.
  const [selected, setSelected] = useState<{ side: Side; rows: Selection }>({
    side: 'left',
    rows: EMPTY,
  });
  const [hovered, setHovered] = useState<{ side: Side; row: number | null }>({
    side: 'left',
    row: null,
  });
  // A new map on either side starts with nothing selected.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset when the maps change
  useEffect(() => setSelected({ side: 'left', rows: EMPTY }), [left?.id, right?.id]);
  const selections = useMemo(() => {
    const tables = { left: leftTable, right: rightTable };
    const on = (side: Side): Selection => {
      if (selected.side === side) return selected.rows;
      const from = tables[selected.side];
      const to = lookups[side];
      return from && to ? carrySelection(from, selected.rows, to) : EMPTY;
    };
    return { left: on('left'), right: on('right') };
  }, [selected, leftTable, rightTable, lookups]);
  const highlightOn = (side: Side): number | null => {
    if (hovered.side === side) return null; // the map rings its own hover
    const from = pointsOf[hovered.side].table;
    const to = lookups[side];
    return from && to ? carryPoint(from, hovered.row, to) : null;
  };

  const { theme } = useTheme();
  const mapTheme = useMemo(() => readMapTheme(theme), [theme]);
  const [mode, setMode] = useState<MouseMode>('panZoom');
  const leftMap = useRef<ScatterMapHandle>(null);
  const rightMap = useRef<ScatterMapHandle>(null);
  useHotkeys({
    l: () => setMode((m) => (m === 'lasso' ? 'panZoom' : 'lasso')),
    r: () => {
      leftMap.current?.reset();
      rightMap.current?.reset();
    },
    esc: () => setSelected({ side: 'left', rows: EMPTY }),
  });

  if (context.error) return <PageError title="Cannot open this project" error={context.error} />;
  if (!context.data) return <Spinner label="Loading the maps" />;
  if (!left || !right) {
    return (
      <EmptyState title="Two maps are needed" data-testid="compare-empty">
        <p>
          This page shows two ready maps side by side. Compute a second map (of another space to
          compare two models) from the project page.
        </p>
      </EmptyState>
    );
  }

  const options = maps.map((m) => ({ value: m.id, label: m.label }));
  const colorOptions = [
    { value: 'label', label: 'label' },
    { value: 'dataset', label: 'dataset' },
    ...(comparison ? [{ value: MOVED, label: 'neighbourhood change (moved)' }] : []),
  ];
  const pane = (side: Side, map: MapChoice) => (
    <ComparePane
      name={side}
      title={map.label}
      points={pointsOf[side]}
      color={color}
      carried={carried[side]}
      selection={selections[side]}
      highlight={highlightOn(side)}
      mode={mode}
      theme={mapTheme}
      mapRef={side === 'left' ? leftMap : rightMap}
      onSelect={(rows) => setSelected({ side, rows: fromIndices(rows) })}
      onHover={(row) => setHovered({ side, row })}
    />
  );
  const onOther = selections[OTHER[selected.side]];
  return (
    <div className="c-compare" data-testid="compare-page">
      <div className="c-bar" role="toolbar" aria-label="Compare maps">
        <Select
          size="sm"
          label="Left map"
          value={left.id}
          options={options}
          onChange={(id) => setQuery({ left: id })}
          data-testid="compare-left-map"
        />
        <Select
          size="sm"
          label="Right map"
          value={right.id}
          options={options}
          onChange={(id) => setQuery({ right: id })}
          data-testid="compare-right-map"
        />
        <Select
          size="sm"
          label="Colour by"
          value={color}
          options={colorOptions}
          onChange={(value) => setQuery({ color: value })}
          data-testid="compare-color"
        />
        <IconButton
          label="Lasso: drag to select"
          shortcut="L"
          icon={<icons.LassoIcon />}
          pressed={mode === 'lasso'}
          onClick={() => setMode(mode === 'lasso' ? 'panZoom' : 'lasso')}
          data-testid="compare-lasso"
        />
        <span className="c-bar__status" data-testid="compare-status">
          {selected.rows.length > 0
            ? `${selected.rows.length.toLocaleString()} selected on the ${selected.side} · ${onOther.length.toLocaleString()} of them on the other map`
            : 'Hover or select on either map: the same datapoints light up on the other.'}
        </span>
      </div>
      <div className="c-panes">
        {pane('left', left)}
        {pane('right', right)}
      </div>
    </div>
  );
}
