// The jobs list is polled every second while something runs; the project query is not.
// Rows that show a job (a map being computed, an analysis) read its live state from here.
import { createContext, useContext } from 'react';

export interface JobState {
  id: string;
  state: string;
  progress: number;
  message?: string | null;
}

export const LiveJobs = createContext<ReadonlyMap<string, JobState>>(new Map());

/** The freshest known state of a job (the polled one when there is one). */
export function useLiveJob<T extends JobState>(job: T | null | undefined): T | JobState | null {
  const live = useContext(LiveJobs);
  if (!job) return null;
  return live.get(job.id) ?? job;
}
