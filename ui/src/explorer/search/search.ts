// The search box's logic, apart from React: what may be sent, which hits are on the map,
// and how the answer reads.
import { formatCount } from '../../lib/format';
import type { IdLookup } from '../../points/lookup';
import { fromIndices, type Selection } from '../../state/selection';

/** The server's limits (services/search.py): longer text is refused before it is sent. */
export const MAX_SEARCH_CHARS = 1000;
export const MAX_SEARCH_HITS = 100_000;
/** The nearest datapoints a search by meaning selects. */
export const MEANING_HITS = 50;

/** Why `text` cannot be searched for, or null when it can. */
export function searchTextProblem(text: string): string | null {
  if (text.trim() === '') return 'Type something to search for.';
  if (text.length > MAX_SEARCH_CHARS)
    return `Search text is limited to ${formatCount(MAX_SEARCH_CHARS)} characters (this is ${formatCount(text.length)}).`;
  if (text.includes('\u0000'))
    return 'The search text holds a NUL character, which matches nothing.';
  return null;
}

/** The hits that are points of this map, as a selection. */
export function hitsOnMap(ids: readonly string[], lookup: IdLookup): Selection {
  const indices: number[] = [];
  for (const id of ids) {
    const index = lookup.indexOf(Number(id));
    if (index >= 0) indices.push(index);
  }
  return fromIndices(indices);
}

export interface SearchOutcome {
  /** Every hit the server counted. */
  count: number;
  truncated: boolean;
  /** Ids the server listed. */
  listed: number;
  /** Of those, the points on this map (the new selection). */
  onMap: number;
}

/** "3 hits", "244,898 hits · showing first 100,000", "12 hits · 10 on this map". */
export function describeHits({ count, truncated, listed, onMap }: SearchOutcome): string {
  if (count === 0) return 'No hits';
  const parts = [`${formatCount(count)} ${count === 1 ? 'hit' : 'hits'}`];
  if (truncated) parts.push(`showing first ${formatCount(listed)}`);
  if (onMap < listed) parts.push(`${formatCount(onMap)} on this map`);
  return parts.join(' · ');
}

/** "50 nearest in meaning (all-MiniLM-L6-v2)", "… · 80 on this map". */
export function describeMeaning(listed: number, onMap: number, model: string): string {
  if (listed === 0) return 'No datapoints to compare with';
  const parts = [`${formatCount(listed)} nearest in meaning (${model})`];
  if (onMap < listed) parts.push(`${formatCount(onMap)} on this map`);
  return parts.join(' · ');
}
