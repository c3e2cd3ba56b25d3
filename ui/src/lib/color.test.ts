import { describe, expect, it } from 'vitest';
import {
  CATEGORICAL,
  categoricalColors,
  continuousColor,
  continuousColors,
  hexToRgb,
  mix,
  rgbToHex,
} from './color';
import { deltaE, hexToLab, minPairwiseDeltaE } from './colorDistance';

describe('colour helpers', () => {
  it('converts between hex and rgb', () => {
    expect(hexToRgb('#ff8000')).toEqual([255, 128, 0]);
    expect(hexToRgb('#fff')).toEqual([255, 255, 255]);
    expect(rgbToHex([0, 128, 255])).toBe('#0080ff');
    expect(mix('#000000', '#ffffff', 0.5)).toBe('#808080');
  });

  it('makes as many distinct categorical colours as asked', () => {
    expect(categoricalColors(3)).toEqual(CATEGORICAL.slice(0, 3));
    const many = categoricalColors(60);
    expect(many).toHaveLength(60);
    expect(new Set(many).size).toBe(60);
    for (const color of many) expect(color).toMatch(/^#[0-9a-f]{6}$/);
  });

  it('samples the continuous scale from its first to its last stop', () => {
    expect(continuousColor(0)).toBe('#440154');
    expect(continuousColor(1)).toBe('#fde725');
    expect(continuousColor(-5)).toBe('#440154');
    expect(continuousColor(Number.NaN)).toBe('#440154');
    expect(continuousColors(5)).toHaveLength(5);
  });

  it('keeps 12, 20 and 24 classes apart (no two shades of one hue)', () => {
    expect(CATEGORICAL.length).toBeGreaterThanOrEqual(24);
    expect(minPairwiseDeltaE(CATEGORICAL.slice(0, 12))).toBeGreaterThan(19);
    expect(minPairwiseDeltaE(CATEGORICAL.slice(0, 20))).toBeGreaterThan(15);
    expect(minPairwiseDeltaE(CATEGORICAL.slice(0, 24))).toBeGreaterThan(13);
    // Two shades of one hue (the old palette's orange and light orange) are far closer.
    expect(deltaE('#f28e2b', '#ffb26b')).toBeLessThan(13);
  });

  it('shows every categorical colour on both map backgrounds, apart from the grey', () => {
    const backgrounds = ['#fbfbfa', '#0c0d10'];
    const greys = ['#b9bbbf', '#4a4d55'];
    for (const color of CATEGORICAL) {
      const [L, a, b] = hexToLab(color);
      expect(L).toBeGreaterThanOrEqual(49);
      expect(L).toBeLessThanOrEqual(73);
      expect(Math.hypot(a, b)).toBeGreaterThan(35);
      for (const bg of backgrounds) expect(deltaE(color, bg)).toBeGreaterThan(20);
      for (const grey of greys) expect(deltaE(color, grey)).toBeGreaterThan(20);
    }
  });
});
