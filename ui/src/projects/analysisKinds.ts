// The analysis kinds and their parameters, as the server defines them
// (src/chroma/services/analyses/params.py). analysisKinds.json is exported from there and a
// server test (tests/analyses/test_ui_analysis_kinds.py) fails when the two differ; this
// module adds the UI's words and the same range checks as the server, so a number out of
// range is refused here with the server's message and no request is sent.
import exported from './analysisKinds.json';

export type ParamKind = 'int' | 'float' | 'str' | 'names' | 'weights';

export interface ParamSpec {
  kind: ParamKind;
  default: unknown;
  low: number | null;
  high: number | null;
  optional: boolean;
  choices: readonly string[];
  openLow: boolean;
  openHigh: boolean;
}

export interface KindSpec {
  /** Scores are measured against reference datasets (class_distance, outliers). */
  reference: boolean;
  /** Needs labelled points. */
  labels: boolean;
  description: string;
  columns: readonly string[];
  params: Readonly<Record<string, ParamSpec>>;
}

export const MIN_ROWS: number = exported.minRows;
export const ANALYSIS_KINDS = exported.kinds as unknown as Readonly<Record<string, KindSpec>>;

/** The kinds in the form's order (the server's), with the UI's names. */
export const KIND_LABELS: Readonly<Record<string, string>> = {
  class_distance: 'Distance to class',
  mislabels: 'Likely mislabels',
  outliers: 'Outliers',
  duplicates: 'Near-duplicates',
  clusters: 'Clusters',
  label_next: 'What to label next',
  compare: 'Compare with another space',
};

export const kindLabel = (kind: string): string => KIND_LABELS[kind] ?? kind.replace(/_/g, ' ');

/** The weights label_next mixes (its `weights` parameter's keys). */
export const weightNames = (spec: ParamSpec): string[] =>
  spec.default && typeof spec.default === 'object' ? Object.keys(spec.default) : [];

/** "≥ 1 and ≤ 100", "> 0", "0.5 to < 1": the range of a number parameter, for hints. */
export function rangeText(spec: ParamSpec): string {
  const low = spec.low === null ? '' : `${spec.openLow ? '>' : '≥'} ${spec.low}`;
  const high = spec.high === null ? '' : `${spec.openHigh ? '<' : '≤'} ${spec.high}`;
  return [low, high].filter(Boolean).join(' and ');
}

export type Checked = { ok: true; value: unknown } | { ok: false; message: string };

const MAX_INT = 2 ** 63 - 1;

/**
 * One number parameter typed into the form: the value to send, or why not (the server's
 * words, params.py `_number`). An empty field is "the default" (`value` undefined).
 */
export function checkNumber(name: string, spec: ParamSpec, raw: string): Checked {
  const text = raw.trim();
  if (text === '') return { ok: true, value: undefined };
  const value = Number(text);
  if (!Number.isFinite(value)) return { ok: false, message: `${name} must be a number` };
  if (Math.abs(value) > MAX_INT)
    return { ok: false, message: `${name} must be a number within 64 bits` };
  if (spec.kind === 'int' && !Number.isInteger(value)) {
    return { ok: false, message: `${name} must be a whole number, not ${text}` };
  }
  const lowOk = spec.low === null || (spec.openLow ? value > spec.low : value >= spec.low);
  const highOk = spec.high === null || (spec.openHigh ? value < spec.high : value <= spec.high);
  if (!lowOk || !highOk) {
    const low = spec.low === null ? '' : `${spec.openLow ? '>' : '>='} ${spec.low}`;
    const high = spec.high === null ? '' : `${spec.openHigh ? '<' : '<='} ${spec.high}`;
    return {
      ok: false,
      message: `${name} must be ${[low, high].filter(Boolean).join(' and ')}: ${text}`,
    };
  }
  return { ok: true, value };
}

/** What the form holds: text per number field (`weights.<name>` for weights), names per list. */
export interface FormValues {
  kind: string;
  /** Datasets to analyse; empty: every dataset of the space. */
  datasets: readonly string[];
  /** Reference datasets (kinds that take one); empty: the server's default. */
  reference: readonly string[];
  /** Parameter fields as typed: numbers as text, choices and dataset names as text. */
  params: Readonly<Record<string, string>>;
  /** List parameters (label_next's candidates). */
  lists: Readonly<Record<string, readonly string[]>>;
}

