// @vitest-environment happy-dom
// usePoints over Arrow bytes answered by a stand-in for the server's GET /api/v1/points
// (the global fetch; decoding runs inline: no workers here). What the Explorer relies on
// for its first frame and its live refresh: a column asked for while the points load comes
// with the first table, and a new load generation never shows the previous table.
import { renderHook, waitFor } from '@testing-library/react';
import {
  Bool,
  Float32,
  Float64,
  Int64,
  Table,
  tableToIPC,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PointTable } from '../points/types';
import { usePoints } from './usePoints';

const CLUSTER = 'analysis.3.cluster';

function arrow(count: number, withCluster: boolean): Uint8Array {
  const ids = Array.from({ length: count }, (_, i) => BigInt(i + 1));
  const xs = Array.from({ length: count }, (_, i) => i);
  const columns: Record<string, Vector> = {
    id: vectorFromArray(ids, new Int64()),
    x: vectorFromArray(xs, new Float32()),
    y: vectorFromArray(xs, new Float32()),
    placed: vectorFromArray(
      xs.map(() => false),
      new Bool(),
    ),
  };
  if (withCluster)
    columns[CLUSTER] = vectorFromArray(
      xs.map((i) => i % 2),
      new Float64(),
    );
  return tableToIPC(new Table(columns), 'stream');
}

/** Answers points requests; those for the base columns wait until `release()`. */
function pointsServer(count: () => number) {
  let release: () => void = () => {};
  let held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const urls: string[] = [];
  const fetch = vi.fn(async (url: string) => {
    urls.push(url);
    const columns = new URL(url, 'http://x').searchParams.getAll('column');
    const onlyCluster = columns.length === 1 && columns[0] === CLUSTER;
    if (!onlyCluster) await held;
    return new Response(
      new Blob([arrow(count(), columns.includes(CLUSTER)) as Uint8Array<ArrayBuffer>]),
      {
        headers: { 'content-type': 'application/vnd.apache.arrow.stream' },
      },
    );
  });
  return {
    fetch,
    urls,
    release: () => release(),
    hold: () => {
      held = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
  };
}

beforeEach(() => vi.stubGlobal('Worker', undefined));
afterEach(() => vi.unstubAllGlobals());

const BASE = ['label'] as const;

describe('usePoints', () => {
  it('merges a column asked for while the points load into the first table shown', async () => {
    const server = pointsServer(() => 4);
    vi.stubGlobal('fetch', server.fetch);
    const tables: (PointTable | null)[] = [];
    const { result } = renderHook(() => {
      const points = usePoints('1', BASE);
      tables.push(points.table);
      return points;
    });
    result.current.ensureColumns([CLUSTER]);
    // The column's own request is answered while the points are still on their way.
    await waitFor(() => expect(result.current.pending).toEqual([]));
    expect(result.current.table).toBeNull();
    server.release();
    await waitFor(() => expect(result.current.table).not.toBeNull());
    const first = tables.find((t) => t !== null);
    expect(first?.columns.has(CLUSTER)).toBe(true);
    expect(server.urls).toHaveLength(2);
  });

  it('asks no second time for a column the download already carries', async () => {
    const server = pointsServer(() => 4);
    vi.stubGlobal('fetch', server.fetch);
    server.release();
    const columns = [...BASE, CLUSTER];
    const { result } = renderHook(() => usePoints('1', columns));
    result.current.ensureColumns([CLUSTER]);
    await waitFor(() => expect(result.current.table).not.toBeNull());
    expect(result.current.table?.columns.has(CLUSTER)).toBe(true);
    expect(server.urls).toHaveLength(1);
  });

  it('shows no table of the previous load once a new generation is asked for', async () => {
    let count = 0; // a map still computing answers no points
    const server = pointsServer(() => count);
    vi.stubGlobal('fetch', server.fetch);
    server.release();
    const { result, rerender } = renderHook(({ generation }) => usePoints('1', BASE, generation), {
      initialProps: { generation: 0 },
    });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    expect(result.current.table?.count).toBe(0);
    count = 5;
    server.hold();
    rerender({ generation: 1 });
    // The very render that asks for the new load: the empty table is gone.
    expect(result.current.table).toBeNull();
    expect(result.current.status).toBe('loading');
    server.release();
    await waitFor(() => expect(result.current.table?.count).toBe(5));
  });
});
