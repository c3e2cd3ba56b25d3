// One embedding space: its size, neighbour index, maps (projection sets) and analyses,
// with the actions that start new ones.
import { useState } from 'react';
import { useMutation } from 'urql';
import {
  BuildNeighbourIndexMutation,
  CreateProjectionMutation,
  RunAnalysisMutation,
} from '../api/projects';
import type { ProjectQuery } from '../gql/graphql';
import { Badge, Button, ErrorBox, Progress, Select } from '../kit';
import { formatAgo, formatCount } from '../lib/format';
import { onLinkClick, paths } from '../state/router';
import { type JobState, useLiveJob } from './liveJobs';
import { isActive, stateLabel, stateTone } from './states';

type Space = NonNullable<ProjectQuery['project']>['spaces'][number];

const ALGORITHMS = [
  { value: 'umap', label: 'UMAP' },
  { value: 'pca', label: 'PCA' },
  { value: 'tsne', label: 't-SNE' },
];

const ANALYSIS_KINDS = [
  { value: 'mislabels', label: 'Likely mislabels' },
  { value: 'outliers', label: 'Outliers' },
  { value: 'duplicates', label: 'Near-duplicates' },
  { value: 'class_distance', label: 'Distance to class' },
  { value: 'clusters', label: 'Clusters' },
  { value: 'label_next', label: 'What to label next' },
];

function mutationError(error: {
  message: string;
  graphQLErrors: readonly { message: string; extensions?: Record<string, unknown> }[];
}) {
  const first = error.graphQLErrors[0];
  if (!first) return error.message;
  const where = typeof first.extensions?.where === 'string' ? ` (${first.extensions.where})` : '';
  return `${first.message}${where}`;
}

export function SpaceCard({
  project,
  space,
  onStarted,
}: {
  project: string;
  space: Space;
  onStarted: () => void;
}) {
  return (
    <section className="k-card p-space" data-testid={`space-${space.name}`}>
      <header className="p-space__head">
        <h3>{space.name}</h3>
        <span className="faint">
          {space.dimension} dims{space.model ? ` · ${space.model}` : ''}
          {space.layer ? ` / ${space.layer}` : ''} · {formatCount(space.vectorCount)} vectors
        </span>
      </header>
      <NeighbourIndex project={project} space={space} onStarted={onStarted} />
      <Projections project={project} space={space} onStarted={onStarted} />
      <Analyses project={project} space={space} onStarted={onStarted} />
    </section>
  );
}

function NeighbourIndex({
  project,
  space,
  onStarted,
}: {
  project: string;
  space: Space;
  onStarted: () => void;
}) {
  const [state, build] = useMutation(BuildNeighbourIndexMutation);
  const index = space.neighbourIndex;
  return (
    <div className="p-space__row">
      <span className="p-label">Neighbour index</span>
      {index ? (
        <span>
          <Badge tone={index.indexedCount >= space.vectorCount ? 'ok' : 'warn'}>
            {index.indexedCount >= space.vectorCount ? 'current' : 'partial'}
          </Badge>{' '}
          <span className="faint">
            {formatCount(index.indexedCount)} vectors · {index.metric} · k={index.graphK} · updated{' '}
            {formatAgo(index.updatedAt)}
          </span>
        </span>
      ) : (
        <span className="faint">not built</span>
      )}
      <span className="p-grow" />
      <Button
        size="sm"
        variant="ghost"
        busy={state.fetching}
        onClick={() =>
          void build({ project, space: space.name }).then((r) => !r.error && onStarted())
        }
      >
        {index ? 'Rebuild' : 'Build'}
      </Button>
      {state.error && (
        <ErrorBox title="Cannot build the index" message={mutationError(state.error)} />
      )}
    </div>
  );
}

