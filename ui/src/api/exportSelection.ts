// Exports of a selection: POST /api/v1/export answers its rows with every field the server
// has (key, uri, text, metadata, correct, the label before corrections, the map's x, y and
// placed, and the loaded analysis columns), one table in CSV, JSON or Parquet alike.
import { errorFromResponse } from '../points/fetchBytes';
import { trackedFetch } from './serverStatus';

export type ExportFormat = 'csv' | 'json' | 'parquet';

export interface ExportRequest {
  project: string;
  space: string;
  datapointIds: number[];
  format: ExportFormat;
  projection?: number;
  /** Analysis columns to add (`analysis.<id>.<column>`): those the map has loaded. */
  columns?: string[];
}

export async function exportOnServer(
  request: ExportRequest,
): Promise<{ blob: Blob; filename: string }> {
  const response = await trackedFetch('/api/v1/export', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      project: request.project,
      space: request.space,
      datapoint_ids: request.datapointIds,
      format: request.format,
      projection: request.projection ?? null,
      columns: request.columns ?? [],
    }),
  });
  if (!response.ok) {
    const error = await errorFromResponse(response);
    if (response.status === 404 && error.code !== 'not_found') {
      throw new Error('This server has no export endpoint (POST /api/v1/export): update Chroma.');
    }
    throw error;
  }
  const disposition = response.headers.get('content-disposition') ?? '';
  const match = /filename="([^"]+)"/.exec(disposition);
  const filename = match?.[1] ?? `${request.project}-selection.${request.format}`;
  return { blob: await response.blob(), filename };
}
