import { describe, expect, it } from 'vitest';
import { bytesOf, selectionOf } from './model';

describe('bytesOf', () => {
  it('reads a DataView over part of a buffer, as widget managers hand binary traits over', () => {
    const buffer = new Uint8Array([9, 1, 2, 3, 9]).buffer;
    expect(Array.from(bytesOf(new DataView(buffer, 1, 3)))).toEqual([1, 2, 3]);
    expect(Array.from(bytesOf(new Uint8Array([4, 5])))).toEqual([4, 5]);
    expect(Array.from(bytesOf(new Uint8Array([6]).buffer))).toEqual([6]);
    expect(bytesOf(null).length).toBe(0);
  });
});

describe('selectionOf', () => {
  it('sorts, drops repeats and rows outside the map', () => {
    expect(Array.from(selectionOf([5, 2, 5, -1, 9, 1.5], 6))).toEqual([2, 5]);
    expect(selectionOf(undefined, 3).length).toBe(0);
  });
});
