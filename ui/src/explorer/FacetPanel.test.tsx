// @vitest-environment happy-dom
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { FacetCounts } from '../points/facets';
import { EMPTY_TABLE } from '../points/types';
import { FacetPanel, valueOrder } from './FacetPanel';

const facet = (values: readonly string[], counts: number[]): FacetCounts => ({
  field: 'label',
  kind: 'category',
  values,
  counts: Float64Array.from(counts),
});

function shown(): string[] {
  return screen
    .getAllByRole('checkbox')
    .map((box) => box.getAttribute('data-testid') ?? '')
    .filter((id) => id.startsWith('facet-label-'));
}

function panel(counts: FacetCounts) {
  return (
    <FacetPanel
      table={EMPTY_TABLE}
      facets={new Map([['label', counts]])}
      filters={{ values: {}, ranges: {} }}
      passCount={0}
      analyses={[]}
      onChange={() => {}}
    />
  );
}

describe('facet value order', () => {
  it('sorts by count, then name, with "none" last', () => {
    expect(valueOrder(['b', 'a', 'c'], Float64Array.of(1, 5, 5, 0))).toEqual([1, 2, 0, 3]);
  });

  it('stays put while counts change, and re-sorts when the values change', () => {
    const values = ['cat', 'dog'];
    const { rerender } = render(panel(facet(values, [1, 5, 0])));
    expect(shown()).toEqual(['facet-label-dog', 'facet-label-cat']);
    rerender(panel(facet(values, [9, 0, 0])));
    expect(shown()).toEqual(['facet-label-dog', 'facet-label-cat']);
    rerender(panel(facet(['cat', 'dog'], [9, 0, 0])));
    expect(shown()).toEqual(['facet-label-cat', 'facet-label-dog']);
  });
});
