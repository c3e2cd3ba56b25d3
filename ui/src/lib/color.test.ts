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
});
