import { describe, expect, it } from 'vitest';
import { idLookup } from '../../points/lookup';
import {
  describeHits,
  describeMeaning,
  hitsOnMap,
  MAX_SEARCH_CHARS,
  searchTextProblem,
} from './search';

describe('searchTextProblem', () => {
  it('lets ordinary text through, wildcards and all', () => {
    expect(searchTextProblem('cat')).toBeNull();
    expect(searchTextProblem('50%_off (a+)+$')).toBeNull();
    expect(searchTextProblem('x'.repeat(MAX_SEARCH_CHARS))).toBeNull();
  });
  it('refuses empty, too long and NUL text before anything is sent', () => {
    expect(searchTextProblem('')).toMatch(/Type something/);
    expect(searchTextProblem('   ')).toMatch(/Type something/);
    expect(searchTextProblem('x'.repeat(10 * 1024 * 1024))).toMatch(/limited to 1,000 characters/);
    expect(searchTextProblem('a\u0000b')).toMatch(/NUL/);
  });
});

describe('hitsOnMap', () => {
  it('turns the ids on this map into a sorted selection and drops the others', () => {
    const lookup = idLookup(new Float64Array([10, 20, 30, 40]));
    expect(Array.from(hitsOnMap(['40', '10', '99'], lookup))).toEqual([0, 3]);
    expect(hitsOnMap([], lookup).length).toBe(0);
  });
});

describe('describeHits', () => {
  it('says how many, whether truncated, and how many are on the map', () => {
    expect(describeHits({ count: 0, truncated: false, listed: 0, onMap: 0 })).toBe('No hits');
    expect(describeHits({ count: 1, truncated: false, listed: 1, onMap: 1 })).toBe('1 hit');
    expect(describeHits({ count: 3, truncated: false, listed: 3, onMap: 3 })).toBe('3 hits');
    expect(describeHits({ count: 244_898, truncated: true, listed: 100_000, onMap: 100_000 })).toBe(
      '244,898 hits · showing first 100,000',
    );
    expect(describeHits({ count: 12, truncated: false, listed: 12, onMap: 10 })).toBe(
      '12 hits · 10 on this map',
    );
  });
});

describe('describeMeaning', () => {
  it('names the model and the hits off this map', () => {
    expect(describeMeaning(100, 100, 'm')).toBe('100 nearest in meaning (m)');
    expect(describeMeaning(100, 80, 'm')).toBe('100 nearest in meaning (m) · 80 on this map');
    expect(describeMeaning(0, 0, 'm')).toBe('No datapoints to compare with');
  });
});
