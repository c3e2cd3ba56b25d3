// Which columns the Explorer asks the points endpoint for, and how they are named in the UI.
import type { SelectGroup, SelectOption } from '../kit';
import { CORRECT } from '../points/derived';
import type { PointTable } from '../points/types';

export const BASE_COLUMNS = ['label', 'prediction', 'score', 'dataset', 'tags'] as const;

/** Loading every metadata field of a wide schema would bloat the payload: the first ones. */
export const MAX_METADATA_COLUMNS = 24;

export const METADATA = 'metadata.';
export const ANALYSIS = 'analysis.';

export interface AnalysisInfo {
  id: string;
  kind: string;
  state: string;
  columns: readonly string[];
  /** Computed before the latest data (rows logged, labels corrected since). */
  stale?: boolean;
  /** A stale result is computed again by the server once ingest settles. */
  autoRefresh?: boolean;
}

/** The ready analysis whose score colours the map, if any. */
export function coloringAnalysis(
  color: string,
  analyses: readonly AnalysisInfo[],
): AnalysisInfo | undefined {
  if (!color.startsWith(ANALYSIS)) return undefined;
  return analyses.find((a) => color.startsWith(`${ANALYSIS}${a.id}.`));
}

/** Metadata keys seen in a sample of datapoints, most common first. */
export function metadataFields(samples: readonly { metadata?: unknown }[]): string[] {
  const counts = new Map<string, number>();
  for (const sample of samples) {
    const metadata = sample.metadata;
    if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) continue;
    for (const [key, value] of Object.entries(metadata)) {
      // Nested objects and lists cannot colour or filter a map.
      if (value !== null && typeof value === 'object') continue;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_METADATA_COLUMNS)
    .map(([key]) => `${METADATA}${key}`);
}

export function analysisColumns(analyses: readonly AnalysisInfo[]): string[] {
  return analyses
    .filter((a) => a.state === 'READY')
    .flatMap((a) => a.columns.map((column) => `${ANALYSIS}${a.id}.${column}`));
}

export function columnLabel(name: string, analyses: readonly AnalysisInfo[] = []): string {
  if (name === '') return 'nothing';
  if (name === CORRECT) return 'correct / incorrect';
  if (name.startsWith(METADATA)) return name.slice(METADATA.length);
  if (name.startsWith(ANALYSIS)) {
    const [id, ...rest] = name.slice(ANALYSIS.length).split('.');
    const analysis = analyses.find((a) => a.id === id);
    return `${analysis ? analysis.kind.replace(/_/g, ' ') : `analysis ${id}`} · ${rest.join('.')}`;
  }
  return name;
}

/** The colour-by choices: what is loaded, plus analysis scores that load on demand. */
export function colorOptions(
  table: PointTable | null,
  analyses: readonly AnalysisInfo[],
  unavailable: ReadonlyMap<string, string> = new Map(),
): (SelectOption | SelectGroup)[] {
  const loaded = table ? [...table.columns.keys()] : [];
  const data = ['label', 'prediction', 'dataset', 'tags', CORRECT, 'score'].filter((c) =>
    loaded.includes(c),
  );
  const metadata = loaded.filter((c) => c.startsWith(METADATA));
  const scores = analysisColumns(analyses).filter((c) => !unavailable.has(c));
  const option = (value: string): SelectOption => {
    const label = columnLabel(value, analyses);
    return { value, label: coloringAnalysis(value, analyses)?.stale ? `${label} (stale)` : label };
  };
  const groups: (SelectOption | SelectGroup)[] = [{ value: '', label: 'nothing' }];
  if (data.length) groups.push({ label: 'Data', options: data.map(option) });
  if (metadata.length) groups.push({ label: 'Metadata', options: metadata.map(option) });
  if (scores.length) groups.push({ label: 'Analyses', options: scores.map(option) });
  return groups;
}
