import { describe, expect, it } from 'vitest';
import { CATEGORICAL } from '../lib/color';
import {
  BINS,
  emphasis,
  encodeCategorical,
  encodeContinuous,
  FADED,
  PLACED,
  PLACED_HIGHLIGHTED,
  uniformEncoding,
  visibleIndices,
} from './encoding';
import { NULL_VALUE } from './facets';

describe('categorical colours', () => {
  const encoding = encodeCategorical(
    'label',
    Int32Array.from([1, 1, 0, 1, -1, 2, 2]),
    ['cat', 'dog', 'bird'],
    '#999999',
  );

  it('gives the most frequent classes the first palette colours', () => {
    expect(encoding.legend.map((e) => e.value)).toEqual(['dog', 'bird', 'cat', NULL_VALUE]);
    expect(encoding.legend.map((e) => e.count)).toEqual([3, 2, 1, 1]);
    expect(encoding.legend[0]!.color).toBe(CATEGORICAL[0]);
    expect(encoding.legend[3]!.color).toBe('#999999');
  });

  it('codes every point with its palette index, missing values last', () => {
    expect(Array.from(encoding.codes)).toEqual([0, 0, 2, 0, 3, 1, 1]);
    expect(encoding.palette).toHaveLength(4);
    expect(encoding.palette[3]).toBe('#999999');
    expect(encoding.paletteValues).toEqual(['dog', 'bird', 'cat', NULL_VALUE]);
  });

  it('leaves unused values out of the legend', () => {
    const sparse = encodeCategorical('x', Int32Array.from([0, 0]), ['a', 'b'], '#000');
    expect(sparse.legend.map((e) => e.value)).toEqual(['a']);
  });
});

describe('continuous colours', () => {
  const values = Float32Array.from([0, 5, 10, Number.NaN, -3, 20]);

  it('bins values over the column extent, missing values in their own bin', () => {
    const encoding = encodeContinuous('score', values, -3, 20, null, '#999999');
    expect(encoding.codes[4]).toBe(0);
    expect(encoding.codes[5]).toBe(BINS - 1);
    expect(encoding.codes[3]).toBe(BINS);
    expect(encoding.missing).toBe(1);
    expect(encoding.palette).toHaveLength(BINS + 1);
  });

  it('clamps values outside a chosen range to the end colours', () => {
    const encoding = encodeContinuous('score', values, -3, 20, [0, 10], '#999999');
    expect(Array.from(encoding.codes.subarray(0, 3))).toEqual([
      0,
      Math.round((BINS - 1) / 2),
      BINS - 1,
    ]);
    expect(encoding.codes[4]).toBe(0);
    expect(encoding.codes[5]).toBe(BINS - 1);
    expect(encoding.range).toEqual([0, 10]);
    expect(encoding.extent).toEqual([-3, 20]);
  });
});

describe('visibility and emphasis', () => {
  const encoding = encodeCategorical('label', Int32Array.from([0, 1, 0, -1]), ['a', 'b'], '#999');

  it('draws every point when nothing is hidden or filtered away', () => {
    expect(visibleIndices(encoding, [], null)).toBeNull();
  });

  it('removes hidden classes and, in vanish mode, filtered-out points', () => {
    expect(Array.from(visibleIndices(encoding, ['a'], null)!)).toEqual([1, 3]);
    expect(
      Array.from(visibleIndices(encoding, [NULL_VALUE], Uint8Array.from([1, 1, 0, 1]))!),
    ).toEqual([0, 1]);
  });

  it('marks placed points (highlighted on demand) and fades filtered-out ones', () => {
    const placed = Uint8Array.from([0, 1, 1, 0]);
    expect(Array.from(emphasis(placed, false, null))).toEqual([0, PLACED, PLACED, 0]);
    expect(Array.from(emphasis(placed, true, null))).toEqual([
      0,
      PLACED_HIGHLIGHTED,
      PLACED_HIGHLIGHTED,
      0,
    ]);
    expect(Array.from(emphasis(placed, true, Uint8Array.from([1, 0, 1, 0])))).toEqual([
      0,
      FADED,
      PLACED_HIGHLIGHTED,
      FADED,
    ]);
  });

  it('colours every point alike when colouring by nothing', () => {
    const uniform = uniformEncoding(3, '#123456');
    expect(Array.from(uniform.codes)).toEqual([0, 0, 0]);
    expect(uniform.palette[0]).toBe('#123456');
  });
});
