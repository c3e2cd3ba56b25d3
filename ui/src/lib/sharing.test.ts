import { describe, expect, it } from 'vitest';
import { keepUnchanged } from './sharing';

describe('keepUnchanged', () => {
  const previous = {
    color: 'label',
    hidden: ['a', 'b'],
    filters: { values: { label: ['cat'] }, ranges: { score: [0, 1] } },
    camera: { x: 0, y: 0, distance: 1 },
    range: null as [number, number] | null,
  };

  it('returns the previous value when everything is equal', () => {
    expect(keepUnchanged(previous, structuredClone(previous))).toBe(previous);
  });

  it('keeps the identity of the equal parts and takes the changed ones', () => {
    const next = { ...structuredClone(previous), camera: { x: 1, y: 0, distance: 1 } };
    const shared = keepUnchanged(previous, next);
    expect(shared).not.toBe(previous);
    expect(shared).toEqual(next);
    expect(shared.hidden).toBe(previous.hidden);
    expect(shared.filters).toBe(previous.filters);
    expect(shared.camera).not.toBe(previous.camera);
  });

  it('shares inside a changed part, and tells a shorter list or a lost key apart', () => {
    const next = structuredClone(previous);
    next.filters.values.label = ['cat', 'dog'];
    const shared = keepUnchanged(previous, next);
    expect(shared.filters).not.toBe(previous.filters);
    expect(shared.filters.ranges).toBe(previous.filters.ranges);
    expect(shared.filters.values.label).toEqual(['cat', 'dog']);
    expect(keepUnchanged(['a', 'b'], ['a'])).toEqual(['a']);
    const lost = keepUnchanged<Record<string, number>>({ a: 1, b: 2 }, { a: 1 });
    expect(lost).toEqual({ a: 1 });
    expect(keepUnchanged<[number, number] | null>([0, 1], null)).toBeNull();
  });
});
