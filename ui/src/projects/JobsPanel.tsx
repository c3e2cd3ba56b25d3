// Recent jobs with live progress (polled while any runs), their errors, and cancel. Named
// in words (jobNames.ts); running jobs and the latest few finished ones are listed, the
// rest behind "Show all".
import { useState } from 'react';
import { useMutation } from 'urql';
import { CancelJobMutation } from '../api/projects';
import { useMayWrite } from '../api/session';
import type { JobsQuery } from '../gql/graphql';
import { Badge, Button, ErrorBox, Progress } from '../kit';
import { formatAgo, formatDuration, parseTime } from '../lib/format';
import { jobName } from './jobNames';
import { isActive, stateLabel, stateTone } from './states';

/** Finished jobs listed before "Show all". */
export const JOBS_SHOWN = 5;

/** Every running or queued job, then the latest finished ones up to JOBS_SHOWN. */
export function visibleJobs<T extends { state: string }>(
  jobs: readonly T[],
  all: boolean,
): { shown: T[]; rest: number } {
  if (all) return { shown: [...jobs], rest: 0 };
  let finished = 0;
  const shown = jobs.filter((job) => isActive(job.state) || finished++ < JOBS_SHOWN);
  return { shown, rest: jobs.length - shown.length };
}

type Job = JobsQuery['jobs'][number];

export function JobsPanel({ jobs, onChanged }: { jobs: readonly Job[]; onChanged: () => void }) {
  const [cancel, runCancel] = useMutation(CancelJobMutation);
  const [all, setAll] = useState(false);
  const mayWrite = useMayWrite();
  if (jobs.length === 0) return <p className="faint">No jobs yet.</p>;
  const { shown, rest } = visibleJobs(jobs, all);
  return (
    <>
      {cancel.error && (
        <ErrorBox
          title="Cannot cancel"
          message={cancel.error.graphQLErrors[0]?.message ?? cancel.error.message}
        />
      )}
      <ul className="p-jobs" data-testid="jobs">
        {shown.map((job) => (
          <li key={job.id} className="p-job" data-testid={`job-${job.id}`} data-state={job.state}>
            <div className="p-job__line">
              <span className="p-job__kind" title={job.kind} data-testid={`job-name-${job.id}`}>
                {jobName(job.kind)}
              </span>
              <span className="p-grow" />
              <Badge tone={stateTone(job.state)}>{stateLabel(job.state)}</Badge>
              {isActive(job.state) && mayWrite && (
                <Button
                  size="sm"
                  variant="ghost"
                  onClick={() => void runCancel({ id: job.id }).then(onChanged)}
                >
                  Cancel
                </Button>
              )}
            </div>
            {isActive(job.state) && (
              <Progress
                value={job.state === 'QUEUED' ? null : job.progress}
                label={job.message ?? (job.state === 'QUEUED' ? 'waiting for a worker' : 'running')}
                data-testid={`job-progress-${job.id}`}
              />
            )}
            {job.state === 'FAILED' && job.error && (
              <p className="p-job__error" data-testid={`job-error-${job.id}`}>
                {job.error}
              </p>
            )}
            <p className="p-job__meta faint">
              {job.space ? `${job.space.name} · ` : ''}
              {job.finishedAt
                ? `finished ${formatAgo(job.finishedAt)}${
                    job.startedAt
                      ? ` · took ${formatDuration(parseTime(job.finishedAt) - parseTime(job.startedAt))}`
                      : ''
                  }`
                : job.startedAt
                  ? `started ${formatAgo(job.startedAt)}`
                  : `queued ${formatAgo(job.createdAt)}`}
            </p>
          </li>
        ))}
      </ul>
      {rest > 0 && (
        <Button size="sm" variant="ghost" onClick={() => setAll(true)} data-testid="jobs-show-all">
          Show all ({rest} more)
        </Button>
      )}
      {all && jobs.length > JOBS_SHOWN && (
        <Button size="sm" variant="ghost" onClick={() => setAll(false)}>
          Show fewer
        </Button>
      )}
    </>
  );
}
