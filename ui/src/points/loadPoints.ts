// The main thread's side of loading a map's points: runs load.worker.ts, or the same code
// inline where workers are unavailable (tests, very old browsers).
import { addDerivedColumns } from './derived';
import { type DownloadProgress, fetchBytes, HttpError, NetworkError } from './fetchBytes';
import type { LoadMessage, LoadRequest, LoadStats } from './protocol';
import { withSpatialIndex } from './spatialIndex';
import type { PointTable } from './types';

export interface LoadEvents {
  onProgress(progress: DownloadProgress): void;
  onDecoding(): void;
}

export interface LoadedPoints {
  table: PointTable;
  stats: LoadStats;
}

/** The URL of a projection's points with the given extra columns. */
export function pointsUrl(projection: string, columns: readonly string[]): string {
  const params = new URLSearchParams({ projection });
  for (const column of columns) params.append('column', column);
  return `/api/v1/points?${params.toString()}`;
}

export function loadPoints(
  url: string,
  events: LoadEvents,
  signal: AbortSignal,
  { spatialIndex = true }: { spatialIndex?: boolean } = {},
): Promise<LoadedPoints> {
  if (typeof Worker === 'undefined') return loadInline(url, events, signal, spatialIndex);
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./load.worker.ts', import.meta.url), { type: 'module' });
    } catch {
      loadInline(url, events, signal, spatialIndex).then(resolve, reject);
      return;
    }
    const stop = () => {
      worker.terminate();
      reject(new DOMException('aborted', 'AbortError'));
    };
    signal.addEventListener('abort', stop, { once: true });
    worker.onmessage = (event: MessageEvent<LoadMessage>) => {
      const message = event.data;
      if (message.type === 'progress') events.onProgress(message.progress);
      else if (message.type === 'decoding') events.onDecoding();
      else {
        signal.removeEventListener('abort', stop);
        worker.terminate();
        if (message.type === 'done') resolve({ table: message.table, stats: message.stats });
        else if (message.kind === 'network') reject(new NetworkError(message.message));
        else if (message.kind === 'http')
          reject(new HttpError(message.status ?? 500, message.message));
        else reject(new Error(message.message));
      }
    };
    worker.onerror = (event) => {
      // A worker that cannot start (e.g. a blocked module script): fall back to inline.
      event.preventDefault();
      signal.removeEventListener('abort', stop);
      worker.terminate();
      loadInline(url, events, signal, spatialIndex).then(resolve, reject);
    };
    const request: LoadRequest = { url: new URL(url, window.location.href).href, spatialIndex };
    worker.postMessage(request);
  });
}

async function loadInline(
  url: string,
  events: LoadEvents,
  signal: AbortSignal,
  spatialIndex: boolean,
): Promise<LoadedPoints> {
  // The Arrow decoder loads only here: normally it lives in the worker's bundle.
  const { decodePoints } = await import('./decode');
  const started = performance.now();
  const bytes = await fetchBytes(url, events.onProgress, signal);
  const downloaded = performance.now();
  events.onDecoding();
  const decoded = addDerivedColumns(decodePoints(bytes));
  const table = spatialIndex ? withSpatialIndex(decoded) : decoded;
  return {
    table,
    stats: {
      bytes: bytes.length,
      downloadMs: downloaded - started,
      decodeMs: performance.now() - downloaded,
    },
  };
}
