// URLs of a datapoint's media (served by the bulk API). A thumbnail may be missing on
// older servers, and a datapoint may have no image: the components fall back gracefully.
export const imageUrl = (id: string | number): string =>
  `/api/v1/datapoints/${encodeURIComponent(String(id))}/image`;

export const thumbnailUrl = (id: string | number): string =>
  `/api/v1/datapoints/${encodeURIComponent(String(id))}/thumbnail`;

/** A URI a browser can show by itself (http(s) or data:), else null. */
export function displayableUri(uri: string | null | undefined): string | null {
  if (!uri) return null;
  return /^(https?:|data:image\/)/i.test(uri) ? uri : null;
}
