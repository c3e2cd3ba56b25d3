// @vitest-environment happy-dom
import { render, screen, within } from '@testing-library/react';
import { Provider } from 'urql';
import { describe, expect, it, vi } from 'vitest';
import { createChromaClient } from '../api/client';
import type { ProjectQuery } from '../gql/graphql';
import { SpaceCard } from './SpaceCard';

type Space = NonNullable<ProjectQuery['project']>['spaces'][number];

const job = { id: '5', state: 'SUCCEEDED' as const, progress: 1, message: null };
const space: Space = {
  id: '1',
  name: 'pixels',
  dimension: 64,
  model: null,
  layer: null,
  vectorCount: 1797,
  neighbourIndex: null,
  projections: [
    {
      id: '7',
      algorithm: 'umap',
      state: 'READY',
      error: null,
      pointCount: 1797,
      placedCount: 3,
      autoPlace: true,
      createdAt: '2026-01-01T10:00:00+00:00',
      computedAt: '2026-01-01T10:01:00+00:00',
      datasets: null,
      job,
    },
    {
      id: '8',
      algorithm: 'tsne',
      state: 'FAILED',
      error: 'perplexity too large',
      pointCount: 0,
      placedCount: 0,
      autoPlace: true,
      createdAt: '2026-01-01T10:00:00+00:00',
      computedAt: null,
      datasets: [{ name: 'train' }],
      job: null,
    },
  ],
  analyses: [
    {
      id: '3',
      kind: 'class_distance',
      state: 'READY',
      error: null,
      rowCount: 1797,
      columns: ['distance'],
      stale: false,
      autoRefresh: true,
      computedAt: '2026-01-01T10:02:00+00:00',
      job: null,
    },
  ],
};

describe('SpaceCard', () => {
  it('lists maps and analyses in the shared table, with their links', () => {
    render(
      <Provider value={createChromaClient({ fetch: vi.fn() })}>
        <SpaceCard project="digits" space={space} onStarted={() => {}} />
      </Provider>,
    );
    const maps = screen.getByTestId('projections-pixels');
    expect(within(maps).getByTestId('projection-link-7').getAttribute('href')).toBe(
      '/p/digits/explore?projection=7',
    );
    expect(within(maps).queryByTestId('projection-link-8')).toBeNull();
    expect(screen.getByTestId('projection-7').textContent).toContain('(+3)');
    expect(screen.getByTestId('projection-8').textContent).toContain('perplexity too large');
    expect(screen.getByTestId('projection-8').textContent).toContain('train');
    const analysis = screen.getByTestId('analysis-3');
    expect(analysis.textContent).toContain('class distance');
    expect(within(analysis).getByRole('link', { name: 'distance' }).getAttribute('href')).toBe(
      '/p/digits/explore?projection=7&color=analysis.3.distance',
    );
    expect(screen.getByTestId('create-projection-pixels').textContent).toBe('Compute');
    expect((screen.getByTestId('algorithm-select-pixels') as HTMLSelectElement).value).toBe('umap');
  });

  it('marks a stale analysis and shows whether it refreshes by itself', () => {
    const analysis = space.analyses[0];
    const stale: Space = {
      ...space,
      analyses: [
        { ...analysis, stale: true },
        { ...analysis, id: '4', stale: true, autoRefresh: false },
      ],
    };
    render(
      <Provider value={createChromaClient({ fetch: vi.fn() })}>
        <SpaceCard project="digits" space={stale} onStarted={() => {}} />
      </Provider>,
    );
    expect(screen.getByTestId('stale-3').textContent).toBe('stale');
    expect(screen.getByTestId('stale-3').firstElementChild?.getAttribute('title')).toBe(
      'computed before the latest data; recomputing…',
    );
    expect(screen.getByTestId('stale-4').firstElementChild?.getAttribute('title')).toContain(
      'recompute it',
    );
    expect((screen.getByTestId('auto-refresh-3') as HTMLInputElement).checked).toBe(true);
    expect((screen.getByTestId('auto-refresh-4') as HTMLInputElement).checked).toBe(false);
  });

  it('shows no badge for a current analysis', () => {
    render(
      <Provider value={createChromaClient({ fetch: vi.fn() })}>
        <SpaceCard project="digits" space={space} onStarted={() => {}} />
      </Provider>,
    );
    expect(screen.queryByTestId('stale-3')).toBeNull();
  });
});
