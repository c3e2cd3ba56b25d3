// One datapoint's details for a row or tile of the selection, asked for only once it has
// stayed on screen a moment: rows and tiles flying past while scrolling never ask the
// server. Rows and tiles share urql's cache, so switching list and grid asks nothing again.
import { useEffect, useState } from 'react';
import { useQuery } from 'urql';
import { DatapointQuery } from '../api/explorer';

/** How long a row or tile stays before it asks. */
const SETTLE_MS = 150;

export function useSettledDatapoint(project: string, id: string) {
  const [settled, setSettled] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(true), SETTLE_MS);
    return () => clearTimeout(timer);
  }, []);
  const [{ data, fetching }] = useQuery({
    query: DatapointQuery,
    variables: { project, id },
    pause: !settled,
    requestPolicy: 'cache-first',
  });
  return { detail: data?.datapoint ?? null, fetching };
}
