// The review queue's logic, free of React and GraphQL: which analysis columns rank the rows,
// the ranking itself (a snapshot over the points that pass the filters), the labels one
// can pick, and the stepping through rows with a history of decisions and their undo.
import type { PointTable } from '../../points/types';
import { ANALYSIS, type AnalysisInfo } from '../columns';

/** The points column of an analysis's `column`. */
export const analysisColumn = (analysisId: string, column: string) =>
  `${ANALYSIS}${analysisId}.${column}`;

export interface ReviewColumns {
  /** The points column that ranks the rows (highest first). */
  score: string;
  /** The points column with each row's suggested label (mislabels), or null. */
  suggestion: string | null;
}

/**
 * The columns a review of `analysis` reads: for mislabels its `mislabel_score` and
 * `suggested_label`; for another kind the score the map is coloured by when it is one of
 * this analysis's columns, else the analysis's first column (the kind's main score).
 */
export function reviewColumns(analysis: AnalysisInfo, color: string): ReviewColumns | null {
  const has = (c: string) => analysis.columns.includes(c);
  if (analysis.kind === 'mislabels' && has('mislabel_score')) {
    return {
      score: analysisColumn(analysis.id, 'mislabel_score'),
      suggestion: has('suggested_label') ? analysisColumn(analysis.id, 'suggested_label') : null,
    };
  }
  const prefix = `${ANALYSIS}${analysis.id}.`;
  if (color.startsWith(prefix) && has(color.slice(prefix.length))) {
    return { score: color, suggestion: null };
  }
  const first = analysis.columns.find((c) => c !== 'evidence' && c !== 'suggested_label');
  return first ? { score: analysisColumn(analysis.id, first), suggestion: null } : null;
}

/**
 * The rows to review, as point indices, highest score first (ties by index): the points
 * that pass the filters (`pass`: 1 = passes; null: all) and have a finite score, and, with
 * a suggestion column, only those with a suggestion.
 */
export function buildQueue(
  table: PointTable,
  columns: ReviewColumns,
  pass: Uint8Array | null,
): number[] {
  const score = table.columns.get(columns.score);
  if (score?.kind !== 'number') return [];
  const suggestion = columns.suggestion ? table.columns.get(columns.suggestion) : undefined;
  const suggestions = suggestion?.kind === 'category' ? suggestion.codes : null;
  if (columns.suggestion && !suggestions) return [];
  const out: number[] = [];
  for (let i = 0; i < table.count; i++) {
    if (pass && pass[i] !== 1) continue;
    if (!Number.isFinite(score.values[i]!)) continue;
    if (suggestions && suggestions[i]! < 0) continue;
    out.push(i);
  }
  const values = score.values;
  return out.sort((a, b) => values[b]! - values[a]! || a - b);
}

/** A category value of a point, or null. */
export function categoryAt(table: PointTable, column: string | null, index: number) {
  if (!column) return null;
  const found = table.columns.get(column);
  if (found?.kind !== 'category') return null;
  const code = found.codes[index]!;
  return code >= 0 ? (found.values[code] ?? null) : null;
}

export function numberAt(table: PointTable, column: string, index: number): number | null {
  const found = table.columns.get(column);
  if (found?.kind !== 'number') return null;
  const value = found.values[index]!;
  return Number.isFinite(value) ? value : null;
}

/**
 * The labels one can pick, in a stable order (so their numbers stay put): the map's labels
 * and the analysis's suggestions, sorted naturally ("2" before "10").
 */
export function labelChoices(table: PointTable, suggestion: string | null): string[] {
  const names = new Set<string>();
  for (const column of ['label', suggestion]) {
    const found = column ? table.columns.get(column) : undefined;
    if (found?.kind === 'category') for (const v of found.values) if (v !== '') names.add(v);
  }
  return [...names].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

/** Labels matching what was typed (case-insensitive; prefix matches first). */
export function filterLabels(labels: readonly string[], typed: string): string[] {
  const q = typed.trim().toLowerCase();
  if (!q) return [...labels];
  const starts = labels.filter((l) => l.toLowerCase().startsWith(q));
  const contains = labels.filter(
    (l) => !l.toLowerCase().startsWith(q) && l.toLowerCase().includes(q),
  );
  return [...starts, ...contains];
}

export type Decision = 'RELABEL' | 'CONFIRM' | 'UNSURE';

/** One decision of this session, as the server stored it. */
export interface DecisionEntry {
  /** The correction's id (what undo names). */
  id: string;
  /** Where in the queue it was made. */
  position: number;
  index: number;
  datapointId: string;
  decision: Decision;
  labelBefore: string | null;
  labelAfter: string | null;
  undone: boolean;
}

export interface ReviewState {
  /** The current row's position in the queue; `queue.length` once past the last. */
  position: number;
  /** This session's decisions, oldest first (undone ones stay, marked). */
  history: DecisionEntry[];
  /** Rows skipped in this session (positions). */
  skipped: number;
}

export const START: ReviewState = { position: 0, history: [], skipped: 0 };

export type ReviewAction =
  | { type: 'decided'; entry: Omit<DecisionEntry, 'undone'>; length: number }
  | { type: 'skip'; length: number }
  | { type: 'back' }
  | { type: 'undone'; id: string };

export function reviewReducer(state: ReviewState, action: ReviewAction): ReviewState {
  switch (action.type) {
    case 'decided':
      return {
        ...state,
        history: [...state.history, { ...action.entry, undone: false }],
        position: Math.min(action.length, action.entry.position + 1),
      };
    case 'skip':
      return {
        ...state,
        position: Math.min(action.length, state.position + 1),
        skipped: state.position < action.length ? state.skipped + 1 : state.skipped,
      };
    case 'back':
      return { ...state, position: Math.max(0, state.position - 1) };
    case 'undone': {
      const entry = state.history.find((e) => e.id === action.id);
      if (!entry || entry.undone) return state;
      return {
        ...state,
        history: state.history.map((e) => (e === entry ? { ...e, undone: true } : e)),
        // Back to the row it was made on, to decide again.
        position: entry.position,
      };
    }
  }
}

/** The decision `z` undoes: the latest of this session not undone yet. */
export function lastLive(history: readonly DecisionEntry[]): DecisionEntry | null {
  for (let i = history.length - 1; i >= 0; i--) if (!history[i]!.undone) return history[i]!;
  return null;
}

/** Picking the label a row already has is a confirmation, not a relabel. */
export function decisionFor(
  current: string | null,
  picked: string,
): { decision: Decision; label: string | null } {
  return picked === current
    ? { decision: 'CONFIRM', label: null }
    : { decision: 'RELABEL', label: picked };
}
