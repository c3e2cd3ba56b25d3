// Route /: every project with its datasets, spaces, maps and datapoint counts.
import { useQuery } from 'urql';
import { ProjectsQuery } from '../api/projects';
import { useReconnect } from '../api/serverStatus';
import { PageError } from '../app/PageError';
import { EmptyState, icons, Spinner } from '../kit';
import { formatAgo, formatCount } from '../lib/format';
import { onLinkClick, paths } from '../state/router';
import { LogDataSnippet } from './LogDataSnippet';
import './projects.css';

export function ProjectsPage() {
  const [{ data, fetching, error }, reexecute] = useQuery({ query: ProjectsQuery });
  useReconnect(() => reexecute({ requestPolicy: 'network-only' }));
  const projects = data?.projects ?? [];
  return (
    <div className="p-page">
      <header className="p-head">
        <h1>Projects</h1>
        {fetching && data && <Spinner label="Refreshing" />}
      </header>
      {error && !data && (
        <PageError
          title="Cannot load the projects"
          error={error}
          onRetry={() => reexecute({ requestPolicy: 'network-only' })}
        />
      )}
      {!data && fetching && (
        <div className="p-center">
          <Spinner size="lg" label="Loading projects" />
        </div>
      )}
      {data && projects.length === 0 && (
        <div className="k-card">
          <EmptyState
            title="No data yet"
            icon={<icons.MapIcon size={28} />}
            data-testid="empty-projects"
          >
            <p>Log embeddings from Python and they appear here as a project with a map:</p>
            <LogDataSnippet />
          </EmptyState>
        </div>
      )}
      {projects.length > 0 && (
        <div className="k-card p-table-wrap">
          <table className="p-table" data-testid="projects-table">
            <thead>
              <tr>
                <th>Project</th>
                <th>Datasets</th>
                <th className="p-num">Datapoints</th>
                <th>Spaces</th>
                <th className="p-num">Maps</th>
                <th className="p-num">Tags</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {projects.map((project) => {
                const datapoints = project.datasets.reduce((sum, d) => sum + d.datapointCount, 0);
                const maps = project.spaces.flatMap((s) => s.projections);
                const ready = maps.filter((p) => p.state === 'READY').length;
                const href = paths.project(project.name);
                return (
                  <tr key={project.id}>
                    <td>
                      <a
                        href={href}
                        onClick={(event) => onLinkClick(event, href)}
                        className="p-strong"
                        data-testid={`project-link-${project.name}`}
                      >
                        {project.name}
                      </a>
                    </td>
                    <td>
                      <span className="p-chips">
                        {project.datasets.map((d) => (
                          <span key={d.id} className="p-chip">
                            {d.name}{' '}
                            <span className="faint num">{formatCount(d.datapointCount)}</span>
                          </span>
                        ))}
                        {project.datasets.length === 0 && <span className="faint">none</span>}
                      </span>
                    </td>
                    <td className="p-num num" data-testid={`project-datapoints-${project.name}`}>
                      {formatCount(datapoints)}
                    </td>
                    <td>
                      {project.spaces.map((s) => s.name).join(', ') || (
                        <span className="faint">none</span>
                      )}
                    </td>
                    <td className="p-num num">
                      {ready}
                      {maps.length > ready && <span className="faint"> / {maps.length}</span>}
                    </td>
                    <td className="p-num num">{project.tags.length}</td>
                    <td className="faint" title={project.createdAt}>
                      {formatAgo(project.createdAt)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
