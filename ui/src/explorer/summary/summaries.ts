// An analysis's `summary` (JSON, one shape per kind: services/analyses/compute.py) read
// defensively into typed entries the summary panel shows. Anything missing or of another
// shape is left out, never thrown: an older server's summary still shows what it has.
import { ANALYSIS } from '../columns';

export interface ClusterEntry {
  cluster: number;
  size: number;
  /** Rows with a label the description rests on. */
  labelled: number;
  /** Top labels as [value, share among labelled rows]. */
  labels: [string, number][];
  /** Whether enough of the cluster is labelled for its labels to name it (the server's
   * rule, clusters.py MIN_COVERAGE); true from an older server that did not say. */
  labelsSupported: boolean;
  /** The server's one-line description (labels with their coverage, or "mostly
   * unlabelled" and what else it knows); empty from an older server. */
  description: string;
  /** Top datasets as [name, share]. */
  datasets: [string, number][];
  errorRate: number | null;
  words: string[];
  /** Top metadata values per field. */
  metadata: [string, [string, number][]][];
}

export interface DriftEntry {
  cluster: number;
  baselineShare: number;
  currentShare: number;
  /** current - baseline: positive grew (new), negative shrank (vanished). */
  difference: number;
  /** new | grew | steady | shrank | vanished (from the sign when the server did not say). */
  direction: string;
  baselineRows: number;
  currentRows: number;
}

export interface ClustersSummary {
  kind: 'clusters';
  clusters: ClusterEntry[];
  noise: number;
  notOnMap: number;
  projection: number | null;
  drift: { baseline: string; current: string; clusters: DriftEntry[] } | null;
}

export interface OodEntry {
  dataset: string;
  rows: number;
  outside: number;
  fraction: number | null;
}

export interface OutliersSummary {
  kind: 'outliers';
  reference: string[];
  /** The score the flag thresholds (combined | knn); null from an older server. */
  method: string | null;
  threshold: number | null;
  ood: OodEntry[];
}

export interface LeakagePair {
  datasets: [string, string];
  groups: number;
  rows: number;
}

export interface DuplicatesSummary {
  kind: 'duplicates';
  groups: number;
  rows: number;
  threshold: number | null;
  datasets: { name: string; groups: number; rows: number }[];
  pairs: LeakagePair[];
  /** The largest groups' datapoint ids (the server lists the first 20 groups). */
  largest: number[][];
}

export interface OtherSummary {
  kind: 'other';
  /** Plain facts to show as "key: value" (numbers, strings, short lists). */
  facts: [string, string][];
  /** Datapoint ids the summary picks (label_next's `picked`). */
  picked: number[];
}

export type Summary = ClustersSummary | OutliersSummary | DuplicatesSummary | OtherSummary;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown, fallback = 0): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : fallback;
const numOrNull = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : null;
const str = (v: unknown): string => (typeof v === 'string' ? v : String(v ?? ''));
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strings = (v: unknown): string[] => list(v).filter((x) => typeof x === 'string');

/** [[value, share], ...] pairs; values of any type as text. */
function shares(v: unknown): [string, number][] {
  return list(v)
    .filter((p): p is unknown[] => Array.isArray(p) && p.length >= 2)
    .map((p) => [str(p[0]), num(p[1])]);
}

function clusterEntry(v: Json): ClusterEntry {
  const metadata = isObject(v.metadata)
    ? Object.entries(v.metadata).map(
        ([field, top]) => [field, shares(top)] as [string, [string, number][]],
      )
    : [];
  return {
    cluster: num(v.cluster, -1),
    size: num(v.size),
    labelled: num(v.labelled),
    labels: shares(v.labels),
    labelsSupported: typeof v.labels_supported === 'boolean' ? v.labels_supported : true,
    description: typeof v.description === 'string' ? v.description : '',
    datasets: shares(v.datasets),
    errorRate: numOrNull(v.error_rate),
    words: list(v.words)
      .map((w) => (Array.isArray(w) ? str(w[0]) : str(w)))
      .filter(Boolean),
    metadata: metadata.filter(([, top]) => top.length > 0),
  };
}

function parseClusters(s: Json): ClustersSummary {
  const drift = isObject(s.drift) ? s.drift : null;
  return {
    kind: 'clusters',
    clusters: list(s.clusters).filter(isObject).map(clusterEntry),
    noise: num(s.noise),
    notOnMap: num(s.not_on_map),
    projection: numOrNull(s.projection),
    drift: drift
      ? {
          baseline: str(drift.baseline),
          current: str(drift.current),
          clusters: list(drift.clusters)
            .filter(isObject)
            .map((d) => ({
              cluster: num(d.cluster, -1),
              baselineShare: num(d.baseline_share),
              currentShare: num(d.current_share),
              difference: num(d.difference),
              direction:
                typeof d.direction === 'string'
                  ? d.direction
                  : num(d.difference) > 0
                    ? 'grew'
                    : num(d.difference) < 0
                      ? 'shrank'
                      : 'steady',
              baselineRows: num(d.baseline_rows),
              currentRows: num(d.current_rows),
            })),
        }
      : null,
  };
}

