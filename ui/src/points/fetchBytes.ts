// Download a whole response body into one Uint8Array while reporting progress: from
// Content-Length when the server sends one, else bytes so far (the bar is indeterminate).

export interface DownloadProgress {
  /** Bytes received so far. */
  loaded: number;
  /** Content-Length, when known. */
  total: number | null;
  /** Rows announced by the server (x-chroma-points), when known. */
  rows: number | null;
}

/** A response that was not OK, with the server's `{error: {code, message, where}}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The request never got an answer (server down, connection refused). */
export class NetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkError';
  }
}

export async function errorFromResponse(response: Response): Promise<HttpError> {
  let message = `${response.status} ${response.statusText}`.trim();
  let code: string | null = null;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.message) message = body.error.message;
    code = body.error?.code ?? null;
  } catch {
    // Not JSON (a proxy's page, an empty body): the status line says enough.
  }
  return new HttpError(response.status, message, code);
}

export async function fetchBytes(
  url: string,
  onProgress: (progress: DownloadProgress) => void,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, {
      signal,
      headers: { accept: 'application/vnd.apache.arrow.stream' },
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new NetworkError(`cannot reach the server (${(error as Error).message})`);
  }
  if (!response.ok) throw await errorFromResponse(response);
  const total = expectedBytes(response.headers);
  const announced = response.headers.get('x-chroma-points');
  const rows = announced !== null && Number.isFinite(Number(announced)) ? Number(announced) : null;
  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onProgress({ loaded: bytes.length, total, rows });
    return bytes;
  }
  const reader = response.body.getReader();
  // With a known size, write straight into one buffer; whatever does not fit (a wrong
  // header) is collected in chunks and joined once at the end.
  const whole = total !== null ? new Uint8Array(total) : null;
  let filled = 0;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  let reported = 0;
  onProgress({ loaded: 0, total, rows });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (whole && chunks.length === 0 && filled + value.length <= whole.length) {
      whole.set(value, filled);
      filled += value.length;
    } else {
      chunks.push(value);
    }
    loaded += value.length;
    const now = performance.now();
    if (now - reported > 50) {
      reported = now;
      onProgress({ loaded, total, rows });
    }
  }
  onProgress({ loaded, total, rows });
  if (whole && chunks.length === 0)
    return filled === whole.length ? whole : whole.subarray(0, filled);
  const out = new Uint8Array(loaded);
  if (whole) out.set(whole.subarray(0, filled), 0);
  let at = filled;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * The body's size as `fetch` will hand it over. With HTTP compression Content-Length
 * counts the compressed bytes, so the server's x-chroma-uncompressed-bytes wins.
 */
export function expectedBytes(headers: Headers): number | null {
  const plain = Number(headers.get('x-chroma-uncompressed-bytes'));
  if (headers.has('x-chroma-uncompressed-bytes') && Number.isFinite(plain) && plain > 0)
    return plain;
  const encoding = headers.get('content-encoding');
  if (encoding && encoding !== 'identity') return null;
  const length = Number(headers.get('content-length'));
  return headers.has('content-length') && Number.isFinite(length) && length > 0 ? length : null;
}
