// One datapoint in full: image or text, label, prediction and score, metadata, tags, and
// its nearest neighbours in the map's space. A neighbour click walks the map there.
import { useQuery } from 'urql';
import { describeError } from '../api/client';
import { DatapointQuery, NeighborsQuery } from '../api/explorer';
import { Badge, ErrorBox, IconButton, icons, Spinner } from '../kit';
import { formatAgo, formatValue } from '../lib/format';
import { FullMedia, snippet, Thumb } from './Media';

export interface DatapointPanelProps {
  project: string;
  space: string | null;
  id: string;
  /** Whether a datapoint id is on this map (neighbours from other datasets may not be). */
  onMap: (id: string) => boolean;
  onOpen: (id: string) => void;
  onClose: () => void;
  onHoverNeighbour: (id: string | null) => void;
  /** Bumped after tagging, to refetch the tags shown here. */
  refresh: number;
}

const NEIGHBOURS = 12;

export function DatapointPanel(props: DatapointPanelProps) {
  const { project, space, id } = props;
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: DatapointQuery,
    variables: { project, id },
    requestPolicy: props.refresh > 0 ? 'cache-and-network' : 'cache-first',
    context: refreshContext(props.refresh),
  });
  const datapoint = data?.datapoint?.id === id ? data.datapoint : null;
  return (
    <div className="x-datapoint" data-testid="datapoint-panel">
      <div className="x-datapoint__head">
        <h2 className="x-datapoint__title">
          {datapoint ? datapoint.key : `#${id}`}
          {datapoint && <span className="faint"> · {datapoint.dataset.name}</span>}
        </h2>
        <IconButton
          label="Close"
          icon={<icons.CloseIcon />}
          size="sm"
          variant="ghost"
          onClick={props.onClose}
        />
      </div>
      {error && !datapoint && (
        <ErrorBox
          title="Cannot load this datapoint"
          message={describeError(error).message}
          onRetry={() => reexecute({ requestPolicy: 'network-only' })}
        />
      )}
      {!datapoint && fetching && (
        <div className="x-center">
          <Spinner size="lg" label="Loading datapoint" />
        </div>
      )}
      {datapoint && (
        <div className="x-datapoint__body">
          <FullMedia source={datapoint} />
          <dl className="x-kv x-kv--wide">
            <dt>label</dt>
            <dd>{datapoint.label ?? <span className="faint">none</span>}</dd>
            <dt>prediction</dt>
            <dd
              className={
                datapoint.prediction && datapoint.label && datapoint.prediction !== datapoint.label
                  ? 'x-wrong'
                  : undefined
              }
            >
              {datapoint.prediction ?? <span className="faint">none</span>}
            </dd>
            <dt>score</dt>
            <dd className="num">
              {datapoint.score === null ? (
                <span className="faint">none</span>
              ) : (
                formatValue(datapoint.score)
              )}
            </dd>
            <dt>tags</dt>
            <dd className="x-tags">
              {datapoint.tags.length === 0 ? (
                <span className="faint">none</span>
              ) : (
                datapoint.tags.map((t) => <Badge key={t}>{t}</Badge>)
              )}
            </dd>
            {datapoint.uri && (
              <>
                <dt>uri</dt>
                <dd className="x-break">{datapoint.uri}</dd>
              </>
            )}
            <dt>id</dt>
            <dd className="num">{datapoint.id}</dd>
            <dt>logged</dt>
            <dd title={datapoint.createdAt}>{formatAgo(datapoint.createdAt)}</dd>
          </dl>
          <Metadata value={datapoint.metadata} />
          {space && <Neighbours {...props} space={space} />}
        </div>
      )}
    </div>
  );
}

function refreshContext(refresh: number) {
  // A new context object per refresh asks urql to run the query again.
  return refresh > 0 ? { refresh } : undefined;
}

function Metadata({ value }: { value: unknown }) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return null;
  return (
    <section>
      <h3 className="x-subhead">Metadata</h3>
      <dl className="x-kv x-kv--wide">
        {entries.map(([key, v]) => (
          <div key={key} className="x-kv__pair">
            <dt>{key}</dt>
            <dd className="x-break">{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function Neighbours({
  project,
  space,
  id,
  onMap,
  onOpen,
  onHoverNeighbour,
}: DatapointPanelProps & { space: string }) {
  const [{ data, fetching, error }, reexecute] = useQuery({
    query: NeighborsQuery,
    variables: { project, space, id, k: NEIGHBOURS },
  });
  return (
    <section>
      <h3 className="x-subhead">
        Nearest neighbours <span className="faint">in {space}</span>
      </h3>
      {fetching && !data && <Spinner label="Finding neighbours" />}
      {error && (
        <ErrorBox
          title="No neighbours"
          message={describeError(error).message}
          onRetry={() => reexecute({ requestPolicy: 'network-only' })}
        />
      )}
      <ol className="x-neighbours" onMouseLeave={() => onHoverNeighbour(null)}>
        {data?.neighbors.map(({ datapoint, distance }) => {
          const here = onMap(datapoint.id);
          return (
            <li key={datapoint.id}>
              <button
                type="button"
                className="x-row-item x-row-item--static"
                onClick={() => onOpen(datapoint.id)}
                onMouseEnter={() => onHoverNeighbour(datapoint.id)}
                title={here ? 'Open it and show it on the map' : 'Open it (not on this map)'}
                data-testid={`neighbour-${datapoint.id}`}
              >
                <Thumb source={datapoint} size={36} />
                <span className="x-row-item__main">
                  <span className="x-row-item__title">
                    {datapoint.label ?? <span className="faint">no label</span>}
                    {datapoint.prediction && datapoint.prediction !== datapoint.label && (
                      <span className="x-wrong"> → {datapoint.prediction}</span>
                    )}
                  </span>
                  <span className="x-row-item__sub faint">
                    {datapoint.text
                      ? snippet(datapoint.text, 60)
                      : `${datapoint.key} · ${datapoint.dataset.name}`}
                    {!here && ' · not on this map'}
                  </span>
                </span>
                <span className="x-row-item__score num" title="distance">
                  {formatValue(distance)}
                </span>
              </button>
            </li>
          );
        })}
      </ol>
      {data && data.neighbors.length === 0 && <p className="x-note">No neighbours found.</p>}
    </section>
  );
}
