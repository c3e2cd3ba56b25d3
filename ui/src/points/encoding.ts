// Turns "colour by <column>" into what the map draws: one small integer per point (an
// index into a palette) plus the legend. Continuous values are binned into BINS steps
// (256 are more than the eye separates), so categories and numbers share one draw path
// and hiding / fading work the same way for both.
import { categoricalColors, continuousColors } from '../lib/color';
import { NULL_VALUE } from './facets';
import { idCategories } from './idColumns';
import { type Column, hasBit, type PointTable } from './types';

export const BINS = 256;

export interface LegendEntry {
  /** The value as filters and URLs spell it (NULL_VALUE for "none"). */
  value: string;
  label: string;
  color: string;
  /** Points with this value in the whole map. */
  count: number;
  /** Drawn grey, under the classes: "none", or an id column's noise (-1). */
  muted?: boolean;
}

export interface CategoricalEncoding {
  kind: 'categorical';
  field: string;
  /** Palette index per point. */
  codes: Float32Array;
  /** palette[code]; the last entry is the "none" colour. */
  palette: string[];
  /** By count, largest first. */
  legend: LegendEntry[];
  /** For each palette index, its legend value (to hide classes). */
  paletteValues: string[];
  /** Palette indices from this one on are grey (noise, none): drawn first, under the rest. */
  classes: number;
}

export interface ContinuousEncoding {
  kind: 'continuous';
  field: string;
  codes: Float32Array;
  palette: string[];
  /** The colour scale's range (values outside it take the end colours). */
  range: [number, number];
  /** The column's own extent. */
  extent: [number, number];
  missing: number;
}

export type ColorEncoding = CategoricalEncoding | ContinuousEncoding;

/** Colour by nothing: every point in the first palette colour. */
export function uniformEncoding(count: number, color: string): CategoricalEncoding {
  return {
    kind: 'categorical',
    field: '',
    codes: new Float32Array(count),
    palette: [color, color],
    legend: [],
    paletteValues: ['', NULL_VALUE],
    classes: 1,
  };
}

export interface EncodeOptions {
  nullColor: string;
  fallbackColor: string;
  range?: [number, number] | null;
}

export function encodeColors(
  table: PointTable,
  field: string,
  options: EncodeOptions,
): ColorEncoding {
  return encodeColumn(field, table.columns.get(field), table.count, options);
}

/** The same from the column alone: what a memo keyed by the column's identity needs. */
export function encodeColumn(
  field: string,
  column: Column | undefined,
  count: number,
  options: EncodeOptions,
): ColorEncoding {
  if (!column) return uniformEncoding(count, options.fallbackColor);
  if (column.kind === 'number') {
    // Cluster ids and the like are categories, their noise (-1) grey.
    const ids = idCategories(field, column);
    if (ids) {
      return encodeCategorical(field, ids.codes, ids.values, options.nullColor, {
        codes: ids.muted,
        label: ids.mutedLabel,
      });
    }
    return encodeContinuous(
      field,
      column.values,
      column.min,
      column.max,
      options.range ?? null,
      options.nullColor,
    );
  }
  // Tags colour by each point's first tag (in name order); untagged points are "none".
  let codes: Int32Array;
  if (column.kind === 'tags') {
    codes = new Int32Array(count).fill(-1);
    for (let t = column.members.length - 1; t >= 0; t--) {
      const bits = column.members[t]!;
      for (let i = 0; i < count; i++) if (hasBit(bits, i)) codes[i] = t;
    }
  } else {
    codes = column.codes;
  }
  return encodeCategorical(field, codes, column.values, options.nullColor);
}

/** Values drawn grey like "none" (an id column's noise), and what the legend calls them. */
export interface MutedValues {
  codes: ReadonlySet<number>;
  label: string;
}

