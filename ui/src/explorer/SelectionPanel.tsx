// The selection: its size, tagging, exports, and its datapoints as a virtualised list of
// compact rows or a grid of thumbnails (SelectionGrid; details fetched only for what is on
// screen). Hovering a row or a tile marks its point on the map; a click opens it.
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useMemo, useRef, useState } from 'react';
import { useClient } from 'urql';
import { AddTagsMutation, RemoveTagsMutation } from '../api/explorer';
import { type ExportFormat, exportOnServer } from '../api/exportSelection';
import { displayableUri } from '../api/media';
import { useMayWrite } from '../api/session';
import { Button, EmptyState, ErrorBox, IconButton, icons, Select, Spinner } from '../kit';
import { downloadBlob } from '../lib/download';
import { formatCount, formatValue } from '../lib/format';
import { cellValue, SORT_BY_INDEX, sortIndices } from '../points/rows';
import type { PointTable } from '../points/types';
import { type AnalysisInfo, columnLabel } from './columns';
import { snippet, Thumb } from './Media';
import { SelectionGrid } from './SelectionGrid';
import { useSettledDatapoint } from './useSettledDatapoint';

/** One line a row: about 25 rows on a laptop screen (twice the former two-line rows). */
const ROW_H = 30;
const ROW_THUMB = 24;

type Layout = 'list' | 'grid';
/** The layout outlives the panel (opening a datapoint unmounts it) for this tab's session. */
const LAYOUT_KEY = 'chroma.selectionLayout';

function storedLayout(): Layout {
  try {
    return sessionStorage.getItem(LAYOUT_KEY) === 'grid' ? 'grid' : 'list';
  } catch {
    return 'list';
  }
}
const LAYOUTS: readonly { id: Layout; label: string }[] = [
  { id: 'list', label: 'List' },
  { id: 'grid', label: 'Grid' },
];
/** Ids per addTags / removeTags call: keeps each request small and the server responsive. */
const TAG_BATCH = 5000;

export interface SelectionPanelProps {
  project: string;
  space: string | null;
  projection: string;
  table: PointTable;
  selection: Uint32Array;
  /** The link carried a selection too big to keep (count), if any. */
  droppedFromLink: number;
  tags: readonly string[];
  analyses: readonly AnalysisInfo[];
  tagInputRef: React.RefObject<HTMLInputElement | null>;
  onClear: () => void;
  onZoom: () => void;
  onOpen: (index: number) => void;
  onRowHover: (index: number | null) => void;
  /** The server (un)tagged these points: bring the loaded table in step. */
  onTagged: (indices: readonly number[], tag: string, on: boolean) => void;
}

export const SelectionPanel = memo(function SelectionPanel(props: SelectionPanelProps) {
  const { table, selection } = props;
  const [sortBy, setSortBy] = useState<string>(SORT_BY_INDEX);
  const [descending, setDescending] = useState(false);
  const [layout, setLayoutState] = useState<Layout>(storedLayout);
  const setLayout = (next: Layout) => {
    setLayoutState(next);
    try {
      sessionStorage.setItem(LAYOUT_KEY, next);
    } catch {
      // Storage refused (private mode): the choice lasts as long as the panel.
    }
  };
  const mayWrite = useMayWrite();
  const ordered = useMemo(
    () => sortIndices(table, selection, sortBy, descending),
    [table, selection, sortBy, descending],
  );
  const sortOptions = [
    { value: SORT_BY_INDEX, label: 'map order' },
    ...[...table.columns.keys()].map((name) => ({
      value: name,
      label: columnLabel(name, props.analyses),
    })),
  ];
  return (
    <div className="x-selection">
      <div className="x-selection__head">
        <p className="x-selection__count">
          <strong data-testid="selection-count" className="num">
            {formatCount(selection.length)}
          </strong>{' '}
          selected
        </p>
        <IconButton
          label="Zoom the map to the selection"
          shortcut="z"
          icon={<icons.FitIcon />}
          size="sm"
          disabled={selection.length === 0}
          onClick={props.onZoom}
          data-testid="zoom-to-selection"
        />
        <Button size="sm" variant="ghost" disabled={selection.length === 0} onClick={props.onClear}>
          Clear
        </Button>
      </div>
      {props.droppedFromLink > 0 && selection.length === 0 && (
        <p className="x-note x-pad">
          The link had {formatCount(props.droppedFromLink)} selected points: links keep up to 500.
          Tag a selection to share it.
        </p>
      )}
      {mayWrite ? (
        <TagBar {...props} />
      ) : (
        <p className="x-pad faint" data-testid="read-only-note">
          Signed in as a viewer: you can read and export, not tag.
        </p>
      )}
      <ExportBar {...props} ordered={ordered} />
      {selection.length === 0 ? (
        <EmptyState title="Nothing selected" icon={<icons.LassoIcon size={24} />}>
          <p>
            Click a point, or drag a lasso: press <kbd className="k-kbd">L</kbd> (or the lasso
            button) or hold <kbd className="k-kbd">Shift</kbd> while dragging.
          </p>
        </EmptyState>
      ) : (
        <>
          <div className="x-row x-pad">
            <span className="faint">Sort</span>
            <Select
              size="sm"
              value={sortBy}
              onChange={setSortBy}
              options={sortOptions}
              label="Sort the selection by"
              className="x-grow"
            />
            <IconButton
              size="sm"
              label={descending ? 'Descending' : 'Ascending'}
              icon={
                <icons.ChevronIcon
                  style={{ transform: descending ? undefined : 'rotate(180deg)' }}
                />
              }
              onClick={() => setDescending(!descending)}
            />
            {/* biome-ignore lint/a11y/useSemanticElements: a pair of toggle buttons, not a form's fieldset */}
            <div className="x-seg" role="group" aria-label="Show the selection as">
              {LAYOUTS.map(({ id, label }) => (
                <button
                  key={id}
                  type="button"
                  className="x-seg__button"
                  aria-pressed={layout === id}
                  onClick={() => setLayout(id)}
                  data-testid={`selection-layout-${id}`}
                >
                  {label}
                </button>
              ))}
            </div>
          </div>
          {layout === 'grid' ? (
            <SelectionGrid
              project={props.project}
              table={table}
              ordered={ordered}
              onOpen={props.onOpen}
              onHover={props.onRowHover}
            />
          ) : (
            <SelectionList {...props} ordered={ordered} />
          )}
        </>
      )}
    </div>
  );
});

