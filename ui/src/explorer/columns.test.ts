import { describe, expect, it } from 'vitest';
import { EMPTY_TABLE, type PointTable } from '../points/types';
import {
  analysisColumns,
  coloringAnalysis,
  colorOptions,
  columnLabel,
  metadataFields,
} from './columns';

describe('explorer columns', () => {
  it('finds scalar metadata fields in a sample, most common first', () => {
    const samples = [
      { metadata: { split: 'val', epoch: 3, nested: { a: 1 } } },
      { metadata: { split: 'train', tags: ['x'] } },
      { metadata: null },
      {},
    ];
    expect(metadataFields(samples)).toEqual(['metadata.split', 'metadata.epoch']);
  });

  it('offers ready analyses scores and names columns for people', () => {
    const analyses = [
      { id: '3', kind: 'mislabels', state: 'READY', columns: ['mislabel_score'] },
      { id: '4', kind: 'outliers', state: 'COMPUTING', columns: ['outlier_score'] },
    ];
    expect(analysisColumns(analyses)).toEqual(['analysis.3.mislabel_score']);
    expect(columnLabel('analysis.3.mislabel_score', analyses)).toBe('mislabels · mislabel_score');
    expect(columnLabel('metadata.split')).toBe('split');
    expect(columnLabel('correct')).toBe('correct / incorrect');
  });

  it('groups the colour choices and leaves out refused columns', () => {
    const table: PointTable = {
      ...EMPTY_TABLE,
      columns: new Map([
        ['label', { kind: 'category', values: [], codes: new Int32Array(0) }],
        ['metadata.split', { kind: 'category', values: [], codes: new Int32Array(0) }],
      ]),
    };
    const analyses = [
      { id: '1', kind: 'mislabels', state: 'READY', columns: ['score', 'evidence'] },
    ];
    const options = colorOptions(table, analyses, new Map([['analysis.1.evidence', 'lists']]));
    expect(options).toEqual([
      { value: '', label: 'nothing' },
      { label: 'Data', options: [{ value: 'label', label: 'label' }] },
      { label: 'Metadata', options: [{ value: 'metadata.split', label: 'split' }] },
      { label: 'Analyses', options: [{ value: 'analysis.1.score', label: 'mislabels · score' }] },
    ]);
  });

  it('marks the scores of a stale analysis and finds the analysis colouring the map', () => {
    const table: PointTable = { ...EMPTY_TABLE, columns: new Map() };
    const analyses = [
      { id: '1', kind: 'mislabels', state: 'READY', columns: ['score'], stale: true },
      { id: '12', kind: 'outliers', state: 'READY', columns: ['ood'], stale: false },
    ];
    expect(colorOptions(table, analyses)).toEqual([
      { value: '', label: 'nothing' },
      {
        label: 'Analyses',
        options: [
          { value: 'analysis.1.score', label: 'mislabels · score (stale)' },
          { value: 'analysis.12.ood', label: 'outliers · ood' },
        ],
      },
    ]);
    expect(coloringAnalysis('analysis.12.ood', analyses)?.id).toBe('12');
    expect(coloringAnalysis('label', analyses)).toBeUndefined();
  });
});
