// Loads a projection's points (GET /api/v1/points, Arrow) once per projection and column
// set, with download progress; extra columns (analysis scores, metadata) load on demand
// and merge in. The table is never changed in place: every change is a new table sharing
// the untouched arrays (points/table.ts), so its identity is the change signal.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { markDown, useReconnect } from '../api/serverStatus';
import { markPhase } from '../lib/instrumentation';
import { type DownloadProgress, HttpError, NetworkError } from '../points/fetchBytes';
import { loadPoints, pointsUrl } from '../points/loadPoints';
import type { LoadStats } from '../points/protocol';
import { withMergedColumns } from '../points/table';
import type { PointTable } from '../points/types';

export interface PointsState {
  status: 'idle' | 'loading' | 'decoding' | 'ready' | 'error';
  progress: DownloadProgress | null;
  table: PointTable | null;
  error: { message: string; network: boolean } | null;
  stats: LoadStats | null;
  /** performance.now() when the download started (for the load benchmark). */
  fetchStartedAt: number | null;
  /** The projection this state belongs to (a new one resets it). */
  loadedFor: string | null;
}

const initial: PointsState = {
  status: 'idle',
  progress: null,
  table: null,
  error: null,
  stats: null,
  fetchStartedAt: null,
  loadedFor: null,
};

export interface Points extends PointsState {
  /** Columns being fetched on demand. */
  pending: readonly string[];
  /** Columns the server refused (e.g. an analysis column of lists), with why. */
  unavailable: ReadonlyMap<string, string>;
  retry(): void;
  ensureColumns(names: readonly string[]): void;
  /** Replace the table by a changed copy (e.g. `withTag`); a no-op until it has loaded. */
  updateTable(change: (table: PointTable) => PointTable): void;
  /** Forget a non-fatal error (a column that did not load). */
  dismissError(): void;
}

/**
 * `columns`: the columns of the first download, fixed per projection (another array
 * reloads every point: keep its identity).
 */
export function usePoints(projection: string | null, columns: readonly string[] | null): Points {
  const [state, setState] = useState<PointsState>(initial);
  const [attempt, setAttempt] = useState(0);
  const [pending, setPending] = useState<readonly string[]>([]);
  const [unavailable, setUnavailable] = useState<ReadonlyMap<string, string>>(new Map());
  // One request per projection, column set and retry: a new one starts a new download.
  const request = useMemo(
    () => (projection && columns ? { projection, columns, attempt } : null),
    [projection, columns, attempt],
  );

  useEffect(() => {
    if (!request) return;
    const controller = new AbortController();
    const fetchStartedAt = markPhase('points-fetch-start');
    setState({ ...initial, status: 'loading', fetchStartedAt, loadedFor: request.projection });
    loadPoints(
      pointsUrl(request.projection, request.columns),
      {
        onProgress: (progress) =>
          setState((s) => (s.status === 'loading' ? { ...s, progress } : s)),
        onDecoding: () => setState((s) => ({ ...s, status: 'decoding' })),
      },
      controller.signal,
    ).then(
      ({ table, stats }) => setState((s) => ({ ...s, status: 'ready', table, stats, error: null })),
      (error: Error) => {
        if (controller.signal.aborted) return;
        const network = error instanceof NetworkError;
        if (network) markDown(error.message);
        setState((s) => ({ ...s, status: 'error', error: { message: error.message, network } }));
      },
    );
    return () => controller.abort();
  }, [request]);

  const retry = useCallback(() => setAttempt((a) => a + 1), []);
  useReconnect(() => {
    if (state.status === 'error' && state.error?.network) retry();
  });

  // Until the effect above has reset the state, a previous projection's table is stale.
  const current =
    state.loadedFor === projection ? state : { ...initial, status: 'loading' as const };
  // ensureColumns runs from effects, after this render: it reads the table of the latest one.
  const latestTable = useRef<PointTable | null>(null);
  latestTable.current = current.table;

  const inflight = useRef(new Set<string>());
  const ensureColumns = useCallback(
    (names: readonly string[]) => {
      const table = latestTable.current;
      if (!projection || !table) return;
      const missing = names.filter(
        (n) => n && !table.columns.has(n) && !inflight.current.has(n) && !unavailable.has(n),
      );
      if (missing.length === 0) return;
      for (const name of missing) inflight.current.add(name);
      setPending([...inflight.current]);
      const done = () => {
        for (const name of missing) inflight.current.delete(name);
        setPending([...inflight.current]);
      };
      loadPoints(
        pointsUrl(projection, missing),
        { onProgress() {}, onDecoding() {} },
        new AbortController().signal,
        { spatialIndex: false },
      ).then(
        ({ table: extra }) => {
          // Into the table as it is now (it may have been tagged meanwhile), unless the
          // points were loaded again since (tables of one load share their ids).
          setState((s) =>
            s.table?.ids === table.ids
              ? { ...s, table: withMergedColumns(s.table, extra, missing) }
              : s,
          );
          done();
        },
        (error: Error) => {
          done();
          // One request per choice, so a refusal names exactly these columns.
          if (error instanceof HttpError && error.status < 500) {
            setUnavailable(
              (known) => new Map([...known, ...missing.map((m) => [m, error.message] as const)]),
            );
          }
          setState((s) => ({
            ...s,
            error: {
              message: `Loading ${missing.join(', ')} failed: ${error.message}`,
              network: false,
            },
          }));
        },
      );
    },
    [projection, unavailable],
  );

  const updateTable = useCallback(
    (change: (table: PointTable) => PointTable) =>
      setState((s) => (s.table ? { ...s, table: change(s.table) } : s)),
    [],
  );
  const dismissError = useCallback(() => setState((s) => ({ ...s, error: null })), []);
  return { ...current, pending, unavailable, retry, ensureColumns, updateTable, dismissError };
}