function TagBar({ project, table, selection, tags, tagInputRef, onTagged }: SelectionPanelProps) {
  const client = useClient();
  const [tag, setTag] = useState('');
  const [busy, setBusy] = useState<'add' | 'remove' | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (add: boolean) => {
    const name = tag.trim();
    if (!name || selection.length === 0) return;
    setBusy(add ? 'add' : 'remove');
    setError(null);
    setMessage(null);
    const indices = Array.from(selection);
    let changed = 0;
    try {
      for (let start = 0; start < indices.length; start += TAG_BATCH) {
        const part = indices.slice(start, start + TAG_BATCH);
        const ids = part.map((i) => String(table.ids[i]));
        const variables = { project, ids, tags: [name] };
        let change: { changed: number } | undefined;
        if (add) {
          const result = await client.mutation(AddTagsMutation, variables).toPromise();
          if (result.error)
            throw new Error(result.error.graphQLErrors[0]?.message ?? result.error.message);
          change = result.data?.addTags;
        } else {
          const result = await client.mutation(RemoveTagsMutation, variables).toPromise();
          if (result.error)
            throw new Error(result.error.graphQLErrors[0]?.message ?? result.error.message);
          change = result.data?.removeTags;
        }
        changed += change?.changed ?? 0;
        onTagged(part, name, add);
      }
      setMessage(
        `${add ? 'Tagged' : 'Untagged'} ${formatCount(changed)} datapoints ${add ? 'with' : 'from'} “${name}”.`,
      );
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(null);
    }
  };
  return (
    <form
      className="x-tagbar x-pad"
      onSubmit={(event) => {
        event.preventDefault();
        void run(true);
      }}
    >
      <div className="x-row">
        <input
          ref={tagInputRef}
          className="k-input k-input--sm x-grow"
          placeholder="Tag name"
          value={tag}
          onChange={(event) => setTag(event.target.value)}
          list="x-known-tags"
          aria-label="Tag name"
          data-testid="tag-input"
        />
        <datalist id="x-known-tags">
          {tags.map((t) => (
            <option key={t} value={t} />
          ))}
        </datalist>
        <Button
          size="sm"
          type="submit"
          icon={<icons.TagIcon />}
          busy={busy === 'add'}
          disabled={!tag.trim() || selection.length === 0 || busy !== null}
          data-testid="tag-apply"
        >
          Tag
        </Button>
        <Button
          size="sm"
          busy={busy === 'remove'}
          disabled={!tag.trim() || selection.length === 0 || busy !== null}
          onClick={() => void run(false)}
          data-testid="untag-apply"
        >
          Untag
        </Button>
      </div>
      {message && (
        <p className="x-note" role="status" data-testid="tag-status">
          {message}
        </p>
      )}
      {error && (
        <ErrorBox
          title="Tagging failed"
          message={error}
          onRetry={() => void run(busy !== 'remove')}
        />
      )}
    </form>
  );
}

