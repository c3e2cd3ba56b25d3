// Arrow IPC stream (GET /api/v1/points) -> PointTable. Runs in the loader worker (or on the
// main thread as a fallback). Columns come out as typed arrays; strings exist only once
// per distinct value (dictionaries) or per tag occurrence.
import { type Data, type DataType, Type, tableFromIPC, type Vector } from 'apache-arrow';
import { compareText } from '../lib/text';
import {
  bitsetFor,
  type CategoryColumn,
  type Column,
  type NumberColumn,
  type PointTable,
  setBit,
  type TagsColumn,
} from './types';

const BASE = new Set(['id', 'x', 'y', 'placed']);

export function decodePoints(bytes: Uint8Array): PointTable {
  const table = tableFromIPC(bytes);
  const count = table.numRows;
  const id = table.getChild('id');
  const x = table.getChild('x');
  const y = table.getChild('y');
  if (!id || !x || !y) throw new Error('the points stream has no id, x or y column');
  const xs = toFloat32(x);
  const ys = toFloat32(y);
  const placedVector = table.getChild('placed');
  const { nx, ny } = normalise(xs, ys);
  const columns = new Map<string, Column>();
  for (const field of table.schema.fields) {
    if (BASE.has(field.name)) continue;
    const vector = table.getChild(field.name);
    if (vector) columns.set(field.name, decodeColumn(vector));
  }
  return {
    count,
    ids: toFloat64(id),
    x: xs,
    y: ys,
    nx,
    ny,
    placed: placedVector ? toBool(placedVector) : new Uint8Array(count),
    columns,
  };
}

export function decodeColumn(vector: Vector): Column {
  const type = vector.type as DataType;
  switch (type.typeId) {
    case Type.Dictionary:
      return decodeDictionary(vector);
    case Type.Utf8:
    case Type.LargeUtf8:
      return decodeStrings(vector);
    case Type.Bool: {
      const flags = toBool(vector);
      const codes = new Int32Array(vector.length);
      let at = 0;
      for (const data of vector.data) {
        for (let i = 0; i < data.length; i++, at++) {
          codes[at] = isValid(data, i) ? flags[at]! : -1;
        }
      }
      return { kind: 'category', codes, values: ['false', 'true'] };
    }
    case Type.List:
    case Type.LargeList:
      return decodeTags(vector);
    case Type.Int:
    case Type.Float:
      return decodeNumbers(vector);
    default:
      throw new Error(`unsupported column type ${String(type)}`);
  }
}

function isValid(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || data.nullCount === 0 || bitmap.length === 0) return true;
  const at = data.offset + i;
  return ((bitmap[at >> 3]! >> (at & 7)) & 1) === 1;
}

function decodeDictionary(vector: Vector): CategoryColumn {
  const codes = new Int32Array(vector.length);
  // Each batch may carry its own dictionary (replacement or delta): map every batch's
  // codes onto one list of distinct strings.
  const values: string[] = [];
  const seen = new Map<string, number>();
  let at = 0;
  for (const data of vector.data) {
    const dictionary = data.dictionary;
    const remap = new Int32Array(dictionary ? dictionary.length : 0);
    for (let d = 0; d < remap.length; d++) {
      const value = String(dictionary!.get(d));
      let code = seen.get(value);
      if (code === undefined) {
        code = values.length;
        values.push(value);
        seen.set(value, code);
      }
      remap[d] = code;
    }
    const indices = data.values as ArrayLike<number>;
    const nulls = data.nullCount > 0;
    for (let i = 0; i < data.length; i++, at++) {
      codes[at] = nulls && !isValid(data, i) ? -1 : remap[indices[i]!]!;
    }
  }
  return { kind: 'category', codes, values };
}

function decodeStrings(vector: Vector): CategoryColumn {
  const codes = new Int32Array(vector.length);
  const values: string[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < vector.length; i++) {
    const value = vector.get(i) as string | null;
    if (value === null || value === undefined) {
      codes[i] = -1;
      continue;
    }
    let code = seen.get(value);
    if (code === undefined) {
      code = values.length;
      values.push(value);
      seen.set(value, code);
    }
    codes[i] = code;
  }
  return { kind: 'category', codes, values };
}

