// Route /p/<project>/explore?projection=<id>&...: resolves the projection (the project's
// first ready map when the link names none), finds the metadata columns, loads the points
// with progress, then hands over to <Explorer>.
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { useQuery } from 'urql';
import { AnalysisSummariesQuery } from '../api/analyses';
import { describeError } from '../api/client';
import { ExplorerContextQuery, MetadataSampleQuery } from '../api/explorer';
import { ProjectQuery } from '../api/projects';
import { useReconnect } from '../api/serverStatus';
import { PageError } from '../app/PageError';
import { Button, EmptyState, icons, Spinner } from '../kit';
import { navigate, paths } from '../state/router';
import { ANALYSIS, type AnalysisInfo, BASE_COLUMNS, METADATA, metadataFields } from './columns';
import { Explorer } from './Explorer';
import './explorer.css';
import { clusterLabelColumn } from './summary/summaries';
import { isComputing, useLoadGeneration, usePollWhile } from './useLiveMap';
import { usePoints } from './usePoints';
import { useView } from './useView';

/** Datapoints sampled to learn which metadata fields exist. */
const METADATA_SAMPLE = 500;

export function ExplorerPage({ project }: { project: string }) {
  const viewState = useView();
  const { view, update } = viewState;
  const projection = view.projection;

  // No projection in the link: pick the project's newest ready map.
  const [projectResult, refetchProject] = useQuery({
    query: ProjectQuery,
    variables: { name: project },
    pause: projection !== null,
  });
  const fallback = useMemo(() => {
    const spaces = projectResult.data?.project?.spaces ?? [];
    const ready = spaces.flatMap((s) => s.projections).filter((p) => p.state === 'READY');
    return ready.length > 0 ? ready[ready.length - 1]!.id : null;
  }, [projectResult.data]);
  useEffect(() => {
    if (!projection && fallback) update({ projection: fallback });
  }, [projection, fallback, update]);

  const [context, refetchContext] = useQuery({
    query: ExplorerContextQuery,
    variables: { project, projection: projection ?? '' },
    pause: projection === null,
  });
  // A map that turns ready (or is computed again) while open loads its points again.
  const info = context.data?.projection;
  const generation = useLoadGeneration(projection, info?.state, info?.computedAt);
  // The column the map's cluster labels need, as soon as GraphQL names the analysis.
  const labelColumn = useMemo(
    () => clusterLabelColumn(info?.space?.analyses ?? []),
    [info?.space?.analyses],
  );

  // The first download starts at once, alongside the GraphQL check that the projection
  // exists (a bad link's 404 waits for that answer, which names the error): the base
  // columns plus any column the link names, plus the cluster labels' column when GraphQL
  // has already answered (a later load generation, a cached answer). The set is fixed per
  // projection and generation (changing it would reload every point); metadata fields
  // found by the sample and analysis scores chosen later load on demand and merge in.
  const columnsFor = useRef<{ projection: string; generation: number; columns: string[] } | null>(
    null,
  );
  if (
    projection &&
    (columnsFor.current?.projection !== projection || columnsFor.current.generation !== generation)
  ) {
    const linked = [
      view.color,
      ...Object.keys(view.filters.values),
      ...Object.keys(view.filters.ranges),
      ...Object.keys(view.filters.matches ?? {}),
    ].filter((c) => c.startsWith(ANALYSIS) || c.startsWith(METADATA));
    if (labelColumn) linked.push(labelColumn);
    columnsFor.current = {
      projection,
      generation,
      columns: [...new Set([...BASE_COLUMNS, ...linked])],
    };
  }
  const columns = columnsFor.current?.projection === projection ? columnsFor.current.columns : null;

  const points = usePoints(projection, columns, generation);
  const pointsReady = points.table !== null;
  const { ensureColumns } = points;
  // GraphQL answered after the download started: the labels' column comes in a request of
  // its own alongside it, merged in before the points are first drawn when it is in first.
  // A layout effect: asked for before the Explorer's own effects (the map's WebGL set-up).
  useLayoutEffect(() => {
    if (labelColumn) ensureColumns([labelColumn]);
  }, [labelColumn, ensureColumns]);
  // The labels' names (the analyses' summaries) are asked for at once too, alongside the
  // context and the points: the Explorer's own query (summary/useAnalysisSummary.ts) shares
  // this request (urql runs one of identical operations) and its cached answer.
  useQuery({
    query: AnalysisSummariesQuery,
    variables: { projection: projection ?? '' },
    pause: projection === null,
  });
  // The sample waits for the points (only they use it): the server builds the points
  // response faster without a second query competing for it.
  const [sample] = useQuery({
    query: MetadataSampleQuery,
    variables: { project, first: METADATA_SAMPLE },
    requestPolicy: 'cache-first',
    pause: !pointsReady,
  });
  useReconnect(() => refetchContext({ requestPolicy: 'network-only' }));

  // A map (or an analysis) still being computed: follow it, and show it once it is ready.
  const following =
    isComputing(info?.state) || (info?.space?.analyses ?? []).some((a) => isComputing(a.state));
  usePollWhile(
    projection !== null && following,
    () => refetchContext({ requestPolicy: 'network-only' }),
    context.data,
  );
  // No map in the project yet: look again until one is ready.
  usePollWhile(
    projection === null && Boolean(projectResult.data) && !fallback,
    () => refetchProject({ requestPolicy: 'network-only' }),
    projectResult.data,
  );

  const analyses: AnalysisInfo[] = useMemo(
    () =>
      (context.data?.projection?.space?.analyses ?? []).map((a) => ({ ...a, columns: a.columns })),
    [context.data],
  );

  const sampled = sample.data?.datapoints.nodes;
  const fields = useMemo(() => (sampled ? metadataFields(sampled) : []), [sampled]);
  useEffect(() => {
    if (pointsReady && fields.length > 0) ensureColumns(fields);
  }, [pointsReady, fields, ensureColumns]);

  if (!projection) {
    if (projectResult.error) {
      return (
        <Centered>
          <PageError title="Cannot open this project" error={projectResult.error} />
        </Centered>
      );
    }
    if (projectResult.data && !fallback) {
      return (
        <Centered>
          <EmptyState title="No map yet" icon={<icons.MapIcon size={28} />} data-testid="no-map">
            <p>
              This project has no ready projection. Maps are computed a few seconds after data is
              logged (this page shows the first one once it is ready); you can also start one from
              the project page.
            </p>
            <Button onClick={() => navigate(paths.project(project))}>Open the project</Button>
          </EmptyState>
        </Centered>
      );
    }
    return (
      <Centered>
        <Spinner size="lg" label="Loading project" />
      </Centered>
    );
  }

  if (context.error && !context.data?.projection) {
    const { code } = describeError(context.error);
    return (
      <Centered>
        <PageError
          title={code === 'not_found' ? 'No such map' : 'Cannot open this map'}
          error={context.error}
          onRetry={() => refetchContext({ requestPolicy: 'network-only' })}
        />
        <Button variant="ghost" onClick={() => navigate(paths.project(project))}>
          Back to {project}
        </Button>
      </Centered>
    );
  }

  if (info && info.state !== 'READY' && info.pointCount === 0) {
    return (
      <Centered>
        <EmptyState
          title={`This map is ${info.state.toLowerCase()}`}
          icon={<icons.MapIcon size={28} />}
          data-testid="map-computing"
        >
          {info.error ? (
            <p>{info.error}</p>
          ) : (
            <p>Its points appear here by themselves once the computation finishes.</p>
          )}
          <Button onClick={() => navigate(paths.project(project))}>
            Follow it on the project page
          </Button>
        </EmptyState>
      </Centered>
    );
  }

  // A points error is shown once GraphQL has answered (a 404 for a bad link is "No such
  // map" above); a network error needs no answer to be shown.
  if (
    points.status === 'error' &&
    points.error &&
    !points.table &&
    (info || points.error.network)
  ) {
    return (
      <Centered>
        <PageError title="Cannot load the points" error={points.error} onRetry={points.retry} />
      </Centered>
    );
  }

  if (!info) {
    return (
      <Centered>
        <Spinner size="lg" label="Loading the map" />
      </Centered>
    );
  }

  return (
    <Explorer
      key={projection}
      project={project}
      projection={{ ...info, space: info.space ?? null }}
      analyses={analyses}
      tags={context.data?.project?.tags.map((t) => t.name) ?? []}
      points={points}
      viewState={viewState}
    />
  );
}

function Centered({ children }: { children: React.ReactNode }) {
  return <div className="x-centered">{children}</div>;
}
