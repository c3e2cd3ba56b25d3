import { describe, expect, it } from 'vitest';
import { drawOrder } from './drawOrder';
import {
  encodeCategorical,
  encodeContinuous,
  FADED,
  PLACED,
  PLACED_HIGHLIGHTED,
  uniformEncoding,
} from './encoding';

const none = (n: number) => new Float32Array(n);

describe('draw order', () => {
  it('draws a rare class over a common one (the incorrect over the correct)', () => {
    // 0 correct, 1 incorrect: the incorrect are the minority.
    const codes = Int32Array.from([1, 0, 0, 0, 1, 0, 0, 0]);
    const encoding = encodeCategorical('correct', codes, ['incorrect', 'correct'], '#999');
    const order = Array.from(drawOrder(encoding, none(8))!);
    expect(order.slice(-2).sort()).toEqual([0, 4]);
    expect(order).toHaveLength(8);
    expect(new Set(order).size).toBe(8);
  });

  it('draws grey (none, noise) under every class, and faded points under everything', () => {
    const codes = Int32Array.from([0, -1, 0, 1, -1, 0]);
    const encoding = encodeCategorical('cluster', codes, ['0', '1'], '#999');
    const emphasis = Float32Array.from([0, 0, FADED, 0, 0, 0]);
    const order = Array.from(drawOrder(encoding, emphasis)!);
    expect(order[0]).toBe(2); // faded
    expect(order.slice(1, 3).sort()).toEqual([1, 4]); // none
    expect(order.at(-1)).toBe(3); // the rarest class
  });

  it('puts noise of an id column with the grey ones', () => {
    const codes = Int32Array.from([1, 0, 1, 1, 2]);
    const encoding = encodeCategorical('cluster', codes, ['-1', '0', '1'], '#999', {
      codes: new Set([0]),
      label: 'noise',
    });
    const order = Array.from(drawOrder(encoding, none(5))!);
    expect(order[0]).toBe(1);
    expect(order.at(-1)).toBe(4);
  });

  it('draws high values on top, missing ones at the bottom', () => {
    const values = Float32Array.from([0.9, 0.1, Number.NaN, 0.5]);
    const encoding = encodeContinuous('score', values, 0.1, 0.9, null, '#999');
    expect(Array.from(drawOrder(encoding, none(4))!)).toEqual([2, 1, 3, 0]);
  });

  it('draws highlighted placed points last; subtly marked ones keep their place', () => {
    const encoding = uniformEncoding(4, '#123');
    expect(drawOrder(encoding, Float32Array.from([0, PLACED, 0, 0]))).toBeNull();
    const order = drawOrder(encoding, Float32Array.from([0, PLACED_HIGHLIGHTED, 0, 0]))!;
    expect(Array.from(order)).toEqual([0, 2, 3, 1]);
  });

  it('says "index order" when nothing needs reordering', () => {
    expect(drawOrder(uniformEncoding(3, '#123'), none(3))).toBeNull();
  });
});
