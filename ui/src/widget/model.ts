// The part of anywidget's model (https://anywidget.dev/en/afm/) the widget uses, typed with
// the traits of chroma/notebook/_widget.py. The kernel owns the points; the widget writes
// only the selection and the colouring back.

/** The synced traits (Python name -> front-end value). */
export interface WidgetState {
  /** The map's points: an Arrow IPC stream (a binary buffer of the model). */
  points: DataView | ArrayBuffer | Uint8Array;
  color_by: string;
  /** The colour-by choices. */
  colors: string[];
  /** Selected rows of the points. */
  selected_indices: number[];
  height: number;
  title: string;
  explorer_url: string;
}

export interface WidgetModel {
  get<K extends keyof WidgetState>(key: K): WidgetState[K];
  set<K extends keyof WidgetState>(key: K, value: WidgetState[K]): void;
  on(event: `change:${keyof WidgetState}`, callback: () => void): void;
  off(event: `change:${keyof WidgetState}`, callback: () => void): void;
  save_changes(): void;
}

/** A binary trait as bytes, whatever shape the widget manager hands it over in. */
export function bytesOf(value: WidgetState['points'] | null | undefined): Uint8Array {
  if (!value) return new Uint8Array(0);
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/** Selected rows as the map wants them: sorted, distinct, within the map. */
export function selectionOf(
  rows: readonly number[] | null | undefined,
  count: number,
): Uint32Array {
  const inside = (rows ?? []).filter((i) => Number.isInteger(i) && i >= 0 && i < count);
  return Uint32Array.from(new Set(inside)).sort();
}
