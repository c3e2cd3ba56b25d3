import { describe, expect, it } from 'vitest';
import type { Column, PointTable } from '../../points/types';
import {
  buildQueue,
  decisionFor,
  filterLabels,
  labelChoices,
  lastLive,
  type ReviewState,
  reviewColumns,
  reviewReducer,
  START,
} from './queue';
import { reviewable } from './ReviewEntry';
import { withLabel } from './relabel';

function table(columns: Record<string, Column>, count: number): PointTable {
  const f = (n: number) => new Float32Array(n);
  return {
    count,
    ids: Float64Array.from({ length: count }, (_, i) => 100 + i),
    x: f(count),
    y: f(count),
    nx: f(count),
    ny: f(count),
    placed: new Uint8Array(count),
    columns: new Map(Object.entries(columns)),
  };
}

const score = (values: number[]): Column => ({
  kind: 'number',
  values: Float32Array.from(values),
  min: 0,
  max: 1,
});
const category = (codes: number[], values: string[]): Column => ({
  kind: 'category',
  codes: Int32Array.from(codes),
  values,
});

const mislabels = {
  id: '4',
  kind: 'mislabels',
  state: 'READY',
  columns: ['mislabel_score', 'suggested_label', 'evidence'],
};

describe('reviewColumns', () => {
  it('reads the mislabel score and the suggestion of a mislabels analysis', () => {
    expect(reviewColumns(mislabels, 'label')).toEqual({
      score: 'analysis.4.mislabel_score',
      suggestion: 'analysis.4.suggested_label',
    });
  });
  it('ranks another kind by the coloured score, else its first column', () => {
    const outliers = { id: '7', kind: 'outliers', state: 'READY', columns: ['a', 'b'] };
    expect(reviewColumns(outliers, 'analysis.7.b')).toEqual({
      score: 'analysis.7.b',
      suggestion: null,
    });
    expect(reviewColumns(outliers, 'analysis.4.b')?.score).toBe('analysis.7.a');
    expect(reviewColumns({ ...outliers, columns: [] }, 'label')).toBeNull();
  });
});

describe('buildQueue', () => {
  const columns = { score: 's', suggestion: 'g' };
  const t = table(
    {
      s: score([0.2, 0.9, Number.NaN, 0.9, 0.5, 0.7]),
      g: category([0, 1, 0, -1, 0, 1], ['cat', 'dog']),
    },
    6,
  );
  it('keeps rows with a suggestion and a score, highest first, ties by index', () => {
    expect(buildQueue(t, columns, null)).toEqual([1, 5, 4, 0]);
  });
  it('keeps only the rows that pass the filters', () => {
    expect(buildQueue(t, columns, Uint8Array.from([1, 0, 1, 1, 1, 1]))).toEqual([5, 4, 0]);
  });
  it('without a suggestion column ranks every scored row', () => {
    expect(buildQueue(t, { score: 's', suggestion: null }, null)).toEqual([1, 3, 5, 4, 0]);
  });
  it('is empty while the columns are not loaded', () => {
    expect(buildQueue(t, { score: 'missing', suggestion: null }, null)).toEqual([]);
    expect(buildQueue(t, { score: 's', suggestion: 'missing' }, null)).toEqual([]);
  });
});

describe('labels', () => {
  const t = table(
    {
      label: category([0, 1], ['10', '2']),
      g: category([0, -1], ['3', '']),
    },
    2,
  );
  it('lists the map labels and the suggestions in natural order', () => {
    expect(labelChoices(t, 'g')).toEqual(['2', '3', '10']);
  });
  it('filters by prefix first, then by contents', () => {
    expect(filterLabels(['bird', 'cat', 'dog', 'bobcat'], 'ca')).toEqual(['cat', 'bobcat']);
    expect(filterLabels(['a', 'b'], '  ')).toEqual(['a', 'b']);
  });
  it('picking the current label confirms it', () => {
    expect(decisionFor('cat', 'cat')).toEqual({ decision: 'CONFIRM', label: null });
    expect(decisionFor('cat', 'dog')).toEqual({ decision: 'RELABEL', label: 'dog' });
  });
});

