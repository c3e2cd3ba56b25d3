// @vitest-environment happy-dom
// The Explorer's wiring, without WebGL (the map reports that it cannot draw): a selection
// restored from the link, tagging through GraphQL into a new table, the URL kept in step.
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { useCallback, useState } from 'react';
import { Provider } from 'urql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createChromaClient } from '../api/client';
import type { PointTable } from '../points/types';
import { navigate } from '../state/router';
import { Explorer } from './Explorer';
import type { Points } from './usePoints';
import { useView } from './useView';

function table(): PointTable {
  const n = 6;
  return {
    count: n,
    ids: Float64Array.of(11, 12, 13, 14, 15, 16),
    x: new Float32Array(n),
    y: new Float32Array(n),
    nx: new Float32Array(n),
    ny: new Float32Array(n),
    placed: new Uint8Array(n),
    columns: new Map([
      [
        'label',
        { kind: 'category', values: ['cat', 'dog'], codes: Int32Array.of(0, 0, 1, 1, 1, 0) },
      ],
      ['tags', { kind: 'tags', values: [], members: [] }],
    ]),
  };
}

/** usePoints' contract, over a table held here. */
function Harness({ initial }: { initial: PointTable }) {
  const viewState = useView();
  const [current, setCurrent] = useState(initial);
  const updateTable = useCallback(
    (change: (t: PointTable) => PointTable) => setCurrent((t) => change(t)),
    [],
  );
  const points: Points = {
    status: 'ready',
    progress: null,
    table: current,
    error: null,
    stats: null,
    fetchStartedAt: 0,
    loadedFor: '1',
    pending: [],
    unavailable: new Map(),
    retry() {},
    ensureColumns() {},
    updateTable,
    dismissError() {},
  };
  return (
    <Explorer
      project="demo"
      projection={{
        id: '1',
        algorithm: 'umap',
        state: 'READY',
        pointCount: 6,
        placedCount: 0,
        space: { name: 'pixels', projections: [] },
      }}
      analyses={[]}
      tags={[]}
      points={points}
      viewState={viewState}
    />
  );
}

afterEach(() => vi.unstubAllGlobals());

describe('Explorer', () => {
  it('restores the linked selection, tags it into the table and keeps the URL', async () => {
    const fetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      const { query, variables } = JSON.parse(String(init?.body)) as {
        query: string;
        variables: { ids: string[] };
      };
      const data = query.includes('mutation AddTags')
        ? { addTags: { matched: variables.ids.length, changed: variables.ids.length } }
        : { datapoint: null };
      return new Response(JSON.stringify({ data }), {
        headers: { 'content-type': 'application/json' },
      });
    });
    // Ids 12 and 14 (base-36 deltas), as the link writes them.
    navigate('/p/demo/explore?projection=1&sel=c.2');
    render(
      <Provider value={createChromaClient({ fetch })}>
        <Harness initial={table()} />
      </Provider>,
    );
    expect(screen.getByTestId('selection-count').textContent).toBe('2');
    expect(screen.getByTestId('legend-item-cat')).toBeTruthy();
    expect(screen.getByText(/6 points/)).toBeTruthy();

    fireEvent.change(screen.getByTestId('tag-input'), { target: { value: 'review' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('tag-apply'));
    });
    await waitFor(() => expect(screen.getByTestId('tag-status').textContent).toContain('2'));
    // The new tags column reached the filters; the selection (and the URL) stayed.
    expect(screen.getByTestId('facet-tags-review')).toBeTruthy();
    expect(screen.getByTestId('selection-count').textContent).toBe('2');
    expect(new URLSearchParams(window.location.search).get('sel')).toBe('c.2');

    act(() => {
      fireEvent.keyDown(window, { key: 'Escape' });
    });
    expect(screen.getByTestId('selection-count').textContent).toBe('0');
    expect(new URLSearchParams(window.location.search).get('sel')).toBeNull();
  });
});
