import { describe, expect, it } from 'vitest';
import type { PointTable } from '../../points/types';
import { EMPTY_TABLE } from '../../points/types';
import { densityDifference, densityPixels, mapDatasets, regionRows } from './densityDiff';

/** Points at (x, y) of datasets by code (0: train, 1: prod; 2: a third, 'other'). */
function table(points: [number, number, number][]): PointTable {
  const count = points.length;
  return {
    ...EMPTY_TABLE,
    count,
    ids: Float64Array.from(points, (_, i) => i),
    nx: Float32Array.from(points, (p) => p[0]),
    ny: Float32Array.from(points, (p) => p[1]),
    columns: new Map([
      [
        'dataset',
        {
          kind: 'category' as const,
          codes: Int32Array.from(points, (p) => p[2]),
          values: ['train', 'prod', 'other', 'absent'],
        },
      ],
    ]),
  };
}

/** `n` points of `code` scattered around (cx, cy) with a fixed pseudo-random spread. */
function blob(n: number, cx: number, cy: number, code: number): [number, number, number][] {
  // mulberry32: a small seeded generator with no lattice in its pairs.
  let seed = 12345 + code * 7919 + Math.round(cx * 1000) + Math.round(cy * 100000);
  const next = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32 - 0.5;
  };
  return Array.from({ length: n }, () => [cx + next() * 0.2, cy + next() * 0.2, code]);
}

describe('density difference', () => {
  // Both datasets share a blob on the left; only production has one at the top right, and
  // only training one at the bottom right. Training is 4x larger: shares, not counts.
  const points = [
    ...blob(800, -0.6, 0, 0),
    ...blob(200, -0.6, 0, 1),
    ...blob(400, 0.6, -0.6, 0),
    ...blob(150, 0.6, 0.6, 1),
    ...blob(50, 0, 0.9, 2),
  ];
  const t = table(points);

  it('lists the datasets present on the map', () => {
    expect(mapDatasets(t)).toEqual(['train', 'prod', 'other']);
  });

  it('finds where production is denser and where it is sparser, ranked by share', () => {
    const result = densityDifference(t, 'train', 'prod');
    expect(result).not.toBeNull();
    const regions = result!.regions;
    const up = regions.find((r) => r.sign === 1)!;
    const down = regions.find((r) => r.sign === -1)!;
    // Production's own blob (top right) holds 150 of its 350 rows and no training row.
    expect(up.countB).toBe(150);
    expect(up.countA).toBe(0);
    expect(up.x).toBeGreaterThan(0.3);
    expect(up.y).toBeGreaterThan(0.3);
    // Training's own blob (bottom right): 400 of its 1,200, no production row.
    expect(down.countA).toBe(400);
    expect(down.countB).toBe(0);
    expect(down.y).toBeLessThan(-0.3);
    // Ranked by the share moved: 150/350 = 0.43 and 400/1200 = 0.33.
    expect(regions[0]).toBe(up);
    expect(regions.indexOf(down)).toBeGreaterThan(0);
    // The shared blob holds both in similar shares: not flagged as its own region in
    // production's favour (200/350 = 0.57 vs 800/1200 = 0.67 is a small difference).
    expect(regions.filter((r) => r.x < -0.3 && r.sign === 1)).toHaveLength(0);
  });

  it("selects a region's rows of both datasets, and no row of a third", () => {
    const result = densityDifference(t, 'train', 'prod')!;
    const up = result.regions.find((r) => r.sign === 1)!;
    const rows = regionRows(result, up);
    expect(rows.length).toBe(150);
    for (const i of rows) expect(points[i]![2]).toBe(1);
    // Points of the third dataset have no cell at all.
    expect(result.cellOf[points.length - 1]).toBe(-1);
  });

  it('is symmetric: swapping the datasets flips the signs', () => {
    const forward = densityDifference(t, 'train', 'prod')!;
    const back = densityDifference(t, 'prod', 'train')!;
    expect(back.peak).toBeCloseTo(forward.peak, 6);
    expect(back.regions[0]!.sign).toBe(-1);
    expect(back.regions[0]!.countA).toBe(150);
  });

  it('says nothing without two datasets on the map', () => {
    expect(densityDifference(t, 'train', 'train')).toBeNull();
    expect(densityDifference(t, 'train', 'absent')).toBeNull();
    expect(densityDifference(t, 'train', 'nope')).toBeNull();
    expect(densityDifference({ ...t, columns: new Map() }, 'train', 'prod')).toBeNull();
  });

  it('draws warm where b is denser, cool where a is, clear where they agree', () => {
    const result = densityDifference(t, 'train', 'prod')!;
    const pixels = densityPixels(result, [255, 0, 0], [0, 0, 255]);
    const up = result.regions.find((r) => r.sign === 1)!;
    const down = result.regions.find((r) => r.sign === -1)!;
    const pixel = (cell: number) => Array.from(pixels.slice(cell * 4, cell * 4 + 4));
    expect(pixel(up.cells[0]!)[0]).toBe(255);
    expect(pixel(up.cells[0]!)[3]).toBeGreaterThan(0);
    expect(pixel(down.cells[0]!)[2]).toBe(255);
    // The grid's corner is far from every point.
    expect(pixel(0)[3]).toBe(0);
  });
});

describe('density difference noise', () => {
  it('lists no region where both datasets are drawn from one distribution', () => {
    // Both datasets sample the same blob, in different sizes: any difference is noise.
    const t = table([...blob(900, 0, 0, 0), ...blob(300, 0, 0, 1)]);
    const result = densityDifference(t, 'train', 'prod')!;
    expect(result.peak).toBeGreaterThan(0); // noise there is, on the grid
    expect(result.regions).toEqual([]);
  });
});

describe('density difference at scale', () => {
  it('finds a small new cluster beside a large shared one, and not a lone stray', () => {
    const t = table([
      ...blob(20_000, 0, 0, 0),
      ...blob(5_000, 0, 0, 1),
      ...blob(150, 0.35, 0.1, 1), // new: 3% of production, beside the shared blob
      [-0.8, -0.8, 1], // one stray production point far from everything
    ]);
    const result = densityDifference(t, 'train', 'prod')!;
    const up = result.regions.filter((r) => r.sign === 1);
    expect(up).toHaveLength(1);
    expect(up[0]!.countB).toBeGreaterThanOrEqual(150);
    expect(up[0]!.countB).toBeLessThan(200);
    expect(up[0]!.x).toBeGreaterThan(0.2);
    // Production's share of the shared blob is a little lower (97%): that may show, but the
    // stray point is no region.
    for (const region of result.regions) expect(region.x).toBeGreaterThan(-0.6);
  });
});