function decodeNumbers(vector: Vector): NumberColumn {
  const wide =
    vector.type.typeId === Type.Float && (vector.type as { precision?: number }).precision === 2;
  const values = wide ? new Float64Array(vector.length) : new Float32Array(vector.length);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let at = 0;
  for (const data of vector.data) {
    const source = data.values as ArrayLike<number | bigint>;
    const nulls = data.nullCount > 0;
    const big = source instanceof BigInt64Array || source instanceof BigUint64Array;
    for (let i = 0; i < data.length; i++, at++) {
      if (nulls && !isValid(data, i)) {
        values[at] = Number.NaN;
        continue;
      }
      const v = big ? Number(source[i]) : (source[i] as number);
      values[at] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (min > max) {
    min = 0;
    max = 0;
  }
  return { kind: 'number', values, min, max };
}

function decodeTags(vector: Vector): TagsColumn {
  const count = vector.length;
  const values: string[] = [];
  const members: Uint32Array[] = [];
  const seen = new Map<string, number>();
  const decoder = new TextDecoder();
  let at = 0;
  for (const data of vector.data) {
    const offsets = data.valueOffsets as ArrayLike<number | bigint>;
    const child = data.children[0];
    if (!child) {
      at += data.length;
      continue;
    }
    const childOffsets = child.valueOffsets as ArrayLike<number>;
    const bytes = child.values as Uint8Array;
    for (let i = 0; i < data.length; i++, at++) {
      const start = Number(offsets[i]);
      const end = Number(offsets[i + 1]);
      for (let j = start; j < end; j++) {
        const name = decoder.decode(bytes.subarray(childOffsets[j]!, childOffsets[j + 1]!));
        let tag = seen.get(name);
        if (tag === undefined) {
          tag = values.length;
          values.push(name);
          members.push(bitsetFor(count));
          seen.set(name, tag);
        }
        setBit(members[tag]!, at, true);
      }
    }
  }
  return sortTags({ kind: 'tags', values, members });
}

/** Tags in name order, like the server lists them. */
function sortTags(column: TagsColumn): TagsColumn {
  const order = column.values
    .map((_, i) => i)
    .sort((a, b) => compareText(column.values[a]!, column.values[b]!));
  return {
    kind: 'tags',
    values: order.map((i) => column.values[i]!),
    members: order.map((i) => column.members[i]!),
  };
}

function toFloat32(vector: Vector): Float32Array {
  const out = new Float32Array(vector.length);
  let at = 0;
  for (const data of vector.data) {
    const source = data.values as ArrayLike<number>;
    if (source instanceof Float32Array) {
      out.set(source.subarray(0, data.length), at);
      at += data.length;
    } else {
      for (let i = 0; i < data.length; i++) out[at++] = Number(source[i]);
    }
  }
  return out;
}

/** int64 ids without a BigInt per row: read the two 32-bit halves (little-endian). */
function toFloat64(vector: Vector): Float64Array {
  const out = new Float64Array(vector.length);
  let at = 0;
  for (const data of vector.data) {
    const source = data.values as ArrayLike<number> | BigInt64Array;
    if (source instanceof BigInt64Array || source instanceof BigUint64Array) {
      const words = new Int32Array(source.buffer, source.byteOffset, data.length * 2);
      for (let i = 0; i < data.length; i++) {
        out[at++] = words[2 * i + 1]! * 4294967296 + (words[2 * i]! >>> 0);
      }
    } else {
      for (let i = 0; i < data.length; i++) out[at++] = Number(source[i]);
    }
  }
  return out;
}

function toBool(vector: Vector): Uint8Array {
  const out = new Uint8Array(vector.length);
  let at = 0;
  for (const data of vector.data) {
    const bits = data.values as Uint8Array;
    for (let i = 0; i < data.length; i++, at++) {
      const k = data.offset + i;
      out[at] = (bits[k >> 3]! >> (k & 7)) & 1;
    }
  }
  return out;
}

/** The linear map from a map's coordinates into [-1, 1]: (x - cx) * scale. */
export interface MapFrame {
  cx: number;
  cy: number;
  scale: number;
}

/**
 * The frame that scales the map into [-1, 1] as regl-scatterplot expects, with one factor
 * for both axes (a UMAP's clusters keep their shape) and a small margin so edge points are
 * not clipped.
 */
export function frameOf(x: Float32Array, y: Float32Array): MapFrame {
  let x0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!;
    const b = y[i]!;
    if (a < x0) x0 = a;
    if (a > x1) x1 = a;
    if (b < y0) y0 = b;
    if (b > y1) y1 = b;
  }
  if (x.length === 0) return { cx: 0, cy: 0, scale: 1 };
  const half = Math.max(x1 - x0, y1 - y0) / 2 || 1;
  return { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, scale: 0.92 / half };
}

/** The map's coordinates in its frame (frameOf). */
export function normalise(
  x: Float32Array,
  y: Float32Array,
): { nx: Float32Array; ny: Float32Array } {
  const { cx, cy, scale } = frameOf(x, y);
  const nx = new Float32Array(x.length);
  const ny = new Float32Array(y.length);
  for (let i = 0; i < x.length; i++) {
    nx[i] = (x[i]! - cx) * scale;
    ny[i] = (y[i]! - cy) * scale;
  }
  return { nx, ny };
}
