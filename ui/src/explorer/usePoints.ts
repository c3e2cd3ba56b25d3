// Loads a projection's points (GET /api/v1/points, Arrow) once per projection and column
// set, with download progress; extra columns (analysis scores) load on demand and merge in.
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { markDown, useReconnect } from '../api/serverStatus';
import { type DownloadProgress, HttpError, NetworkError } from '../points/fetchBytes';
import { loadPoints, pointsUrl } from '../points/loadPoints';
import { mergeColumns } from '../points/lookup';
import type { LoadStats } from '../points/protocol';
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
  /** Bumped whenever the table changes in place (tags, merged columns). */
  version: number;
  /** Columns being fetched on demand. */
  pending: readonly string[];
  /** Columns the server refused (e.g. an analysis column of lists), with why. */
  unavailable: ReadonlyMap<string, string>;
  retry(): void;
  ensureColumns(names: readonly string[]): void;
  /** Tell dependants that the table changed in place. */
  touch(): void;
  /** Forget a non-fatal error (a column that did not load). */
  dismissError(): void;
}

export function usePoints(projection: string | null, columns: readonly string[] | null): Points {
  const [state, setState] = useState<PointsState>(initial);
  const [attempt, setAttempt] = useState(0);
  const [version, touch] = useReducer((v: number) => v + 1, 0);
  const [pending, setPending] = useState<readonly string[]>([]);
  const [unavailable, setUnavailable] = useState<ReadonlyMap<string, string>>(new Map());
  const key = columns ? columns.join('\u0000') : null;
  const tableRef = useRef<PointTable | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt forces a reload (retry)
  useEffect(() => {
    if (!projection || key === null) return;
    const controller = new AbortController();
    const wanted = key ? key.split('\u0000') : [];
    const fetchStartedAt = performance.now();
    performance.mark('chroma:points-fetch-start');
    setState({ ...initial, status: 'loading', fetchStartedAt, loadedFor: projection });
    tableRef.current = null;
    loadPoints(
      pointsUrl(projection, wanted),
      {
        onProgress: (progress) =>
          setState((s) => (s.status === 'loading' ? { ...s, progress } : s)),
        onDecoding: () => setState((s) => ({ ...s, status: 'decoding' })),
      },
      controller.signal,
    ).then(
      ({ table, stats }) => {
        tableRef.current = table;
        setState((s) => ({ ...s, status: 'ready', table, stats, error: null }));
      },
      (error: Error) => {
        if (controller.signal.aborted) return;
        const network = error instanceof NetworkError;
        if (network) markDown(error.message);
        setState((s) => ({ ...s, status: 'error', error: { message: error.message, network } }));
      },
    );
    return () => controller.abort();
  }, [projection, key, attempt]);

  const retry = useCallback(() => setAttempt((a) => a + 1), []);
  useReconnect(() => {
    if (state.status === 'error' && state.error?.network) retry();
  });

  const inflight = useRef(new Set<string>());
  const ensureColumns = useCallback(
    (names: readonly string[]) => {
      const table = tableRef.current;
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
          if (tableRef.current === table) {
            mergeColumns(table, extra, missing);
            touch();
          }
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

  // Until the effect above has reset the state, a previous projection's table is stale.
  const current =
    state.loadedFor === projection ? state : { ...initial, status: 'loading' as const };
  const dismissError = useCallback(() => setState((s) => ({ ...s, error: null })), []);
  return { ...current, version, pending, unavailable, retry, ensureColumns, touch, dismissError };
}
