// In which order the map draws its points, later ones on top: regl-scatterplot draws them
// in one pass without depth, so the order decides what a crowded region shows. Bottom to
// top: faded points; grey ones (none, an id column's noise); then the classes from the
// most to the least frequent (16 incorrect points among 1,781 correct ones stay visible),
// or along a colour scale from low to high (high scores on top); last, placed points
// while they are highlighted. Selected and hovered points are drawn by the map in passes
// of their own, over all of these.
import { BINS, type ColorEncoding, FADED, PLACED_HIGHLIGHTED } from './encoding';

/** Per point: its layer (0 bottom). */
function layers(
  encoding: ColorEncoding,
  emphasis: Float32Array,
): { key: Uint32Array; top: number } {
  const { codes } = encoding;
  const n = codes.length;
  // Layers: 0 faded, 1 grey, 2.. classes or bins, then the highlighted placed points.
  const grey = encoding.kind === 'categorical' ? encoding.classes : BINS;
  const top = grey + 2;
  const key = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const e = emphasis[i];
    if (e === FADED) key[i] = 0;
    else if (e === PLACED_HIGHLIGHTED) key[i] = top;
    else {
      const code = codes[i]!;
      key[i] = code >= grey ? 1 : 2 + code;
    }
  }
  return { key, top };
}

/**
 * The draw order (a permutation of the point indices), or null when it is the points' own
 * order. A counting sort: linear in the points, stable (ties keep their index order).
 */
export function drawOrder(encoding: ColorEncoding, emphasis: Float32Array): Uint32Array | null {
  const { key, top } = layers(encoding, emphasis);
  const n = key.length;
  const starts = new Uint32Array(top + 2);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    starts[key[i]! + 1]!++;
    if (i > 0 && key[i]! < key[i - 1]!) sorted = false;
  }
  if (sorted) return null;
  for (let k = 1; k < starts.length; k++) starts[k]! += starts[k - 1]!;
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[starts[key[i]!]!++] = i;
  return out;
}
