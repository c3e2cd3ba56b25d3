// Which of the map's text columns are identifier-like (a request id, a file path: values
// nearly unique per row). The server decides (services/facets.py, `is_identifier`), over
// the datapoints of the map's space; the filters then offer a text box for those fields
// instead of a list of thousands of values of count 1.
import { useMemo } from 'react';
import { useQuery } from 'urql';
import { FacetKindsQuery } from '../api/explorer';
import type { PointTable } from '../points/types';
import { METADATA } from './columns';

const NONE: ReadonlySet<string> = new Set();

/** The table's text columns the server can classify (label, prediction, metadata). */
export function classifiable(table: PointTable): string[] {
  return [...table.columns.entries()]
    .filter(
      ([name, column]) =>
        column.kind === 'category' &&
        (name === 'label' || name === 'prediction' || name.startsWith(METADATA)),
    )
    .map(([name]) => name)
    .sort();
}

export function useIdentifierFields(
  project: string,
  space: string | null,
  table: PointTable,
): ReadonlySet<string> {
  const fields = classifiable(table);
  const key = fields.join('\n');
  // A new array every render would refetch: the variables follow the names only.
  const variables = useMemo(
    () => ({ project, space: space ?? '', fields: key ? key.split('\n') : [] }),
    [project, space, key],
  );
  const [result] = useQuery({
    query: FacetKindsQuery,
    variables,
    pause: space === null || variables.fields.length === 0,
    requestPolicy: 'cache-first',
  });
  const facets = result.data?.facets;
  return useMemo(
    () =>
      facets ? new Set(facets.filter((f) => f.kind === 'IDENTIFIER').map((f) => f.field)) : NONE,
    [facets],
  );
}
