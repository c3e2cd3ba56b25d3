// One embedding space: its size, neighbour index, maps (projection sets) and analyses,
// with the actions that start new ones. Maps and analyses are both computed results: one
// table (ComputedTable) and one start form (StartForm), each kind adding its columns.
import { useMutation } from 'urql';
import {
  BuildNeighbourIndexMutation,
  CreateProjectionMutation,
  SetAnalysisAutoRefreshMutation,
} from '../api/projects';
import { useMayWrite } from '../api/session';
import type { ProjectQuery } from '../gql/graphql';
import { Badge, Button, Checkbox, ErrorBox } from '../kit';
import { formatAgo, formatCount } from '../lib/format';
import { onLinkClick, paths } from '../state/router';
import { AnalysisForm } from './AnalysisForm';
import { ComputedTable } from './ComputedTable';
import { StaleBadge } from './StaleBadge';
import { StartForm } from './StartForm';

type Space = NonNullable<ProjectQuery['project']>['spaces'][number];

const ALGORITHMS = [
  { value: 'umap', label: 'UMAP' },
  { value: 'pca', label: 'PCA' },
  { value: 'tsne', label: 't-SNE' },
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
  const mayWrite = useMayWrite();
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
      {mayWrite && (
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
      )}
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
  const [state, create] = useMutation(CreateProjectionMutation);
  return (
    <div className="p-space__block">
      <h4 className="p-subhead">Maps</h4>
      <ComputedTable
        rows={space.projections}
        name={{
          header: 'Map',
          cell: (p) => (
            <>
              <span className="p-strong">{p.algorithm.toUpperCase()}</span>{' '}
              <span className="faint">#{p.id}</span>
            </>
          ),
        }}
        columns={[
          {
            header: 'Points',
            numeric: true,
            cell: (p) => (
              <>
                {formatCount(p.pointCount)}
                {p.placedCount > 0 && (
                  <span className="faint" title="placed after the map was computed">
                    {' '}
                    (+{formatCount(p.placedCount)})
                  </span>
                )}
              </>
            ),
          },
          {
            header: 'Datasets',
            cell: (p) =>
              p.datasets ? (
                p.datasets.map((d) => d.name).join(', ')
              ) : (
                <span className="faint">all</span>
              ),
          },
        ]}
        actions={(p) => {
          if (p.state !== 'READY' && p.pointCount === 0) return null;
          const href = paths.explore(project, `projection=${encodeURIComponent(p.id)}`);
          return (
            <a
              href={href}
              onClick={(event) => onLinkClick(event, href)}
              className="k-btn k-btn--sm k-btn--primary"
              data-testid={`projection-link-${p.id}`}
            >
              Explore
            </a>
          );
        }}
        empty="No map of this space yet."
        data-testid={`projections-${space.name}`}
        rowTestId={(p) => `projection-${p.id}`}
      />
      <StartForm
        label="New map"
        choices={ALGORITHMS}
        choiceLabel="Algorithm"
        action="Compute"
        busy={state.fetching}
        onStart={(algorithm) =>
          void create({ project, space: space.name, algorithm }).then(
            (r) => !r.error && onStarted(),
          )
        }
        error={state.error ? mutationError(state.error) : null}
        errorTitle="Cannot start the map"
        choiceTestId={`algorithm-select-${space.name}`}
        actionTestId={`create-projection-${space.name}`}
      />
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
  const [auto, setAuto] = useMutation(SetAnalysisAutoRefreshMutation);
  const mayWrite = useMayWrite();
  const map = space.projections.find((p) => p.state === 'READY');
  return (
    <div className="p-space__block">
      <h4 className="p-subhead">Analyses</h4>
      <ComputedTable
        rows={space.analyses}
        name={{
          header: 'Analysis',
          cell: (a) => (
            <>
              <span className="p-strong">{a.kind.replace(/_/g, ' ')}</span>{' '}
              <span className="faint">#{a.id}</span> <StaleBadge analysis={a} id={a.id} />
            </>
          ),
        }}
        columns={[
          { header: 'Rows', numeric: true, cell: (a) => formatCount(a.rowCount) },
          {
            header: 'Auto refresh',
            cell: (a) => (
              <Checkbox
                checked={a.autoRefresh}
                disabled={auto.fetching || !mayWrite}
                onChange={(on) =>
                  void setAuto({ id: a.id, on }).then((r) => !r.error && onStarted())
                }
                title="Compute it again by itself once new data makes it stale"
                aria-label={`Auto refresh ${a.kind.replace(/_/g, ' ')} #${a.id}`}
                data-testid={`auto-refresh-${a.id}`}
              />
            ),
          },
          {
            header: 'Columns',
            cell: (a) =>
              a.state === 'READY' && map ? (
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
              ) : null,
          },
        ]}
        empty="No analysis yet: they score every datapoint (mislabels, outliers, duplicates…)."
        data-testid={`analyses-${space.name}`}
        rowTestId={(a) => `analysis-${a.id}`}
      />
      <AnalysisForm
        project={project}
        space={space.name}
        maps={space.projections.filter((p) => p.state === 'READY')}
        onStarted={onStarted}
      />
      {auto.error && (
        <ErrorBox title="Cannot change auto refresh" message={mutationError(auto.error)} />
      )}
    </div>
  );
}
