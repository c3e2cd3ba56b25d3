// Messages between the Explorer and the loader worker (load.worker.ts).
import type { DownloadProgress } from './fetchBytes';
import type { PointTable } from './types';

export interface LoadRequest {
  /** The downloaded body (the page fetches it while this worker's script loads)... */
  bytes?: Uint8Array;
  /** ...or the URL to download here. */
  url?: string;
  /** Build the map's spatial index too (not for extra columns merged into a table). */
  spatialIndex: boolean;
}

export interface LoadStats {
  bytes: number;
  /** performance.now() in the worker's clock is not the page's: durations only. */
  downloadMs: number;
  decodeMs: number;
}

export type LoadMessage =
  | { type: 'progress'; progress: DownloadProgress }
  | { type: 'decoding' }
  | { type: 'done'; table: PointTable; stats: LoadStats }
  | { type: 'error'; kind: 'network' | 'http' | 'decode'; message: string; status?: number };

/** Every buffer of a table, to move it across threads instead of copying it. */
export function transferables(table: PointTable): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (array: ArrayBufferView) => buffers.add(array.buffer as ArrayBuffer);
  for (const array of [table.ids, table.x, table.y, table.nx, table.ny, table.placed]) add(array);
  for (const column of table.columns.values()) {
    if (column.kind === 'category') add(column.codes);
    else if (column.kind === 'number') add(column.values);
    else for (const bits of column.members) add(bits);
  }
  if (table.spatialIndex) buffers.add(table.spatialIndex);
  return [...buffers];
}