function parseOutliers(s: Json): OutliersSummary {
  const ood = isObject(s.ood) ? s.ood : {};
  return {
    kind: 'outliers',
    reference: strings(s.reference),
    method: typeof s.method === 'string' ? s.method : null,
    threshold: numOrNull(s.threshold),
    ood: Object.entries(ood)
      .filter(([, v]) => isObject(v))
      .map(([dataset, v]) => {
        const entry = v as Json;
        return {
          dataset,
          rows: num(entry.rows),
          outside: num(entry.outside),
          fraction: numOrNull(entry.fraction),
        };
      }),
  };
}

function parseDuplicates(s: Json): DuplicatesSummary {
  const datasets = isObject(s.datasets) ? s.datasets : {};
  return {
    kind: 'duplicates',
    groups: num(s.groups),
    rows: num(s.rows),
    threshold: numOrNull(s.threshold),
    datasets: Object.entries(datasets)
      .filter(([, v]) => isObject(v))
      .map(([name, v]) => ({ name, groups: num((v as Json).groups), rows: num((v as Json).rows) })),
    pairs: list(s.pairs)
      .filter(isObject)
      .map((p) => {
        const names = strings(p.datasets);
        return {
          datasets: [names[0] ?? '', names[1] ?? ''] as [string, string],
          groups: num(p.groups),
          rows: num(p.rows),
        };
      })
      .filter((p) => p.datasets[0] && p.datasets[1]),
    largest: list(s.largest).map((g) =>
      list(g).filter((id): id is number => typeof id === 'number'),
    ),
  };
}

const HIDDEN_FACTS = new Set(['picked', 'reused_knn_graph']);

function parseOther(s: Json): OtherSummary {
  const facts: [string, string][] = [];
  for (const [key, value] of Object.entries(s)) {
    if (HIDDEN_FACTS.has(key) || value === null) continue;
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
      facts.push([key.replace(/_/g, ' '), String(value)]);
    } else if (
      Array.isArray(value) &&
      value.length <= 10 &&
      value.every((v) => typeof v !== 'object')
    ) {
      facts.push([key.replace(/_/g, ' '), value.join(', ')]);
    } else if (isObject(value) && Object.values(value).every((v) => typeof v !== 'object')) {
      const parts = Object.entries(value).map(([k, v]) => `${k} ${String(v)}`);
      if (parts.length <= 20) facts.push([key.replace(/_/g, ' '), parts.join(', ')]);
    }
  }
  return {
    kind: 'other',
    facts,
    picked: list(s.picked).filter((id): id is number => typeof id === 'number'),
  };
}

/** The summary of an analysis of `kind`, or null when it has none yet. */
export function parseSummary(kind: string, summary: unknown): Summary | null {
  if (!isObject(summary)) return null;
  if (kind === 'clusters') return parseClusters(summary);
  if (kind === 'outliers') return parseOutliers(summary);
  if (kind === 'duplicates') return parseDuplicates(summary);
  return parseOther(summary);
}

const percent = (share: number): string => `${Math.round(share * 100)}%`;

/** A cluster in a few words: the server's description; from an older server, its top
 * labels, else its distinctive words, else metadata. */
export function describeCluster(entry: ClusterEntry): string {
  if (entry.description) return entry.description;
  if (entry.labels.length > 0) {
    return entry.labels.map(([value, share]) => `${value} ${percent(share)}`).join(' · ');
  }
  if (entry.words.length > 0) return entry.words.slice(0, 4).join(', ');
  const first = entry.metadata[0];
  if (first) {
    const [field, top] = first;
    return `${field}: ${top.map(([value, share]) => `${value} ${percent(share)}`).join(' · ')}`;
  }
  return `cluster ${entry.cluster}`;
}

/** The short text drawn on the map at a cluster's centre: its top label when enough of it
 * is labelled, else its words, else its main dataset. */
export function clusterLabelText(entry: ClusterEntry): string {
  const top = entry.labelsSupported ? entry.labels[0] : undefined;
  if (top) return `${top[0]}${entry.labels.length > 1 ? ` ${percent(top[1])}` : ''}`;
  if (entry.words.length > 0) return entry.words.slice(0, 2).join(' ');
  const dataset = entry.datasets[0];
  if (dataset) return `${dataset[0]} ${percent(dataset[1])}`;
  return `#${entry.cluster}`;
}

/** A signed share difference in percentage points: "+12.5 pts", "−3.0 pts". */
export function signedPoints(difference: number): string {
  const points = difference * 100;
  const sign = points > 0 ? '+' : points < 0 ? '−' : '±';
  return `${sign}${Math.abs(points).toFixed(1)} pts`;
}

/** The analysis column a summary entry's rows are found by. */
export const SUMMARY_COLUMN: Readonly<Record<string, string>> = {
  clusters: 'cluster',
  outliers: 'ood',
  duplicates: 'duplicate_group',
};

/**
 * The column the map's cluster labels are placed by, from the map's analyses alone (no
 * summary needed): the newest ready clusters analysis's, the one the summary panel shows
 * first (useAnalysisSummary's defaultChoice; analyses come oldest first). Known from the
 * Explorer's first GraphQL answer, so the column loads with the points, not after them.
 */
export function clusterLabelColumn(
  analyses: readonly { id: string; kind: string; state: string }[],
): string | null {
  const newest = analyses.findLast((a) => a.kind === 'clusters' && a.state === 'READY');
  return newest ? `${ANALYSIS}${newest.id}.${SUMMARY_COLUMN.clusters}` : null;
}
