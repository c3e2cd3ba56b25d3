// Parquet (and server-side CSV / JSON) exports: POST /api/v1/export answers the rows of a
// selection with every field the server has (key, uri, text, metadata), as a download.
import { errorFromResponse } from '../points/fetchBytes';
import { trackedFetch } from './serverStatus';

export type ExportFormat = 'csv' | 'json' | 'parquet';

export interface ExportRequest {
  project: string;
  space: string;
  datapointIds: number[];
  format: ExportFormat;
  projection?: number;
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
