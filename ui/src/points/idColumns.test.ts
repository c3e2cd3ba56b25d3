import { describe, expect, it } from 'vitest';
import { CATEGORICAL } from '../lib/color';
import { encodeColumn } from './encoding';
import { idCategories, isIdName } from './idColumns';
import type { NumberColumn } from './types';

const numbers = (values: number[]): NumberColumn => {
  const finite = values.filter((v) => !Number.isNaN(v));
  return {
    kind: 'number',
    values: Float64Array.from(values),
    min: Math.min(...finite),
    max: Math.max(...finite),
  };
};

describe('id-like columns', () => {
  it('knows id names from measure names', () => {
    for (const name of ['analysis.3.cluster', 'metadata.cluster_id', 'metadata.clusterId']) {
      expect(isIdName(name)).toBe(true);
    }
    for (const name of ['analysis.4.duplicate_group', 'metadata.topic', 'metadata.class']) {
      expect(isIdName(name)).toBe(true);
    }
    for (const name of ['analysis.5.label_next_rank', 'score', 'metadata.row', 'metadata.valid']) {
      expect(isIdName(name)).toBe(false);
    }
  });

  it('turns cluster ids into categories, negative ids (noise) muted', () => {
    const ids = idCategories('analysis.1.cluster', numbers([3, -1, 0, 3, Number.NaN, 12]))!;
    expect(ids.values).toEqual(['-1', '0', '3', '12']);
    expect(Array.from(ids.codes)).toEqual([2, 0, 1, 2, -1, 3]);
    expect([...ids.muted]).toEqual([0]);
    expect(ids.mutedLabel).toBe('noise');
  });

  it('takes any integer column with few values, not one with many or with fractions', () => {
    expect(idCategories('metadata.odd_even', numbers([0, 1, 1, 0]))?.values).toEqual(['0', '1']);
    // -1 in a column not named as an id is a value like any other.
    expect(idCategories('metadata.bucket2', numbers([-1, 1]))?.muted.size ?? 0).toBe(0);
    const many = Array.from({ length: 40 }, (_, i) => i);
    expect(idCategories('metadata.row', numbers(many))).toBeNull();
    expect(idCategories('metadata.things', numbers(many))).toBeNull();
    expect(idCategories('metadata.cluster', numbers(many))).not.toBeNull();
    expect(idCategories('metadata.cluster', numbers([0.5, 1]))).toBeNull();
    expect(idCategories('analysis.2.label_next_rank', numbers([1, 2, 3]))).toBeNull();
  });

  it('colours cluster ids from the categorical palette, noise and missing grey', () => {
    const clusters = [0, 0, 0, 1, 1, 2, -1, -1, Number.NaN];
    const encoding = encodeColumn('analysis.7.cluster', numbers(clusters), clusters.length, {
      nullColor: '#999999',
      fallbackColor: '#999999',
    });
    expect(encoding.kind).toBe('categorical');
    if (encoding.kind !== 'categorical') return;
    expect(encoding.legend.map((e) => [e.label, e.color])).toEqual([
      ['0', CATEGORICAL[0]],
      ['1', CATEGORICAL[1]],
      ['2', CATEGORICAL[2]],
      ['noise (-1)', '#999999'],
      ['none', '#999999'],
    ]);
    expect(encoding.legend.filter((e) => e.muted).map((e) => e.value)).toEqual(['-1', '~null']);
    expect(encoding.classes).toBe(3);
    // Noise points are coded past the classes (grey in the palette).
    expect(encoding.palette[encoding.codes[6]!]).toBe('#999999');
    expect(encoding.codes[6]).toBeGreaterThanOrEqual(encoding.classes);
  });

  it('keeps a ramp for scores and ranks', () => {
    const encoding = encodeColumn('score', numbers([0.1, 0.5, 0.9]), 3, {
      nullColor: '#999',
      fallbackColor: '#999',
    });
    expect(encoding.kind).toBe('continuous');
  });
});
