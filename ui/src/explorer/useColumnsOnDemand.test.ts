import { describe, expect, it } from 'vitest';
import { columnsToLoad } from './useColumnsOnDemand';

describe('columns loaded on demand', () => {
  it('asks once for each analysis column the view uses and the table lacks', () => {
    const filters = {
      values: { 'analysis.2.cluster': ['1'], label: ['cat'] },
      ranges: { 'analysis.1.score': [0, 1] as [number, number], score: [0, 1] as [number, number] },
    };
    const loaded = new Map([['analysis.2.cluster', null]]);
    expect(columnsToLoad('analysis.1.score', filters, loaded)).toEqual(['analysis.1.score']);
    expect(columnsToLoad('label', { values: {}, ranges: {} }, loaded)).toEqual([]);
  });
});
