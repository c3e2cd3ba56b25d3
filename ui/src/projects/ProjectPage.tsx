// Route /p/<project>: datasets, spaces with their maps and analyses, and recent jobs live.
import { useMemo } from 'react';
import { useQuery } from 'urql';
import { describeError } from '../api/client';
import { ProjectQuery } from '../api/projects';
import { useReconnect } from '../api/serverStatus';
import { useMayWrite } from '../api/session';
import { PageError } from '../app/PageError';
import { Button, EmptyState, ErrorBox, icons, Panel, Spinner } from '../kit';
import { formatAgo, formatCount } from '../lib/format';
import { navigate, onLinkClick, paths } from '../state/router';
import { JobsPanel } from './JobsPanel';
import { LogDataSnippet } from './LogDataSnippet';
import { LiveJobs } from './liveJobs';
import { SpaceCard } from './SpaceCard';
import './projects.css';
import { useJobs } from './useJobs';

export function ProjectPage({ project }: { project: string }) {
  const mayWrite = useMayWrite();
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: ProjectQuery,
    variables: { name: project },
  });
  const refresh = () => reexecute({ requestPolicy: 'network-only' });
  const jobs = useJobs(project, refresh);
  useReconnect(refresh);
  const info = data?.project;
  const liveJobs = useMemo(() => new Map(jobs.jobs.map((job) => [job.id, job])), [jobs.jobs]);

  if (error && !info) {
    const { code } = describeError(error);
    return (
      <div className="p-page">
        <PageError
          title={code === 'not_found' ? 'No such project' : 'Cannot load the project'}
          error={error}
          onRetry={refresh}
        />
        <p>
          <a href="/" onClick={(event) => onLinkClick(event, '/')}>
            All projects
          </a>
        </p>
      </div>
    );
  }
  if (!info) {
    return (
      <div className="p-page p-center">
        <Spinner size="lg" label="Loading project" />
      </div>
    );
  }
  const datapoints = info.datasets.reduce((sum, d) => sum + d.datapointCount, 0);
  const ready = info.spaces.flatMap((s) => s.projections).filter((p) => p.state === 'READY');
  const latest = ready[ready.length - 1];
  const onStarted = () => {
    jobs.refetch();
    refresh();
  };
  return (
    <div className="p-page">
      <header className="p-head">
        <div>
          <h1>{info.name}</h1>
          <p className="faint">
            {formatCount(datapoints)} datapoints in {info.datasets.length} dataset
            {info.datasets.length === 1 ? '' : 's'} · created {formatAgo(info.createdAt)}
            {fetching && <Spinner />}
          </p>
        </div>
        <div className="p-head__actions">
          {ready.length > 1 && (
            <Button
              onClick={() => navigate(paths.compare(project))}
              data-testid="open-compare"
              title="Two maps side by side, linked by datapoint"
            >
              Compare maps
            </Button>
          )}
          {latest && (
            <Button
              variant="primary"
              icon={<icons.MapIcon />}
              onClick={() => navigate(paths.explore(project, `projection=${latest.id}`))}
              data-testid="open-explorer"
            >
              Open the map
            </Button>
          )}
        </div>
      </header>

      {info.datasets.length === 0 && info.spaces.length === 0 ? (
        <div className="k-card">
          <EmptyState
            title="This project is empty"
            icon={<icons.MapIcon size={28} />}
            data-testid="empty-project"
          >
            <p>Log embeddings into it from Python:</p>
            <LogDataSnippet project={info.name} />
          </EmptyState>
        </div>
      ) : (
        <div className="p-columns">
          <div className="p-main">
            <section className="k-card p-section">
              <h2 className="p-section__title">Datasets</h2>
              <table className="p-table p-table--compact" data-testid="datasets">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th className="p-num">Datapoints</th>
                    <th>Created</th>
                  </tr>
                </thead>
                <tbody>
                  {info.datasets.map((d) => (
                    <tr key={d.id}>
                      <td className="p-strong">{d.name}</td>
                      <td className="p-num num">{formatCount(d.datapointCount)}</td>
                      <td className="faint">{formatAgo(d.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {info.tags.length > 0 && (
                <p className="p-chips p-tags">
                  <span className="faint">Tags</span>
                  {info.tags.map((t) => (
                    <span key={t.name} className="p-chip">
                      {t.name} <span className="faint num">{formatCount(t.datapointCount)}</span>
                    </span>
                  ))}
                </p>
              )}
            </section>
            <h2 className="p-section__title p-section__title--out">Spaces</h2>
            {!mayWrite && (
              <p className="faint" data-testid="read-only-note">
                Signed in as a viewer: you can read and export. Computing maps and analyses, tagging
                and correcting labels need the editor role (an admin gives it:{' '}
                <code>chroma users role NAME editor</code>).
              </p>
            )}
            {info.spaces.length === 0 && <p className="faint">No embeddings logged yet.</p>}
            <LiveJobs.Provider value={liveJobs}>
              {info.spaces.map((space) => (
                <SpaceCard key={space.id} project={project} space={space} onStarted={onStarted} />
              ))}
            </LiveJobs.Provider>
          </div>
          <aside className="k-card p-side">
            <Panel title="Jobs" actions={!jobs.data && jobs.fetching ? <Spinner /> : null}>
              {jobs.error && !jobs.data ? (
                <ErrorBox
                  title="Cannot load jobs"
                  message={describeError(jobs.error).message}
                  onRetry={jobs.refetch}
                />
              ) : (
                <JobsPanel jobs={jobs.jobs} onChanged={jobs.refetch} />
              )}
            </Panel>
          </aside>
        </div>
      )}
    </div>
  );
}
