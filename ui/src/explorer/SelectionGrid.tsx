// The selection as a dense grid of thumbnails. Only the rows of tiles on screen (plus a
// few) exist: a selection of 100,000 points creates a few dozen <img>, not 100,000. Each
// tile asks for its datapoint once it has stayed on screen a moment (like the list's rows,
// sharing their cache); a datapoint without an image shows its text, else its key.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import { displayableUri } from '../api/media';
import { Spinner } from '../kit';
import { cellValue } from '../points/rows';
import type { PointTable } from '../points/types';
import { snippet, Thumb } from './Media';
import { useSettledDatapoint } from './useSettledDatapoint';

/** A tile's smallest side and the gap between tiles, in CSS pixels. */
export const TILE = 72;
export const GAP = 4;

/** How many tiles fit across `width` pixels (at least one). */
export function tilesAcross(width: number): number {
  return Math.max(1, Math.floor((width - GAP) / (TILE + GAP)));
}

export interface SelectionGridProps {
  project: string;
  table: PointTable;
  /** Row indices of the table, in the order shown. */
  ordered: Uint32Array;
  onOpen: (index: number) => void;
  onHover: (index: number | null) => void;
}

export function SelectionGrid({ project, table, ordered, onOpen, onHover }: SelectionGridProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    setWidth(element.clientWidth);
    return () => observer.disconnect();
  }, []);
  const across = tilesAcross(width);
  // The tiles grow to fill the row: no strip of empty panel on the right.
  const size = Math.max(TILE, Math.floor((width - GAP) / across - GAP));
  const rows = Math.ceil(ordered.length / across);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scroller.current,
    estimateSize: () => size + GAP,
    overscan: 2,
  });
  const { measure } = virtualizer;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the rows' estimated height follows size
  useEffect(() => measure(), [size, measure]);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: leaving the grid only clears the map highlight
    <div
      ref={scroller}
      className="x-list x-grid"
      onMouseLeave={() => onHover(null)}
      data-testid="selection-grid"
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {width > 0 &&
          virtualizer.getVirtualItems().map((row) => {
            const start = row.index * across;
            const indices = ordered.subarray(start, Math.min(ordered.length, start + across));
            return (
              <div
                key={row.key}
                className="x-grid__row"
                style={{ transform: `translateY(${row.start}px)`, height: size, gap: GAP }}
              >
                {Array.from(indices, (index) => (
                  <Tile
                    key={index}
                    index={index}
                    size={size}
                    project={project}
                    table={table}
                    onOpen={onOpen}
                    onHover={onHover}
                  />
                ))}
              </div>
            );
          })}
      </div>
    </div>
  );
}

function Tile({
  index,
  size,
  project,
  table,
  onOpen,
  onHover,
}: {
  index: number;
  size: number;
  project: string;
  table: PointTable;
  onOpen: (index: number) => void;
  onHover: (index: number | null) => void;
}) {
  const id = String(table.ids[index]);
  const { detail, fetching } = useSettledDatapoint(project, id);
  const labelColumn = table.columns.get('label');
  const label = labelColumn ? cellValue(labelColumn, index) : null;
  const pictured = detail !== null && (detail.hasImage || displayableUri(detail.uri) !== null);
  const name = detail?.key ?? `#${id}`;
  return (
    <button
      type="button"
      className="x-tile"
      style={{ width: size, height: size }}
      title={label === null ? name : `${name} · ${label}`}
      onMouseEnter={() => onHover(index)}
      onFocus={() => onHover(index)}
      onClick={() => onOpen(index)}
      data-testid={`selection-tile-${id}`}
      data-media={detail === null ? 'pending' : pictured ? 'image' : 'text'}
    >
      {detail === null ? (
        fetching ? (
          <Spinner />
        ) : null
      ) : pictured ? (
        <Thumb source={detail} size={size} />
      ) : (
        <span className="x-tile__text">{detail.text ? snippet(detail.text, 60) : name}</span>
      )}
      {label !== null && <span className="x-tile__label">{String(label)}</span>}
    </button>
  );
}
