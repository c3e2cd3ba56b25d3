// The tooltip of the point under the mouse: label, prediction, score from the loaded
// columns at once; thumbnail or text once the datapoint's details arrive (GraphQL, cached).
import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { DatapointQuery } from '../api/explorer';
import { formatValue } from '../lib/format';
import { cellValue } from '../points/rows';
import type { PointTable } from '../points/types';
import { snippet, Thumb } from './Media';

export interface HoverCardProps {
  project: string;
  table: PointTable;
  index: number;
  /** Mouse position inside the map (px). */
  at: { x: number; y: number };
  bounds: { width: number; height: number };
}

function text(table: PointTable, name: string, i: number): string | null {
  const column = table.columns.get(name);
  if (!column) return null;
  const value = cellValue(column, i);
  if (value === null) return null;
  if (typeof value === 'number') return formatValue(value);
  return Array.isArray(value) ? value.join(', ') : value;
}

export function HoverCard({ project, table, index, at, bounds }: HoverCardProps) {
  const id = String(table.ids[index]);
  // Ask for details only once the pointer rests: sweeping across the map is free.
  const [restingOn, setRestingOn] = useState<string | null>(null);
  useEffect(() => {
    const timer = setTimeout(() => setRestingOn(id), 120);
    return () => clearTimeout(timer);
  }, [id]);
  const resting = restingOn === id;
  const [{ data }] = useQuery({
    query: DatapointQuery,
    variables: { project, id },
    pause: !resting,
    requestPolicy: 'cache-first',
  });
  const detail = data?.datapoint?.id === id ? data.datapoint : null;
  const label = text(table, 'label', index);
  const prediction = text(table, 'prediction', index);
  const score = text(table, 'score', index);
  const dataset = text(table, 'dataset', index);
  const tags = text(table, 'tags', index);
  const width = 260;
  const left = at.x + 16 + width > bounds.width ? at.x - 16 - width : at.x + 16;
  const top = Math.min(Math.max(8, at.y - 20), Math.max(8, bounds.height - 200));
  return (
    <div className="x-hover" style={{ left, top, width }} role="tooltip" data-testid="hover-card">
      <div className="x-hover__head">
        {detail && <Thumb source={detail} size={56} />}
        <dl className="x-kv">
          <dt>label</dt>
          <dd>{label ?? <span className="faint">none</span>}</dd>
          {prediction !== null && (
            <>
              <dt>prediction</dt>
              <dd className={prediction !== label && label !== null ? 'x-wrong' : undefined}>
                {prediction}
              </dd>
            </>
          )}
          {score !== null && (
            <>
              <dt>score</dt>
              <dd className="num">{score}</dd>
            </>
          )}
          {dataset !== null && (
            <>
              <dt>dataset</dt>
              <dd>{dataset}</dd>
            </>
          )}
          {tags && (
            <>
              <dt>tags</dt>
              <dd>{tags}</dd>
            </>
          )}
        </dl>
      </div>
      {detail?.text && <p className="x-hover__text">{snippet(detail.text, 220)}</p>}
      <p className="x-hover__foot faint">
        #{id}
        {detail ? ` · ${detail.key}` : ''}
      </p>
    </div>
  );
}
