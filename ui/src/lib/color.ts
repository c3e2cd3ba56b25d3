// Palettes and colour arithmetic. Categorical colours are tuned to stay distinct on both
// the light and the dark map background; the continuous scale is perceptually ordered.

/**
 * 24 categorical colours, most distinct first: the first k stay as far apart as k colours
 * can (a Glasbey-style palette: each colour is the one farthest, in CIEDE2000, from those
 * before it), chosen among colours of mid lightness (CIELAB L* 50-72) and clear chroma, so
 * every one stands out on the light and on the dark map background and none looks like
 * the grey of "none" / noise. The 12 first are at least 19 apart, the 20 first 15 (two
 * shades of one hue, like an orange and a light orange, are closer than 13).
 * lib/color.test.ts checks these numbers.
 */
export const CATEGORICAL = [
  '#4e79e6',
  '#f28e2b',
  '#3fa66a',
  '#e15759',
  '#fa00fa',
  '#877800',
  '#00b9c3',
  '#eb96be',
  '#9bb900',
  '#14afff',
  '#b9a0ff',
  '#9169aa',
  '#a5693c',
  '#e60082',
  '#d7aa00',
  '#508700',
  '#f09b82',
  '#f55000',
  '#8c50ff',
  '#00c81e',
  '#b48c4b',
  '#f587fa',
  '#0087be',
  '#9b9b55',
];

/** Viridis-like stops (dark blue-violet -> teal -> yellow), sampled linearly. */
const CONTINUOUS_STOPS = [
  '#440154',
  '#482878',
  '#3e4989',
  '#31688e',
  '#26828e',
  '#1f9e89',
  '#35b779',
  '#6ece58',
  '#b5de2b',
  '#fde725',
];

export type Rgb = [number, number, number];

export function hexToRgb(hex: string): Rgb {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? [...h].map((c) => c + c).join('') : h;
  const n = Number.parseInt(full.slice(0, 6), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function rgbToHex([r, g, b]: Rgb): string {
  const part = (v: number) =>
    Math.round(Math.max(0, Math.min(255, v)))
      .toString(16)
      .padStart(2, '0');
  return `#${part(r)}${part(g)}${part(b)}`;
}

export function mix(a: string, b: string, t: number): string {
  const x = hexToRgb(a);
  const y = hexToRgb(b);
  return rgbToHex([x[0] + (y[0] - x[0]) * t, x[1] + (y[1] - x[1]) * t, x[2] + (y[2] - x[2]) * t]);
}

function hslToHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return rgbToHex([f(0) * 255, f(8) * 255, f(4) * 255]);
}

/**
 * `count` categorical colours: the fixed palette first, then golden-angle hues with
 * alternating lightness (beyond ~24 classes no palette keeps every pair distinct; this
 * keeps neighbours in rank apart).
 */
export function categoricalColors(count: number): string[] {
  const out = CATEGORICAL.slice(0, count);
  for (let i = out.length; i < count; i++) {
    const hue = (i * 137.508) % 360;
    const light = i % 3 === 0 ? 0.62 : i % 3 === 1 ? 0.5 : 0.7;
    out.push(hslToHex(hue, 0.62, light));
  }
  return out;
}

/** The continuous scale at t in [0, 1]. */
export function continuousColor(t: number): string {
  const clamped = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0));
  const at = clamped * (CONTINUOUS_STOPS.length - 1);
  const i = Math.min(CONTINUOUS_STOPS.length - 2, Math.floor(at));
  return mix(CONTINUOUS_STOPS[i]!, CONTINUOUS_STOPS[i + 1]!, at - i);
}

/** `bins` colours evenly along the continuous scale. */
export function continuousColors(bins: number): string[] {
  return Array.from({ length: bins }, (_, i) => continuousColor(bins === 1 ? 0 : i / (bins - 1)));
}

/** A CSS gradient of the continuous scale, for legends. */
export function continuousGradient(direction = 'to right'): string {
  return `linear-gradient(${direction}, ${CONTINUOUS_STOPS.join(', ')})`;
}
