// Structural sharing for plain data (what JSON can hold): `next`, with every part that equals
// the same part of `previous` replaced by that previous part. A value decoded afresh (the
// view, from the URL, on every navigation) then keeps the identity of what did not change,
// so hooks can depend on it directly instead of on a serialised copy.

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function keepUnchanged<T>(previous: T, next: T): T {
  return share(previous, next) as T;
}

function share(previous: unknown, next: unknown): unknown {
  if (Object.is(previous, next)) return previous;
  if (Array.isArray(previous) && Array.isArray(next)) {
    const out = next.map((item, i) => share(previous[i], item));
    const same = out.length === previous.length && out.every((item, i) => item === previous[i]);
    return same ? previous : out;
  }
  if (isRecord(previous) && isRecord(next)) {
    const keys = Object.keys(next);
    const out: Record<string, unknown> = {};
    for (const key of keys) out[key] = share(previous[key], next[key]);
    const same =
      keys.length === Object.keys(previous).length &&
      keys.every((key) => key in previous && out[key] === previous[key]);
    return same ? previous : out;
  }
  return next;
}
