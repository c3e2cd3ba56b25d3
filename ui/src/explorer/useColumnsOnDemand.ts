// Analysis scores are not in the first download: each loads (and merges into the table) as
// soon as the view colours or filters by it.
import { useEffect } from 'react';
import type { Filters } from '../points/facets';
import { ANALYSIS } from './columns';

/** The analysis columns the view uses that the table lacks. */
export function columnsToLoad(
  color: string,
  filters: Filters,
  loaded: ReadonlyMap<string, unknown>,
): string[] {
  const wanted = [color, ...Object.keys(filters.ranges), ...Object.keys(filters.values)];
  return [...new Set(wanted)].filter((c) => c.startsWith(ANALYSIS) && !loaded.has(c));
}

export function useColumnsOnDemand(
  color: string,
  filters: Filters,
  loaded: ReadonlyMap<string, unknown>,
  ensureColumns: (names: readonly string[]) => void,
): void {
  useEffect(() => {
    const missing = columnsToLoad(color, filters, loaded);
    if (missing.length > 0) ensureColumns(missing);
  }, [color, filters, loaded, ensureColumns]);
}
