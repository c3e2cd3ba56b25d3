// @vitest-environment happy-dom
// Identifier-like fields (values nearly unique per row) are filtered by the text they
// contain: the filter itself, its place in the link, and the facet panel's text box.
import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyFilters, emptyFilters, type Filters, setMatch } from '../points/facets';
import { EMPTY_TABLE, type PointTable } from '../points/types';
import { DEFAULT_VIEW, decodeView, encodeView } from '../state/urlState';
import { FacetPanel, MATCH_MAX } from './FacetPanel';
import { classifiable } from './useIdentifierFields';

/** Five points: a request id each (one missing) and a label. */
function table(): PointTable {
  const n = 5;
  return {
    ...EMPTY_TABLE,
    count: n,
    ids: Float64Array.from([1, 2, 3, 4, 5]),
    x: new Float32Array(n),
    y: new Float32Array(n),
    nx: new Float32Array(n),
    ny: new Float32Array(n),
    placed: new Uint8Array(n),
    columns: new Map([
      [
        'metadata.request',
        {
          kind: 'category',
          values: ['REQ-001', 'req-002', 'job-003', 'req-104'],
          codes: Int32Array.from([0, 1, 2, 3, -1]),
        },
      ],
      [
        'label',
        { kind: 'category', values: ['cat', 'dog'], codes: Int32Array.from([0, 1, 0, 1, 0]) },
      ],
      [
        'metadata.n',
        { kind: 'number', values: Float32Array.from([1, 2, 3, 4, 5]), min: 1, max: 5 },
      ],
    ]),
  };
}

const passing = (filters: Filters) => Array.from(applyFilters(table(), filters).pass);

describe('the text filter of an identifier field', () => {
  it('keeps the rows whose value contains the text, any case, and no missing value', () => {
    expect(passing(setMatch(emptyFilters(), 'metadata.request', 'req-0'))).toEqual([1, 1, 0, 0, 0]);
    expect(passing(setMatch(emptyFilters(), 'metadata.request', '4'))).toEqual([0, 0, 0, 1, 0]);
    expect(passing(setMatch(emptyFilters(), 'metadata.request', 'zzz'))).toEqual([0, 0, 0, 0, 0]);
  });

  it('combines with the other filters (AND) and is removed by an empty text', () => {
    const both = setMatch(
      { ...emptyFilters(), values: { label: ['dog'] } },
      'metadata.request',
      'req',
    );
    expect(passing(both)).toEqual([0, 1, 0, 1, 0]);
    expect(setMatch(both, 'metadata.request', '').matches).toEqual({});
    // Without the text, the missing request (row 5, a cat) no longer fails.
    expect(passing(setMatch({ ...both, values: {} }, 'metadata.request', ''))).toEqual([
      1, 1, 1, 1, 1,
    ]);
  });

  it('travels in the link', () => {
    const filters = setMatch(emptyFilters(), 'metadata.path', 'a b/ü&=,');
    const link = encodeView({ ...DEFAULT_VIEW, filters });
    expect(link).toContain('m.metadata.path=');
    expect(decodeView(link).filters.matches).toEqual({ 'metadata.path': 'a b/ü&=,' });
    expect(decodeView('m.metadata.path=').filters.matches).toBeUndefined();
  });

  it('asks the server about text columns only', () => {
    expect(classifiable(table())).toEqual(['label', 'metadata.request']);
  });
});

describe('the facet panel', () => {
  afterEach(() => vi.useRealTimers());

  function panel(identifiers: ReadonlySet<string>, onChange = (_: Filters) => {}) {
    const t = table();
    return (
      <FacetPanel
        table={t}
        facets={applyFilters(t, emptyFilters()).facets}
        filters={emptyFilters()}
        passCount={t.count}
        analyses={[]}
        identifiers={identifiers}
        onChange={onChange}
      />
    );
  }

  it('lists the values of an ordinary field', () => {
    render(panel(new Set()));
    expect(screen.getByTestId('facet-metadata.request-req-002')).toBeTruthy();
    expect(screen.queryByTestId('facet-match-metadata.request')).toBeNull();
  });

  it('offers a text box instead of a list for an identifier field', () => {
    vi.useFakeTimers();
    const onChange = vi.fn();
    render(panel(new Set(['metadata.request']), onChange));
    expect(screen.queryByTestId('facet-metadata.request-req-002')).toBeNull();
    expect(screen.getByTestId('facet-label-cat')).toBeTruthy(); // others stay lists
    const box = screen.getByTestId('facet-match-metadata.request') as HTMLInputElement;
    expect(box.maxLength).toBe(MATCH_MAX);
    expect(screen.getByTestId('facet-match-note-metadata.request').textContent).toContain(
      '4 values',
    );
    fireEvent.change(box, { target: { value: ' REQ ' } });
    expect(screen.getByTestId('facet-match-note-metadata.request').textContent).toBe(
      '3 rows contain “REQ”.',
    );
    expect(onChange).not.toHaveBeenCalled(); // not on every key
    act(() => vi.advanceTimersByTime(250));
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange.mock.calls[0]![0].matches).toEqual({ 'metadata.request': 'REQ' });
  });
});
