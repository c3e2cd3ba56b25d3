// The Explorer's view as a URL query, so a link reproduces it: projection, colour-by (and
// its range, hidden classes), filters, display settings, selection, camera and the opened
// datapoint. Defaults are left out; values are escaped one by one, so commas separate
// list items safely.
import { emptyFilters, type Filters } from '../points/facets';

export interface Camera {
  x: number;
  y: number;
  distance: number;
}

export interface ExplorerView {
  projection: string | null;
  /** A column name (label, prediction, dataset, tags, correct, score, metadata.<f>, analysis.<id>.<c>). */
  color: string;
  /** The continuous colour scale's range; null: the column's extent. */
  colorRange: [number, number] | null;
  /** Legend values hidden from the map. */
  hidden: string[];
  filters: Filters;
  /** Filtered-out points fade (true) or vanish (false). */
  fade: boolean;
  /**
   * Highlight points placed into the map after it was computed (larger, on top); off, they
   * are only a little lighter than the others.
   */
  showPlaced: boolean;
  /** Point size in CSS pixels; null: chosen from the number of points. */
  pointSize: number | null;
  opacity: number;
  /** Selected datapoint ids (at most SELECTION_CAP) and how many were selected. */
  selection: { ids: number[]; total: number };
  camera: Camera | null;
  /** The datapoint open in the side panel. */
  datapoint: string | null;
  /** The analysis whose ranking the review queue steps through (explorer/review/). */
  review: string | null;
}

/** Selections up to this many points travel in the link; larger ones leave a note. */
export const SELECTION_CAP = 500;

/** A point size that reads well for a map of `count` points (dense maps want small dots). */
export function autoPointSize(count: number): number {
  if (count <= 5_000) return 5;
  if (count <= 50_000) return 3.5;
  if (count <= 300_000) return 2.5;
  return 1.5;
}

export const DEFAULT_VIEW: ExplorerView = {
  projection: null,
  color: 'label',
  colorRange: null,
  hidden: [],
  filters: emptyFilters(),
  fade: true,
  showPlaced: false,
  pointSize: null,
  opacity: 0.8,
  selection: { ids: [], total: 0 },
  camera: null,
  datapoint: null,
  review: null,
};

const enc = encodeURIComponent;

function list(values: readonly string[]): string {
  return values.map(enc).join(',');
}

function num(value: number, digits = 4): string {
  return String(Number(value.toFixed(digits)));
}

/** Sorted ids as base-36 deltas joined by dots: ~3 characters an id for dense selections. */
export function encodeIds(ids: readonly number[]): string {
  const sorted = [...ids].sort((a, b) => a - b);
  let previous = 0;
  return sorted
    .map((id) => {
      const delta = id - previous;
      previous = id;
      return delta.toString(36);
    })
    .join('.');
}

export function decodeIds(text: string): number[] {
  const out: number[] = [];
  let previous = 0;
  for (const part of text.split('.')) {
    if (!part) continue;
    const delta = Number.parseInt(part, 36);
    if (!Number.isFinite(delta)) continue;
    previous += delta;
    out.push(previous);
  }
  return out;
}

export function encodeView(view: ExplorerView): string {
  const parts: string[] = [];
  const put = (key: string, value: string) => parts.push(`${enc(key)}=${value}`);
  if (view.projection) put('projection', enc(view.projection));
  if (view.color !== DEFAULT_VIEW.color) put('color', enc(view.color));
  if (view.colorRange) put('crange', `${num(view.colorRange[0], 6)},${num(view.colorRange[1], 6)}`);
  if (view.hidden.length > 0) put('hide', list(view.hidden));
  for (const field of Object.keys(view.filters.values).sort()) {
    const values = view.filters.values[field]!;
    if (values.length > 0) put(`f.${field}`, list(values));
  }
  for (const field of Object.keys(view.filters.ranges).sort()) {
    const [lo, hi] = view.filters.ranges[field]!;
    put(`r.${field}`, `${num(lo, 6)},${num(hi, 6)}`);
  }
  for (const field of Object.keys(view.filters.matches ?? {}).sort()) {
    put(`m.${field}`, enc(view.filters.matches![field]!));
  }
  if (!view.fade) put('filtered', 'hide');
  if (view.showPlaced) put('placed', '1');
  if (view.pointSize !== null) put('size', num(view.pointSize, 2));
  if (view.opacity !== DEFAULT_VIEW.opacity) put('opacity', num(view.opacity, 2));
  if (view.selection.ids.length > 0 && view.selection.ids.length <= SELECTION_CAP) {
    put('sel', encodeIds(view.selection.ids));
  }
  if (view.selection.total > view.selection.ids.length || view.selection.total > SELECTION_CAP) {
    put('seln', String(view.selection.total));
  }
  if (view.camera) {
    const { x, y, distance } = view.camera;
    put('cam', `${num(x)},${num(y)},${num(distance)}`);
  }
  if (view.datapoint) put('dp', enc(view.datapoint));
  if (view.review) put('review', enc(view.review));
  return parts.join('&');
}

function numbers(text: string, count: number): number[] | null {
  const values = text.split(',').map(Number);
  return values.length === count && values.every(Number.isFinite) ? values : null;
}

export function decodeView(search: string): ExplorerView {
  const view: ExplorerView = {
    ...DEFAULT_VIEW,
    filters: { values: {}, ranges: {} },
    selection: { ids: [], total: 0 },
  };
  const query = search.startsWith('?') ? search.slice(1) : search;
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const raw = eq < 0 ? '' : part.slice(eq + 1);
    const value = safeDecode(raw);
    const items = () => raw.split(',').filter(Boolean).map(safeDecode);
    if (key === 'projection') view.projection = value || null;
    else if (key === 'color') view.color = value || DEFAULT_VIEW.color;
    else if (key === 'crange') {
      const range = numbers(raw, 2);
      if (range) view.colorRange = [range[0]!, range[1]!];
    } else if (key === 'hide') view.hidden = items();
    else if (key.startsWith('f.') && key.length > 2) view.filters.values[key.slice(2)] = items();
    else if (key.startsWith('r.') && key.length > 2) {
      const range = numbers(raw, 2);
      if (range) view.filters.ranges[key.slice(2)] = [range[0]!, range[1]!];
    } else if (key.startsWith('m.') && key.length > 2 && value) {
      view.filters.matches = { ...view.filters.matches, [key.slice(2)]: value };
    } else if (key === 'filtered') view.fade = value !== 'hide';
    else if (key === 'placed') view.showPlaced = value === '1';
    else if (key === 'size') view.pointSize = clampNumber(value, 0.5, 40, 4);
    else if (key === 'opacity') view.opacity = clampNumber(value, 0.02, 1, DEFAULT_VIEW.opacity);
    else if (key === 'sel') view.selection.ids = decodeIds(raw);
    else if (key === 'seln') view.selection.total = Math.max(0, Math.floor(Number(value)) || 0);
    else if (key === 'cam') {
      const cam = numbers(raw, 3);
      if (cam && cam[2]! > 0) view.camera = { x: cam[0]!, y: cam[1]!, distance: cam[2]! };
    } else if (key === 'dp') view.datapoint = value || null;
    else if (key === 'review') view.review = value || null;
  }
  view.selection.total = Math.max(view.selection.total, view.selection.ids.length);
  return view;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function clampNumber(text: string, lo: number, hi: number, fallback: number): number {
  const value = Number(text);
  return Number.isFinite(value) ? Math.min(hi, Math.max(lo, value)) : fallback;
}
