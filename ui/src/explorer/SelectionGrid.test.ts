import { describe, expect, it } from 'vitest';
import { GAP, TILE, tilesAcross } from './SelectionGrid';

describe('tilesAcross', () => {
  it('fits whole tiles and their gaps, at least one', () => {
    expect(tilesAcross(0)).toBe(1);
    expect(tilesAcross(TILE)).toBe(1);
    expect(tilesAcross(GAP + 4 * (TILE + GAP))).toBe(4);
    expect(tilesAcross(GAP + 4 * (TILE + GAP) - 1)).toBe(3);
  });
});
