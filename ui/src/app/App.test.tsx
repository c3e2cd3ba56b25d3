// @vitest-environment happy-dom
// The app against a urql client whose only fake is the network: fetch answers the
// GraphQL requests with canned JSON.
import { act, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createChromaClient } from '../api/client';
import { App } from './App';

const projects = {
  data: {
    projects: [
      {
        __typename: 'Project',
        id: '1',
        name: 'demo',
        createdAt: '2026-01-01T10:00:00+00:00',
        datasets: [
          { __typename: 'Dataset', id: '1', name: 'train', datapointCount: 3000 },
          { __typename: 'Dataset', id: '2', name: 'production', datapointCount: 1000 },
        ],
        spaces: [
          {
            __typename: 'Space',
            id: '1',
            name: 'encoder-v1',
            vectorCount: 4000,
            projections: [
              { __typename: 'Projection', id: '3', state: 'READY' },
              { __typename: 'Projection', id: '4', state: 'COMPUTING' },
            ],
          },
        ],
        tags: [{ __typename: 'Tag', name: 'review' }],
      },
    ],
  },
};

function answering(body: unknown) {
  return vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
    const { query } = JSON.parse(String(init?.body)) as { query: string };
    expect(query).toContain('query Projects');
    return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
  });
}

beforeEach(() => window.history.replaceState(null, '', '/'));
afterEach(() => vi.unstubAllGlobals());

describe('App', () => {
  it('lists projects with their datasets, spaces and counts', async () => {
    const fetch = answering(projects);
    render(<App client={createChromaClient({ fetch })} />);
    const link = await screen.findByTestId('project-link-demo');
    expect(link.getAttribute('href')).toBe('/p/demo');
    expect(screen.getByTestId('project-datapoints-demo').textContent).toBe('4,000');
    expect(screen.getByText('encoder-v1')).toBeTruthy();
    expect(screen.getByText('production')).toBeTruthy();
    expect(fetch).toHaveBeenCalled();
  });

  it('shows how to log data when there are no projects', async () => {
    render(<App client={createChromaClient({ fetch: answering({ data: { projects: [] } }) })} />);
    const empty = await screen.findByTestId('empty-projects');
    expect(empty.textContent).toContain('project="demo"');
    expect(empty.textContent).toContain(`url="${window.location.origin}"`);
  });

  it('shows the banner while the server is down, and recovers', async () => {
    let up = false;
    const fetch = vi.fn(async (url: RequestInfo | URL) => {
      if (!up) throw new TypeError('Failed to fetch');
      if (String(url).includes('/healthz')) return new Response('{"status":"ok"}');
      return new Response(JSON.stringify(projects), {
        headers: { 'content-type': 'application/json' },
      });
    });
    // The health probe uses the global fetch; GraphQL goes through the client's.
    vi.stubGlobal('fetch', fetch);
    const { trackedFetch } = await import('../api/serverStatus');
    render(<App client={createChromaClient({ fetch: trackedFetch })} />);
    expect(await screen.findByTestId('error-banner')).toBeTruthy();
    up = true;
    await act(async () => {
      screen.getByTestId('error-banner-retry').click();
    });
    await waitFor(() => expect(screen.queryByTestId('error-banner')).toBeNull());
    expect(await screen.findByTestId('project-link-demo')).toBeTruthy();
  });

  it('answers unknown paths with a way back', () => {
    window.history.replaceState(null, '', '/nowhere');
    render(<App client={createChromaClient({ fetch: answering(projects) })} />);
    expect(screen.getByTestId('not-found').textContent).toContain('/nowhere');
  });
});
