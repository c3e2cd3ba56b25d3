// The main thread's side of loading a map's points: runs load.worker.ts, or the same code
// inline where workers are unavailable (tests, very old browsers).
import { markPhase } from '../lib/instrumentation';
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
  let worker: Worker;
  try {
    // The worker's script (the Arrow decoder) loads while the download runs here.
    worker = new Worker(new URL('./load.worker.ts', import.meta.url), { type: 'module' });
  } catch {
    return loadInline(url, events, signal, spatialIndex);
  }
  const started = performance.now();
  const download = fetchBytes(url, events.onProgress, signal);
  download.catch(() => worker.terminate());
  return new Promise((resolve, reject) => {
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
        if (message.type === 'done') {
          markPhase('points-decoded');
          resolve({ table: message.table, stats: { ...message.stats, downloadMs } });
        } else if (message.kind === 'network') reject(new NetworkError(message.message));
        else if (message.kind === 'http')
          reject(new HttpError(message.status ?? 500, message.message));
        else reject(new Error(message.message));
      }
    };
    let downloadMs = 0;
    let body: Uint8Array | null = null;
    worker.onerror = (event) => {
      // A worker that cannot start (e.g. a blocked module script): decode here instead.
      event.preventDefault();
      signal.removeEventListener('abort', stop);
      worker.terminate();
      download
        .then((bytes) => decodeInline(body ?? bytes, events, spatialIndex, downloadMs))
        .then(resolve, reject);
    };
    download.then(
      (bytes) => {
        downloadMs = performance.now() - started;
        markPhase('points-downloaded');
        body = bytes;
        events.onDecoding();
        const request: LoadRequest = { bytes, spatialIndex };
        worker.postMessage(request, [bytes.buffer as ArrayBuffer]);
      },
      (error: Error) => {
        signal.removeEventListener('abort', stop);
        reject(error);
      },
    );
  });
}

async function loadInline(
  url: string,
  events: LoadEvents,
  signal: AbortSignal,
  spatialIndex: boolean,
): Promise<LoadedPoints> {
  const started = performance.now();
  const bytes = await fetchBytes(url, events.onProgress, signal);
  const downloadMs = performance.now() - started;
  return decodeInline(bytes, events, spatialIndex, downloadMs);
}

async function decodeInline(
  bytes: Uint8Array,
  events: LoadEvents,
  spatialIndex: boolean,
  downloadMs: number,
): Promise<LoadedPoints> {
  // The Arrow decoder loads only here: normally it lives in the worker's bundle.
  const { decodePoints } = await import('./decode');
  const downloaded = performance.now();
  events.onDecoding();
  const decoded = addDerivedColumns(decodePoints(bytes));
  const table = spatialIndex ? withSpatialIndex(decoded) : decoded;
  return {
    table,
    stats: { bytes: bytes.length, downloadMs, decodeMs: performance.now() - downloaded },
  };
}
