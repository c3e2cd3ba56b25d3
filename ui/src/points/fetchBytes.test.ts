import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type DownloadProgress,
  expectedBytes,
  fetchBytes,
  HttpError,
  NetworkError,
} from './fetchBytes';

function streamOf(parts: number[][]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(Uint8Array.from(part));
      controller.close();
    },
  });
}

afterEach(() => vi.unstubAllGlobals());

describe('fetchBytes', () => {
  it('joins the streamed body and reports progress against the uncompressed size', async () => {
    const headers = {
      'content-length': '3',
      'content-encoding': 'zstd',
      'x-chroma-uncompressed-bytes': '5',
      'x-chroma-points': '2',
    };
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(
            streamOf([
              [1, 2],
              [3, 4, 5],
            ]),
            { headers },
          ),
      ),
    );
    const seen: DownloadProgress[] = [];
    const bytes = await fetchBytes('/api/v1/points?projection=1', (p) => seen.push(p));
    expect(Array.from(bytes)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.at(-1)).toEqual({ loaded: 5, total: 5, rows: 2 });
  });

  it('copes with a size header that is too small', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(streamOf([[1, 2], [3], [4, 5, 6]]), { headers: { 'content-length': '2' } }),
      ),
    );
    const bytes = await fetchBytes('/x', () => {});
    expect(Array.from(bytes)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("raises the server's error message", async () => {
    const body = JSON.stringify({
      error: { code: 'not_found', message: 'no projection with id 9', where: 'projection' },
    });
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(body, { status: 404 })),
    );
    const error = await fetchBytes('/x', () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).message).toBe('no projection with id 9');
    expect((error as HttpError).code).toBe('not_found');
  });

  it('tells a dead server apart', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))),
    );
    await expect(fetchBytes('/x', () => {})).rejects.toBeInstanceOf(NetworkError);
  });
});

describe('expectedBytes', () => {
  it('uses Content-Length only for uncompressed bodies', () => {
    expect(expectedBytes(new Headers({ 'content-length': '10' }))).toBe(10);
    expect(
      expectedBytes(new Headers({ 'content-length': '10', 'content-encoding': 'gzip' })),
    ).toBeNull();
    expect(expectedBytes(new Headers())).toBeNull();
  });
});
