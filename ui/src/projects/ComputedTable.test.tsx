// @vitest-environment happy-dom
import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { type ComputedResult, ComputedTable } from './ComputedTable';
import { LiveJobs } from './liveJobs';

/** A kind the table has never seen: only the shared fields plus its own. */
type Comparison = ComputedResult & { baseline: string };

const rows: Comparison[] = [
  { id: '1', state: 'READY', error: null, computedAt: null, job: null, baseline: 'v1' },
  {
    id: '2',
    state: 'FAILED',
    error: 'out of memory',
    computedAt: null,
    job: { id: '9', state: 'FAILED', progress: 0.5, message: null },
    baseline: 'v2',
  },
  {
    id: '3',
    state: 'COMPUTING',
    error: null,
    computedAt: null,
    job: { id: '10', state: 'QUEUED', progress: 0, message: null },
    baseline: 'v3',
  },
];

function table(shown: Comparison[]) {
  return (
    <ComputedTable
      rows={shown}
      name={{ header: 'Comparison', cell: (c) => `#${c.id}` }}
      columns={[{ header: 'Baseline', cell: (c) => c.baseline }]}
      actions={(c) => (c.state === 'READY' ? <button type="button">Open</button> : null)}
      empty="Nothing compared yet."
      data-testid="comparisons"
      rowTestId={(c) => `comparison-${c.id}`}
    />
  );
}

describe('ComputedTable', () => {
  it('shows the shared lifecycle beside the columns of the kind', () => {
    const live = new Map([
      ['10', { id: '10', state: 'RUNNING', progress: 0.4, message: 'fitting' }],
    ]);
    render(<LiveJobs.Provider value={live}>{table(rows)}</LiveJobs.Provider>);
    const headers = within(screen.getByTestId('comparisons'))
      .getAllByRole('columnheader')
      .map((th) => th.textContent);
    expect(headers).toEqual(['Comparison', 'State', 'Baseline', 'Computed', '']);
    const ready = screen.getByTestId('comparison-1');
    expect(ready.textContent).toContain('ready');
    expect(within(ready).getByRole('button', { name: 'Open' })).toBeTruthy();
    // Why it failed; a finished job shows no progress.
    const failed = screen.getByTestId('comparison-2');
    expect(failed.textContent).toContain('out of memory');
    expect(within(failed).queryByRole('progressbar')).toBeNull();
    // The job's live state (polled), not the one the row was loaded with.
    const running = screen.getByTestId('comparison-3');
    expect(running.textContent).toContain('fitting');
  });

  it('says so when there is no result yet', () => {
    render(table([]));
    expect(screen.queryByTestId('comparisons')).toBeNull();
    expect(screen.getByText('Nothing compared yet.')).toBeTruthy();
  });
});