export interface RunRequest {
  kind: string;
  datasets: string[] | null;
  reference: string[] | null;
  params: Record<string, unknown>;
}

export type Built =
  | { ok: true; request: RunRequest }
  | { ok: false; errors: Record<string, string> };

/**
 * The runAnalysis arguments for the form, or per field (`params.<name>`, `reference`,
 * `datasets`, keyed like the server's `where`) why it cannot be sent. Fields left empty are
 * left out: the server fills in their defaults (and decides what it can, e.g. the map).
 */
export function buildRequest(values: FormValues, datasetCount: number): Built {
  const spec = ANALYSIS_KINDS[values.kind];
  if (!spec) return { ok: false, errors: { kind: `unknown analysis kind ${values.kind}` } };
  const errors: Record<string, string> = {};
  const params: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(spec.params)) {
    if (param.kind === 'int' || param.kind === 'float') {
      const checked = checkNumber(name, param, values.params[name] ?? '');
      if (!checked.ok) errors[`params.${name}`] = checked.message;
      else if (checked.value !== undefined) params[name] = checked.value;
    } else if (param.kind === 'str') {
      const text = (values.params[name] ?? '').trim();
      if (text === '') continue;
      if (param.choices.length > 0 && !param.choices.includes(text)) {
        errors[`params.${name}`] = `${name} must be one of ${param.choices.join(', ')}`;
      } else params[name] = text;
    } else if (param.kind === 'names') {
      const names = values.lists[name] ?? [];
      if (names.length > 0) params[name] = [...names];
    } else if (param.kind === 'weights') {
      const weights: Record<string, number> = {};
      const defaults = (param.default ?? {}) as Record<string, number>;
      let given = false;
      for (const weight of weightNames(param)) {
        const field = `${name}.${weight}`;
        const checked = checkNumber(
          field,
          { ...param, kind: 'float', low: 0, high: null },
          values.params[field] ?? '',
        );
        if (!checked.ok) errors[`params.${name}`] = checked.message;
        else if (checked.value !== undefined) {
          weights[weight] = checked.value as number;
          given = true;
        } else weights[weight] = defaults[weight] ?? 0;
      }
      if (given && !errors[`params.${name}`]) {
        if (Object.values(weights).every((w) => w === 0)) {
          errors[`params.${name}`] =
            `at least one of ${weightNames(param).join(', ')} must weigh more than 0`;
        } else params[name] = weights;
      }
    }
  }
  if (values.kind === 'clusters') {
    const baseline = params.baseline as string | undefined;
    const current = params.current as string | undefined;
    if ((baseline === undefined) !== (current === undefined)) {
      errors[`params.${baseline === undefined ? 'baseline' : 'current'}`] =
        'name both baseline and current datasets for drift, or neither';
    } else if (baseline !== undefined && baseline === current) {
      errors['params.current'] = 'baseline and current must be different datasets';
    }
  }
  const analysed = values.datasets.length > 0 ? values.datasets.length : datasetCount;
  if (spec.reference && values.reference.length === 0 && analysed > 1) {
    errors.reference = 'choose the dataset(s) the scores are measured against';
  }
  if (!spec.reference && values.reference.length > 0) {
    errors.reference = `${values.kind} is measured against no reference: leave it out`;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    request: {
      kind: values.kind,
      datasets: values.datasets.length > 0 ? [...values.datasets] : null,
      reference: spec.reference && values.reference.length > 0 ? [...values.reference] : null,
      params,
    },
  };
}

/** The field a server refusal's `where` points at (`params.k.x` -> `params.k`), if any. */
export function fieldOf(where: string | null | undefined): string | null {
  if (!where) return null;
  if (where === 'reference' || where === 'datasets') return where;
  const match = /^params\.([A-Za-z_]+)/.exec(where);
  return match ? `params.${match[1]}` : null;
}
