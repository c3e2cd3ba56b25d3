import { describe, expect, it } from 'vitest';
import {
  DEFAULT_VIEW,
  decodeIds,
  decodeView,
  type ExplorerView,
  encodeIds,
  encodeView,
  SELECTION_CAP,
} from './urlState';

const full: ExplorerView = {
  projection: '7',
  color: 'metadata.split, a',
  colorRange: [0.25, 0.75],
  hidden: ['dog', '~null', 'a,b'],
  filters: {
    values: { label: ['cat', 'dog, the', 'ünï'], tags: ['review'] },
    ranges: { score: [0.1, 0.9] },
  },
  fade: false,
  showPlaced: true,
  pointSize: 2.5,
  opacity: 0.4,
  selection: { ids: [3, 17, 1_000_000_007], total: 3 },
  camera: { x: 0.1234, y: -0.5, distance: 0.25 },
  datapoint: '17',
  review: '4',
};

describe('view <-> URL', () => {
  it('round-trips every part of the view', () => {
    expect(decodeView(encodeView(full))).toEqual(full);
  });

  it('leaves defaults out of the URL', () => {
    expect(encodeView({ ...DEFAULT_VIEW, projection: '3' })).toBe('projection=3');
    expect(decodeView('?projection=3')).toEqual({ ...DEFAULT_VIEW, projection: '3' });
  });

  it('highlights placed points only when the link asks (placed=1; old placed=0 links: off)', () => {
    expect(DEFAULT_VIEW.showPlaced).toBe(false);
    expect(encodeView({ ...DEFAULT_VIEW, showPlaced: true })).toBe('placed=1');
    expect(decodeView('?placed=1').showPlaced).toBe(true);
    expect(decodeView('?placed=0').showPlaced).toBe(false);
  });

  it('keeps a large selection as a count only', () => {
    const ids = Array.from({ length: SELECTION_CAP + 1 }, (_, i) => i * 3);
    const query = encodeView({ ...DEFAULT_VIEW, selection: { ids: [], total: ids.length } });
    expect(query).toBe(`seln=${SELECTION_CAP + 1}`);
    expect(decodeView(query).selection).toEqual({ ids: [], total: SELECTION_CAP + 1 });
  });

  it('survives malformed input', () => {
    const view = decodeView('?cam=a,b&size=abc&crange=1&sel=%zz&f.=x&dp=&opacity=9');
    expect(view.camera).toBeNull();
    expect(view.colorRange).toBeNull();
    expect(view.datapoint).toBeNull();
    expect(view.opacity).toBe(1);
    expect(view.pointSize).toBe(4);
  });
});

describe('selection ids', () => {
  it('encodes sorted ids as base-36 deltas', () => {
    expect(encodeIds([10, 2, 36])).toBe('2.8.q');
    expect(decodeIds('2.8.q')).toEqual([2, 10, 36]);
    expect(decodeIds('')).toEqual([]);
  });
});
