// A project's recent jobs, polled every second while any is queued or running. `onSettled`
// fires when a job finishes, so the page can refresh what it produced.
import { useEffect, useRef } from 'react';
import { useQuery } from 'urql';
import { JobsQuery } from '../api/projects';
import { useReconnect } from '../api/serverStatus';
import { isActive } from './states';

const POLL_MS = 1000;

export function useJobs(project: string, onSettled: () => void) {
  const [result, reexecute] = useQuery({
    query: JobsQuery,
    variables: { project, first: 15 },
    requestPolicy: 'network-only',
  });
  const jobs = result.data?.jobs ?? [];
  const active = jobs.some((job) => isActive(job.state));
  const signature = jobs.map((job) => `${job.id}:${job.state}`).join(',');

  // biome-ignore lint/correctness/useExhaustiveDependencies: re-arm the poll after each answer
  useEffect(() => {
    if (!active || result.fetching) return;
    const timer = setTimeout(() => reexecute({ requestPolicy: 'network-only' }), POLL_MS);
    return () => clearTimeout(timer);
  }, [active, result.fetching, result.data, reexecute]);

  const previous = useRef<string | null>(null);
  const settled = useRef(onSettled);
  settled.current = onSettled;
  useEffect(() => {
    if (previous.current !== null && previous.current !== signature) settled.current();
    previous.current = signature;
  }, [signature]);

  useReconnect(() => reexecute({ requestPolicy: 'network-only' }));
  return { ...result, jobs, refetch: () => reexecute({ requestPolicy: 'network-only' }) };
}
