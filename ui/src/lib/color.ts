// Palettes and colour arithmetic. Categorical colours are tuned to stay distinct on both
// the light and the dark map background; the continuous scale is perceptually ordered.

/** 20 distinct hues, strongest first (the most frequent classes get the first ones). */
export const CATEGORICAL = [
  '#4e79e6',
  '#f28e2b',
  '#3fa66a',
  '#e15759',
  '#9a6fd0',
  '#1fb3b8',
  '#edc948',
  '#d46fb0',
  '#8c6d4f',
  '#7fb7ff',
  '#ffb26b',
  '#8fd19e',
  '#ff9d9a',
  '#c6a9ee',
  '#7cdcd6',
  '#b8a82c',
  '#f4a9d5',
  '#c49c77',
  '#6178a8',
  '#a3c45a',
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
 * alternating lightness (beyond ~20 classes no palette keeps every pair distinct; this
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
