// The Explorer's summary of one analysis (sidebar): clusters with their descriptions,
// drift between two datasets signed (grown and shrunk clusters listed apart), the share of
// out-of-distribution rows per dataset, duplicate groups and leakage between datasets.
// Every entry is a button that makes its rows the selection.
import type { ReactNode } from 'react';
import { Checkbox, Panel, Select, Spinner } from '../../kit';
import { formatCount } from '../../lib/format';
import type { IdLookup } from '../../points/lookup';
import type { PointTable } from '../../points/types';
import { kindLabel } from '../../projects/analysisKinds';
import type { Selection } from '../../state/selection';
import { flaggedRowsOf, leakingRows, rowsOfIds, rowsWithValue } from './rows';
import { type DriftEntry, describeCluster, signedPoints } from './summaries';
import type { AnalysisSummaryState } from './useAnalysisSummary';
import './summary.css';

export interface SummaryPanelProps {
  state: AnalysisSummaryState;
  table: PointTable;
  lookup: IdLookup;
  onSelect: (rows: Selection) => void;
}

const percent = (share: number | null) =>
  share === null ? '—' : `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;

export function SummaryPanel({ state, table, lookup, onSelect }: SummaryPanelProps) {
  const { choices, chosen, summary, column, columnLoaded } = state;
  if (choices.length === 0) return null;
  const ready = column === null || columnLoaded;

  const entry = (
    key: string,
    testId: string,
    select: () => Selection,
    children: ReactNode,
    title?: string,
  ) => (
    <li key={key}>
      <button
        type="button"
        className="x-summary__entry"
        disabled={!ready}
        title={title ?? 'Select these rows'}
        onClick={() => onSelect(select())}
        data-testid={testId}
      >
        {children}
      </button>
    </li>
  );

  let body: ReactNode = null;
  if (summary?.kind === 'clusters' && column) {
    body = (
      <>
        <p className="x-summary__facts faint">
          {summary.clusters.length} clusters · {formatCount(summary.noise)} noise
          {summary.notOnMap > 0 ? ` · ${formatCount(summary.notOnMap)} not on its map` : ''}
        </p>
        <Checkbox
          checked={state.labelsShown}
          onChange={state.showLabels}
          data-testid="summary-labels-toggle"
        >
          labels on the map
        </Checkbox>
        <ul className="x-summary__list" data-testid="summary-clusters">
          {summary.clusters.map((c) =>
            entry(
              String(c.cluster),
              `summary-cluster-${c.cluster}`,
              () => rowsWithValue(table, column, c.cluster),
              <>
                <span className="x-summary__name">#{c.cluster}</span>
                <span className="x-summary__what">{describeCluster(c)}</span>
                <span className="x-summary__num">
                  {formatCount(c.size)}
                  {c.labelled > 0 && c.labelled < c.size && (
                    <span className="faint" title="rows with a label the description rests on">
                      {' '}
                      ({formatCount(c.labelled)} labelled)
                    </span>
                  )}
                </span>
                {c.errorRate !== null && (
                  <span className="x-summary__sub faint">errors {percent(c.errorRate)}</span>
                )}
              </>,
              `${describeCluster(c)}: select these rows`,
            ),
          )}
        </ul>
        {summary.drift && (
          <>
            <h4 className="x-summary__head">
              Drift: {summary.drift.baseline} → {summary.drift.current}
            </h4>
            <div data-testid="summary-drift">
              {(
                [
                  ['grew', 'Grew', (d: DriftEntry) => d.difference > 0],
                  ['shrank', 'Shrank', (d: DriftEntry) => d.difference < 0],
                ] as const
              ).map(([side, title, onSide]) => {
                const entries = summary.drift?.clusters.filter(onSide) ?? [];
                if (entries.length === 0) return null;
                return (
                  <div key={side}>
                    <h5 className="x-summary__side faint">
                      {title} in {summary.drift?.current}
                    </h5>
                    <ul className="x-summary__list" data-testid={`summary-drift-${side}`}>
                      {entries.map((d) =>
                        entry(
                          String(d.cluster),
                          `summary-drift-${d.cluster}`,
                          () => rowsWithValue(table, column, d.cluster),
                          <>
                            <span className="x-summary__name">#{d.cluster}</span>
                            <span
                              className={`x-summary__what x-summary__sign--${side === 'grew' ? 'up' : 'down'}`}
                              data-difference={d.difference}
                              data-direction={d.direction}
                            >
                              {signedPoints(d.difference)}{' '}
                              <span className="faint">{d.direction}</span>
                            </span>
                            <span className="x-summary__num faint">
                              {percent(d.baselineShare)} → {percent(d.currentShare)}
                            </span>
                          </>,
                        ),
                      )}
                    </ul>
                  </div>
                );
              })}
            </div>
          </>
        )}
      </>
    );
  } else if (summary?.kind === 'outliers' && column) {
    body = (
      <>
        <p className="x-summary__facts faint">
          against {summary.reference.join(', ') || 'the reference'}
          {summary.method ? ` · ${summary.method} score` : ''}
          {summary.threshold !== null ? ` · threshold ${summary.threshold.toPrecision(3)}` : ''}
        </p>
        <ul className="x-summary__list" data-testid="summary-ood">
          {summary.ood.map((o) =>
            entry(
              o.dataset,
              `summary-ood-${o.dataset}`,
              () => flaggedRowsOf(table, column, o.dataset),
              <>
                <span className="x-summary__name">{o.dataset}</span>
                <span className="x-summary__what" data-fraction={o.fraction ?? ''}>
                  {percent(o.fraction)} out of distribution
                </span>
                <span className="x-summary__num faint">
                  {formatCount(o.outside)} / {formatCount(o.rows)}
                </span>
              </>,
              'Select its out-of-distribution rows',
            ),
          )}
        </ul>
      </>
    );
  } else if (summary?.kind === 'duplicates' && column) {
    body = (
      <>
        <p className="x-summary__facts faint">
          {formatCount(summary.groups)} groups · {formatCount(summary.rows)} rows
          {summary.threshold !== null ? ` · threshold ${summary.threshold.toPrecision(3)}` : ''}
        </p>
        <h4 className="x-summary__head">Leakage between datasets</h4>
        {summary.pairs.length === 0 ? (
          <p className="x-summary__facts faint" data-testid="summary-no-leakage">
            no group spans two datasets
          </p>
        ) : (
          <ul className="x-summary__list" data-testid="summary-leakage">
            {summary.pairs.map((p) =>
              entry(
                p.datasets.join('|'),
                `summary-leak-${p.datasets[0]}-${p.datasets[1]}`,
                () => leakingRows(table, column, p.datasets[0], p.datasets[1]),
                <>
                  <span className="x-summary__what">
                    {p.datasets[0]} ↔ {p.datasets[1]}
                  </span>
                  <span className="x-summary__num">
                    {formatCount(p.groups)} groups · {formatCount(p.rows)} rows
                  </span>
                </>,
              ),
            )}
          </ul>
        )}
        <h4 className="x-summary__head">Largest groups</h4>
        <ul className="x-summary__list" data-testid="summary-duplicates">
          {summary.largest.map((ids, i) =>
            entry(
              String(i),
              `summary-group-${i}`,
              () => rowsOfIds(ids, lookup),
              <>
                <span className="x-summary__name">group {i + 1}</span>
                <span className="x-summary__num">{formatCount(ids.length)} rows</span>
              </>,
            ),
          )}
        </ul>
      </>
    );
  } else if (summary?.kind === 'other') {
    body = (
      <>
        <dl className="x-summary__dl">
          {summary.facts.map(([k, v]) => (
            <div key={k}>
              <dt className="faint">{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
        {summary.picked.length > 0 && (
          <ul className="x-summary__list">
            {entry(
              'picked',
              'summary-picked',
              () => rowsOfIds(summary.picked, lookup),
              <>
                <span className="x-summary__what">the picked rows</span>
                <span className="x-summary__num">{formatCount(summary.picked.length)}</span>
              </>,
            )}
          </ul>
        )}
      </>
    );
  }

  return (
    <Panel title="Analysis summary" collapsible data-testid="summary-panel">
      <div className="x-summary" data-analysis={chosen?.id ?? ''} data-kind={chosen?.kind ?? ''}>
        <Select
          size="sm"
          value={chosen?.id ?? ''}
          onChange={state.choose}
          options={choices.map((c) => ({
            value: c.id,
            label: `${kindLabel(c.kind)} #${c.id}${c.datasets ? ` · ${c.datasets.join(', ')}` : ''}`,
          }))}
          label="Analysis to summarise"
          data-testid="summary-select"
        />
        {!ready && (
          <p className="x-summary__facts faint">
            <Spinner label="Loading its column" /> loading its rows…
          </p>
        )}
        {state.error && <p className="x-summary__facts">{state.error}</p>}
        {body}
      </div>
    </Panel>
  );
}
