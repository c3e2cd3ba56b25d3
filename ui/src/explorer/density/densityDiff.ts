// Where one dataset of a space is denser on the map than another (production against
// training, this week against last): both datasets' points are counted on a grid over the
// map, smoothed, each made a share of its own dataset (so a dataset ten times larger does
// not win everywhere), and subtracted. Connected cells of one sign whose difference stands
// out from noise form regions, ranked by the share of points they move. Typed loops, no per-point
// objects: a million points cost two passes.
import type { PointTable } from '../../points/types';
import type { Selection } from '../../state/selection';

/** Cells per side of the grid. */
export const GRID = 96;
/**
 * The Gaussian smoothing's width, in cells, is Scott's rule for the smaller dataset (its
 * spread times n^(-1/6)): a few hundred points get a wide kernel, so each point is no bump
 * of its own (whose gaps would read as regions), a million get a narrow one. Kept within
 * these bounds.
 */
const MIN_SIGMA = 1;
const MAX_SIGMA = 12;
/**
 * Every cell gets a z-score: its difference over the standard error that difference would
 * have if both datasets came from one distribution. The smoothed count S of a Poisson
 * field under this (peak-1) Gaussian kernel has variance ~S/2, so with p the pooled
 * smoothed share, var(shareB - shareA) ~ p/2 (1/nA + 1/nB). A region starts at a cell with
 * |z| >= SEED_Z (about Bonferroni at 5% over a thousand independent cells: regions are
 * picked after looking) and grows over neighbouring cells of its sign while |z| >= GROW_Z
 * (hysteresis: a region holds its blob's rim, and noise elsewhere seeds nothing).
 */
const SEED_Z = 4;
const GROW_Z = 2;
/** A region rests on at least this many points of the dataset denser there. */
const MIN_REGION_POINTS = 10;
/** Regions listed at most. */
export const MAX_REGIONS = 12;

export interface DensityRegion {
  /** +1: `b` is denser here than `a`; -1: less dense. */
  sign: 1 | -1;
  /** Grid cells (row-major, row 0 at the top) in the region. */
  cells: Uint32Array;
  /** Points of each dataset in the region's cells, and their share of that dataset. */
  countA: number;
  countB: number;
  shareA: number;
  shareB: number;
  /** Where to put its label: the mean position of its cells (map coordinates, nx/ny). */
  x: number;
  y: number;
}

export interface DensityDifference {
  a: string;
  b: string;
  /** The grid's extent on the map (nx/ny coordinates). */
  bounds: { x0: number; x1: number; y0: number; y1: number };
  /**
   * shareB - shareA per cell after smoothing, row-major, row 0 at the top (largest y); 0
   * where the difference is within noise (|z| < GROW_Z).
   */
  diff: Float32Array;
  /** The largest |diff|: the colour scale's end. */
  peak: number;
  /** The smoothing's width, in cells. */
  sigma: number;
  /** Regions, the largest |shareB - shareA| first. */
  regions: DensityRegion[];
  /** The grid cell of each point, -1 for points of neither dataset. */
  cellOf: Int32Array;
}

/** The datasets on the map (the `dataset` column's values that occur), in table order. */
export function mapDatasets(table: PointTable): string[] {
  const column = table.columns.get('dataset');
  if (column?.kind !== 'category') return [];
  const seen = new Uint8Array(column.values.length);
  for (let i = 0; i < column.codes.length; i++) {
    const code = column.codes[i]!;
    if (code >= 0) seen[code] = 1;
  }
  return column.values.filter((_, code) => seen[code] === 1);
}

