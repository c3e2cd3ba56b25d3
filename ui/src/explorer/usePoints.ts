// Loads a projection's points (GET /api/v1/points, Arrow) once per projection and column
// set, with download progress; extra columns (analysis scores, metadata) load on demand
// and merge in (asked for before the points are in, they merge in before the table is
// first shown: the cluster labels' column comes with the first frame). The table is never
// changed in place: every change is a new table sharing the untouched arrays
// (points/table.ts), so its identity is the change signal.
import { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
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

/** One download: a new projection, column set, retry or load generation starts another. */
interface Request {
  projection: string;
  columns: readonly string[];
  attempt: number;
  generation: number;
}

/** Columns asked for while the points were still loading, to merge in once they are. */
interface EarlyColumns {
  names: readonly string[];
  table: PointTable;
}

interface LoadState extends PointsState {
  /** The download this state belongs to (any other one: it is stale). */
  request: Request | null;
  early: readonly EarlyColumns[];
}

const idle: LoadState = { ...initial, request: null, early: [] };

/**
 * `columns`: the columns of the first download, fixed per projection (another array
 * reloads every point: keep its identity). `generation`: bumped when the map was computed
 * again (useLiveMap.ts): the points load again, and the old table is gone from that render.
 */
export function usePoints(
  projection: string | null,
  columns: readonly string[] | null,
  generation = 0,
): Points {
  const [state, setState] = useState<LoadState>(idle);
  const [attempt, setAttempt] = useState(0);
  const [unavailable, setUnavailable] = useState<ReadonlyMap<string, string>>(new Map());
  const request = useMemo(
    () => (projection && columns ? { projection, columns, attempt, generation } : null),
    [projection, columns, attempt, generation],
  );

  // A layout effect: the download starts as soon as the render that asks for it commits,
  // before the effects of the components it mounts (the map creates its WebGL context).
  useLayoutEffect(() => {
    if (!request) return;
    const controller = new AbortController();
    const fetchStartedAt = markPhase('points-fetch-start');
    setState({
      ...idle,
      status: 'loading',
      fetchStartedAt,
      loadedFor: request.projection,
      request,
    });
    const mine = (s: LoadState) => s.request === request;
    loadPoints(
      pointsUrl(request.projection, request.columns),
      {
        onProgress: (progress) =>
          setState((s) => (mine(s) && s.status === 'loading' ? { ...s, progress } : s)),
        onDecoding: () => setState((s) => (mine(s) ? { ...s, status: 'decoding' } : s)),
      },
      controller.signal,
    ).then(
      ({ table, stats }) =>
        setState((s) =>
          mine(s)
            ? { ...s, status: 'ready', table: withEarlyColumns(table, s.early), stats, error: null }
            : s,
        ),
      (error: Error) => {
        if (controller.signal.aborted) return;
        const network = error instanceof NetworkError;
        if (network) markDown(error.message);
        setState((s) =>
          mine(s) ? { ...s, status: 'error', error: { message: error.message, network } } : s,
        );
      },
    );
    return () => controller.abort();
  }, [request]);

  const retry = useCallback(() => setAttempt((a) => a + 1), []);
  useReconnect(() => {
    if (state.status === 'error' && state.error?.network) retry();
  });

  // Until the effect above has reset the state, the previous download's table is stale
  // (another projection's, or a computing map's empty one): this render already shows none.
  const current: LoadState =
    state.request === request ? state : { ...idle, status: 'loading', request };
  // ensureColumns runs from effects, after this render: it reads the latest one's.
  const latest = useRef({ request, table: current.table });
  latest.current = { request, table: current.table };

  // Columns on their way, per download (a new download asks again for what it lacks).
  const inflight = useRef<{ request: Request | null; names: Set<string> }>({
    request: null,
    names: new Set(),
  });
  const [pending, setPending] = useState<readonly string[]>([]);
  // A new download gives a new function, so effects that ask for columns ask again.
  // biome-ignore lint/correctness/useExhaustiveDependencies: request is read through `latest`
  const ensureColumns = useCallback(
    (names: readonly string[]) => {
      const { request: asked, table } = latest.current;
      if (!asked) return;
      if (inflight.current.request !== asked)
        inflight.current = { request: asked, names: new Set() };
      const going = inflight.current;
      // Before the points are in, the download's own columns are on their way already.
      const has = (n: string) => (table ? table.columns.has(n) : asked.columns.includes(n));
      const missing = names.filter(
        (n) => n && !has(n) && !going.names.has(n) && !unavailable.has(n),
      );
      if (missing.length === 0) return;
      for (const name of missing) going.names.add(name);
      setPending([...going.names]);
      const done = () => {
        for (const name of missing) going.names.delete(name);
        if (inflight.current === going) setPending([...going.names]);
      };
      loadPoints(
        pointsUrl(asked.projection, missing),
        { onProgress() {}, onDecoding() {} },
        new AbortController().signal,
        { spatialIndex: false },
      ).then(
        ({ table: extra }) => {
          // Into the table as it is now (it may have been tagged meanwhile), or kept until
          // the points are in; dropped if they were loaded again since.
          setState((s) => {
            if (s.request !== asked) return s;
            if (!s.table) return { ...s, early: [...s.early, { names: missing, table: extra }] };
            return { ...s, table: withMergedColumns(s.table, extra, missing) };
          });
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
    [request, unavailable],
  );

  const updateTable = useCallback(
    (change: (table: PointTable) => PointTable) =>
      setState((s) => (s.table ? { ...s, table: change(s.table) } : s)),
    [],
  );
  const dismissError = useCallback(() => setState((s) => ({ ...s, error: null })), []);
  const { request: _, early: __, ...shown } = current;
  return { ...shown, pending, unavailable, retry, ensureColumns, updateTable, dismissError };
}

/** The points with the columns that came in before them. */
export function withEarlyColumns(table: PointTable, early: readonly EarlyColumns[]): PointTable {
  return early.reduce(
    (merged, { names, table: extra }) => withMergedColumns(merged, extra, names),
    table,
  );
}
