import { describe, expect, it } from 'vitest';
import type { LegendEntry } from '../points/encoding';
import { LEGEND_SHOWN, legendRows } from './legendRows';

const entries = (n: number): LegendEntry[] =>
  Array.from({ length: n }, (_, i) => ({
    value: String(i),
    label: String(i),
    color: '#000',
    count: n - i,
  }));
const grey: LegendEntry[] = [
  { value: '-1', label: 'noise (-1)', color: '#999', count: 5, muted: true },
  { value: '~null', label: 'none', color: '#999', count: 2, muted: true },
];

describe('legend rows', () => {
  it('lists the first classes and counts the rest ("+8 more" for 20)', () => {
    const { rows, more } = legendRows([...entries(20), ...grey], false);
    expect(more).toBe(20 - LEGEND_SHOWN);
    expect(rows.map((r) => r.value)).toEqual([
      ...entries(LEGEND_SHOWN).map((e) => e.value),
      '-1',
      '~null',
    ]);
  });

  it('lists everything when expanded, and says what even that leaves out', () => {
    const expanded = legendRows(entries(20), true);
    expect(expanded.rows).toHaveLength(20);
    expect(expanded.more).toBe(0);
    const huge = legendRows(entries(310), true, LEGEND_SHOWN, 300);
    expect(huge.rows).toHaveLength(300);
    expect(huge.beyond).toBe(10);
  });

  it('never hides a single class behind "+1 more"', () => {
    expect(legendRows(entries(LEGEND_SHOWN + 1), false).more).toBe(0);
    expect(legendRows(entries(LEGEND_SHOWN + 2), false).more).toBe(2);
  });
});