function blur(grid: Float32Array, sigma: number): Float32Array {
  const radius = Math.ceil(3 * sigma);
  const kernel = new Float32Array(2 * radius + 1);
  for (let k = -radius; k <= radius; k++)
    kernel[k + radius] = Math.exp(-(k * k) / (2 * sigma ** 2));
  const pass = (from: Float32Array, horizontal: boolean) => {
    const to = new Float32Array(from.length);
    for (let r = 0; r < GRID; r++) {
      for (let c = 0; c < GRID; c++) {
        let sum = 0;
        for (let k = -radius; k <= radius; k++) {
          const rr = horizontal ? r : r + k;
          const cc = horizontal ? c + k : c;
          if (rr < 0 || rr >= GRID || cc < 0 || cc >= GRID) continue;
          sum += from[rr * GRID + cc]! * kernel[k + radius]!;
        }
        to[r * GRID + c] = sum;
      }
    }
    return to;
  };
  return pass(pass(grid, true), false);
}

/**
 * The density difference of dataset `b` against dataset `a` over the map; null when either
 * has no point on it (or the table has no dataset column).
 */
export function densityDifference(
  table: PointTable,
  a: string,
  b: string,
): DensityDifference | null {
  const column = table.columns.get('dataset');
  if (column?.kind !== 'category' || a === b) return null;
  const codeA = column.values.indexOf(a);
  const codeB = column.values.indexOf(b);
  if (codeA < 0 || codeB < 0) return null;

  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < table.count; i++) {
    const code = column.codes[i];
    if (code !== codeA && code !== codeB) continue;
    const x = table.nx[i]!;
    const y = table.ny[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (!(x1 >= x0 && y1 >= y0)) return null;
  // A margin of the smoothing's reach, and never a zero-width extent.
  const padX = Math.max((x1 - x0) * 0.04, 1e-3);
  const padY = Math.max((y1 - y0) * 0.04, 1e-3);
  x0 -= padX;
  x1 += padX;
  y0 -= padY;
  y1 += padY;

  const countsA = new Float32Array(GRID * GRID);
  const countsB = new Float32Array(GRID * GRID);
  const cellOf = new Int32Array(table.count).fill(-1);
  let totalA = 0;
  let totalB = 0;
  let sumX = 0;
  let sumY = 0;
  let sumSquares = 0;
  for (let i = 0; i < table.count; i++) {
    const code = column.codes[i];
    if (code !== codeA && code !== codeB) continue;
    const x = table.nx[i]!;
    const y = table.ny[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const c = Math.min(GRID - 1, Math.floor(((x - x0) / (x1 - x0)) * GRID));
    const r = Math.min(GRID - 1, Math.floor(((y1 - y) / (y1 - y0)) * GRID));
    const cell = r * GRID + c;
    cellOf[i] = cell;
    sumX += x;
    sumY += y;
    sumSquares += x * x + y * y;
    if (code === codeA) {
      countsA[cell]! += 1;
      totalA++;
    } else {
      countsB[cell]! += 1;
      totalB++;
    }
  }
  if (totalA === 0 || totalB === 0) return null;

  const n = totalA + totalB;
  const spread = Math.sqrt(Math.max(0, (sumSquares - (sumX * sumX + sumY * sumY) / n) / (2 * n)));
  const cell = Math.max(x1 - x0, y1 - y0) / GRID;
  const sigma = Math.min(
    MAX_SIGMA,
    Math.max(MIN_SIGMA, (spread * Math.min(totalA, totalB) ** (-1 / 6)) / cell),
  );
  const smoothA = blur(countsA, sigma);
  const smoothB = blur(countsB, sigma);
  const diff = new Float32Array(GRID * GRID);
  const z = new Float32Array(GRID * GRID);
  const spreadOfShares = 1 / totalA + 1 / totalB;
  let peak = 0;
  for (let cell = 0; cell < diff.length; cell++) {
    const d = smoothB[cell]! / totalB - smoothA[cell]! / totalA;
    const pooled = (smoothA[cell]! + smoothB[cell]!) / n;
    const score = pooled > 0 ? d / Math.sqrt((pooled / 2) * spreadOfShares) : 0;
    z[cell] = score;
    if (Math.abs(score) < GROW_Z) continue;
    diff[cell] = d;
    if (Math.abs(d) > peak) peak = Math.abs(d);
  }
  const bounds = { x0, x1, y0, y1 };
  const regions = findRegions(z, countsA, countsB, totalA, totalB, bounds);
  return { a, b, bounds, diff, peak, sigma, regions, cellOf };
}

function findRegions(
  z: Float32Array,
  countsA: Float32Array,
  countsB: Float32Array,
  totalA: number,
  totalB: number,
  bounds: DensityDifference['bounds'],
): DensityRegion[] {
  const seen = new Uint8Array(z.length);
  const regions: DensityRegion[] = [];
  const stack: number[] = [];
  for (let start = 0; start < z.length; start++) {
    if (seen[start] || Math.abs(z[start]!) < SEED_Z) continue;
    const sign = z[start]! > 0 ? 1 : -1;
    const cells: number[] = [];
    stack.push(start);
    seen[start] = 1;
    while (stack.length) {
      const cell = stack.pop()!;
      cells.push(cell);
      const r = Math.floor(cell / GRID);
      const c = cell % GRID;
      for (const [rr, cc] of [
        [r - 1, c],
        [r + 1, c],
        [r, c - 1],
        [r, c + 1],
      ] as const) {
        if (rr < 0 || rr >= GRID || cc < 0 || cc >= GRID) continue;
        const next = rr * GRID + cc;
        if (seen[next] || sign * z[next]! < GROW_Z) continue;
        seen[next] = 1;
        stack.push(next);
      }
    }
    let countA = 0;
    let countB = 0;
    let sumR = 0;
    let sumC = 0;
    for (const cell of cells) {
      countA += countsA[cell]!;
      countB += countsB[cell]!;
      sumR += Math.floor(cell / GRID) + 0.5;
      sumC += (cell % GRID) + 0.5;
    }
    const shareA = countA / totalA;
    const shareB = countB / totalB;
    // Smoothing can reach past the points: a region whose raw shares do not differ in its
    // sign is a halo, and one resting on a handful of points is a stray, not a finding.
    if (Math.sign(shareB - shareA) !== sign) continue;
    if ((sign > 0 ? countB : countA) < MIN_REGION_POINTS) continue;
    regions.push({
      sign: sign as 1 | -1,
      cells: Uint32Array.from(cells),
      countA,
      countB,
      shareA,
      shareB,
      x: bounds.x0 + (sumC / cells.length / GRID) * (bounds.x1 - bounds.x0),
      y: bounds.y1 - (sumR / cells.length / GRID) * (bounds.y1 - bounds.y0),
    });
  }
  regions.sort((p, q) => Math.abs(q.shareB - q.shareA) - Math.abs(p.shareB - p.shareA));
  return regions.slice(0, MAX_REGIONS);
}

/** The rows of either dataset whose cell lies in `region`. */
export function regionRows(result: DensityDifference, region: DensityRegion): Selection {
  const inRegion = new Uint8Array(GRID * GRID);
  for (const cell of region.cells) inRegion[cell] = 1;
  const out: number[] = [];
  for (let i = 0; i < result.cellOf.length; i++) {
    const cell = result.cellOf[i]!;
    if (cell >= 0 && inRegion[cell]) out.push(i);
  }
  return Uint32Array.from(out);
}

/**
 * The grid as RGBA pixels (row 0 at the top): warm where `b` is denser, cool where `a` is,
 * more opaque the larger the difference; nothing where they agree.
 */
export function densityPixels(
  result: DensityDifference,
  warm: [number, number, number],
  cool: [number, number, number],
): Uint8ClampedArray<ArrayBuffer> {
  const pixels = new Uint8ClampedArray(GRID * GRID * 4);
  if (result.peak === 0) return pixels;
  for (let cell = 0; cell < result.diff.length; cell++) {
    const d = result.diff[cell]! / result.peak;
    const [r, g, b] = d > 0 ? warm : cool;
    pixels[cell * 4] = r;
    pixels[cell * 4 + 1] = g;
    pixels[cell * 4 + 2] = b;
    // sqrt: faint differences stay visible without the peak drowning the map.
    pixels[cell * 4 + 3] = Math.round(Math.sqrt(Math.abs(d)) * 170);
  }
  return pixels;
}
