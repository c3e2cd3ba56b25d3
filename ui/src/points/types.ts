// The Explorer's in-memory point table: one typed array per column, decoded once from the
// Arrow stream of GET /api/v1/points. Nothing here holds one JS object per point, so a
// million points cost a few tens of MB and every pass over them is a tight typed loop.
//
// Tables are immutable once built: a change (a tag, a merged column) makes a new table
// object that shares every array it did not change (points/table.ts). So `===` on a table,
// or on one of its columns, tells React exactly what changed. Typed arrays cannot be typed
// read-only: never write into one that a table already holds.

/** A categorical column: `codes[i]` indexes `values`, -1 where the value is missing. */
export interface CategoryColumn {
  readonly kind: 'category';
  readonly codes: Int32Array;
  readonly values: readonly string[];
}

/** A numeric column: NaN where the value is missing; `min`/`max` over the finite values. */
export interface NumberColumn {
  readonly kind: 'number';
  readonly values: Float32Array | Float64Array;
  readonly min: number;
  readonly max: number;
}

/**
 * A multi-valued column (tags): for each value a bitset over the points
 * (`members[t]` has bit i set when point i carries `values[t]`). A bitset per tag keeps
 * tagging cheap (a change copies one tag's bitset, N/8 bytes, and shares the others).
 */
export interface TagsColumn {
  readonly kind: 'tags';
  readonly values: readonly string[];
  readonly members: readonly Uint32Array[];
}

export type Column = CategoryColumn | NumberColumn | TagsColumn;

export interface PointTable {
  readonly count: number;
  /**
   * Datapoint ids (int64 on the wire; exact as doubles below 2^53). Shared by every table
   * derived from one load, so it also tells whether two tables come from the same load.
   */
  readonly ids: Float64Array;
  /** The map's coordinates as the server computed them. */
  readonly x: Float32Array;
  readonly y: Float32Array;
  /** The same, scaled into [-1, 1] (one factor for both axes, so shapes keep their aspect). */
  readonly nx: Float32Array;
  readonly ny: Float32Array;
  /** 1 for points placed into the map after it was computed. */
  readonly placed: Uint8Array;
  readonly columns: ReadonlyMap<string, Column>;
  /**
   * A KDBush index over (nx, ny), built off the main thread, in the format regl-scatterplot
   * reads (`draw(..., { spatialIndex })`): without it the map would post a million small
   * arrays to its own worker to build one.
   */
  readonly spatialIndex?: ArrayBuffer;
}

export const hasBit = (bits: Uint32Array, i: number): boolean =>
  ((bits[i >>> 5]! >>> (i & 31)) & 1) === 1;

export const setBit = (bits: Uint32Array, i: number, on: boolean): void => {
  if (on) bits[i >>> 5]! |= 1 << (i & 31);
  else bits[i >>> 5]! &= ~(1 << (i & 31));
};

export const bitsetFor = (count: number): Uint32Array => new Uint32Array((count + 31) >>> 5);

/** A table of no points: lets screens render (and the map start) before the real one. */
export const EMPTY_TABLE: PointTable = {
  count: 0,
  ids: new Float64Array(0),
  x: new Float32Array(0),
  y: new Float32Array(0),
  nx: new Float32Array(0),
  ny: new Float32Array(0),
  placed: new Uint8Array(0),
  columns: new Map(),
};
