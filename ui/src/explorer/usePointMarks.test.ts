import { describe, expect, it } from 'vitest';
import { ringedPoint } from './usePointMarks';

describe('the ringed point', () => {
  it('prefers a hovered row, then a hovered neighbour, then the open datapoint', () => {
    expect(ringedPoint(4, 2, 1)).toBe(4);
    expect(ringedPoint(null, 2, 1)).toBe(2);
    expect(ringedPoint(null, -1, 1)).toBe(1);
    expect(ringedPoint(null, -1, -1)).toBeNull();
  });
});