export function encodeCategorical(
  field: string,
  source: Int32Array,
  values: readonly string[],
  nullColor: string,
  muted: MutedValues | null = null,
): CategoricalEncoding {
  const k = values.length;
  const counts = new Float64Array(k + 1);
  for (let i = 0; i < source.length; i++) {
    const code = source[i]!;
    counts[code < 0 ? k : code]!++;
  }
  const isMuted = (code: number) => muted?.codes.has(code) ?? false;
  // Colours by frequency rank: the biggest classes get the most distinct colours, and a
  // class keeps its colour whatever the filters (ranks use the whole map).
  const used = Array.from({ length: k }, (_, i) => i).filter((code) => counts[code]! > 0);
  const order = used
    .filter((code) => !isMuted(code))
    .sort((a, b) => counts[b]! - counts[a]! || (values[a]! < values[b]! ? -1 : 1));
  const grey = used.filter(isMuted);
  const colors = categoricalColors(order.length);
  const rank = new Int32Array(k).fill(order.length + grey.length);
  order.forEach((code, r) => {
    rank[code] = r;
  });
  grey.forEach((code, j) => {
    rank[code] = order.length + j;
  });
  const none = order.length + grey.length;
  const codes = new Float32Array(source.length);
  for (let i = 0; i < source.length; i++) {
    const code = source[i]!;
    codes[i] = code < 0 ? none : rank[code]!;
  }
  const legend: LegendEntry[] = order.map((code, r) => ({
    value: values[code]!,
    label: values[code]!,
    color: colors[r]!,
    count: counts[code]!,
  }));
  for (const code of grey) {
    legend.push({
      value: values[code]!,
      label: `${muted!.label} (${values[code]})`,
      color: nullColor,
      count: counts[code]!,
      muted: true,
    });
  }
  if (counts[k]! > 0) {
    legend.push({
      value: NULL_VALUE,
      label: 'none',
      color: nullColor,
      count: counts[k]!,
      muted: true,
    });
  }
  return {
    kind: 'categorical',
    field,
    codes,
    palette: [...colors, ...grey.map(() => nullColor), nullColor],
    legend,
    paletteValues: [
      ...order.map((code) => values[code]!),
      ...grey.map((c) => values[c]!),
      NULL_VALUE,
    ],
    classes: order.length,
  };
}

export function encodeContinuous(
  field: string,
  values: Float32Array | Float64Array,
  min: number,
  max: number,
  range: [number, number] | null,
  nullColor: string,
): ContinuousEncoding {
  const [lo, hi] = range ?? [min, max];
  const span = hi - lo;
  const codes = new Float32Array(values.length);
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) {
      codes[i] = BINS;
      missing++;
      continue;
    }
    const t = span > 0 ? (v - lo) / span : 0.5;
    codes[i] = t <= 0 ? 0 : t >= 1 ? BINS - 1 : Math.floor(t * (BINS - 1) + 0.5);
  }
  return {
    kind: 'continuous',
    field,
    codes,
    palette: [...continuousColors(BINS), nullColor],
    range: [lo, hi],
    extent: [min, max],
    missing,
  };
}

/**
 * The point indices to draw when classes are hidden (legend) and, in "vanish" mode,
 * filtered-out points removed; null when every point is drawn.
 */
export function visibleIndices(
  encoding: ColorEncoding,
  hidden: readonly string[],
  pass: Uint8Array | null,
): Uint32Array | null {
  const n = encoding.codes.length;
  let hiddenCodes: Uint8Array | null = null;
  if (encoding.kind === 'categorical' && hidden.length > 0) {
    const set = new Set(hidden);
    hiddenCodes = Uint8Array.from(encoding.paletteValues, (v) => (set.has(v) ? 1 : 0));
    if (!hiddenCodes.includes(1)) hiddenCodes = null;
  }
  if (!hiddenCodes && !pass) return null;
  const out = new Uint32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (pass && pass[i] === 0) continue;
    if (hiddenCodes && hiddenCodes[encoding.codes[i]!] === 1) continue;
    out[m++] = i;
  }
  return m === n ? null : out.slice(0, m);
}

/** Emphasis levels: they index the map style's `opacity` and `size`. */
export const NORMAL = 0;
/** Placed into the map after it was computed: marked subtly (a little lighter). */
export const PLACED = 1;
/** Failing the filters, in fade mode. */
export const FADED = 2;
/** Placed, with "highlight placed points" on: larger, opaque, on top. */
export const PLACED_HIGHLIGHTED = 3;

/** Per-point emphasis for the map (the levels above). */
export function emphasis(
  placed: Uint8Array,
  highlightPlaced: boolean,
  /** Points failing the filters (pass[i] === 0) fade; null: none do. */
  pass: Uint8Array | null,
): Float32Array {
  const out = new Float32Array(placed.length);
  const placedLevel = highlightPlaced ? PLACED_HIGHLIGHTED : PLACED;
  for (let i = 0; i < placed.length; i++) {
    out[i] = pass && pass[i] === 0 ? FADED : placed[i] === 1 ? placedLevel : NORMAL;
  }
  return out;
}
