import { describe, expect, it } from 'vitest';
import { JOBS_SHOWN, visibleJobs } from './JobsPanel';
import { jobName } from './jobNames';

describe('job names', () => {
  it('names every kind of job in words', () => {
    const kinds = [
      'space.refresh',
      'space.compact',
      'neighbours.build',
      'neighbours.update',
      'projection.compute',
      'projection.place',
      'analysis.compute',
      'system.wait',
    ];
    for (const kind of kinds) {
      const name = jobName(kind);
      expect(name).not.toContain('.');
      expect(name).toMatch(/^[A-Z]/);
    }
    expect(jobName('space.refresh')).toBe('Update after new data');
  });

  it('spells out a kind it does not know', () => {
    expect(jobName('space.re_index')).toBe('Space: re index');
    expect(jobName('cleanup')).toBe('cleanup');
  });
});

describe('the jobs listed', () => {
  const job = (state: string) => ({ state });

  it('lists running jobs and the latest finished ones, and counts the rest', () => {
    const jobs = [job('RUNNING'), ...Array.from({ length: 12 }, () => job('SUCCEEDED'))];
    jobs.push(job('QUEUED'));
    const { shown, rest } = visibleJobs(jobs, false);
    expect(shown).toHaveLength(JOBS_SHOWN + 2);
    expect(shown.at(-1)!.state).toBe('QUEUED');
    expect(rest).toBe(12 - JOBS_SHOWN);
    expect(visibleJobs(jobs, true)).toEqual({ shown: jobs, rest: 0 });
  });
});
