// One table for every kind of computed result (maps, analyses, comparisons next): each row
// is a result with the lifecycle they all share (its state, the live progress of the job
// computing it, why it failed, when it was computed); a kind adds its own columns. A new
// kind is one more use of this table, not another copy of it.
import type { ReactNode } from 'react';
import type { ComputedFieldsFragment } from '../gql/graphql';
import { Badge, Progress } from '../kit';
import { formatAgo } from '../lib/format';
import { type JobState, useLiveJob } from './liveJobs';
import { isActive, stateLabel, stateTone } from './states';

/**
 * The fields every computed result has: the `ComputedFields` fragment on the schema's
 * `Computed` interface (api/projects.ts), which each kind's query spreads. `state` is READY
 * (also while computed again), QUEUED, COMPUTING, FAILED or CANCELLED; `job` is its latest
 * computation.
 */
export type ComputedResult = ComputedFieldsFragment;

export interface ComputedColumn<T> {
  header: string;
  /** Figures: right-aligned, tabular digits. */
  numeric?: boolean;
  cell: (row: T) => ReactNode;
}

export interface ComputedTableProps<T extends ComputedResult> {
  rows: readonly T[];
  /** The first column: what each result is (its kind or algorithm, its id). */
  name: ComputedColumn<T>;
  /** The kind's own columns, between the state and when it was computed. */
  columns?: readonly ComputedColumn<T>[];
  /** A last, unlabelled column of actions (e.g. "Explore"). */
  actions?: (row: T) => ReactNode;
  /** Shown instead of the table while there is no result. */
  empty: ReactNode;
  'data-testid'?: string;
  rowTestId?: (row: T) => string;
}

export function ComputedTable<T extends ComputedResult>({
  rows,
  name,
  columns = [],
  actions,
  empty,
  rowTestId,
  'data-testid': testId,
}: ComputedTableProps<T>) {
  if (rows.length === 0) return <p className="faint">{empty}</p>;
  const headClass = (column: ComputedColumn<T>) => (column.numeric ? 'p-num' : undefined);
  const cellClass = (column: ComputedColumn<T>) => (column.numeric ? 'p-num num' : undefined);
  return (
    <table className="p-table p-table--compact" data-testid={testId}>
      <thead>
        <tr>
          <th className={headClass(name)}>{name.header}</th>
          <th>State</th>
          {columns.map((column) => (
            <th key={column.header} className={headClass(column)}>
              {column.header}
            </th>
          ))}
          <th>Computed</th>
          {actions && <th />}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.id} data-testid={rowTestId?.(row)}>
            <td className={cellClass(name)}>{name.cell(row)}</td>
            <td>
              <Badge tone={stateTone(row.state)}>{stateLabel(row.state)}</Badge>
              <JobProgress job={row.job} />
              {row.state === 'FAILED' && row.error && <p className="p-job__error">{row.error}</p>}
            </td>
            {columns.map((column) => (
              <td key={column.header} className={cellClass(column)}>
                {column.cell(row)}
              </td>
            ))}
            <td className="faint">{formatAgo(row.computedAt)}</td>
            {actions && <td className="p-num">{actions(row)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A running job's progress under the state it will change (live from the polled jobs). */
function JobProgress({ job }: { job: JobState | null }) {
  const live = useLiveJob(job);
  if (!live || !isActive(live.state)) return null;
  return (
    <Progress
      value={live.state === 'QUEUED' ? null : live.progress}
      label={live.message ?? (live.state === 'QUEUED' ? 'queued' : undefined)}
    />
  );
}
