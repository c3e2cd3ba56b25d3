// Which analysis's summary the Explorer shows (the newest ready clusters analysis first),
// the summary itself (GraphQL, fetched again when an analysis of the space changes), the
// analysis column its entries select by (loaded on demand), and the cluster centres the
// map's labels sit at.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from 'urql';
import { AnalysisSummariesQuery } from '../../api/analyses';
import type { PointTable } from '../../points/types';
import { ANALYSIS, type AnalysisInfo } from '../columns';
import { type Centre, clusterCentres } from './rows';
import { parseSummary, SUMMARY_COLUMN, type Summary } from './summaries';

export interface SummaryChoice {
  id: string;
  kind: string;
  datasets: string[] | null;
  reference: string[] | null;
}

export interface AnalysisSummaryState {
  /** Ready analyses with a summary, newest first. */
  choices: SummaryChoice[];
  chosen: SummaryChoice | null;
  choose(id: string): void;
  summary: Summary | null;
  /** The analysis column its entries select by (`analysis.<id>.<column>`), if any. */
  column: string | null;
  /** That column is in the table (entries can select their rows). */
  columnLoaded: boolean;
  /** Cluster centres (clusters only, once the column is loaded). */
  centres: Map<number, Centre>;
  labelsShown: boolean;
  showLabels(on: boolean): void;
  fetching: boolean;
  error: string | null;
}

/** The analysis shown first: the newest ready clusters analysis, else the newest one. */
export function defaultChoice<T extends SummaryChoice>(choices: readonly T[]): T | null {
  return choices.find((c) => c.kind === 'clusters') ?? choices[0] ?? null;
}

export function useAnalysisSummary(
  projection: string,
  analyses: readonly AnalysisInfo[],
  table: PointTable,
  loading: boolean,
  ensureColumns: (names: readonly string[]) => void,
): AnalysisSummaryState {
  // A new or recomputed analysis changes this key: the summaries are fetched again.
  const key = analyses.map((a) => `${a.id}:${a.state}`).join(',');
  // Alongside the points, not after them: the cluster labels need the summary in time for
  // the first frame (their column is asked for with the points: ExplorerPage).
  const [result, refetch] = useQuery({ query: AnalysisSummariesQuery, variables: { projection } });
  const fetchedFor = useRef(key);
  useEffect(() => {
    if (fetchedFor.current === key) return;
    fetchedFor.current = key;
    refetch({ requestPolicy: 'network-only' });
  }, [key, refetch]);

  const rows = result.data?.projection?.space?.analyses;
  const choices = useMemo(
    () =>
      (rows ?? [])
        .filter((a) => a.state === 'READY' && a.summary)
        .map((a) => ({
          id: a.id,
          kind: a.kind,
          datasets: a.datasets?.map((d) => d.name) ?? null,
          reference: a.referenceDatasets?.map((d) => d.name) ?? null,
          summary: a.summary as unknown,
        }))
        .reverse(),
    [rows],
  );
  const [picked, setPicked] = useState<string | null>(null);
  const [labelsShown, showLabels] = useState(true);
  const chosenRow = choices.find((c) => c.id === picked) ?? defaultChoice(choices);
  const summary = useMemo(
    () => (chosenRow ? parseSummary(chosenRow.kind, chosenRow.summary) : null),
    [chosenRow],
  );
  const base = chosenRow ? SUMMARY_COLUMN[chosenRow.kind] : undefined;
  const column = chosenRow && base ? `${ANALYSIS}${chosenRow.id}.${base}` : null;
  const columnLoaded = column !== null && table.columns.has(column);

  useEffect(() => {
    if (!loading && column && !columnLoaded) ensureColumns([column]);
  }, [loading, column, columnLoaded, ensureColumns]);

  const clusterColumn =
    summary?.kind === 'clusters' && column ? table.columns.get(column) : undefined;
  const { nx, ny } = table;
  // Recomputed when the column or the coordinates change, not on every new table (tags).
  const centres = useMemo(
    () =>
      clusterColumn?.kind === 'number'
        ? clusterCentres(clusterColumn.values, nx, ny)
        : new Map<number, Centre>(),
    [clusterColumn, nx, ny],
  );

  const chosen = chosenRow
    ? {
        id: chosenRow.id,
        kind: chosenRow.kind,
        datasets: chosenRow.datasets,
        reference: chosenRow.reference,
      }
    : null;
  return {
    choices: choices.map(({ summary: _, ...c }) => c),
    chosen,
    choose: setPicked,
    summary,
    column,
    columnLoaded,
    centres,
    labelsShown,
    showLabels,
    fetching: result.fetching,
    error: result.error ? result.error.message : null,
  };
}