function Projections({
  project,
  space,
  onStarted,
}: {
  project: string;
  space: Space;
  onStarted: () => void;
}) {
  const [algorithm, setAlgorithm] = useState('umap');
  const [state, create] = useMutation(CreateProjectionMutation);
  return (
    <div className="p-space__block">
      <h4 className="p-subhead">Maps</h4>
      {space.projections.length === 0 ? (
        <p className="faint">No map of this space yet.</p>
      ) : (
        <table className="p-table p-table--compact" data-testid={`projections-${space.name}`}>
          <thead>
            <tr>
              <th>Map</th>
              <th>State</th>
              <th className="p-num">Points</th>
              <th>Datasets</th>
              <th>Computed</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {space.projections.map((p) => {
              const href = paths.explore(project, `projection=${encodeURIComponent(p.id)}`);
              const openable = p.state === 'READY' || p.pointCount > 0;
              return (
                <tr key={p.id} data-testid={`projection-${p.id}`}>
                  <td>
                    <span className="p-strong">{p.algorithm.toUpperCase()}</span>{' '}
                    <span className="faint">#{p.id}</span>
                  </td>
                  <td>
                    <Badge tone={stateTone(p.state)}>{stateLabel(p.state)}</Badge>
                    <JobProgress job={p.job} />
                    {p.state === 'FAILED' && p.error && <p className="p-job__error">{p.error}</p>}
                  </td>
                  <td className="p-num num">
                    {formatCount(p.pointCount)}
                    {p.placedCount > 0 && (
                      <span className="faint" title="placed after the map was computed">
                        {' '}
                        (+{formatCount(p.placedCount)})
                      </span>
                    )}
                  </td>
                  <td>
                    {p.datasets ? (
                      p.datasets.map((d) => d.name).join(', ')
                    ) : (
                      <span className="faint">all</span>
                    )}
                  </td>
                  <td className="faint">{formatAgo(p.computedAt)}</td>
                  <td className="p-num">
                    {openable ? (
                      <a
                        href={href}
                        onClick={(event) => onLinkClick(event, href)}
                        className="k-btn k-btn--sm k-btn--primary"
                        data-testid={`projection-link-${p.id}`}
                      >
                        Explore
                      </a>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <form
        className="p-inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void create({ project, space: space.name, algorithm }).then(
            (r) => !r.error && onStarted(),
          );
        }}
      >
        <span className="faint">New map</span>
        <Select
          size="sm"
          value={algorithm}
          onChange={setAlgorithm}
          options={ALGORITHMS}
          label="Algorithm"
          data-testid={`algorithm-select-${space.name}`}
        />
        <Button
          size="sm"
          type="submit"
          busy={state.fetching}
          data-testid={`create-projection-${space.name}`}
        >
          Compute
        </Button>
      </form>
      {state.error && (
        <ErrorBox title="Cannot start the map" message={mutationError(state.error)} />
      )}
    </div>
  );
}

function Analyses({
  project,
  space,
  onStarted,
}: {
  project: string;
  space: Space;
  onStarted: () => void;
}) {
  const [kind, setKind] = useState('mislabels');
  const [state, run] = useMutation(RunAnalysisMutation);
  const map = space.projections.find((p) => p.state === 'READY');
  return (
    <div className="p-space__block">
      <h4 className="p-subhead">Analyses</h4>
      {space.analyses.length === 0 ? (
        <p className="faint">
          No analysis yet: they score every datapoint (mislabels, outliers, duplicates…).
        </p>
      ) : (
        <ul className="p-analyses" data-testid={`analyses-${space.name}`}>
          {space.analyses.map((a) => (
            <li key={a.id} className="p-analysis">
              <span className="p-strong">{a.kind.replace(/_/g, ' ')}</span>{' '}
              <span className="faint">#{a.id}</span>{' '}
              <Badge tone={stateTone(a.state)}>{stateLabel(a.state)}</Badge>{' '}
              <span className="faint">
                {formatCount(a.rowCount)} rows · {formatAgo(a.computedAt)}
              </span>
              <JobProgress job={a.job} />
              {a.state === 'FAILED' && a.error && <p className="p-job__error">{a.error}</p>}
              {a.state === 'READY' && map && (
                <span className="p-chips">
                  {a.columns.map((column) => {
                    const href = paths.explore(
                      project,
                      `projection=${map.id}&color=${encodeURIComponent(`analysis.${a.id}.${column}`)}`,
                    );
                    return (
                      <a
                        key={column}
                        href={href}
                        onClick={(event) => onLinkClick(event, href)}
                        className="p-chip p-chip--link"
                        title="Colour the map by it"
                      >
                        {column}
                      </a>
                    );
                  })}
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      <form
        className="p-inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void run({ project, space: space.name, kind }).then((r) => !r.error && onStarted());
        }}
      >
        <span className="faint">Run</span>
        <Select
          size="sm"
          value={kind}
          onChange={setKind}
          options={ANALYSIS_KINDS}
          label="Analysis"
        />
        <Button size="sm" type="submit" busy={state.fetching}>
          Analyse
        </Button>
      </form>
      {state.error && (
        <ErrorBox title="Cannot start the analysis" message={mutationError(state.error)} />
      )}
    </div>
  );
}

/** A running job's progress under the row it produces (live from the polled jobs list). */
function JobProgress({ job }: { job: JobState | null }) {
  const live = useLiveJob(job);
  if (!live || !isActive(live.state)) return null;
  return (
    <Progress
      value={live.state === 'QUEUED' ? null : live.progress}
      label={live.message ?? (live.state === 'QUEUED' ? 'queued' : undefined)}
    />
  );
}
