import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  Bool,
  Dictionary,
  Field,
  Float32,
  Int16,
  Int64,
  List,
  Table,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { decodeColumn, decodePoints } from './decode';
import { addDerivedColumns } from './derived';
import { hasBit } from './types';

// Written by pyarrow exactly as the server writes GET /api/v1/points
// (fixtures/make_points_fixture.py).
const fixture = new Uint8Array(
  readFileSync(resolve(process.cwd(), 'src/points/fixtures/points.arrow')),
);

describe('decodePoints on the server encoding', () => {
  const table = decodePoints(fixture);

  it('reads ids, coordinates and the placed flag into typed arrays', () => {
    expect(table.count).toBe(5);
    expect(table.ids).toBeInstanceOf(Float64Array);
    expect(Array.from(table.ids)).toEqual([10, 11, 12, 13, 2 ** 40]);
    expect(table.x).toBeInstanceOf(Float32Array);
    expect(Array.from(table.x)).toEqual([0, 2, 4, 1, 3]);
    expect(Array.from(table.placed)).toEqual([0, 0, 0, 1, 1]);
  });

  it('scales the map into [-1, 1] with one factor for both axes', () => {
    const xs = Array.from(table.nx);
    const ys = Array.from(table.ny);
    expect(Math.min(...xs)).toBeCloseTo(-0.92);
    expect(Math.max(...xs)).toBeCloseTo(0.92);
    // x spans 4, y spans 2: y keeps half of x's extent.
    expect(Math.max(...ys) - Math.min(...ys)).toBeCloseTo(0.92);
  });

  it('decodes dictionary columns into codes with -1 for missing values', () => {
    const label = table.columns.get('label');
    expect(label?.kind).toBe('category');
    if (label?.kind !== 'category') return;
    const text = Array.from(label.codes, (c) => (c < 0 ? null : label.values[c]));
    expect(text).toEqual(['cat', 'dog', null, 'cat', 'bird']);
    expect(label.codes).toBeInstanceOf(Int32Array);
  });

  it('decodes numbers with NaN for missing values and their extent', () => {
    const score = table.columns.get('score');
    expect(score?.kind).toBe('number');
    if (score?.kind !== 'number') return;
    expect(Number.isNaN(score.values[2])).toBe(true);
    expect(score.min).toBeCloseTo(0.1);
    expect(score.max).toBeCloseTo(0.9);
    const epoch = table.columns.get('metadata.epoch');
    expect(epoch?.kind === 'number' && epoch.values).toBeInstanceOf(Float64Array);
  });

  it('decodes tags into one bitset per tag, in name order', () => {
    const tags = table.columns.get('tags');
    expect(tags?.kind).toBe('tags');
    if (tags?.kind !== 'tags') return;
    expect(tags.values).toEqual(['a', 'review']);
    const carrying = (t: number) => [0, 1, 2, 3, 4].filter((i) => hasBit(tags.members[t]!, i));
    expect(carrying(0)).toEqual([2, 4]);
    expect(carrying(1)).toEqual([0, 2]);
  });

  it('turns booleans into a false/true category', () => {
    const flag = table.columns.get('analysis.3.flag');
    expect(flag?.kind === 'category' && Array.from(flag.codes)).toEqual([1, -1, 0, 1, 0]);
  });

  it('derives correct / incorrect from label and prediction', () => {
    const correct = addDerivedColumns(table).columns.get('correct');
    expect(correct?.kind === 'category' && Array.from(correct.codes)).toEqual([0, 1, -1, -1, 0]);
  });
});

describe('decodeColumn', () => {
  it('merges the dictionaries of several batches onto one list of values', () => {
    const type = new Dictionary(new Utf8(), new Int16());
    const first = vectorFromArray(['a', 'b', 'a'], type);
    const second = vectorFromArray(['c', 'a', null], type);
    const column = decodeColumn(first.concat(second));
    expect(column.kind).toBe('category');
    if (column.kind !== 'category') return;
    expect(Array.from(column.codes, (c) => (c < 0 ? null : column.values[c]))).toEqual([
      'a',
      'b',
      'a',
      'c',
      'a',
      null,
    ]);
  });

  it('reads a stream written by apache-arrow itself', () => {
    const bytes = tableToIPC(
      new Table({
        id: vectorFromArray([BigInt(1), BigInt(2)], new Int64()),
        x: vectorFromArray([1, 2], new Float32()),
        y: vectorFromArray([3, 4], new Float32()),
        placed: vectorFromArray([true, false], new Bool()),
        tags: vectorFromArray([['x'], null], new List(new Field('item', new Utf8(), true))),
      }),
      'stream',
    );
    const table = decodePoints(bytes);
    expect(Array.from(table.ids)).toEqual([1, 2]);
    expect(Array.from(table.placed)).toEqual([1, 0]);
    expect(table.columns.get('tags')?.kind).toBe('tags');
  });
});
