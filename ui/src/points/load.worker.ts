// The points loader off the main thread: download (with progress), decode the Arrow stream
// into typed arrays and derive columns, then hand the buffers over without a copy. The
// page stays responsive while a million points arrive.

import { decodePoints } from './decode';
import { addDerivedColumns } from './derived';
import { fetchBytes, HttpError, NetworkError } from './fetchBytes';
import { type LoadMessage, type LoadRequest, transferables } from './protocol';
import { withSpatialIndex } from './spatialIndex';

interface WorkerScope {
  onmessage: ((event: MessageEvent<LoadRequest>) => void) | null;
  postMessage(message: LoadMessage, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;

scope.onmessage = async (event) => {
  const started = performance.now();
  let bytes: Uint8Array;
  try {
    bytes =
      event.data.bytes ??
      (await fetchBytes(event.data.url ?? '', (progress) =>
        scope.postMessage({ type: 'progress', progress }),
      ));
  } catch (error) {
    if (error instanceof HttpError) {
      scope.postMessage({
        type: 'error',
        kind: 'http',
        message: error.message,
        status: error.status,
      });
    } else {
      const message = error instanceof NetworkError ? error.message : String(error);
      scope.postMessage({ type: 'error', kind: 'network', message });
    }
    return;
  }
  const downloaded = performance.now();
  if (!event.data.bytes) scope.postMessage({ type: 'decoding' });
  try {
    const decoded = addDerivedColumns(decodePoints(bytes));
    const table = event.data.spatialIndex ? withSpatialIndex(decoded) : decoded;
    const stats = {
      bytes: bytes.length,
      downloadMs: downloaded - started,
      decodeMs: performance.now() - downloaded,
    };
    scope.postMessage({ type: 'done', table, stats }, transferables(table));
  } catch (error) {
    scope.postMessage({ type: 'error', kind: 'decode', message: (error as Error).message });
  }
};