describe('reviewReducer', () => {
  const entry = (id: string, position: number) => ({
    id,
    position,
    index: position * 10,
    datapointId: String(position),
    decision: 'UNSURE' as const,
    labelBefore: 'a',
    labelAfter: 'a',
  });
  it('steps through decisions, skips and back, never past the end', () => {
    let s: ReviewState = START;
    s = reviewReducer(s, { type: 'decided', entry: entry('c1', 0), length: 3 });
    expect(s.position).toBe(1);
    s = reviewReducer(s, { type: 'skip', length: 3 });
    expect(s).toMatchObject({ position: 2, skipped: 1 });
    s = reviewReducer(s, { type: 'decided', entry: entry('c2', 2), length: 3 });
    expect(s.position).toBe(3);
    s = reviewReducer(s, { type: 'skip', length: 3 });
    expect(s).toMatchObject({ position: 3, skipped: 1 });
    s = reviewReducer(s, { type: 'back' });
    expect(s.position).toBe(2);
    expect(s.history.map((e) => e.id)).toEqual(['c1', 'c2']);
  });
  it('undo marks the latest live decision and returns to its row', () => {
    let s: ReviewState = START;
    s = reviewReducer(s, { type: 'decided', entry: entry('c1', 0), length: 5 });
    s = reviewReducer(s, { type: 'decided', entry: entry('c2', 1), length: 5 });
    s = reviewReducer(s, { type: 'skip', length: 5 });
    expect(lastLive(s.history)?.id).toBe('c2');
    s = reviewReducer(s, { type: 'undone', id: 'c2' });
    expect(s.position).toBe(1);
    expect(lastLive(s.history)?.id).toBe('c1');
    expect(reviewReducer(s, { type: 'undone', id: 'c2' })).toBe(s);
    s = reviewReducer(s, { type: 'undone', id: 'c1' });
    expect(s.position).toBe(0);
    expect(lastLive(s.history)).toBeNull();
  });
});

describe('withLabel', () => {
  const t = table(
    {
      label: category([0, 1, 0], ['cat', 'dog']),
      prediction: category([0, 0, 0], ['cat']),
    },
    3,
  );
  it('changes one label in a copy, adding a new value, and recomputes correctness', () => {
    const next = withLabel(t, 1, 'cat');
    expect(next).not.toBe(t);
    const label = next.columns.get('label');
    expect(label?.kind === 'category' && Array.from(label.codes)).toEqual([0, 0, 0]);
    expect(t.columns.get('label')?.kind === 'category' && t.columns.get('label')).toMatchObject({
      codes: Int32Array.from([0, 1, 0]),
    });
    const correct = next.columns.get('correct');
    expect(correct?.kind === 'category' && Array.from(correct.codes)).toEqual([0, 0, 0]);
    const added = withLabel(t, 0, 'bird').columns.get('label');
    expect(added).toMatchObject({ values: ['cat', 'dog', 'bird'] });
    expect(added?.kind === 'category' && added.codes[0]).toBe(2);
  });
  it('returns the same table when nothing changes', () => {
    expect(withLabel(t, 0, 'cat')).toBe(t);
    expect(withLabel(t, 9, 'cat')).toBe(t);
  });
});

describe('reviewable', () => {
  const outliers = { id: '7', kind: 'outliers', state: 'READY', columns: ['outlier_score'] };
  const running = { ...mislabels, id: '9', state: 'RUNNING' };
  it('offers the coloured analysis first, then every ready mislabels analysis', () => {
    const all = [mislabels, outliers, running];
    expect(reviewable(all, 'analysis.7.outlier_score').map((a) => a.id)).toEqual(['7', '4']);
    expect(reviewable(all, 'analysis.4.mislabel_score').map((a) => a.id)).toEqual(['4']);
    expect(reviewable(all, 'label').map((a) => a.id)).toEqual(['4']);
    expect(reviewable([outliers], 'label')).toEqual([]);
  });
});