function ExportBar({
  project,
  space,
  projection,
  table,
  selection,
  ordered,
}: SelectionPanelProps & { ordered: Uint32Array }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const disabled = selection.length === 0;
  // Every format comes from the server's one table, so CSV, JSON and Parquet carry the
  // same columns (the loaded analysis columns included).
  const download = async (format: ExportFormat) => {
    if (!space) return;
    setBusy(true);
    setError(null);
    try {
      const { blob, filename } = await exportOnServer({
        project,
        space,
        datapointIds: Array.from(ordered, (i) => table.ids[i]!),
        format,
        projection: Number(projection),
        columns: [...table.columns.keys()].filter((name) => name.startsWith('analysis.')),
      });
      downloadBlob(blob, filename);
      setDone(`${formatCount(ordered.length)} rows saved as ${filename}`);
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="x-pad">
      <div className="x-row">
        <span className="faint">Export</span>
        <Button
          size="sm"
          icon={<icons.DownloadIcon />}
          disabled={disabled || !space}
          busy={busy}
          onClick={() => void download('csv')}
          data-testid="export-csv"
        >
          CSV
        </Button>
        <Button
          size="sm"
          disabled={disabled || !space}
          busy={busy}
          onClick={() => void download('json')}
          data-testid="export-json"
        >
          JSON
        </Button>
        <Button
          size="sm"
          disabled={disabled || !space}
          busy={busy}
          onClick={() => void download('parquet')}
          data-testid="export-parquet"
        >
          Parquet
        </Button>
      </div>
      {done && !error && (
        <div className="faint" role="status" data-testid="export-done">
          {done}
        </div>
      )}
      {error && <ErrorBox title="Export failed" message={error} />}
    </div>
  );
}

function SelectionList(props: SelectionPanelProps & { ordered: Uint32Array }) {
  const { ordered } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: ordered.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_H,
    overscan: 6,
  });
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: leaving the list only clears the map highlight
    <div
      ref={scroller}
      className="x-list"
      onMouseLeave={() => props.onRowHover(null)}
      data-testid="selection-list"
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((item) => (
          <SelectionRow
            key={ordered[item.index]}
            index={ordered[item.index]!}
            top={item.start}
            project={props.project}
            table={props.table}
            onOpen={props.onOpen}
            onHover={props.onRowHover}
          />
        ))}
      </div>
    </div>
  );
}

function SelectionRow({
  index,
  top,
  project,
  table,
  onOpen,
  onHover,
}: {
  index: number;
  top: number;
  project: string;
  table: PointTable;
  onOpen: (index: number) => void;
  onHover: (index: number | null) => void;
}) {
  const id = String(table.ids[index]);
  const { detail, fetching } = useSettledDatapoint(project, id);
  const value = (name: string) => {
    const column = table.columns.get(name);
    return column ? cellValue(column, index) : null;
  };
  const label = value('label');
  const prediction = value('prediction');
  const score = value('score');
  const dataset = value('dataset');
  return (
    <button
      type="button"
      className="x-row-item x-row-item--compact"
      style={{ transform: `translateY(${top}px)`, height: ROW_H }}
      onMouseEnter={() => onHover(index)}
      onFocus={() => onHover(index)}
      onClick={() => onOpen(index)}
      data-testid={`selection-row-${id}`}
    >
      {!detail ? (
        <span className="x-thumb x-thumb--empty" style={{ width: ROW_THUMB, height: ROW_THUMB }}>
          {fetching && <Spinner />}
        </span>
      ) : detail.hasImage || displayableUri(detail.uri) || detail.text ? (
        <Thumb source={detail} size={ROW_THUMB} />
      ) : (
        <span className="x-thumb x-thumb--empty" style={{ width: ROW_THUMB, height: ROW_THUMB }} />
      )}
      <span className="x-row-item__main">
        <span className="x-row-item__title">
          {label ?? <span className="faint">no label</span>}
          {prediction !== null && prediction !== label && (
            <span className="x-wrong"> → {String(prediction)}</span>
          )}
        </span>
        <span className="x-row-item__sub faint">
          {detail?.text
            ? snippet(detail.text, 80)
            : `${detail?.key ?? `#${id}`}${dataset ? ` · ${dataset}` : ''}`}
        </span>
      </span>
      {typeof score === 'number' && (
        <span className="x-row-item__score num">{formatValue(score)}</span>
      )}
    </button>
  );
}
